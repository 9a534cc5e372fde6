// Descriptor validation (models/accel/descriptor_check), plain C++: valid descriptors
// of every opcode pass, and every rule, broken by flipping one field of a valid
// descriptor, returns the expected (error, field) pair.
//
// Extents are worked out by hand from include/dwvp/descriptor.h and docs/numerics.md:
// input (pixels - 1) * pixel_stride + in_c, weights by layout, bias 4 * out_c,
// quant 8 * out_c (multiplier[] then shift[]), LUT 256, stats 64.
#include "descriptor_check.h"

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include <string>

using dwvp::models::check_descriptor;
using dwvp::models::check_quant_data;
using dwvp::models::check_result;
using dwvp::models::dma_windows;

namespace {

constexpr uint32_t k_win_base = 0x80000000u;
constexpr uint32_t k_win_size = 0x01000000u; // 16 MiB
constexpr uint32_t k_win_end = k_win_base + k_win_size;
constexpr uint32_t k_outside = 0x20000000u;

dma_windows one_window() {
  dma_windows w{};
  w[0] = {k_win_base, k_win_size};
  return w;
}

// Every tensor 4 KiB apart at the start of the window.
void place(dwvp_desc& d) {
  d.input_addr = k_win_base + 0x0000;
  d.weight_addr = k_win_base + 0x1000;
  d.bias_addr = k_win_base + 0x2000;
  d.quant_addr = k_win_base + 0x3000;
  d.output_addr = k_win_base + 0x4000;
  d.aux_addr = k_win_base + 0x5000;
  d.lut_addr = k_win_base + 0x6000;
  d.stats_addr = k_win_base + 0x7000;
}

dwvp_desc base(uint8_t opcode) {
  dwvp_desc d{};
  d.magic = DWVP_DESC_MAGIC;
  d.layer_id = 7;
  d.opcode = opcode;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.act_min = -128;
  d.act_max = 127;
  place(d);
  return d;
}

// 4x4x16 -> 4x4x8.
dwvp_desc pointwise() {
  dwvp_desc d = base(DWVP_OP_POINTWISE);
  d.in_h = d.out_h = 4;
  d.in_w = d.out_w = 4;
  d.in_c = 16;
  d.out_c = 8;
  return d;
}

// 1x1x64 -> 10.
dwvp_desc fc() {
  dwvp_desc d = base(DWVP_OP_FC);
  d.in_h = d.in_w = d.out_h = d.out_w = 1;
  d.in_c = 64;
  d.out_c = 10;
  return d;
}

// 8x8x4 -> 8x8x6, 3x3, stride 1, pad 1: (8 + 2 - 3) / 1 + 1 = 8.
dwvp_desc conv2d() {
  dwvp_desc d = base(DWVP_OP_CONV2D);
  d.kernel_h = d.kernel_w = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.in_h = d.in_w = 8;
  d.in_c = 4;
  d.out_h = d.out_w = 8;
  d.out_c = 6;
  return d;
}

// 8x8x8 -> 4x4x8, 3x3, stride 2, pad 1: (8 + 2 - 3) / 2 + 1 = 4.
dwvp_desc depthwise() {
  dwvp_desc d = base(DWVP_OP_DEPTHWISE);
  d.kernel_h = d.kernel_w = 3;
  d.stride_h = d.stride_w = 2;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.in_h = d.in_w = 8;
  d.in_c = d.out_c = 8;
  d.out_h = d.out_w = 4;
  return d;
}

// FuSe row filter 1x5 on 6x10x8, pad 2 left and right: out 6x10.
dwvp_desc dw_1xk() {
  dwvp_desc d = base(DWVP_OP_DW_1XK);
  d.kernel_w = 5;
  d.pad_left = d.pad_right = 2;
  d.in_h = d.out_h = 6;
  d.in_w = d.out_w = 10;
  d.in_c = d.out_c = 8;
  return d;
}

// FuSe column filter 3x1 on 6x10x8, no padding: out 4x10.
dwvp_desc dw_kx1() {
  dwvp_desc d = base(DWVP_OP_DW_KX1);
  d.kernel_h = 3;
  d.in_h = 6;
  d.out_h = 4;
  d.in_w = d.out_w = 10;
  d.in_c = d.out_c = 8;
  return d;
}

// Residual add, 4x4x8.
dwvp_desc add() {
  dwvp_desc d = base(DWVP_OP_ADD);
  d.in_h = d.out_h = d.in_w = d.out_w = 4;
  d.in_c = d.out_c = 8;
  d.add_left_shift = 20;
  d.input_mult = 1 << 30;
  d.input_shift = -1;
  d.aux_mult = 1 << 30;
  d.aux_shift = -2;
  d.output_mult = 1 << 30;
  d.output_shift = -18;
  return d;
}

// Global average pool 7x7x16 -> 1x1x16.
dwvp_desc avg_pool() {
  dwvp_desc d = base(DWVP_OP_AVG_POOL);
  d.kernel_h = d.kernel_w = 7;
  d.in_h = d.in_w = 7;
  d.out_h = d.out_w = 1;
  d.in_c = d.out_c = 16;
  return d;
}

// Squeeze-and-excite scaling, 4x4x8.
dwvp_desc channel_mul() {
  dwvp_desc d = base(DWVP_OP_CHANNEL_MUL);
  d.in_h = d.out_h = d.in_w = d.out_w = 4;
  d.in_c = d.out_c = 8;
  d.output_mult = 1 << 30;
  d.output_shift = -7;
  return d;
}

std::string describe(const check_result& r) {
  return std::string(dwvp_error_name(r.error)) + " / " + dwvp_desc_field_name(r.field) +
         " (" + r.message + ")";
}

void expect_ok(const dwvp_desc& d, const dma_windows& w = one_window()) {
  const check_result r = check_descriptor(d, w);
  INFO("result: " << describe(r));
  CHECK(r.ok());
  CHECK(r.error == DWVP_ERR_NONE);
}

void expect_fail(const dwvp_desc& d, dwvp_error error, dwvp_desc_field field,
                 const dma_windows& w = one_window()) {
  const check_result r = check_descriptor(d, w);
  INFO("expected " << dwvp_error_name(error) << " / " << dwvp_desc_field_name(field)
                   << ", got " << describe(r));
  CHECK_FALSE(r.ok());
  CHECK(r.error == error);
  CHECK(r.field == field);
  CHECK_FALSE(r.message.empty());
}

} // namespace

TEST_CASE("descriptor check: valid descriptors of every opcode pass",
          "[descriptor_check]") {
  expect_ok(pointwise());
  expect_ok(fc());
  expect_ok(conv2d());
  expect_ok(depthwise());
  expect_ok(dw_1xk());
  expect_ok(dw_kx1());
  expect_ok(add());
  expect_ok(avg_pool());
  expect_ok(channel_mul());
  // Optional features that are valid.
  dwvp_desc d = pointwise();
  d.activation = DWVP_ACT_LUT;
  d.flags = DWVP_FLAG_ALL & ~DWVP_FLAG_STRIPE; // STRIPE excludes the FUSE flags
  d.loop_order = DWVP_ORDER_SCAN;
  d.dataflow = DWVP_DF_WS;
  d.tile_h = 4;
  d.tile_w = 4;
  d.tile_c = 8;
  d.tile_k = 16;
  d.in_pixel_stride = 16;  // == in_c
  d.out_pixel_stride = 32; // wider than out_c: a channel slice
  d.stats_addr = 0;        // no stats record
  expect_ok(d);
  d = dw_1xk();
  d.dataflow = DWVP_DF_ST_OS;
  expect_ok(d);
  d = dw_kx1();
  d.dataflow = DWVP_DF_ST_OS;
  expect_ok(d);
  d = dw_kx1();
  d.mapping = DWVP_MAP_VECTOR; // FuSe layers may also run on the plain mappings
  expect_ok(d);
  d = depthwise();
  d.mapping = DWVP_MAP_GEMM_NAIVE;
  expect_ok(d);
}

TEST_CASE("descriptor check: st_os takes no mapping", "[descriptor_check]") {
  // ST-OS is its own mapping of the 1D convolutions; another mapping contradicts it.
  for (uint8_t m : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
    dwvp_desc d = dw_1xk();
    d.dataflow = DWVP_DF_ST_OS;
    d.mapping = m;
    const check_result r = check_descriptor(d, one_window());
    CHECK(r.error == DWVP_ERR_BAD_FIELD);
    CHECK(r.field == DWVP_FIELD_MAPPING);
  }
}

TEST_CASE("descriptor check: magic", "[descriptor_check]") {
  for (uint16_t magic : {uint16_t{0}, uint16_t{0x5CD3}, uint16_t{0xD35D}}) {
    dwvp_desc d = pointwise();
    d.magic = magic;
    expect_fail(d, DWVP_ERR_BAD_MAGIC, DWVP_FIELD_MAGIC);
  }
}

TEST_CASE("descriptor check: opcode 0, 99 and the first unassigned value",
          "[descriptor_check]") {
  for (int op : {0, 99, int{DWVP_OP_COUNT}, 255}) {
    dwvp_desc d = pointwise();
    d.opcode = static_cast<uint8_t>(op);
    INFO("opcode " << op);
    expect_fail(d, DWVP_ERR_BAD_OPCODE, DWVP_FIELD_OPCODE);
  }
}

TEST_CASE("descriptor check: mapping", "[descriptor_check]") {
  SECTION("a non-default mapping on a non-depthwise layer") {
    for (int m : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
      dwvp_desc d = pointwise();
      d.mapping = static_cast<uint8_t>(m);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING);
      d = conv2d();
      d.mapping = static_cast<uint8_t>(m);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING);
    }
  }
  SECTION("an unknown mapping on a depthwise layer") {
    dwvp_desc d = depthwise();
    d.mapping = DWVP_MAP_COUNT;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING);
  }
}

TEST_CASE("descriptor check: dataflow", "[descriptor_check]") {
  SECTION("unknown") {
    dwvp_desc d = pointwise();
    d.dataflow = DWVP_DF_COUNT;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_DATAFLOW);
  }
  SECTION("st_os on layers that are not 1xK / Kx1") {
    for (dwvp_desc d : {pointwise(), conv2d(), depthwise(), fc()}) {
      d.dataflow = DWVP_DF_ST_OS;
      INFO("opcode " << int{d.opcode});
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_DATAFLOW);
    }
  }
}

TEST_CASE("descriptor check: activation, loop order, flags", "[descriptor_check]") {
  dwvp_desc d = pointwise();
  d.activation = DWVP_ACT_COUNT;
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACTIVATION);
  d = pointwise();
  d.loop_order = DWVP_ORDER_COUNT;
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_LOOP_ORDER);
  d = pointwise();
  d.loop_order = DWVP_ORDER_AUTO;
  expect_ok(d);
  for (uint32_t bit : {5u, 8u, 31u}) {
    d = pointwise();
    d.flags = DWVP_FLAG_IRQ | (1u << bit);
    INFO("flag bit " << bit);
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS);
  }
  // STRIPE (bit 4): the chain rules are the command processor's; on its own the flag
  // only excludes layer-level fusion.
  d = pointwise();
  d.flags = DWVP_FLAG_STRIPE;
  expect_ok(d);
  for (uint32_t fuse : {DWVP_FLAG_FUSE_OUT, DWVP_FLAG_FUSE_IN}) {
    d.flags = DWVP_FLAG_STRIPE | fuse;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS);
  }
  // ONNX numerics (bit 3): weighted layers and ADD only.
  d = pointwise();
  d.flags = DWVP_FLAG_ONNX;
  expect_ok(d);
  d = add();
  d.flags = DWVP_FLAG_ONNX;
  expect_ok(d);
  for (dwvp_desc e : {avg_pool(), channel_mul()}) {
    e.flags = DWVP_FLAG_ONNX;
    expect_fail(e, DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS);
  }
}

TEST_CASE("descriptor check: reserved bytes must be 0", "[descriptor_check]") {
  for (int i = 0; i < 2; ++i) {
    dwvp_desc d = pointwise();
    d.reserved0[i] = 1;
    INFO("reserved0[" << i << "]");
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_RESERVED);
  }
  for (int i = 0; i < 4; ++i) {
    dwvp_desc d = pointwise();
    d.reserved1[i] = 0x80;
    INFO("reserved1[" << i << "]");
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_RESERVED);
  }
}

TEST_CASE("descriptor check: zero dimensions", "[descriptor_check]") {
  struct dim {
    uint16_t dwvp_desc::*member;
    dwvp_desc_field field;
  };
  const dim dims[] = {
      {&dwvp_desc::in_h, DWVP_FIELD_IN_H},   {&dwvp_desc::in_w, DWVP_FIELD_IN_W},
      {&dwvp_desc::in_c, DWVP_FIELD_IN_C},   {&dwvp_desc::out_h, DWVP_FIELD_OUT_H},
      {&dwvp_desc::out_w, DWVP_FIELD_OUT_W}, {&dwvp_desc::out_c, DWVP_FIELD_OUT_C}};
  for (const dim& x : dims) {
    for (dwvp_desc d : {pointwise(), conv2d()}) {
      d.*(x.member) = 0;
      INFO("opcode " << int{d.opcode} << " field " << dwvp_desc_field_name(x.field));
      expect_fail(d, DWVP_ERR_BAD_SHAPE, x.field);
    }
  }
}

TEST_CASE("descriptor check: conv2d kernel, stride and padding ranges",
          "[descriptor_check]") {
  SECTION("kernel 0 or above 15") {
    for (int k : {0, 16, 255}) {
      dwvp_desc d = conv2d();
      d.kernel_h = static_cast<uint8_t>(k);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_H);
      d = conv2d();
      d.kernel_w = static_cast<uint8_t>(k);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_W);
    }
  }
  SECTION("kernel 15 is the largest allowed") {
    dwvp_desc d = conv2d();
    d.in_h = d.in_w = 16;
    d.kernel_h = d.kernel_w = 15;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 0;
    d.out_h = d.out_w = 2; // (16 - 15) / 1 + 1
    expect_ok(d);
  }
  SECTION("stride 0 or above 8") {
    for (int s : {0, 9}) {
      dwvp_desc d = conv2d();
      d.stride_h = static_cast<uint8_t>(s);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_H);
      d = conv2d();
      d.stride_w = static_cast<uint8_t>(s);
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_W);
    }
  }
  SECTION("stride 8 is the largest allowed") {
    dwvp_desc d = conv2d();
    d.stride_h = d.stride_w = 8;
    d.out_h = d.out_w = 1; // (8 + 2 - 3) / 8 + 1
    expect_ok(d);
  }
  SECTION("padding must be smaller than the kernel") {
    dwvp_desc d = conv2d();
    d.pad_top = 3;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_TOP);
    d = conv2d();
    d.pad_bottom = 3;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_BOTTOM);
    d = conv2d();
    d.pad_left = 4;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_LEFT);
    d = conv2d();
    d.pad_right = 3;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_RIGHT);
  }
  SECTION("a kernel larger than the padded input") {
    dwvp_desc d = conv2d();
    d.in_h = 2; // 2 + 1 + 1 < 5
    d.kernel_h = 5;
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_KERNEL_H);
    d = conv2d();
    d.in_w = 1; // 1 + 1 + 1 < 4
    d.kernel_w = 4;
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_KERNEL_W);
  }
  SECTION("1xK needs kernel_h 1, Kx1 needs kernel_w 1") {
    dwvp_desc d = dw_1xk();
    d.kernel_h = 3;
    d.out_h = 4; // consistent with the 3-row kernel: (6 - 3) / 1 + 1
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_H);
    d = dw_kx1();
    d.kernel_w = 3;
    d.out_w = 8; // (10 - 3) / 1 + 1
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_W);
  }
}

TEST_CASE("descriptor check: out_h/out_w must follow the output size formula",
          "[descriptor_check]") {
  for (int delta : {-1, 1}) {
    dwvp_desc d = conv2d();
    d.out_h = static_cast<uint16_t>(8 + delta);
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H);
    d = conv2d();
    d.out_w = static_cast<uint16_t>(8 + delta);
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_W);
    d = depthwise();
    d.out_h = static_cast<uint16_t>(4 + delta);
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H);
  }
  // Asymmetric padding and a truncating stride: (9 + 0 + 1 - 3) / 2 + 1 = 4 (7 / 2 = 3).
  dwvp_desc d = conv2d();
  d.in_h = 9;
  d.pad_top = 0;
  d.pad_bottom = 1;
  d.stride_h = 2;
  d.out_h = 4;
  expect_ok(d);
  d.out_h = 5;
  expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H);
  // Pointwise keeps the spatial size.
  d = pointwise();
  d.out_h = 5;
  expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H);
  d = pointwise();
  d.out_w = 3;
  expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_W);
}

TEST_CASE("descriptor check: fully connected input must be 1x1", "[descriptor_check]") {
  dwvp_desc d = fc();
  d.in_h = d.out_h = 2;
  expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_IN_H);
  d = fc();
  d.in_w = d.out_w = 3;
  expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_IN_W);
}

TEST_CASE("descriptor check: out_c must equal in_c for channel-wise layers",
          "[descriptor_check]") {
  for (dwvp_desc d :
       {depthwise(), dw_1xk(), dw_kx1(), add(), avg_pool(), channel_mul()}) {
    d.out_c = static_cast<uint16_t>(d.in_c * 2);
    INFO("opcode " << int{d.opcode});
    expect_fail(d, DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_C);
  }
}

TEST_CASE("descriptor check: pixel strides smaller than the channel count",
          "[descriptor_check]") {
  dwvp_desc d = pointwise();
  d.in_pixel_stride = 15; // in_c 16
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_IN_PIXEL_STRIDE);
  d = pointwise();
  d.out_pixel_stride = 7; // out_c 8
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUT_PIXEL_STRIDE);
  d = pointwise();
  d.in_pixel_stride = 16;
  d.out_pixel_stride = 8;
  expect_ok(d);
}

TEST_CASE("descriptor check: tiles larger than the tensor", "[descriptor_check]") {
  dwvp_desc d = pointwise();
  d.tile_h = 5; // out_h 4
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_H);
  d = pointwise();
  d.tile_w = 5; // out_w 4
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_W);
  d = pointwise();
  d.tile_c = 9; // out_c 8
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_C);
  d = pointwise();
  d.tile_k = 17; // in_c 16
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_K);
  d = pointwise();
  d.tile_h = 4;
  d.tile_w = 4;
  d.tile_c = 8;
  d.tile_k = 16;
  expect_ok(d);
}

TEST_CASE("descriptor check: zero points and clamp bounds", "[descriptor_check]") {
  struct zp {
    int32_t dwvp_desc::*member;
    dwvp_desc_field field;
  };
  for (const zp& z : {zp{&dwvp_desc::input_zp, DWVP_FIELD_INPUT_ZP},
                      zp{&dwvp_desc::aux_zp, DWVP_FIELD_AUX_ZP},
                      zp{&dwvp_desc::output_zp, DWVP_FIELD_OUTPUT_ZP}}) {
    for (int32_t v : {-129, 128, INT32_MIN, INT32_MAX}) {
      dwvp_desc d = pointwise();
      d.*(z.member) = v;
      INFO(dwvp_desc_field_name(z.field) << " = " << v);
      expect_fail(d, DWVP_ERR_BAD_FIELD, z.field);
    }
    for (int32_t v : {-128, 127}) {
      dwvp_desc d = pointwise();
      d.*(z.member) = v;
      expect_ok(d);
    }
  }
  dwvp_desc d = pointwise();
  d.act_min = -129;
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MIN);
  d = pointwise();
  d.act_min = 128;
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MIN);
  d = pointwise();
  d.act_max = 128;
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MAX);
  d = pointwise();
  d.act_min = 10;
  d.act_max = 9; // below act_min
  expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MAX);
  d = pointwise();
  d.act_min = d.act_max = 5; // a single value is a valid range
  expect_ok(d);
}

TEST_CASE("descriptor check: ADD and CHANNEL_MUL multipliers and shifts",
          "[descriptor_check]") {
  SECTION("add_left_shift") {
    dwvp_desc d = add();
    d.add_left_shift = 22; // |a - zp| <= 255, 255 << 22 < 2^31
    expect_ok(d);
    d.add_left_shift = 23;
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ADD_LEFT_SHIFT);
    d = pointwise();
    d.add_left_shift = 1; // only ADD uses it
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_ADD_LEFT_SHIFT);
  }
  SECTION("multipliers must be positive") {
    for (int32_t m : {0, -1, INT32_MIN}) {
      dwvp_desc d = add();
      d.input_mult = m;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_INPUT_MULT);
      d = add();
      d.aux_mult = m;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_AUX_MULT);
      d = add();
      d.output_mult = m;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_MULT);
      d = channel_mul();
      d.output_mult = m;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_MULT);
    }
  }
  SECTION("shifts must be in -31..30") {
    for (int32_t s : {-32, 31}) {
      dwvp_desc d = add();
      d.input_shift = s;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_INPUT_SHIFT);
      d = add();
      d.aux_shift = s;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_AUX_SHIFT);
      d = add();
      d.output_shift = s;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_SHIFT);
      d = channel_mul();
      d.output_shift = s;
      expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_SHIFT);
    }
    for (int32_t s : {-31, 30}) {
      dwvp_desc d = add();
      d.input_shift = d.aux_shift = d.output_shift = s;
      expect_ok(d);
    }
  }
}

TEST_CASE("descriptor check: stats_addr must be 8-byte aligned", "[descriptor_check]") {
  for (uint32_t off : {1u, 4u, 7u}) {
    dwvp_desc d = pointwise();
    d.stats_addr += off;
    INFO("stats_addr offset " << off);
    expect_fail(d, DWVP_ERR_BAD_FIELD, DWVP_FIELD_STATS_ADDR);
  }
  dwvp_desc d = pointwise();
  d.stats_addr += 8;
  expect_ok(d);
}

TEST_CASE("descriptor check: every tensor address outside every DMA window",
          "[descriptor_check]") {
  struct tensor {
    uint32_t dwvp_desc::*member;
    dwvp_desc_field field;
    dwvp_desc (*make)();
  };
  auto pw_lut = [] {
    dwvp_desc d = pointwise();
    d.activation = DWVP_ACT_LUT;
    return d;
  };
  const tensor tensors[] = {
      {&dwvp_desc::input_addr, DWVP_FIELD_INPUT_ADDR, pointwise},
      {&dwvp_desc::weight_addr, DWVP_FIELD_WEIGHT_ADDR, pointwise},
      {&dwvp_desc::bias_addr, DWVP_FIELD_BIAS_ADDR, pointwise},
      {&dwvp_desc::quant_addr, DWVP_FIELD_QUANT_ADDR, pointwise},
      {&dwvp_desc::output_addr, DWVP_FIELD_OUTPUT_ADDR, pointwise},
      {&dwvp_desc::aux_addr, DWVP_FIELD_AUX_ADDR, add},
      {&dwvp_desc::aux_addr, DWVP_FIELD_AUX_ADDR, channel_mul},
      {&dwvp_desc::lut_addr, DWVP_FIELD_LUT_ADDR, +pw_lut},
      {&dwvp_desc::stats_addr, DWVP_FIELD_STATS_ADDR, pointwise},
      {&dwvp_desc::weight_addr, DWVP_FIELD_WEIGHT_ADDR, depthwise},
      {&dwvp_desc::input_addr, DWVP_FIELD_INPUT_ADDR, avg_pool},
  };
  for (const tensor& t : tensors) {
    for (uint32_t addr : {k_outside, k_win_base - 0x1000, k_win_end}) {
      dwvp_desc d = t.make();
      d.*(t.member) = addr;
      INFO(dwvp_desc_field_name(t.field) << " = 0x" << std::hex << addr);
      expect_fail(d, DWVP_ERR_ADDR_WINDOW, t.field);
    }
  }
  // Addresses a layer does not use are not checked.
  dwvp_desc d = pointwise();
  d.aux_addr = k_outside;
  d.lut_addr = k_outside; // activation is not LUT
  expect_ok(d);
  d = add();
  d.weight_addr = d.bias_addr = d.quant_addr = k_outside;
  expect_ok(d);
}

TEST_CASE("descriptor check: windows are per tensor and disabled windows allow nothing",
          "[descriptor_check]") {
  dma_windows w{};
  w[0] = {k_win_base, k_win_size};
  w[3] = {k_outside, 0x1000}; // the output may live in window 3
  dwvp_desc d = pointwise();
  d.output_addr = k_outside;
  expect_ok(d, w);
  w[3].size = 0; // disabled
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_OUTPUT_ADDR, w);
  // No window at all: the first tensor checked is refused.
  expect_fail(pointwise(), DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_INPUT_ADDR, dma_windows{});
}

TEST_CASE("descriptor check: a tensor straddling the end of a window",
          "[descriptor_check]") {
  // Each tensor placed to end exactly at the window's end passes; one byte later fails.
  struct tensor {
    uint32_t dwvp_desc::*member;
    dwvp_desc_field field;
    uint32_t bytes; // hand-computed extent for pointwise() (4x4x16 -> 8)
  };
  const tensor tensors[] = {
      {&dwvp_desc::input_addr, DWVP_FIELD_INPUT_ADDR, 4 * 4 * 16},
      {&dwvp_desc::weight_addr, DWVP_FIELD_WEIGHT_ADDR, 8 * 16},
      {&dwvp_desc::bias_addr, DWVP_FIELD_BIAS_ADDR, 4 * 8},
      {&dwvp_desc::quant_addr, DWVP_FIELD_QUANT_ADDR, 8 * 8},
      {&dwvp_desc::output_addr, DWVP_FIELD_OUTPUT_ADDR, 4 * 4 * 8},
  };
  for (const tensor& t : tensors) {
    dwvp_desc d = pointwise();
    d.*(t.member) = k_win_end - t.bytes;
    INFO(dwvp_desc_field_name(t.field) << " of " << t.bytes << " bytes");
    expect_ok(d);
    d.*(t.member) = k_win_end - t.bytes + 1;
    expect_fail(d, DWVP_ERR_ADDR_WINDOW, t.field);
  }
  // Strided input: 16 pixels 40 bytes apart, 16 channels: 15 * 40 + 16 = 616 bytes.
  dwvp_desc d = pointwise();
  d.in_pixel_stride = 40;
  d.input_addr = k_win_end - 616;
  expect_ok(d);
  d.input_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_INPUT_ADDR);
  // Strided output: 15 * 24 + 8 = 368 bytes.
  d = pointwise();
  d.out_pixel_stride = 24;
  d.output_addr = k_win_end - 368;
  expect_ok(d);
  d.output_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_OUTPUT_ADDR);
  // Stats record, 96 bytes (8-byte aligned placements).
  d = pointwise();
  d.stats_addr = k_win_end - 96;
  expect_ok(d);
  d.stats_addr = k_win_end - 88;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_STATS_ADDR);
  // LUT, 256 bytes.
  d = pointwise();
  d.activation = DWVP_ACT_LUT;
  d.lut_addr = k_win_end - 256;
  expect_ok(d);
  d.lut_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_LUT_ADDR);
  // Conv weights OHWI: 6 * 3 * 3 * 4 = 216; depthwise [kh][kw][c]: 3 * 3 * 8 = 72.
  d = conv2d();
  d.weight_addr = k_win_end - 216;
  expect_ok(d);
  d.weight_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_WEIGHT_ADDR);
  d = depthwise();
  d.weight_addr = k_win_end - 72;
  expect_ok(d);
  d.weight_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_WEIGHT_ADDR);
  // ADD's second input has the input's shape: 4 * 4 * 8 = 128; CHANNEL_MUL's is [c] = 8.
  d = add();
  d.aux_addr = k_win_end - 128;
  expect_ok(d);
  d.aux_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_AUX_ADDR);
  d = channel_mul();
  d.aux_addr = k_win_end - 8;
  expect_ok(d);
  d.aux_addr += 1;
  expect_fail(d, DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_AUX_ADDR);
}

TEST_CASE("descriptor check: per-channel quantisation data", "[descriptor_check]") {
  const int32_t good_mult[4] = {1 << 30, INT32_MAX, 1 << 30, 1 << 30};
  const int32_t good_shift[4] = {-31, 30, 0, -5};
  CHECK(check_quant_data(good_mult, good_shift, 4).ok());
  CHECK(check_quant_data(good_mult, good_shift, 0).ok());

  SECTION("a negative multiplier") {
    for (int32_t m : {-1, INT32_MIN}) {
      int32_t mult[4] = {1 << 30, 1 << 30, m, 1 << 30};
      const check_result r = check_quant_data(mult, good_shift, 4);
      INFO(describe(r));
      CHECK(r.error == DWVP_ERR_BAD_FIELD);
      CHECK(r.field == DWVP_FIELD_QUANT_DATA);
      // Only the channels given are looked at.
      CHECK(check_quant_data(mult, good_shift, 2).ok());
    }
  }
  SECTION("a shift outside -31..30") {
    for (int32_t s : {-32, 31, INT32_MIN, INT32_MAX}) {
      int32_t shift[4] = {0, 0, 0, s};
      const check_result r = check_quant_data(good_mult, shift, 4);
      INFO(describe(r));
      CHECK(r.error == DWVP_ERR_BAD_FIELD);
      CHECK(r.field == DWVP_FIELD_QUANT_DATA);
    }
  }
}

TEST_CASE("descriptor check: ONNX quantisation data is binary32 scales and zero shifts",
          "[descriptor_check]") {
  auto bits = [](float f) {
    int32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  };
  const int32_t zero[3] = {0, 0, 0};
  const int32_t good[3] = {bits(0.0f), bits(1e-6f), bits(3.0e38f)};
  CHECK(check_quant_data(good, zero, 3, true).ok());
  // A Q31 multiplier of 2^30 is the float 2.0: fine as a scale; a negative, infinite
  // or NaN scale is not, nor a shift.
  for (float f : {-1.0f, -1e-30f, INFINITY, NAN}) {
    const int32_t mult[3] = {bits(1.0f), bits(f), bits(1.0f)};
    const check_result r = check_quant_data(mult, zero, 3, true);
    INFO(f << ": " << describe(r));
    CHECK(r.field == DWVP_FIELD_QUANT_DATA);
  }
  const int32_t shift[3] = {0, 1, 0};
  CHECK(check_quant_data(good, shift, 3, true).field == DWVP_FIELD_QUANT_DATA);
  // The fixed-point check refuses a float scale below 2^30 as a multiplier.
  CHECK_FALSE(check_quant_data(good + 1, zero, 1).ok());
}

// docs/numerics.md, tensor layouts: "requant multiplier | int32 in [2^30, 2^31) (0
// allowed)", and QuantizeMultiplier yields (0, 0) for a zero scale and for scales below
// 2^-32 (s < -31). A channel with multiplier 0 is therefore valid data (it outputs
// clamp(output_zp)); check_quant_data refuses it.
TEST_CASE("descriptor check: a zero multiplier is valid quantisation data (numerics.md)",
          "[descriptor_check]") {
  const int32_t mult[2] = {1 << 30, 0};
  const int32_t shift[2] = {0, 0};
  const check_result r = check_quant_data(mult, shift, 2);
  INFO(describe(r));
  CHECK(r.ok());
}

TEST_CASE("descriptor check: stripe chain layers and links name the field",
          "[descriptor_check]") {
  auto expect = [](const check_result& r, dwvp_error error, dwvp_desc_field field) {
    INFO("expected " << dwvp_error_name(error) << " / " << dwvp_desc_field_name(field)
                     << ", got " << describe(r));
    CHECK(r.error == error);
    CHECK(r.field == field);
    CHECK(r.message.rfind("stripe chain: ", 0) == 0);
  };
  CHECK(dwvp::models::check_chain_layer(pointwise()).ok());
  CHECK(dwvp::models::check_chain_layer(depthwise()).ok());
  CHECK(dwvp::models::check_chain_layer(conv2d()).ok());
  expect(dwvp::models::check_chain_layer(add()), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_OPCODE);
  expect(dwvp::models::check_chain_layer(fc()), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_OPCODE);
  dwvp_desc d = depthwise();
  d.mapping = DWVP_MAP_VECTOR;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_MAPPING);
  d = pointwise();
  d.activation = DWVP_ACT_LUT;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_ACTIVATION);
  d = pointwise();
  d.tile_w = 2;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_TILE_W);
  d = pointwise();
  d.tile_k = 8;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED, DWVP_FIELD_TILE_K);
  d = pointwise();
  d.out_pixel_stride = 32;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED,
         DWVP_FIELD_OUT_PIXEL_STRIDE);
  d = pointwise();
  d.in_pixel_stride = 32;
  expect(dwvp::models::check_chain_layer(d), DWVP_ERR_UNSUPPORTED,
         DWVP_FIELD_IN_PIXEL_STRIDE);

  // pointwise 4x4x16 -> 8 feeding a 4x4x8 pointwise layer.
  const dwvp_desc a = pointwise();
  dwvp_desc b = pointwise();
  b.in_c = 8;
  b.input_addr = a.output_addr;
  CHECK(dwvp::models::check_chain_link(a, b).ok());
  dwvp_desc x = b;
  x.input_addr += 64;
  expect(dwvp::models::check_chain_link(a, x), DWVP_ERR_BAD_SHAPE, DWVP_FIELD_INPUT_ADDR);
  x = b;
  x.in_h = x.out_h = 3;
  expect(dwvp::models::check_chain_link(a, x), DWVP_ERR_BAD_SHAPE, DWVP_FIELD_IN_H);
  x = b;
  x.in_w = x.out_w = 3;
  expect(dwvp::models::check_chain_link(a, x), DWVP_ERR_BAD_SHAPE, DWVP_FIELD_IN_W);
  x = b;
  x.in_c = 16;
  expect(dwvp::models::check_chain_link(a, x), DWVP_ERR_BAD_SHAPE, DWVP_FIELD_IN_C);
  x = b;
  x.stride_h = 2;
  x.out_h = 2;
  expect(dwvp::models::check_chain_link(a, x), DWVP_ERR_BAD_SHAPE, DWVP_FIELD_STRIDE_H);
}
