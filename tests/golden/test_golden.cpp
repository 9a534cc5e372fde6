// Hand-worked cases for the golden reference. Every expected value is derived in the
// comments from the TFLite/gemmlowp definitions (docs/numerics.md), never by calling
// the code under test. Notation: SRDHM(a, b) = (a*b + nudge) / 2^31 truncated toward
// zero, nudge = 2^30 if a*b >= 0 else 1 - 2^30; RDBPOT rounds half away from zero.
// A multiplier of 2^30 is 0.5 in Q31.
#include "golden.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

using golden::conv_params;
using golden::requant;
using golden::shape;
using i8v = std::vector<int8_t>;

namespace {

constexpr int32_t half = 1 << 30; // 0.5 in Q31
constexpr int32_t i32_min = std::numeric_limits<int32_t>::min();
constexpr int32_t i32_max = std::numeric_limits<int32_t>::max();

requant uniform_requant(int channels, int32_t multiplier, int32_t shift) {
  requant q;
  q.multiplier.assign(channels, multiplier);
  q.shift.assign(channels, shift);
  return q;
}

} // namespace

// ---------------------------------------------------------------------------------
// Fixed-point primitives

TEST_CASE("srdhm: exact products, saturation and limits", "[golden][primitives]") {
  // 2^30 * 2^30 * 2 / 2^32 = 2^29.
  CHECK(golden::saturating_rounding_doubling_high_mul(half, half) == (1 << 29));
  // 100 * 0.5 = 50 exactly.
  CHECK(golden::saturating_rounding_doubling_high_mul(100, half) == 50);
  // The only overflow: (-2^31)^2 * 2 / 2^32 = 2^31 does not fit, saturates.
  CHECK(golden::saturating_rounding_doubling_high_mul(i32_min, i32_min) == i32_max);
  // (2^31-1)^2 = 2^62 - 2^32 + 1; + 2^30, / 2^31 = 2^31 - 2 + 0.5000000005 -> 2^31 - 2.
  CHECK(golden::saturating_rounding_doubling_high_mul(i32_max, i32_max) == 2147483646);
  // -2^31 * (2^31-1) = -2^62 + 2^31; + (1 - 2^30) = -2^62 + 2^30 + 1;
  // / 2^31 = -2^31 + 0.5000000005 -> truncated toward zero: -2147483647.
  CHECK(golden::saturating_rounding_doubling_high_mul(i32_min, i32_max) == -2147483647);
  CHECK(golden::saturating_rounding_doubling_high_mul(0, i32_min) == 0);
}

TEST_CASE("srdhm: ties round toward +infinity", "[golden][primitives]") {
  // 3 * 2^30 / 2^31 = 1.5: (3*2^30 + 2^30) / 2^31 = 2.
  CHECK(golden::saturating_rounding_doubling_high_mul(3, half) == 2);
  // -1.5: (-3*2^30 + 1 - 2^30) / 2^31 = -1.9999999995 -> toward zero: -1.
  CHECK(golden::saturating_rounding_doubling_high_mul(-3, half) == -1);
  // -2.5: (-5*2^30 + 1 - 2^30) / 2^31 = -2.9999999995 -> -2.
  CHECK(golden::saturating_rounding_doubling_high_mul(-5, half) == -2);
  // Negative multiplier, positive x: same product, same result.
  CHECK(golden::saturating_rounding_doubling_high_mul(3, -half) == -1);
  // Negative * negative is positive: 1.5 -> 2.
  CHECK(golden::saturating_rounding_doubling_high_mul(-3, -half) == 2);
  // Just below a tie: 1.25 -> (5*2^29 + 2^30) / 2^31 = 1.75 -> 1.
  CHECK(golden::saturating_rounding_doubling_high_mul(5, 1 << 29) == 1);
}

TEST_CASE("rounding_divide_by_pot: ties away from zero", "[golden][primitives]") {
  CHECK(golden::rounding_divide_by_pot(3, 1) == 2);    // 1.5 -> 2
  CHECK(golden::rounding_divide_by_pot(-3, 1) == -2);  // -1.5 -> -2
  CHECK(golden::rounding_divide_by_pot(6, 2) == 2);    // 1.5 -> 2
  CHECK(golden::rounding_divide_by_pot(-6, 2) == -2);  // -1.5 -> -2
  CHECK(golden::rounding_divide_by_pot(10, 2) == 3);   // 2.5 -> 3
  CHECK(golden::rounding_divide_by_pot(-10, 2) == -3); // -2.5 -> -3
  CHECK(golden::rounding_divide_by_pot(5, 2) == 1);    // 1.25 -> 1
  CHECK(golden::rounding_divide_by_pot(-5, 2) == -1);  // -1.25 -> -1
  CHECK(golden::rounding_divide_by_pot(7, 2) == 2);    // 1.75 -> 2
  CHECK(golden::rounding_divide_by_pot(-7, 2) == -2);  // -1.75 -> -2
  CHECK(golden::rounding_divide_by_pot(-1, 1) == -1);  // -0.5 -> -1
  CHECK(golden::rounding_divide_by_pot(1, 1) == 1);    // 0.5 -> 1
  CHECK(golden::rounding_divide_by_pot(1, 2) == 0);    // 0.25 -> 0
  CHECK(golden::rounding_divide_by_pot(-1, 2) == 0);   // -0.25 -> 0
  CHECK(golden::rounding_divide_by_pot(-123, 0) == -123);
  // Exponent 31: -2^31 / 2^31 = -1; 2^30 / 2^31 = 0.5 -> 1; -2^30 / 2^31 -> -1.
  CHECK(golden::rounding_divide_by_pot(i32_min, 31) == -1);
  CHECK(golden::rounding_divide_by_pot(1 << 30, 31) == 1);
  CHECK(golden::rounding_divide_by_pot(-(1 << 30), 31) == -1);
  CHECK(golden::rounding_divide_by_pot(i32_max, 31) == 1); // 0.99999 -> 1
}

TEST_CASE("multiply_by_quantized_multiplier: double rounding and shifts",
          "[golden][primitives]") {
  CHECK(golden::multiply_by_quantized_multiplier(100, half, 0) == 50);
  // Left shift first: 3 << 2 = 12, * 0.5 = 6.
  CHECK(golden::multiply_by_quantized_multiplier(3, half, 2) == 6);
  // 2^30 with shift 1 is exactly 1.0.
  CHECK(golden::multiply_by_quantized_multiplier(-77, half, 1) == -77);
  // 5 * 0.25: SRDHM(5, 2^30) = 2.5 -> 3, then RDBPOT(3, 1) = 1.5 -> 2. The exact
  // product 1.25 would round to 1: TFLite rounds twice and so do we.
  CHECK(golden::multiply_by_quantized_multiplier(5, half, -1) == 2);
  // -5 * 0.25: SRDHM = -2.5 -> -2 (tie toward +inf), RDBPOT(-2, 1) = -1.
  CHECK(golden::multiply_by_quantized_multiplier(-5, half, -1) == -1);
  // -3 * 0.5 = -1.5: SRDHM tie -> -1, no right shift.
  CHECK(golden::multiply_by_quantized_multiplier(-3, half, 0) == -1);
  // -6 * 0.25 = -1.5: SRDHM(-6, 2^30) = -3 exactly, RDBPOT(-3, 1) = -2.
  CHECK(golden::multiply_by_quantized_multiplier(-6, half, -1) == -2);
  // Negative multiplier: 10 * -0.5 = -5 exactly.
  CHECK(golden::multiply_by_quantized_multiplier(10, -half, 0) == -5);
  // 0.75 = 1610612736 / 2^31: 1000 * 0.75 = 750, shift -3: 93.75 -> 94.
  CHECK(golden::multiply_by_quantized_multiplier(1000, 1610612736, -3) == 94);
  // Shift -31 on 2^30 * 0.5 = 2^29 / 2^31 = 0.25 -> 0.
  CHECK(golden::multiply_by_quantized_multiplier(1 << 30, half, -31) == 0);
}

TEST_CASE("multiply_by_quantized_multiplier: out-of-contract inputs",
          "[golden][primitives][errors]") {
  // 2^30 << 1 = 2^31 does not fit int32: undefined in TFLite, refused here.
  CHECK_THROWS_AS(golden::multiply_by_quantized_multiplier(1 << 30, half, 1),
                  std::overflow_error);
  CHECK_THROWS_AS(golden::multiply_by_quantized_multiplier(1, half, 31),
                  std::invalid_argument);
  CHECK_THROWS_AS(golden::multiply_by_quantized_multiplier(1, half, -32),
                  std::invalid_argument);
  CHECK_THROWS_WITH(golden::rounding_divide_by_pot(1, 32), Catch::Contains("exponent"));
  CHECK_THROWS_AS(golden::rounding_divide_by_pot(1, -1), std::invalid_argument);
}

TEST_CASE("quantize_multiplier", "[golden][primitives]") {
  int32_t m = -1;
  int s = -99;
  // frexp(0.5) = 0.5 * 2^0 -> 0.5 * 2^31 = 2^30, shift 0.
  golden::quantize_multiplier(0.5, &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == 0);
  // frexp(1.0) = 0.5 * 2^1.
  golden::quantize_multiplier(1.0, &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == 1);
  // frexp(0.25) = 0.5 * 2^-1.
  golden::quantize_multiplier(0.25, &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == -1);
  // frexp(3.0) = 0.75 * 2^2; 0.75 * 2^31 = 1610612736.
  golden::quantize_multiplier(3.0, &m, &s);
  CHECK(m == 1610612736);
  CHECK(s == 2);
  // 1 - 2^-40: frexp gives q = 1 - 2^-40, shift 0; q * 2^31 = 2^31 - 2^-9 rounds to
  // 2^31, which is halved to 2^30 with the shift bumped to 1.
  golden::quantize_multiplier(1.0 - 1.0 / (1LL << 40), &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == 1);
  // 1 - 2^-31: q * 2^31 = 2^31 - 1 exactly, no round-up -> (2^31 - 1, 0).
  // 1 - 2^-32: q * 2^31 = 2^31 - 0.5, a tie that std::round takes away from zero ->
  // 2^31 -> (2^30, 1).
  golden::quantize_multiplier(1.0 - 1.0 / (1LL << 31), &m, &s);
  CHECK(m == i32_max);
  CHECK(s == 0);
  golden::quantize_multiplier(1.0 - 1.0 / (1LL << 32), &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == 1);
  // Zero is (0, 0); below 2^-32 the shift would be < -31 and TFLite flushes to 0.
  golden::quantize_multiplier(0.0, &m, &s);
  CHECK(m == 0);
  CHECK(s == 0);
  golden::quantize_multiplier(1.0 / (1LL << 40), &m, &s);
  CHECK(m == 0);
  CHECK(s == 0);
  // 2^-32 = 0.5 * 2^-31 is the smallest kept value.
  golden::quantize_multiplier(1.0 / (1LL << 32), &m, &s);
  CHECK(m == (1 << 30));
  CHECK(s == -31);

  CHECK_THROWS_WITH(golden::quantize_multiplier(-0.5, &m, &s),
                    Catch::Contains("real_multiplier"));
  CHECK_THROWS_AS(golden::quantize_multiplier(0.5, nullptr, &s), std::invalid_argument);
}

// ---------------------------------------------------------------------------------
// Convolutions

TEST_CASE("conv_output_shape", "[golden][conv]") {
  conv_params p;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_bottom = p.pad_right = 1;
  // (224 + 0 + 1 - 3) / 2 + 1 = 112.
  shape o = golden::conv_output_shape({224, 224, 3}, p, 32);
  CHECK(o.h == 112);
  CHECK(o.w == 112);
  CHECK(o.c == 32);
  // (5 + 1 + 1 - 3) / 2 + 1 = 3 in h; w 6: (6 + 1 + 1 - 3) / 2 + 1 = 3 (floor of 2.5).
  p.pad_top = p.pad_left = 1;
  o = golden::conv_output_shape({5, 6, 1}, p, 1);
  CHECK(o.h == 3);
  CHECK(o.w == 3);
  // Asymmetric kernel: 1x7 on 1x7 -> 1x1.
  conv_params q;
  q.kernel_h = 1;
  q.kernel_w = 7;
  o = golden::conv_output_shape({1, 7, 4}, q, 4);
  CHECK(o.h == 1);
  CHECK(o.w == 1);
  // Kernel larger than padded input: 2 + 0 + 0 < 3.
  conv_params r;
  r.kernel_h = r.kernel_w = 3;
  CHECK_THROWS_WITH(golden::conv_output_shape({2, 5, 1}, r, 1),
                    Catch::Contains("kernel_h"));
  CHECK_THROWS_WITH(golden::conv_output_shape({5, 2, 1}, r, 1),
                    Catch::Contains("kernel_w"));
  // With one pixel of padding it fits: (2 + 1 - 3) / 1 + 1 = 1.
  r.pad_top = 1;
  CHECK(golden::conv_output_shape({2, 5, 1}, r, 1).h == 1);
}

TEST_CASE("conv2d 3x3 same padding: padding is the input zero point", "[golden][conv]") {
  // Input 3x3x1 raw [[1,2,3],[4,5,6],[7,8,9]], input_zp 1, so x - zp =
  // [[0,1,2],[3,4,5],[6,7,8]]. Weights all 1: each output is the sum of x - zp over
  // the in-bounds part of the window (padding contributes zp - zp = 0; had padding
  // been raw 0, every padded tap would add -1 instead).
  // Sums: corners 0+1+3+4=8, 1+2+4+5=12, 3+4+6+7=20, 4+5+7+8=24;
  // edges 0+1+2+3+4+5=15, 0+1+3+4+6+7=21, 1+2+4+5+7+8=27, 3+...+8=33; centre 36.
  // * 0.5 (SRDHM ties up): 4, 7.5->8, 6, 10.5->11, 18, 13.5->14, 10, 16.5->17, 12.
  // + output_zp -2: 2, 6, 4, 9, 16, 12, 8, 15, 10.
  const i8v input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const i8v weights(9, 1);
  conv_params p;
  p.kernel_h = p.kernel_w = 3;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.input_zp = 1;
  p.output_zp = -2;
  const i8v out =
      golden::conv2d(input, {3, 3, 1}, weights, 1, {0}, uniform_requant(1, half, 0), p);
  CHECK(out == i8v{2, 6, 4, 9, 16, 12, 8, 15, 10});
}

TEST_CASE("conv2d stride 2, two channels, OHWI order, per-channel requant, relu",
          "[golden][conv]") {
  // Input 3x3x2 (y, x, c):
  //   c0 = [[1,2,3],[4,5,6],[7,8,9]]   c1 = [[10,20,-10],[0,30,0],[-10,40,10]]
  // Kernel 2x2, stride 2, pad bottom/right 1 -> out (3+1-2)/2+1 = 2 in each dim.
  // Window top-left (r, c) = (2*oy, 2*ox).
  // oc0 weights (ky,kx,ic): (0,0,0)=1, (0,1,1)=-1, (1,1,1)=1, rest 0, bias -5,
  //   requant 2^30 shift 1 (= x1.0), relu (act_min 0):
  //   (0,0): c0[0][0] - c1[0][1] + c1[1][1] - 5 = 1 - 20 + 30 - 5 = 6
  //   (0,1): c0[0][2] - pad + pad - 5 = 3 - 5 = -2 -> relu 0
  //   (1,0): c0[2][0] - c1[2][1] + pad - 5 = 7 - 40 - 5 = -38 -> 0
  //   (1,1): c0[2][2] - 5 = 4
  // oc1 weights: -1 on every ic0 tap, 0 on ic1, bias 40, requant 2^30 shift -1 (x0.25):
  //   (0,0): -(1+2+4+5) + 40 = 28 -> SRDHM 14 -> RDBPOT(14,1) = 7
  //   (0,1): -(3+6) + 40 = 31 -> SRDHM 15.5 -> 16 -> 8
  //   (1,0): -(7+8) + 40 = 25 -> SRDHM 12.5 -> 13 -> RDBPOT 6.5 -> 7 (exact 6.25)
  //   (1,1): -9 + 40 = 31 -> 8
  const i8v input = {1, 10, 2, 20, 3, -10, 4, 0, 5, 30, 6, 0, 7, -10, 8, 40, 9, 10};
  const i8v weights = {1,  0, 0,  -1, 0,  0, 0,  1,  // oc0: (0,0) (0,1) (1,0) (1,1)
                       -1, 0, -1, 0,  -1, 0, -1, 0}; // oc1
  requant q;
  q.multiplier = {half, half};
  q.shift = {1, -1};
  conv_params p;
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 2;
  p.pad_bottom = p.pad_right = 1;
  p.act_min = 0;
  const i8v out = golden::conv2d(input, {3, 3, 2}, weights, 2, {-5, 40}, q, p);
  CHECK(out == i8v{6, 7, 0, 8, 0, 7, 4, 8});
}

TEST_CASE("conv2d saturates to int8", "[golden][conv]") {
  // 1x1x1 input 127 with input_zp -128: x - zp = 255.
  // w = 127: 255*127 = 32385, * 0.5 = 16192.5 -> 16193 -> clamp 127.
  // w = -128: 255*-128 = -32640, * 0.5 = -16320 -> clamp -128.
  conv_params p;
  p.input_zp = -128;
  const i8v out = golden::conv2d({127}, {1, 1, 1}, {127, -128}, 2, {0, 0},
                                 uniform_requant(2, half, 0), p);
  CHECK(out == i8v{127, -128});
  // A bias that exactly compensates: -32385 + 32385 = 0 -> output_zp 7.
  p.output_zp = 7;
  CHECK(golden::conv2d({127}, {1, 1, 1}, {127}, 1, {-32385}, uniform_requant(1, half, 0),
                       p) == i8v{7});
}

TEST_CASE("depthwise 3x3 stride 2 pad 1 with zero points", "[golden][depthwise]") {
  // Input 3x3x2, input_zp 2. c0 raw [[1,2,3],[4,5,6],[7,8,9]] -> x - zp =
  // [[-1,0,1],[2,3,4],[5,6,7]]; c1 raw all 3 -> x - zp = 1.
  // Weights c0 = [[1,2,1],[2,4,2],[1,2,1]], c1 all 1. Out (3+2-3)/2+1 = 2 per dim;
  // window rows/cols start at 2*o - 1, so each window keeps a 2x2 block:
  //   (0,0): kernel taps (1..2, 1..2) on x[0..1][0..1]: -1*4 + 0*2 + 2*2 + 3*1 = 3
  //   (0,1): taps (1..2, 0..1) on x[0..1][1..2]: 0*2 + 1*4 + 3*1 + 4*2 = 15
  //   (1,0): taps (0..1, 1..2) on x[1..2][0..1]: 2*2 + 3*1 + 5*4 + 6*2 = 39
  //   (1,1): taps (0..1, 0..1) on x[1..2][1..2]: 3*1 + 4*2 + 6*2 + 7*4 = 51
  //   c1: 4 valid taps of weight 1 and value 1 -> 4 everywhere.
  // c0: bias 1, x0.5, zp_out 3: 4->2->5, 16->8->11, 40->20->23, 52->26->29.
  // c1: bias -10 -> -6, requant 2^30 shift 2 (x2): -6<<2 = -24, *0.5 = -12 -> -9.
  const i8v input = {1, 3, 2, 3, 3, 3, 4, 3, 5, 3, 6, 3, 7, 3, 8, 3, 9, 3};
  const i8v weights = {1, 1, 2, 1, 1, 1, 2, 1, 4, 1, 2, 1, 1, 1, 2, 1, 1, 1};
  requant q;
  q.multiplier = {half, half};
  q.shift = {0, 2};
  conv_params p;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.input_zp = 2;
  p.output_zp = 3;
  const i8v out = golden::depthwise_conv2d(input, {3, 3, 2}, weights, {1, -10}, q, p);
  CHECK(out == i8v{5, -9, 11, -9, 23, -9, 29, -9});
}

TEST_CASE("depthwise 1xK (FuSe row filter) with left/right padding",
          "[golden][depthwise]") {
  // Input 2x4x1, rows [1,2,3,4] and [-1,0,5,-5]; kernel 1x3 = [1,-2,3], pad l/r 1.
  // out[y][x] = 1*in[x-1] - 2*in[x] + 3*in[x+1], out of range = 0 (zp 0).
  // row0: 0-2+6=4, 1-4+9=6, 2-6+12=8, 3-8+0=-5
  // row1: 0+2+0=2, -1+0+15=14, 0-10-15=-25, 5+10+0=15
  // Requant x1.0 (2^30, shift 1), zp 0: unchanged.
  conv_params p;
  p.kernel_h = 1;
  p.kernel_w = 3;
  p.pad_left = p.pad_right = 1;
  const i8v out =
      golden::depthwise_conv2d({1, 2, 3, 4, -1, 0, 5, -5}, {2, 4, 1}, {1, -2, 3}, {0},
                               uniform_requant(1, half, 1), p);
  CHECK(out == i8v{4, 6, 8, -5, 2, 14, -25, 15});
}

TEST_CASE("depthwise Kx1 (FuSe column filter) stride 2, negative ties",
          "[golden][depthwise]") {
  // Input 5x2x1, column 0 = 1..5, column 1 = -1..-5, input_zp -1 so x - zp is
  // column 0: 2,3,4,5,6 and column 1: 0,-1,-2,-3,-4. Kernel 3x1 of ones, stride_h 2:
  // out h = (5-3)/2+1 = 2. Sums: rows 0..2: 9, -3; rows 2..4: 15, -9.
  // x0.5: 4.5 -> 5, -1.5 -> -1 (SRDHM tie toward +inf), 7.5 -> 8, -4.5 -> -4.
  conv_params p;
  p.kernel_h = 3;
  p.kernel_w = 1;
  p.stride_h = 2;
  p.input_zp = -1;
  const i8v input = {1, -1, 2, -2, 3, -3, 4, -4, 5, -5};
  const i8v out = golden::depthwise_conv2d(input, {5, 2, 1}, {1, 1, 1}, {0},
                                           uniform_requant(1, half, 0), p);
  CHECK(out == i8v{5, -1, 8, -4});
}

TEST_CASE("depthwise relu6 clamp", "[golden][depthwise]") {
  // 1x1 kernel of weight 1, x1.0, output_zp -128, act [-128, -104] (relu6 at an
  // output scale of 0.25: 6.0 -> -128 + 24). acc = x; out = x - 128 clamped:
  // -50 -> -178 -> -128; 10 -> -118; 20 -> -108; 30 -> -98 -> -104.
  conv_params p;
  p.output_zp = -128;
  p.act_min = -128;
  p.act_max = -104;
  const i8v out = golden::depthwise_conv2d({-50, 10, 20, 30}, {1, 4, 1}, {1}, {0},
                                           uniform_requant(1, half, 1), p);
  CHECK(out == i8v{-128, -118, -108, -104});
}

TEST_CASE("pointwise per-channel requant and saturation", "[golden][pointwise]") {
  // Input 1x2x3, input_zp 5: px0 raw [5,6,7] -> [0,1,2]; px1 [-5,15,127] -> [-10,10,122].
  // oc0 w [1,2,3]: px0 0+2+6 = 8; px1 -10+20+366 = 376. bias 0.
  // oc1 w [-1,0,1]: px0 2; px1 10+122 = 132. bias -2 -> 0, 130.
  // oc0 x0.75 (1610612736, 0): 8 -> 6; 376 -> 282. + zp -1: 5, 281 -> 127.
  // oc1 x0.125 (2^30, -2): 0 -> 0; 130 -> SRDHM 65 -> RDBPOT(65,2) = 16.25 -> 16.
  //   + zp -1: -1, 15.
  conv_params p;
  p.input_zp = 5;
  p.output_zp = -1;
  // Kernel/stride/pad fields are ignored by pointwise: set them to nonsense.
  p.kernel_h = 3;
  p.stride_w = 2;
  p.pad_top = 4;
  requant q;
  q.multiplier = {1610612736, half};
  q.shift = {0, -2};
  const i8v out = golden::pointwise({5, 6, 7, -5, 15, 127}, {1, 2, 3},
                                    {1, 2, 3, -1, 0, 1}, 2, {0, -2}, q, p);
  CHECK(out == i8v{5, -1, 127, 15});
}

TEST_CASE("fully connected", "[golden][fc]") {
  // input [10,-20,30], input_zp 10 -> [0,-30,20].
  // o0 w [1,1,1]: -10 + bias 5 = -5; x0.5: SRDHM(-5) = -2.5 -> -2; + zp 4 = 2.
  // o1 w [2,-1,0]: 30 + bias 1 = 31; x0.5 = 15.5 -> 16; + 4 = 20.
  conv_params p;
  p.input_zp = 10;
  p.output_zp = 4;
  const i8v out = golden::fully_connected({10, -20, 30}, {1, 1, 1, 2, -1, 0}, 2, {5, 1},
                                          uniform_requant(2, half, 0), p);
  CHECK(out == i8v{2, 20});
}

TEST_CASE("accumulator overflow is refused", "[golden][fc][errors]") {
  // (127 - -128) * 127 = 32385 plus a bias of INT32_MAX does not fit int32.
  conv_params p;
  p.input_zp = -128;
  CHECK_THROWS_AS(
      golden::fully_connected({127}, {127}, 1, {i32_max}, uniform_requant(1, half, 0), p),
      std::overflow_error);
}

// ---------------------------------------------------------------------------------
// ADD

TEST_CASE("make_add_params follows TFLite PrepareAdd", "[golden][add]") {
  // a 0.5, b 0.25, out 1.0: twice_max = 1.0; real_a = 0.5 -> (2^30, 0);
  // real_b = 0.25 -> (2^30, -1); real_out = 1.0 / (2^20 * 1.0) = 2^-20 = 0.5 * 2^-19.
  const golden::add_params p = golden::make_add_params(0.5, 3, 0.25, -4, 1.0, 9);
  CHECK(p.left_shift == 20);
  CHECK(p.a_zp == 3);
  CHECK(p.b_zp == -4);
  CHECK(p.output_zp == 9);
  CHECK(p.a_multiplier == half);
  CHECK(p.a_shift == 0);
  CHECK(p.b_multiplier == half);
  CHECK(p.b_shift == -1);
  CHECK(p.output_multiplier == half);
  CHECK(p.output_shift == -19);
  CHECK(p.act_min == -128);
  CHECK(p.act_max == 127);
  // Scales 0.3 / 0.1 / 0.2: twice_max 0.6, real_a 0.5 exactly, real_b = 1/6;
  // frexp(1/6) = 0.6667 * 2^-2, 0.6667 * 2^31 = 1431655765.33 -> 1431655765.
  const golden::add_params r = golden::make_add_params(0.3, 0, 0.1, 0, 0.2, 0);
  CHECK(r.a_multiplier == half);
  CHECK(r.a_shift == 0);
  CHECK(r.b_multiplier == 1431655765);
  CHECK(r.b_shift == -2);
}

TEST_CASE("add with scales 0.5 + 0.25 -> 1.0, ties away from zero", "[golden][add]") {
  // Fixed point: a<<20 * 0.5 = a*2^19; b<<20 * 0.5 = b*2^19, RDBPOT 1 -> b*2^18
  // (exact for even b*2^19); sum (2a+b)*2^18; * 0.5 -> (2a+b)*2^17; RDBPOT 19 ->
  // (2a+b)/4 rounded half away from zero.
  //   10, 6   -> 26/4 = 6.5 -> 7        -10,-6 -> -6.5 -> -7
  //   4, 0    -> 2                      127,127 -> 381/4 = 95.25 -> 95
  //   -128,-128 -> -384/4 = -96         1, 1 -> 3/4 = 0.75 -> 1
  const golden::add_params p = golden::make_add_params(0.5, 0, 0.25, 0, 1.0, 0);
  const i8v out = golden::add({10, -10, 4, 127, -128, 1}, {6, -6, 0, 127, -128, 1}, p);
  CHECK(out == i8v{7, -7, 2, 95, -96, 1});
}

TEST_CASE("add with zero points saturates and clamps", "[golden][add]") {
  // All scales 1.0: twice_max 2; real_a = real_b = 0.5 -> (2^30, 0);
  // real_out = 2 / 2^20 = 2^-19 = 0.5 * 2^-18 -> (2^30, -18).
  // a_zp 5, b_zp -5, out_zp -100; so out = (a - 5) + (b + 5) - 100 when exact.
  //   127,127:   122 + 132 = 254; fixed point 122*2^19 + 132*2^19 = 254*2^19,
  //              * 0.5 = 127*2^19, / 2^18 = 254; -100 + 254 = 154 -> 127
  //   -128,-128: -133 + -123 = -256 -> -356 -> -128
  //   10,-10:    5 + -5 = 0 -> -100
  //   -20,-5:    -25 + 0 = -25 -> -125
  golden::add_params p = golden::make_add_params(1.0, 5, 1.0, -5, 1.0, -100);
  CHECK(p.output_shift == -18);
  CHECK(golden::add({127, -128, 10, -20}, {127, -128, -10, -5}, p) ==
        i8v{127, -128, -100, -125});
  // ReLU with the output zero point as act_min: -125 -> -100.
  p.act_min = -100;
  CHECK(golden::add({-20, 10}, {-5, -10}, p) == i8v{-100, -100});
}

// ---------------------------------------------------------------------------------
// Average pool

TEST_CASE("average pool 3x3 same padding counts only valid elements", "[golden][pool]") {
  // c0 = [[1,2,3],[4,5,6],[7,8,10]], c1 = -c0. Window sums / valid counts:
  //   (0,0) 12/4 = 3     (0,1) 21/6 = 3.5 -> 4   (0,2) 16/4 = 4
  //   (1,0) 27/6 = 4.5 -> 5  (1,1) 46/9 = 5.11 -> 5  (1,2) 34/6 = 5.67 -> 6
  //   (2,0) 24/4 = 6     (2,1) 40/6 = 6.67 -> 7  (2,2) 29/4 = 7.25 -> 7
  // Positive: (sum + n/2) / n; negative: (sum - n/2) / n, so c1 is exactly -c0
  // (e.g. (-21 - 3) / 6 = -4, (-16 - 2) / 4 = -4.5 truncated -> -4).
  // Dividing by 9 everywhere instead would give (0,0) = 12/9 -> 1.
  i8v input;
  for (int v : {1, 2, 3, 4, 5, 6, 7, 8, 10}) {
    input.push_back(static_cast<int8_t>(v));
    input.push_back(static_cast<int8_t>(-v));
  }
  golden::pool_params p;
  p.kernel_h = p.kernel_w = 3;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  const i8v out = golden::average_pool(input, {3, 3, 2}, p);
  CHECK(out == i8v{3, -3, 4, -4, 4, -4, 5, -5, 5, -5, 6, -6, 6, -6, 7, -7, 7, -7});
}

TEST_CASE("average pool global, stride 2, extremes and clamp", "[golden][pool]") {
  golden::pool_params p;
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 2;
  // 127+127+127+126 = 507: (507 + 2) / 4 = 127 (126.75).
  CHECK(golden::average_pool({127, 127, 127, 126}, {2, 2, 1}, p) == i8v{127});
  // -511: (-511 - 2) / 4 = -128.25 -> -128.
  CHECK(golden::average_pool({-128, -128, -128, -127}, {2, 2, 1}, p) == i8v{-128});
  // Stride 2 on a 2x4 input: two windows, 1+2+5+6 = 14 -> 3.5 -> 4 and
  // 3+4+7+8 = 22 -> 5.5 -> 6; then act_max 5 clamps the second.
  p.act_max = 5;
  CHECK(golden::average_pool({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4, 1}, p) == i8v{4, 5});
}

// ---------------------------------------------------------------------------------
// LUTs

TEST_CASE("hard-swish LUT points", "[golden][lut]") {
  // Scales 0.125 in and out, zp 0: x = q/8, index q + 128.
  const golden::lut t = golden::make_hard_swish_lut(0.125, 0, 0.125, 0);
  CHECK(t[0 + 128] == 0);     // x 0 -> 0
  CHECK(t[24 + 128] == 24);   // x 3: 3*6/6 = 3 -> 24
  CHECK(t[-24 + 128] == 0);   // x -3: relu6(0) = 0
  CHECK(t[-128 + 128] == 0);  // x -16 -> 0
  CHECK(t[8 + 128] == 5);     // x 1: 1*4/6 = 0.667 -> 5.33 -> 5
  CHECK(t[-8 + 128] == -3);   // x -1: -1*2/6 = -0.333 -> -2.67 -> -3
  CHECK(t[-12 + 128] == -3);  // x -1.5 (minimum): -1.5*1.5/6 = -0.375 -> -3
  CHECK(t[127 + 128] == 127); // x 15.875 -> itself
  // hard_swish(0) = 0 at matching zero points maps zp to zp.
  const golden::lut u = golden::make_hard_swish_lut(0.05, 10, 0.03, 10);
  CHECK(u[10 + 128] == 10);
  // Output saturation: x = 127 * 0.5 = 63.5 with out scale 0.1 -> 635 -> 127;
  // minimum -0.375 / 0.001 = -375 -> -128 (q = -3 at in scale 0.5).
  const golden::lut v = golden::make_hard_swish_lut(0.5, 0, 0.1, 0);
  CHECK(v[127 + 128] == 127);
  const golden::lut w = golden::make_hard_swish_lut(0.5, 0, 0.001, 0);
  CHECK(w[-3 + 128] == -128);
  // std::round ties go away from zero: x -1.5 -> -0.375 / 0.75 = -0.5 -> -1
  // (banker's rounding or round-half-up would give 0).
  const golden::lut tie = golden::make_hard_swish_lut(0.5, 0, 0.75, 0);
  CHECK(tie[-3 + 128] == -1);
}

TEST_CASE("hard-sigmoid LUT points", "[golden][lut]") {
  // in 0.125 zp 0; out 1/256 zp -128 (TFLite's logistic output quantisation).
  const golden::lut t = golden::make_hard_sigmoid_lut(0.125, 0, 1.0 / 256, -128);
  CHECK(t[0 + 128] == 0);      // 0.5 * 256 = 128 - 128 = 0
  CHECK(t[24 + 128] == 127);   // x 3: 1.0 -> 256 - 128 = 128 -> saturates at 127
  CHECK(t[127 + 128] == 127);  // saturated
  CHECK(t[-24 + 128] == -128); // x -3: 0
  CHECK(t[-128 + 128] == -128);
  CHECK(t[8 + 128] == 43);   // x 1: 4/6 * 256 = 170.67 -> 171 - 128
  CHECK(t[-4 + 128] == -21); // x -0.5: 2.5/6 * 256 = 106.67 -> 107 - 128
  // With out scale 1/255 and zp -128, 1.0 is 255 - 128 = 127 exactly.
  const golden::lut u = golden::make_hard_sigmoid_lut(0.125, 0, 1.0 / 255, -128);
  CHECK(u[24 + 128] == 127);
  // Positive tie: x 0 -> 0.5 / 1.0 -> 1 (half away from zero).
  const golden::lut tie = golden::make_hard_sigmoid_lut(1.0, 0, 1.0, 0);
  CHECK(tie[0 + 128] == 1);
  CHECK(tie[-1 + 128] == 0); // 2/6 -> 0
  CHECK(tie[1 + 128] == 1);  // 4/6 -> 1
}

TEST_CASE("LUT monotonicity", "[golden][lut]") {
  // hard_sigmoid is nondecreasing; hard_swish decreases down to x = -1.5 and
  // increases after it. Rounding and clamping preserve (non-strict) order.
  for (double in_scale : {0.01, 0.05, 0.125, 0.3}) {
    for (int32_t zp : {-128, -20, 0, 37}) {
      const golden::lut sig =
          golden::make_hard_sigmoid_lut(in_scale, zp, 1.0 / 256, -128);
      const golden::lut sw = golden::make_hard_swish_lut(in_scale, zp, 0.02, -3);
      for (int q = -128; q < 127; ++q) {
        CHECK(sig[q + 128] <= sig[q + 1 + 128]);
        const double x0 = in_scale * (q - zp);
        const double x1 = in_scale * (q + 1 - zp);
        if (x0 >= -1.5) {
          CHECK(sw[q + 128] <= sw[q + 1 + 128]);
        }
        if (x1 <= -1.5) {
          CHECK(sw[q + 128] >= sw[q + 1 + 128]);
        }
      }
    }
  }
}

TEST_CASE("apply_lut indexes table[x + 128]", "[golden][lut]") {
  golden::lut t{};
  for (int i = 0; i < 256; ++i) {
    t[i] = static_cast<int8_t>(127 - i); // -128 -> 127, 0 -> -1, 127 -> -128
  }
  CHECK(golden::apply_lut({-128, 0, 127, -1}, t) == i8v{127, -1, -128, 0});
}

// ---------------------------------------------------------------------------------
// Channel multiply

TEST_CASE("channel multiply broadcasts the scale over h and w", "[golden][mul]") {
  // input_zp 1, scale_zp -2, output_zp 5, multiplier 2^30 shift -2 (x0.125).
  // scale raw [3,14,6] -> [5,16,8].
  // px0 raw [5,9,-7] -> [4,8,-8]; products [20,128,-64]:
  //   20: SRDHM 10.5 -> 10, RDBPOT(10,2) = 2.5 -> 3 -> 8
  //   128 -> 64 -> 16 -> 21;  -64 -> -32 -> -8 -> -3
  // px1 raw [-3,-128,12] -> [-4,-129,11]; products [-20,-2064,88]:
  //   -20: SRDHM -10.5 -> -10 (tie toward +inf), RDBPOT(-10,2) = -2.5 -> -3 -> 2
  //   -2064 -> -1032 -> -258 -> -253 -> -128;  88 -> 44 -> 11 -> 16
  golden::mul_params p;
  p.input_zp = 1;
  p.scale_zp = -2;
  p.output_zp = 5;
  p.output_multiplier = half;
  p.output_shift = -2;
  const i8v out =
      golden::channel_multiply({5, 9, -7, -3, -128, 12}, {1, 2, 3}, {3, 14, 6}, p);
  CHECK(out == i8v{8, 21, -3, 2, -128, 16});
  // act_max 10 clamps 21 and 16.
  p.act_max = 10;
  CHECK(golden::channel_multiply({5, 9, -7, -3, -128, 12}, {2, 1, 3}, {3, 14, 6}, p) ==
        i8v{8, 10, -3, 2, -128, 10});
}

// ---------------------------------------------------------------------------------
// Error paths

TEST_CASE("invalid arguments name the argument", "[golden][errors]") {
  conv_params p;
  p.kernel_h = p.kernel_w = 3;
  const shape in{3, 3, 2};
  const i8v input(18, 0);
  const i8v weights(4 * 9 * 2, 1);
  const std::vector<int32_t> bias(4, 0);
  const requant q = uniform_requant(4, half, 0);
  // The valid call works.
  CHECK(golden::conv2d(input, in, weights, 4, bias, q, p).size() == 4);

  CHECK_THROWS_WITH(golden::conv2d(i8v(17, 0), in, weights, 4, bias, q, p),
                    Catch::Contains("input"));
  CHECK_THROWS_WITH(golden::conv2d(i8v{}, in, weights, 4, bias, q, p),
                    Catch::Contains("input is empty"));
  CHECK_THROWS_WITH(golden::conv2d(input, in, i8v(71, 1), 4, bias, q, p),
                    Catch::Contains("weights"));
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, {0, 0, 0}, q, p),
                    Catch::Contains("bias"));
  CHECK_THROWS_WITH(
      golden::conv2d(input, in, weights, 4, bias, uniform_requant(3, half, 0), p),
      Catch::Contains("q.multiplier"));
  requant bad_shift = q;
  bad_shift.shift.pop_back();
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, bad_shift, p),
                    Catch::Contains("q.shift"));
  bad_shift = q;
  bad_shift.shift[2] = 31;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, bad_shift, p),
                    Catch::Contains("q.shift"));
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 0, bias, q, p),
                    Catch::Contains("out_c"));
  CHECK_THROWS_WITH(golden::conv2d(input, {0, 3, 2}, weights, 4, bias, q, p),
                    Catch::Contains("in"));

  conv_params big = p;
  big.kernel_h = 4;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, q, big),
                    Catch::Contains("kernel_h"));
  conv_params zero_stride = p;
  zero_stride.stride_w = 0;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, q, zero_stride),
                    Catch::Contains("stride"));
  conv_params neg_pad = p;
  neg_pad.pad_left = -1;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, q, neg_pad),
                    Catch::Contains("pad"));
  conv_params bad_zp = p;
  bad_zp.input_zp = 128;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, q, bad_zp),
                    Catch::Contains("input_zp"));
  conv_params bad_act = p;
  bad_act.act_min = 10;
  bad_act.act_max = 9;
  CHECK_THROWS_WITH(golden::conv2d(input, in, weights, 4, bias, q, bad_act),
                    Catch::Contains("act_min"));

  // Depthwise: weights [3][3][2], bias and requant per input channel.
  CHECK_THROWS_WITH(golden::depthwise_conv2d(input, in, i8v(17, 1), {0, 0},
                                             uniform_requant(2, half, 0), p),
                    Catch::Contains("weights"));
  CHECK_THROWS_WITH(golden::depthwise_conv2d(input, in, i8v(18, 1), {0, 0, 0},
                                             uniform_requant(2, half, 0), p),
                    Catch::Contains("bias"));
  CHECK_THROWS_WITH(golden::depthwise_conv2d(input, in, i8v(18, 1), {0, 0},
                                             uniform_requant(1, half, 0), p),
                    Catch::Contains("q.multiplier"));

  conv_params none;
  CHECK_THROWS_WITH(golden::pointwise(input, in, i8v(5, 1), 3, {0, 0, 0},
                                      uniform_requant(3, half, 0), none),
                    Catch::Contains("weights"));
  CHECK_THROWS_WITH(
      golden::fully_connected(i8v{}, i8v{1}, 1, {0}, uniform_requant(1, half, 0), none),
      Catch::Contains("input"));
  CHECK_THROWS_WITH(golden::fully_connected(i8v{1, 2}, i8v{1, 2}, 2, {0, 0},
                                            uniform_requant(2, half, 0), none),
                    Catch::Contains("weights"));
  CHECK_THROWS_WITH(golden::fully_connected(i8v{1, 2}, i8v{1, 2}, 1, {},
                                            uniform_requant(1, half, 0), none),
                    Catch::Contains("bias"));
}

TEST_CASE("invalid arguments: add, pool, lut, mul", "[golden][errors]") {
  const golden::add_params ap = golden::make_add_params(0.5, 0, 0.5, 0, 0.5, 0);
  CHECK_THROWS_WITH(golden::add({1, 2}, {1}, ap), Catch::Contains("b"));
  CHECK_THROWS_WITH(golden::add({}, {}, ap), Catch::Contains("a is empty"));
  golden::add_params bad = ap;
  bad.a_shift = 1;
  CHECK_THROWS_WITH(golden::add({1}, {1}, bad), Catch::Contains("a_shift"));
  CHECK_THROWS_WITH(golden::make_add_params(0.0, 0, 0.5, 0, 0.5, 0),
                    Catch::Contains("a_scale"));
  CHECK_THROWS_WITH(golden::make_add_params(0.5, 0, 0.5, 200, 0.5, 0),
                    Catch::Contains("b_zp"));
  // out_scale so small that twice_max / (2^20 * out_scale) >= 1.
  CHECK_THROWS_WITH(golden::make_add_params(1.0, 0, 1.0, 0, 1e-7, 0),
                    Catch::Contains("out_scale"));

  golden::pool_params pp;
  pp.kernel_h = pp.kernel_w = 2;
  CHECK_THROWS_WITH(golden::average_pool({1, 2, 3}, {2, 2, 1}, pp),
                    Catch::Contains("input"));
  // Kernel 3 on a 2x2 input without padding.
  pp.kernel_h = 3;
  CHECK_THROWS_WITH(golden::average_pool({1, 2, 3, 4}, {2, 2, 1}, pp),
                    Catch::Contains("kernel_h"));
  // pad_top 2 with a 2-row kernel: the first window lies entirely in padding.
  pp.kernel_h = 2;
  pp.pad_top = 2;
  CHECK_THROWS_WITH(golden::average_pool({1, 2, 3, 4}, {2, 2, 1}, pp),
                    Catch::Contains("pad"));

  CHECK_THROWS_WITH(golden::make_hard_swish_lut(-1.0, 0, 0.1, 0),
                    Catch::Contains("in_scale"));
  CHECK_THROWS_WITH(golden::make_hard_sigmoid_lut(0.1, 0, 0.0, 0),
                    Catch::Contains("out_scale"));
  CHECK_THROWS_WITH(golden::make_hard_sigmoid_lut(0.1, -129, 0.1, 0),
                    Catch::Contains("in_zp"));
  CHECK_THROWS_WITH(golden::apply_lut({}, golden::lut{}), Catch::Contains("input"));

  golden::mul_params mp;
  mp.output_multiplier = half;
  CHECK_THROWS_WITH(golden::channel_multiply({1, 2, 3, 4}, {1, 2, 2}, {1}, mp),
                    Catch::Contains("scale"));
  CHECK_THROWS_WITH(golden::channel_multiply({1, 2, 3}, {1, 2, 2}, {1, 1}, mp),
                    Catch::Contains("input"));
  mp.output_shift = -40;
  CHECK_THROWS_WITH(golden::channel_multiply({1, 2, 3, 4}, {1, 2, 2}, {1, 1}, mp),
                    Catch::Contains("output_shift"));
}
