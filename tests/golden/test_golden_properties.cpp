// Property tests with a fixed seed: each compares two different golden functions (or
// a golden function against an exact double computation), so they catch indexing and
// layout slips that a single hand case might miss.
#include "golden.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

using golden::conv_params;
using golden::requant;
using golden::shape;
using i8v = std::vector<int8_t>;

namespace {

int rand_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

i8v rand_i8(std::mt19937& rng, size_t n) {
  i8v v(n);
  for (auto& x : v) {
    x = static_cast<int8_t>(rand_int(rng, -128, 127));
  }
  return v;
}

std::vector<int32_t> rand_bias(std::mt19937& rng, int n) {
  std::vector<int32_t> b(n);
  for (auto& x : b) {
    x = rand_int(rng, -5000, 5000);
  }
  return b;
}

// Per-channel requant from real multipliers small enough to keep most outputs
// away from the clamp bounds.
requant rand_requant(std::mt19937& rng, int n) {
  requant q;
  std::uniform_real_distribution<double> real(0.0005, 0.01);
  for (int i = 0; i < n; ++i) {
    int32_t m = 0;
    int s = 0;
    golden::quantize_multiplier(real(rng), &m, &s);
    q.multiplier.push_back(m);
    q.shift.push_back(s);
  }
  return q;
}

void rand_quant(std::mt19937& rng, conv_params& p) {
  p.input_zp = rand_int(rng, -128, 127);
  p.output_zp = rand_int(rng, -20, 20);
  // Half the time a relu-like lower bound at the output zero point.
  p.act_min = rand_int(rng, 0, 1) ? p.output_zp : -128;
  p.act_max = 127;
}

} // namespace

TEST_CASE("property: conv2d with a 1x1 kernel equals pointwise", "[golden][property]") {
  std::mt19937 rng(1234);
  std::set<int> seen;
  for (int iter = 0; iter < 200; ++iter) {
    const shape in{rand_int(rng, 1, 6), rand_int(rng, 1, 6), rand_int(rng, 1, 9)};
    const int out_c = rand_int(rng, 1, 7);
    conv_params p; // 1x1, stride 1, no padding
    rand_quant(rng, p);
    const i8v input = rand_i8(rng, in.elements());
    const i8v weights = rand_i8(rng, static_cast<size_t>(out_c) * in.c);
    const auto bias = rand_bias(rng, out_c);
    const requant q = rand_requant(rng, out_c);
    const i8v a = golden::conv2d(input, in, weights, out_c, bias, q, p);
    const i8v b = golden::pointwise(input, in, weights, out_c, bias, q, p);
    REQUIRE(a == b);
    seen.insert(a.begin(), a.end());
  }
  // The comparison must not be vacuous (everything clamped to one value).
  CHECK(seen.size() > 50);
}

TEST_CASE("property: fully connected equals pointwise on a 1x1 input",
          "[golden][property]") {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 100; ++iter) {
    const int in_f = rand_int(rng, 1, 40);
    const int out_f = rand_int(rng, 1, 12);
    conv_params p;
    rand_quant(rng, p);
    const i8v input = rand_i8(rng, in_f);
    const i8v weights = rand_i8(rng, static_cast<size_t>(out_f) * in_f);
    const auto bias = rand_bias(rng, out_f);
    const requant q = rand_requant(rng, out_f);
    REQUIRE(golden::fully_connected(input, weights, out_f, bias, q, p) ==
            golden::pointwise(input, {1, 1, in_f}, weights, out_f, bias, q, p));
  }
}

// Depthwise weights [kh][kw][c] become OHWI weights that are zero off the diagonal:
// w[oc][ky][kx][ic] = (oc == ic) ? dw[ky][kx][oc] : 0.
TEST_CASE("property: depthwise equals conv2d with block-diagonal weights",
          "[golden][property]") {
  std::mt19937 rng(2024);
  std::set<int> seen;
  for (int iter = 0; iter < 300; ++iter) {
    conv_params p;
    // Cycle through 1xK, Kx1 and general KxK kernels.
    switch (iter % 3) {
    case 0:
      p.kernel_h = 1;
      p.kernel_w = rand_int(rng, 1, 7);
      break;
    case 1:
      p.kernel_h = rand_int(rng, 1, 7);
      p.kernel_w = 1;
      break;
    default:
      p.kernel_h = rand_int(rng, 1, 5);
      p.kernel_w = rand_int(rng, 1, 5);
      break;
    }
    p.stride_h = rand_int(rng, 1, 2);
    p.stride_w = rand_int(rng, 1, 2);
    p.pad_top = rand_int(rng, 0, p.kernel_h - 1);
    p.pad_bottom = rand_int(rng, 0, p.kernel_h - 1);
    p.pad_left = rand_int(rng, 0, p.kernel_w - 1);
    p.pad_right = rand_int(rng, 0, p.kernel_w - 1);
    rand_quant(rng, p);
    const int c = rand_int(rng, 1, 6);
    const shape in{rand_int(rng, p.kernel_h, p.kernel_h + 6),
                   rand_int(rng, p.kernel_w, p.kernel_w + 6), c};

    const i8v input = rand_i8(rng, in.elements());
    const i8v dw = rand_i8(rng, static_cast<size_t>(p.kernel_h) * p.kernel_w * c);
    const auto bias = rand_bias(rng, c);
    const requant q = rand_requant(rng, c);

    i8v full(static_cast<size_t>(c) * p.kernel_h * p.kernel_w * c, 0);
    for (int oc = 0; oc < c; ++oc) {
      for (int ky = 0; ky < p.kernel_h; ++ky) {
        for (int kx = 0; kx < p.kernel_w; ++kx) {
          full[((oc * p.kernel_h + ky) * p.kernel_w + kx) * c + oc] =
              dw[(ky * p.kernel_w + kx) * c + oc];
        }
      }
    }
    const i8v a = golden::depthwise_conv2d(input, in, dw, bias, q, p);
    const i8v b = golden::conv2d(input, in, full, c, bias, q, p);
    REQUIRE(a.size() ==
            static_cast<size_t>(golden::conv_output_shape(in, p, c).elements()));
    REQUIRE(a == b);
    seen.insert(a.begin(), a.end());
  }
  CHECK(seen.size() > 50);
}

TEST_CASE("property: channel multiply equals a 1x1 depthwise with the scale as weights",
          "[golden][property]") {
  // With scale_zp 0 both compute clamp(zp_out + MBQM((x - zp_in) * s[c])).
  std::mt19937 rng(7);
  for (int iter = 0; iter < 100; ++iter) {
    const shape in{rand_int(rng, 1, 5), rand_int(rng, 1, 5), rand_int(rng, 1, 8)};
    const i8v input = rand_i8(rng, in.elements());
    const i8v scale = rand_i8(rng, in.c);
    golden::mul_params mp;
    mp.input_zp = rand_int(rng, -128, 127);
    mp.output_zp = rand_int(rng, -128, 127);
    golden::quantize_multiplier(std::uniform_real_distribution<double>(0.001, 0.2)(rng),
                                &mp.output_multiplier, &mp.output_shift);
    conv_params p;
    p.input_zp = mp.input_zp;
    p.output_zp = mp.output_zp;
    requant q;
    q.multiplier.assign(in.c, mp.output_multiplier);
    q.shift.assign(in.c, mp.output_shift);
    REQUIRE(
        golden::channel_multiply(input, in, scale, mp) ==
        golden::depthwise_conv2d(input, in, scale, std::vector<int32_t>(in.c, 0), q, p));
  }
}

TEST_CASE("property: add with power-of-two scales equals the exact double result",
          "[golden][property]") {
  // Scales 0.5, 0.25 -> 1.0: every fixed-point step is exact except the final
  // RDBPOT (see test_golden.cpp), so the result is round-half-away(0.5 * (a - a_zp)
  // + 0.25 * (b - b_zp)) + out_zp, clamped; std::round in double is exact here.
  std::mt19937 rng(5);
  for (int iter = 0; iter < 4; ++iter) {
    const int32_t a_zp = rand_int(rng, -128, 127);
    const int32_t b_zp = rand_int(rng, -128, 127);
    const int32_t out_zp = rand_int(rng, -128, 127);
    const golden::add_params p =
        golden::make_add_params(0.5, a_zp, 0.25, b_zp, 1.0, out_zp);
    i8v a, b;
    for (int x = -128; x <= 127; ++x) {
      for (int y = -128; y <= 127; ++y) {
        a.push_back(static_cast<int8_t>(x));
        b.push_back(static_cast<int8_t>(y));
      }
    }
    const i8v out = golden::add(a, b, p);
    int mismatches = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double real = 0.5 * (a[i] - a_zp) + 0.25 * (b[i] - b_zp);
      const double expected =
          std::min(127.0, std::max(-128.0, std::round(real) + out_zp));
      if (out[i] != static_cast<int>(expected)) {
        ++mismatches;
      }
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("property: average pool of a constant is that constant, any padding",
          "[golden][property]") {
  // Only valid elements are averaged, so padding never dilutes a constant.
  std::mt19937 rng(11);
  for (int iter = 0; iter < 100; ++iter) {
    golden::pool_params p;
    p.kernel_h = rand_int(rng, 1, 4);
    p.kernel_w = rand_int(rng, 1, 4);
    p.stride_h = rand_int(rng, 1, 3);
    p.stride_w = rand_int(rng, 1, 3);
    p.pad_top = rand_int(rng, 0, p.kernel_h - 1);
    p.pad_bottom = rand_int(rng, 0, p.kernel_h - 1);
    p.pad_left = rand_int(rng, 0, p.kernel_w - 1);
    p.pad_right = rand_int(rng, 0, p.kernel_w - 1);
    const shape in{rand_int(rng, p.kernel_h, 8), rand_int(rng, p.kernel_w, 8),
                   rand_int(rng, 1, 3)};
    const int8_t v = static_cast<int8_t>(rand_int(rng, -128, 127));
    const i8v out = golden::average_pool(i8v(in.elements(), v), in, p);
    REQUIRE(!out.empty());
    for (int8_t o : out) {
      REQUIRE(o == v);
    }
  }
}

TEST_CASE("property: 1x1 average pool and identity LUT are identities",
          "[golden][property]") {
  std::mt19937 rng(3);
  const shape in{3, 5, 4};
  const i8v input = rand_i8(rng, in.elements());
  CHECK(golden::average_pool(input, in, golden::pool_params{}) == input);
  golden::lut identity{};
  for (int i = 0; i < 256; ++i) {
    identity[i] = static_cast<int8_t>(i - 128);
  }
  CHECK(golden::apply_lut(input, identity) == input);
}
