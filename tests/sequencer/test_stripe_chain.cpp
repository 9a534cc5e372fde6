// The stripe chain rules shared by the accelerator and the firmware runtime
// (include/dwvp/stripe_chain.h): rows per stripe, line-buffer sizes, the fit and the
// stripe height, and which layers may be chained. Expected values are worked out by
// hand from the layer shapes in the comments.
#include "dwvp/stripe_chain.h"

#include <catch2/catch.hpp>

#include <vector>

namespace {

dwvp_desc layer(uint8_t op, int h, int w, int in_c, int out_c, int k = 1,
                int stride = 1) {
  dwvp_desc d{};
  d.opcode = op;
  d.in_h = static_cast<uint16_t>(h);
  d.in_w = static_cast<uint16_t>(w);
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.kernel_h = d.kernel_w = static_cast<uint8_t>(k);
  d.stride_h = d.stride_w = static_cast<uint8_t>(stride);
  d.pad_top = d.pad_left = static_cast<uint8_t>(k / 2);
  d.pad_bottom = d.pad_right = static_cast<uint8_t>(k / 2);
  d.out_h = static_cast<uint16_t>((h + 2 * (k / 2) - k) / stride + 1);
  d.out_w = static_cast<uint16_t>((w + 2 * (k / 2) - k) / stride + 1);
  d.input_addr = 0x1000;
  d.output_addr = 0x2000;
  return d;
}

// expand 8x8x4 -> 8x8x8, depthwise 3x3 s1 pad 1, project 8x8x8 -> 8x8x4.
std::vector<dwvp_desc> block() {
  std::vector<dwvp_desc> c{layer(DWVP_OP_POINTWISE, 8, 8, 4, 8),
                           layer(DWVP_OP_DEPTHWISE, 8, 8, 8, 8, 3),
                           layer(DWVP_OP_POINTWISE, 8, 8, 8, 4)};
  c[1].input_addr = c[0].output_addr = 0x3000;
  c[2].input_addr = c[1].output_addr = 0x4000;
  return c;
}

} // namespace

TEST_CASE("stripe chain: rows of each layer per stripe, walking back from the last",
          "[stripe_chain]") {
  const auto c = block();
  uint32_t done[4] = {};
  dwvp_chain_rows r[4];
  // Stripe height 2: project rows [0,2) need depthwise rows [0,2), which read rows
  // [-1,3) clipped to [0,3) of the expand output.
  const uint32_t expected[4][3][4] = {
      {{0, 3, 0, 3}, {0, 2, 0, 3}, {0, 2, 0, 2}},
      {{3, 5, 3, 5}, {2, 4, 1, 5}, {2, 4, 2, 4}},
      {{5, 7, 5, 7}, {4, 6, 3, 7}, {4, 6, 4, 6}},
      {{7, 8, 7, 8}, {6, 8, 5, 8}, {6, 8, 6, 8}},
  };
  REQUIRE(dwvp_chain_stripes(c.data(), 3, 2) == 4);
  for (uint32_t s = 0; s < 4; ++s) {
    dwvp_chain_stripe(c.data(), 3, 2, s, done, r);
    for (int j = 0; j < 3; ++j) {
      INFO("stripe " << s << " layer " << j);
      CHECK(r[j].out0 == expected[s][j][0]);
      CHECK(r[j].out1 == expected[s][j][1]);
      CHECK(r[j].in0 == expected[s][j][2]);
      CHECK(r[j].in1 == expected[s][j][3]);
    }
  }
  CHECK(done[0] == 8);
  CHECK(done[1] == 8);
  CHECK(done[2] == 8);
}

TEST_CASE("stripe chain: buffer needs and the fit", "[stripe_chain]") {
  const auto c = block();
  uint64_t need[3] = {};
  // Input: at most 3 rows x 8 x 4 = 96. Weights: 8 x (4 + 12) + 8 x (9 + 12) +
  // 4 x (8 + 12) = 376. Output: 2 stripes of 2 x 8 x 4 = 128, the expand line buffer
  // holds at most 4 rows x 64 = 256 (rows [1,5) at stripe 1), the depthwise one 2 rows
  // x 64 = 128: 512.
  const dwvp_chain_budget exact{96, 188, 256};
  CHECK(dwvp_chain_fits(c.data(), 3, 2, 8, &exact, need));
  CHECK(need[0] == 96);
  CHECK(need[1] == 376);
  CHECK(need[2] == 512);
  const dwvp_chain_budget less_input{95, 188, 256}, less_weights{96, 187, 256},
      less_output{96, 188, 255};
  CHECK_FALSE(dwvp_chain_fits(c.data(), 3, 2, 8, &less_input, nullptr));
  CHECK_FALSE(dwvp_chain_fits(c.data(), 3, 2, 8, &less_weights, nullptr));
  CHECK_FALSE(dwvp_chain_fits(c.data(), 3, 2, 8, &less_output, nullptr));
  // At one row per stripe: input 2 rows x 32 = 64; output 2 x 32 + expand line buffer
  // 3 rows x 64 + depthwise 1 row x 64 = 320.
  CHECK(dwvp_chain_fits(c.data(), 3, 1, 8, &exact, need));
  CHECK(need[0] == 64);
  CHECK(need[2] == 320);
}

TEST_CASE("stripe chain: the stripe height and strip width", "[stripe_chain]") {
  const auto c = block();
  uint32_t S = 0, T = 0;
  // At most a quarter of the 8 rows, so at least four stripes; the whole width.
  const dwvp_chain_budget big{1 << 20, 1 << 20, 1 << 20};
  REQUIRE(dwvp_chain_shape(c.data(), 3, &big, &S, &T));
  CHECK(S == 2);
  CHECK(T == 8);
  const dwvp_chain_budget one_row{64, 188, 160};
  REQUIRE(dwvp_chain_shape(c.data(), 3, &one_row, &S, &T));
  CHECK(S == 1);
  CHECK(T == 8);
  // Half the width: strips of 4 output columns. The last layer's strip [0,4) reads
  // depthwise columns [0,4), which read expand columns [0,5) (pad 1 left, clipped), and
  // the expand layer reads input columns [0,5). Input at one row: 2 rows x 5 x 4 = 40;
  // output: 2 x 1 x 4 x 4 = 32 + expand line buffer 3 rows x 5 x 8 = 120 + depthwise
  // 1 x 4 x 8 = 32: 184.
  uint64_t need[3] = {};
  const dwvp_chain_budget half{40, 188, 92};
  CHECK(dwvp_chain_fits(c.data(), 3, 1, 4, &half, need));
  CHECK(need[0] == 40);
  CHECK(need[2] == 184);
  REQUIRE(dwvp_chain_shape(c.data(), 3, &half, &S, &T));
  CHECK(S == 1);
  CHECK(T == 4);
  const dwvp_chain_budget none{63, 188, 1};
  CHECK_FALSE(dwvp_chain_shape(c.data(), 3, &none, &S, &T));
}

TEST_CASE("stripe chain: columns of each layer per strip", "[stripe_chain]") {
  const auto c = block();
  dwvp_chain_cols x[4];
  REQUIRE(dwvp_chain_strips(c.data(), 3, 3) == 3);
  // Strip 1 of 3 columns: project [3,6) <- depthwise [3,6) reads [2,7) <- expand [2,7).
  dwvp_chain_strip(c.data(), 3, 3, 1, x);
  CHECK(x[2].out0 == 3);
  CHECK(x[2].out1 == 6);
  CHECK(x[1].out0 == 3);
  CHECK(x[1].in0 == 2);
  CHECK(x[1].in1 == 7);
  CHECK(x[0].out0 == 2);
  CHECK(x[0].out1 == 7);
  // The last strip is cut at the width: [6,8) <- depthwise reads [5,8).
  dwvp_chain_strip(c.data(), 3, 3, 2, x);
  CHECK(x[2].out1 == 8);
  CHECK(x[1].in0 == 5);
  CHECK(x[1].in1 == 8);
}

TEST_CASE("stripe chain: input rows of a strided window", "[stripe_chain]") {
  // 3x3 stride 2 pad 1 on 16 rows: output rows [0,2) read [-1,4) -> [0,4); [7,8) read
  // [13,16) -> [13,16).
  const dwvp_desc d = layer(DWVP_OP_DEPTHWISE, 16, 16, 8, 8, 3, 2);
  uint32_t i0 = 99, i1 = 99;
  dwvp_chain_input_rows(&d, 0, 2, &i0, &i1);
  CHECK(i0 == 0);
  CHECK(i1 == 4);
  dwvp_chain_input_rows(&d, 7, 8, &i0, &i1);
  CHECK(i0 == 13);
  CHECK(i1 == 16);
}

TEST_CASE("stripe chain: which layers may be chained and linked", "[stripe_chain]") {
  const auto c = block();
  for (const auto& d : c)
    CHECK(dwvp_chain_layer_ok(&d));
  CHECK(dwvp_chain_linked(&c[0], &c[1]));
  CHECK(dwvp_chain_linked(&c[1], &c[2]));
  auto refused = [](dwvp_desc d) { return !dwvp_chain_layer_ok(&d); };
  dwvp_desc d = c[1];
  d.mapping = DWVP_MAP_VECTOR;
  CHECK(refused(d));
  d = c[0];
  d.activation = DWVP_ACT_LUT;
  CHECK(refused(d));
  d = c[0];
  d.flags = DWVP_FLAG_FUSE_OUT;
  CHECK(refused(d));
  d = c[0];
  d.tile_h = 2;
  CHECK(refused(d));
  d = c[0];
  d.out_pixel_stride = 16;
  CHECK(refused(d));
  d = c[0];
  d.opcode = DWVP_OP_ADD;
  CHECK(refused(d));
  d = c[0];
  d.opcode = DWVP_OP_FC;
  CHECK(refused(d));
  dwvp_desc next = c[1];
  next.in_c = 7;
  CHECK_FALSE(dwvp_chain_linked(&c[0], &next));
  next = c[1];
  next.input_addr += 64;
  CHECK_FALSE(dwvp_chain_linked(&c[0], &next));
  // A 1x1 stride-2 layer skips every other row of its input: not chained after another.
  next = layer(DWVP_OP_POINTWISE, 8, 8, 8, 8, 1, 2);
  next.input_addr = c[0].output_addr;
  CHECK_FALSE(dwvp_chain_linked(&c[0], &next));
  // Weights bytes: 8 filters x (4 inputs + 12 bytes of int32 data).
  CHECK(dwvp_weight_bytes(&c[0], 8) == 128);
}
