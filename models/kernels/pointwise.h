// int8 pointwise convolution / GEMM kernel (plain C++, no SystemC). The accelerator
// model calls it for values; timing comes from models/gemm_core.
#pragma once

#include <cstdint>

namespace dwvp::kernels {

struct requant_params {
  const int32_t* bias = nullptr;       // [out_c]
  const int32_t* multiplier = nullptr; // [out_c]
  const int32_t* shift = nullptr;      // [out_c]
  int32_t input_zp = 0;
  int32_t output_zp = 0;
  int32_t act_min = -128;
  int32_t act_max = 127;
  const int8_t* lut = nullptr; // optional 256-entry table applied after the clamp
  // DWVP_FLAG_ONNX: binary32 scales [out_c] instead of multiplier and shift, and the
  // weights' zero point (acc sums (x - input_zp) * (w - weight_zp)).
  const float* scale = nullptr;
  int32_t weight_zp = 0;
};

// out[p][o] = clamp(requant(bias[o] + sum_i (in[p][i] - in_zp) * (w[o][i] - w_zp))) for
// `pixels` rows. Input rows are in_stride bytes apart, output rows out_stride.
void pointwise_int8(const int8_t* input, int64_t pixels, int in_c, int in_stride,
                    const int8_t* weights, int out_c, const requant_params& q,
                    int8_t* output, int out_stride);

} // namespace dwvp::kernels
