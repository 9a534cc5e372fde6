// Golden reference of every layer type the MobileNet family needs.
//
// Written apart from the accelerator's kernels (models/kernels) on purpose: tests and
// scenarios compare the platform's outputs against these functions bit for bit, so
// they favour obviousness over speed. Numerics follow TFLite's int8 reference kernels
// (docs/numerics.md). Tensors are int8 NHWC with batch 1, packed.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace golden {

struct shape {
  int h = 1;
  int w = 1;
  int c = 1;
  int elements() const { return h * w * c; }
};

// Fixed-point requantisation primitives (gemmlowp / TFLite).
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t rounding_divide_by_pot(int32_t x, int exponent);
// shift > 0 is a left shift, shift < 0 a right shift (TFLite convention).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);
// Splits a positive real multiplier into a Q31 multiplier in [2^30, 2^31) and a shift.
void quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift);

struct requant {
  std::vector<int32_t> multiplier; // one per output channel
  std::vector<int32_t> shift;      // one per output channel
  // ONNX numerics when not empty (multiplier and shift then unused): one binary32
  // scale per output channel, out = round_half_even(float(acc) * scale) + output_zp.
  std::vector<float> scale = {};
};

// ONNX rounding: a binary32 value to the nearest integer, ties to even (NaN is an
// error; beyond +-2^40 the result saturates there, far outside any 8-bit range).
int64_t onnx_round(float value);
// ONNX requantisation of one accumulator: the binary32 product float(acc) * scale,
// rounded by onnx_round (docs/numerics.md, "ONNX numerics").
int64_t onnx_requantize(int32_t acc, float scale);

struct conv_params {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int32_t input_zp = 0;
  int32_t output_zp = 0;
  int32_t act_min = -128;
  int32_t act_max = 127;
  int32_t weight_zp =
      0; // ONNX asymmetric weights: products are (x - zp) * (w - weight_zp)
};

// Output spatial size for the given input size and params.
shape conv_output_shape(const shape& in, const conv_params& p, int out_c);

// KxK convolution. weights OHWI: [out_c][kernel_h][kernel_w][in.c].
std::vector<int8_t> conv2d(const std::vector<int8_t>& input, const shape& in,
                           const std::vector<int8_t>& weights, int out_c,
                           const std::vector<int32_t>& bias, const requant& q,
                           const conv_params& p);

// Depthwise convolution, depth multiplier 1. weights [kernel_h][kernel_w][in.c].
// FuSe 1xK and Kx1 layers are this with kernel_h == 1 or kernel_w == 1.
std::vector<int8_t> depthwise_conv2d(const std::vector<int8_t>& input, const shape& in,
                                     const std::vector<int8_t>& weights,
                                     const std::vector<int32_t>& bias, const requant& q,
                                     const conv_params& p);

// 1x1 convolution. weights [out_c][in.c]. Only zero points and clamp of p are used.
std::vector<int8_t> pointwise(const std::vector<int8_t>& input, const shape& in,
                              const std::vector<int8_t>& weights, int out_c,
                              const std::vector<int32_t>& bias, const requant& q,
                              const conv_params& p);

// Fully connected: input [in_features], weights [out_features][in_features].
std::vector<int8_t> fully_connected(const std::vector<int8_t>& input,
                                    const std::vector<int8_t>& weights, int out_features,
                                    const std::vector<int32_t>& bias, const requant& q,
                                    const conv_params& p);

// TFLite quantised ADD.
struct add_params {
  int32_t a_zp = 0, b_zp = 0, output_zp = 0;
  int left_shift = 20;
  int32_t a_multiplier = 0;
  int a_shift = 0;
  int32_t b_multiplier = 0;
  int b_shift = 0;
  int32_t output_multiplier = 0;
  int output_shift = 0;
  int32_t act_min = -128, act_max = 127;
  // ONNX numerics when true: the multipliers and shifts above are unused, out =
  // onnx_round(((a - a_zp) * a_scale + (b - b_zp) * b_scale) / output_scale) + zp, each
  // step in binary32 (DequantizeLinear, Add, QuantizeLinear).
  bool onnx = false;
  float a_scale = 0, b_scale = 0, output_scale = 0;
};
// Builds ADD params from float scales the way TFLite prepares them.
add_params make_add_params(double a_scale, int32_t a_zp, double b_scale, int32_t b_zp,
                           double out_scale, int32_t out_zp);
std::vector<int8_t> add(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                        const add_params& p);

// TFLite int8 AVERAGE_POOL_2D: same scale in and out, rounded average over the
// valid (non-padding) elements of each window, then clamp.
struct pool_params {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int32_t act_min = -128, act_max = 127;
};
std::vector<int8_t> average_pool(const std::vector<int8_t>& input, const shape& in,
                                 const pool_params& p);

// Element-wise lookup: out = table[x + 128].
using lut = std::array<int8_t, 256>;
std::vector<int8_t> apply_lut(const std::vector<int8_t>& input, const lut& table);
// Tables computed in double precision from the quantisation parameters.
lut make_hard_swish_lut(double in_scale, int32_t in_zp, double out_scale, int32_t out_zp);
lut make_hard_sigmoid_lut(double in_scale, int32_t in_zp, double out_scale,
                          int32_t out_zp);

// Squeeze-and-excite scaling, TFLite MUL with broadcast of scale over h and w:
// out = clamp(zp_out + MBQM((x - x_zp) * (s[c] - s_zp), multiplier, shift)).
struct mul_params {
  int32_t input_zp = 0, scale_zp = 0, output_zp = 0;
  int32_t output_multiplier = 0;
  int output_shift = 0;
  int32_t act_min = -128, act_max = 127;
};
std::vector<int8_t> channel_multiply(const std::vector<int8_t>& input, const shape& in,
                                     const std::vector<int8_t>& scale,
                                     const mul_params& p);

} // namespace golden
