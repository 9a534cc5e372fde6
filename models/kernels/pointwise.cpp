#include "pointwise.h"

#include "requant.h"

#include <vector>

namespace dwvp::kernels {

void pointwise_int8(const int8_t* input, int64_t pixels, int in_c, int in_stride,
                    const int8_t* weights, int out_c, const requant_params& q,
                    int8_t* output, int out_stride) {
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w): fold the zero point into the bias
  // so the inner loop is a plain int8 dot product the compiler vectorises.
  std::vector<int32_t> folded_bias(out_c);
  for (int o = 0; o < out_c; ++o) {
    int32_t weight_sum = 0;
    const int8_t* w = weights + static_cast<int64_t>(o) * in_c;
    for (int i = 0; i < in_c; ++i)
      weight_sum += w[i];
    folded_bias[o] = (q.bias ? q.bias[o] : 0) - q.input_zp * weight_sum;
  }
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* x = input + p * in_stride;
    int8_t* y = output + p * out_stride;
    for (int o = 0; o < out_c; ++o) {
      const int8_t* w = weights + static_cast<int64_t>(o) * in_c;
      int32_t acc = 0;
      for (int i = 0; i < in_c; ++i)
        acc += static_cast<int32_t>(x[i]) * w[i];
      int32_t v =
          requantize(acc + folded_bias[o], q.multiplier[o], q.shift[o]) + q.output_zp;
      int8_t out = clamp_to_int8(v, q.act_min, q.act_max);
      y[o] = q.lut ? q.lut[static_cast<uint8_t>(out + 128)] : out;
    }
  }
}

} // namespace dwvp::kernels
