// Every layer type x depthwise mapping x dataflow, run by the firmware through the
// command ring and compared bit for bit with the golden reference; engine attribution
// and cycle counts checked against the timing model and hand-worked cases.
#include "harness.h"
#include "layer_timing.h"
#include "logging.h"
#include "network_builder.h"
#include "soc.h"

#include <catch2/catch.hpp>

using namespace dwvp;
using namespace dwvp::scenarios;

namespace {

network_run run(config& cfg, const network_builder& b) {
  logging::configure("off", "");
  return simulate_network(cfg, b.network(), "");
}

timing::compute_config compute_config_of(const config& cfg) {
  return compute_config_from(accel_params_from(cfg));
}

// Bit-exact, and every layer's compute cycles and MACs as the timing model says.
void check_run(const config& cfg, const network_builder& b, const network_run& r) {
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.result.driver_status == DWVP_OK);
  REQUIRE(r.bit_exact);
  const auto cc = compute_config_of(cfg);
  for (size_t i = 0; i < b.network().layers.size(); ++i) {
    INFO("layer " << b.network().layers[i].name);
    const auto t = timing::layer_compute(b.network().layers[i].desc, cc);
    CHECK(r.result.layers[i].stats.compute_cycles == t.cycles);
    CHECK(r.result.layers[i].stats.macs == t.macs);
  }
}

// A depthwise network on an odd-sized input with 45 channels (not a multiple of 32).
network_builder depthwise_net(int mapping, int dataflow) {
  network_builder b("dw", 13, 11, 45, 21);
  layer_spec s;
  s.op = DWVP_OP_DEPTHWISE;
  s.mapping = mapping;
  s.dataflow = dataflow;
  s.kernel_h = s.kernel_w = 3;
  b.add("dw3s1", s);
  s.kernel_h = s.kernel_w = 5;
  s.stride = 2;
  b.add("dw5s2", s);
  s.kernel_h = s.kernel_w = 7;
  s.stride = 1;
  s.activation = DWVP_ACT_NONE;
  b.add("dw7s1", s);
  s.op = DWVP_OP_DW_1XK;
  s.kernel_h = 1;
  s.kernel_w = 5;
  s.stride = 2;
  b.add("fuse1x5s2", s);
  s.op = DWVP_OP_DW_KX1;
  s.kernel_h = 3;
  s.kernel_w = 1;
  s.stride = 1;
  b.add("fuse3x1", s);
  return b;
}

} // namespace

TEST_CASE("depthwise as gemm_naive on OS is bit-exact", "[e2e][depthwise]") {
  config cfg;
  auto b = depthwise_net(DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // dw3s1: 45 channels x GEMM(M = 143 pixels, N = 1, K = 9) on OS: row folds
  // 4 x 32 + 15, computing r + 1 + 9 - 2 = 40 (full) or 23 (r = 15), draining r.
  // Pipelined, the channels are one chain of folds: each full fold computes under the
  // previous drain (40 > 32 or 15); the partial fold waits for the drain of 32. Per
  // channel 4 x 40 + 32 = 192, plus the last drain 15: 45 x 192 + 15 = 8655 (serial
  // drain: 45 x 326 = 14,670).
  CHECK(r.result.layers[0].stats.compute_cycles == 45 * 192 + 15);
  CHECK(r.result.perf[DWVP_PERF_VECTOR_BUSY] == 0);
}

TEST_CASE("depthwise as gemm_naive on WS is bit-exact", "[e2e][depthwise]") {
  config cfg;
  auto b = depthwise_net(DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // WS: S_r = 9 taps, S_c = 1, T = 143: fill 9, stream 9 + 1 + 143 - 2 = 151 per
  // channel; pipelined, every fill but the first hides under the previous stream:
  // 9 + 45 x 151 = 6804 (serial drain: 45 x 160 = 7200).
  CHECK(r.result.layers[0].stats.compute_cycles == 9 + 45 * 151);
}

TEST_CASE("depthwise on the vector unit is bit-exact", "[e2e][depthwise]") {
  config cfg;
  auto b = depthwise_net(DWVP_MAP_VECTOR, DWVP_DF_OS);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // ceil(45 / 32) = 2 lane passes x 143 pixels x 9 taps + 4 pipeline = 2578.
  CHECK(r.result.layers[0].stats.compute_cycles == 2578);
  CHECK(r.result.perf[DWVP_PERF_VECTOR_BUSY] > 0);
  CHECK(r.result.perf[DWVP_PERF_GEMM_BUSY] == 0);
}

TEST_CASE("depthwise as channel-parallel MVMs is bit-exact", "[e2e][depthwise]") {
  config cfg;
  auto b = depthwise_net(DWVP_MAP_CHANNEL_MVM, DWVP_DF_OS);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // WS schedule, S_r = 9 taps, S_c = 45 channels (folds of 32 and 13), T = 143:
  // fills of 9, streams 9 + 32 + 143 - 2 = 182 and 9 + 13 + 143 - 2 = 163; pipelined,
  // the second fill hides under the first stream: 9 + 182 + 163 = 354.
  CHECK(r.result.layers[0].stats.compute_cycles == 354);
}

TEST_CASE("FuSe 1xK and Kx1 layers on ST-OS are bit-exact", "[e2e][fuse]") {
  config cfg;
  network_builder b("fuse", 13, 11, 45, 5);
  layer_spec s;
  s.dataflow = DWVP_DF_ST_OS;
  for (int k : {3, 5, 7}) {
    for (int stride : {1, 2}) {
      s.op = DWVP_OP_DW_1XK;
      s.kernel_h = 1;
      s.kernel_w = k;
      s.stride = stride;
      b.add("1x" + std::to_string(k) + "s" + std::to_string(stride), s);
      s.op = DWVP_OP_DW_KX1;
      s.kernel_h = k;
      s.kernel_w = 1;
      b.add(std::to_string(k) + "x1s" + std::to_string(stride), s);
    }
  }
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // 1x3 s1 (SAME): 45 channels x 13 rows = 585 1D convolutions of 11 outputs:
  // ceil(585 / 32) = 19 row folds of one 11-column fold, each 11 + 3 cycles, plus the
  // last fold's drain of 11: 19 * 14 + 11 = 277.
  CHECK(r.result.layers[0].stats.compute_cycles == 277);
}

TEST_CASE("conv2d is bit-exact on OS and WS", "[e2e][conv]") {
  config cfg;
  network_builder b("conv", 15, 13, 3, 8);
  layer_spec s;
  s.op = DWVP_OP_CONV2D;
  s.out_c = 16;
  s.kernel_h = s.kernel_w = 3;
  s.stride = 2;
  int first = b.add("conv3s2", s); // a MobileNet stem: 3 input channels
  s.input = first;
  s.out_c = 33;
  s.kernel_h = s.kernel_w = 5;
  s.stride = 1;
  s.dataflow = DWVP_DF_WS;
  b.add("conv5ws", s);
  s.kernel_h = s.kernel_w = 7;
  s.same_padding = false;
  s.dataflow = DWVP_DF_OS;
  s.out_c = 7;
  b.add("conv7valid", s);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // conv3s2: M = 8 x 7 = 56 pixels, N = 16, K = 27 on OS: folds of 32 and 24 rows
  // compute 32 + 16 + 27 - 2 = 73 and 65, drain 32 and 24; pipelined, the second
  // computes under the first drain: 73 + max(65, 32) + 24 = 162.
  CHECK(r.result.layers[0].stats.compute_cycles == 162);
}

TEST_CASE("post-processing layers and a squeeze-and-excite block are bit-exact",
          "[e2e][ppu]") {
  config cfg;
  network_builder b("ppu", 9, 7, 24, 13);
  layer_spec s;
  s.op = DWVP_OP_POINTWISE;
  s.out_c = 24;
  s.activation = DWVP_ACT_LUT; // hard-swish
  int a = b.add("pw_hswish", s);
  s.activation = DWVP_ACT_RELU6;
  s.input = a;
  int c = b.add("pw_relu6", s);
  layer_spec add;
  add.op = DWVP_OP_ADD;
  add.input = a;
  add.aux_input = c;
  add.activation = DWVP_ACT_NONE;
  int sum = b.add("residual_add", add);
  layer_spec pool;
  pool.op = DWVP_OP_AVG_POOL;
  pool.kernel_h = pool.kernel_w = 3;
  pool.stride = 2;
  pool.input = sum;
  pool.activation = DWVP_ACT_NONE;
  b.add("avgpool3s2", pool);
  // Squeeze and excite: global pool -> FC -> FC with hard-sigmoid -> channel multiply.
  pool.global_pool = true;
  int squeezed = b.add("se_pool", pool);
  layer_spec fc;
  fc.op = DWVP_OP_FC;
  fc.out_c = 8;
  fc.input = squeezed;
  fc.activation = DWVP_ACT_RELU;
  int reduced = b.add("se_fc1", fc);
  fc.out_c = 24;
  fc.input = reduced;
  fc.activation = DWVP_ACT_LUT;
  fc.lut = 1; // hard-sigmoid
  int scale = b.add("se_fc2", fc);
  layer_spec mul;
  mul.op = DWVP_OP_CHANNEL_MUL;
  mul.input = sum;
  mul.aux_input = scale;
  mul.activation = DWVP_ACT_NONE;
  b.add("se_scale", mul);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  // ADD: 9 x 7 x 24 = 1512 elements / 32 lanes = 47.25 -> 48 cycles on the PPU.
  CHECK(r.result.layers[2].stats.compute_cycles == 48);
  CHECK(r.result.perf[DWVP_PERF_PPU_BUSY] > 0);
}

TEST_CASE("serial_drain schedule on a 16x8 array runs every mapping bit-exact",
          "[e2e][config]") {
  config cfg;
  cfg.set("gemm.rows", "16");
  cfg.set("gemm.cols", "8");
  cfg.set("gemm.schedule", "serial_drain");
  cfg.set("vector.lanes", "8");
  network_builder b("mixed", 10, 9, 20, 17);
  layer_spec s;
  s.op = DWVP_OP_DEPTHWISE;
  s.kernel_h = s.kernel_w = 3;
  for (int m : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
    s.mapping = m;
    b.add("dw_map" + std::to_string(m), s);
  }
  s.op = DWVP_OP_POINTWISE;
  s.mapping = DWVP_MAP_DEFAULT;
  s.out_c = 19;
  b.add("pw", s);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
}

TEST_CASE("a FuSe-Half block concatenates its two halves in one tensor", "[e2e][fuse]") {
  // 1x3 on channels [0, 20) and 3x1 on [20, 40), written side by side into one
  // 40-channel tensor (pixel stride 40) that the pointwise layer reads whole.
  config cfg;
  network_builder b("fuse_half", 9, 8, 40, 31);
  layer_spec row;
  row.op = DWVP_OP_DW_1XK;
  row.dataflow = DWVP_DF_ST_OS;
  row.kernel_h = 1;
  row.kernel_w = 3;
  row.channels = 20;
  row.out_channels_total = 40;
  int first = b.add("half_1x3", row);
  layer_spec col = row;
  col.op = DWVP_OP_DW_KX1;
  col.kernel_h = 3;
  col.kernel_w = 1;
  col.channel_offset = 20;
  col.out_channels_total = 0;
  col.output_into = first;
  col.output_channel_offset = 20;
  b.add("half_3x1", col);
  layer_spec pw;
  pw.op = DWVP_OP_POINTWISE;
  pw.out_c = 24;
  pw.input = first;
  b.add("pw", pw);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  CHECK(b.network().layers[1].desc.in_c == 20);
  CHECK(b.network().layers[2].desc.in_c == 40);
}

TEST_CASE("a global average pool wider than 15 runs on the accelerator", "[e2e][ppu]") {
  config cfg;
  network_builder b("global_pool", 28, 28, 8, 3);
  layer_spec pool;
  pool.op = DWVP_OP_AVG_POOL;
  pool.global_pool = true;
  pool.activation = DWVP_ACT_NONE;
  b.add("gap28", pool);
  auto r = run(cfg, b);
  check_run(cfg, b, r);
  CHECK(b.network().layers[0].desc.kernel_h == 28);
}
