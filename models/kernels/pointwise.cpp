#include "pointwise.h"

#include "requant.h"

#include <cstddef>
#include <vector>

namespace dwvp::kernels {

void pointwise_int8(const int8_t* input, int64_t pixels, int in_c, int in_stride,
                    const int8_t* weights, int out_c, const requant_params& q,
                    int8_t* output, int out_stride) {
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w): fold the zero point into the bias
  // so the inner loop is a plain int8 dot product the compiler vectorises.
  // int16 operands let the compiler use 16-bit multiply-add instructions (pmaddwd on
  // any x86-64), and four output channels per pass reuse each loaded input value.
  // They also hold w - weight_zp (-255..255) of asymmetric (ONNX) weights.
  std::vector<int16_t> w16(static_cast<size_t>(out_c) * in_c), x16(in_c);
  for (size_t k = 0; k < w16.size(); ++k)
    w16[k] = static_cast<int16_t>(weights[k] - q.weight_zp);
  std::vector<int32_t> folded_bias(out_c);
  for (int o = 0; o < out_c; ++o) {
    uint32_t weight_sum = 0; // wraps, as the int32 accumulator does
    const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
    for (int i = 0; i < in_c; ++i)
      weight_sum += static_cast<uint32_t>(w[i]);
    folded_bias[o] = static_cast<int32_t>(static_cast<uint32_t>(q.bias ? q.bias[o] : 0) -
                                          static_cast<uint32_t>(q.input_zp) * weight_sum);
  }
  std::vector<int32_t> acc(out_c);
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* x = input + p * in_stride;
    int8_t* y = output + p * out_stride;
    for (int i = 0; i < in_c; ++i)
      x16[i] = x[i];
    const int16_t* xs = x16.data();
    int o = 0;
    for (; o + 4 <= out_c; o += 4) {
      const int16_t* w0 = w16.data() + static_cast<int64_t>(o) * in_c;
      const int16_t* w1 = w0 + in_c;
      const int16_t* w2 = w1 + in_c;
      const int16_t* w3 = w2 + in_c;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int i = 0; i < in_c; ++i) {
        const int32_t xi = xs[i];
        a0 += xi * w0[i];
        a1 += xi * w1[i];
        a2 += xi * w2[i];
        a3 += xi * w3[i];
      }
      acc[o] = a0;
      acc[o + 1] = a1;
      acc[o + 2] = a2;
      acc[o + 3] = a3;
    }
    for (; o < out_c; ++o) {
      const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
      int32_t a = 0;
      for (int i = 0; i < in_c; ++i)
        a += int32_t{xs[i]} * w[i];
      acc[o] = a;
    }
    for (o = 0; o < out_c; ++o) {
      const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc[o]) +
                                             static_cast<uint32_t>(folded_bias[o]));
      int32_t v = (q.scale ? requantize_float(a, q.scale[o])
                           : requantize(a, q.multiplier[o], q.shift[o])) +
                  q.output_zp;
      int8_t out = clamp_to_int8(v, q.act_min, q.act_max);
      y[o] = q.lut ? q.lut[static_cast<uint8_t>(out + 128)] : out;
    }
  }
}

} // namespace dwvp::kernels
