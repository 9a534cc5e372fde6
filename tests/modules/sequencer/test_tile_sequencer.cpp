// The tile sequencer with the real DMA, SRAM buffers and engines, and a plain memory on
// the DMA's bus socket that holds a small layer's tensors (descriptor built by hand).
// A stimulus sends layer_command records into layer_socket. Checked: the output in the
// memory equals golden, compute cycles and tile counts, the DRAM traffic of a tiled
// layer, buffer-fit refusals with the field named, bus errors, abandon on a soft-reset
// generation change, and a payload that is not a layer_command.
#include "layer_cases.h"
#include "module_bench.h"

#include "bus.h"
#include "dma.h"
#include "dwc_datapath.h"
#include "gemm_core.h"
#include "layer_timing.h"
#include "ppu.h"
#include "sram_buffer.h"
#include "tile_plan.h"
#include "tile_sequencer.h"
#include "timeline.h"
#include "vector_unit.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace dwvp::test;
using dwvp::models::layer_command;
using dwvp::sequencer::buffer_sizes;
namespace models = dwvp::models;
namespace local_map = dwvp::models::local_map;

namespace {

constexpr uint64_t k_dram = 0x8000'0000;
constexpr uint64_t k_dram_size = 1u << 20;
constexpr uint8_t k_sentinel = 0xee;

models::sram_params sram_of(uint64_t half) {
  return {half, 32, 16, ns(1)};
}

// The vector unit's configuration (GeneSys-style benches); defaults: the ideal unit.
struct vector_setup {
  int issue_interval = 1;
  int requant_ops = 0;
  models::vector_memory_options memory{};
};

struct sequencer_bench {
  quiet_logs quiet;
  models::timeline events{"events"};
  test_memory dram{"dram", k_dram, k_dram_size, ns(20)};
  dwvp::bus local_bus{"local_bus", SC_ZERO_TIME};
  models::sram_buffer input, weight, output, vmem;
  models::dma dm;
  models::gemm_core gemm;
  models::dwc_datapath dwc;
  models::vector_unit vec;
  models::ppu pp;
  models::tile_sequencer seq;
  stimulus stim{"stim", 1};
  models::sequencer_params params;

  static models::sequencer_params params_of(const buffer_sizes& b, const buffer_sizes& v,
                                            dwvp::timing::timing_model model,
                                            const vector_setup& vs = vector_setup(),
                                            const models::buffer_use_options& use = {}) {
    models::sequencer_params p;
    p.buffers = b;
    p.vector_buffers = v;
    p.compute.model = model;
    p.compute.vector_issue_interval = vs.issue_interval;
    p.compute.vector_requant_ops = vs.requant_ops;
    p.vector_memory = vs.memory;
    p.buffer_use = use;
    return p;
  }
  static models::engine_params vector_params_of(const vector_setup& vs) {
    models::engine_params e;
    e.compute.vector_issue_interval = vs.issue_interval;
    e.compute.vector_requant_ops = vs.requant_ops;
    return e;
  }

  explicit sequencer_bench(
      const buffer_sizes& b = {}, const buffer_sizes& v = {16384, 16384, 16384},
      dwvp::timing::timing_model model = dwvp::timing::timing_model::physical,
      const vector_setup& vs = vector_setup(), const models::buffer_use_options& use = {})
      : input("input_buffer", sram_of(b.input)),
        weight("weight_buffer", sram_of(b.weight)),
        output("output_buffer", sram_of(b.output)),
        vmem("vector_memory", sram_of(v.input + v.weight + v.output)),
        dm("dma", models::dma_params{}, events), gemm("gemm_core", {}), dwc("dwc", {}),
        vec("vector_unit", vector_params_of(vs)), pp("ppu", {}, events),
        seq("sequencer", params_of(b, v, model, vs, use)),
        params(params_of(b, v, model, vs, use)) {
    stim[0].bind(seq.layer_socket);
    seq.dma_socket.bind(dm.cmd_socket);
    seq.gemm_socket.bind(gemm.cmd_socket);
    seq.dwc_socket.bind(dwc.cmd_socket);
    seq.vector_socket.bind(vec.cmd_socket);
    seq.ppu_socket.bind(pp.cmd_socket);
    dwc.array_socket.bind(gemm.array_socket);
    gemm.ppu_socket.bind(pp.requant_socket);
    dwc.ppu_socket.bind(pp.requant_socket);
    vec.ppu_socket.bind(pp.requant_socket);
    dm.bus_socket.bind(dram.socket);
    dm.local_socket.bind(local_bus.target_socket);
    for (models::tile_engine* e :
         std::initializer_list<models::tile_engine*>{&gemm, &dwc, &vec, &pp})
      e->mem_socket.bind(local_bus.target_socket);
    unsigned port = 0;
    auto attach = [&](auto& socket, uint64_t base, uint64_t size, const char* what) {
      local_bus.initiator_socket.bind(socket);
      local_bus.map(base, size, port++, what);
    };
    attach(input.socket, local_map::input_buffer, input.size(), "input_buffer");
    attach(weight.socket, local_map::weight_buffer, weight.size(), "weight_buffer");
    attach(output.socket, local_map::output_buffer, output.size(), "output_buffer");
    attach(vmem.socket, local_map::vector_memory, vmem.size(), "vector_memory");
    attach(pp.lut_socket, local_map::ppu_lut, 256, "ppu_lut");
    dram.fill(k_sentinel);
  }
};

// Puts a layer's tensors in the memory at `region` and returns its descriptor.
dwvp_desc place(test_memory& m, const layer_case& L, uint64_t region) {
  dwvp_desc d = L.d;
  d.input_addr = static_cast<uint32_t>(region);
  d.weight_addr = static_cast<uint32_t>(region + 0x4000);
  d.bias_addr = static_cast<uint32_t>(region + 0x8000);
  d.quant_addr = static_cast<uint32_t>(region + 0x9000);
  d.aux_addr = static_cast<uint32_t>(region + 0xa000);
  d.lut_addr = static_cast<uint32_t>(region + 0xb000);
  d.output_addr = static_cast<uint32_t>(region + 0xc000);
  m.load(d.input_addr, L.input.data(), L.input.size());
  if (!L.aux.empty())
    m.load(d.aux_addr, L.aux.data(), L.aux.size());
  if (L.weighted()) {
    m.load(d.weight_addr, L.weights.data(), L.weights.size());
    m.load(d.bias_addr, L.bias.data(), 4 * L.bias.size());
    const auto q = L.quant_bytes();
    m.load(d.quant_addr, q.data(), q.size());
  }
  if (d.activation == DWVP_ACT_LUT)
    m.load(d.lut_addr, L.table.data(), 256);
  return d;
}

i8v output_of(test_memory& m, const dwvp_desc& d, size_t n) {
  const auto v = m.dump(d.output_addr, n);
  return i8v(v.begin(), v.end());
}

struct layer_run {
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  layer_command c;
  sc_time start, end;
};

layer_run send_layer(stimulus& s, const dwvp_desc& d) {
  layer_run r;
  r.c.desc = d;
  r.start = sc_core::sc_time_stamp();
  r.status = s.send(0, r.c);
  r.end = sc_core::sc_time_stamp();
  return r;
}

void check_ok(const layer_run& r) {
  REQUIRE(r.status == tlm::TLM_OK_RESPONSE);
  INFO("error " << int(r.c.error) << " field " << int(r.c.field) << ": " << r.c.message);
  REQUIRE(r.c.error == DWVP_ERR_NONE);
  CHECK_FALSE(r.c.abandoned);
  CHECK(r.end > r.start);
  CHECK(r.end.value() % ns(1).value() == 0); // the layer ends on a clock edge
}

} // namespace

TEST_CASE("sequencer: one-tile layers on every engine equal golden",
          "[modules][sequencer]") {
  sequencer_bench b;
  struct item {
    std::string name;
    layer_case L;
    uint32_t engine;
  };
  const std::vector<item> items = {
      {"pointwise with LUT (GEMM core)",
       weighted_layer(101, DWVP_OP_POINTWISE, {6, 5}, 16, 24, DWVP_MAP_DEFAULT,
                      DWVP_DF_OS, DWVP_ACT_LUT),
       0},
      {"conv2d 3x3 s2 (GEMM core)",
       weighted_layer(102, DWVP_OP_CONV2D, {9, 7, 3, 3, 2, 2, 1, 1, 1, 1}, 5, 6), 0},
      {"depthwise channel_mvm (DwC datapath)",
       weighted_layer(103, DWVP_OP_DEPTHWISE, {7, 6, 3, 3, 1, 1, 1, 1, 1, 1}, 12, 0,
                      DWVP_MAP_CHANNEL_MVM),
       0},
      {"1x5 ST-OS (DwC datapath)",
       weighted_layer(104, DWVP_OP_DW_1XK, {5, 9, 1, 5, 1, 1, 0, 2, 0, 2}, 7, 0,
                      DWVP_MAP_DEFAULT, DWVP_DF_ST_OS),
       0},
      {"depthwise vector (vector unit)",
       weighted_layer(105, DWVP_OP_DEPTHWISE, {8, 7, 3, 3, 1, 1, 1, 1, 1, 1}, 10, 0,
                      DWVP_MAP_VECTOR),
       1},
      {"add (PPU)", add_layer(106, 4, 6, 9), 2},
      {"average pool (PPU)", pool_layer(107, {6, 6, 2, 2, 2, 2}, 11), 2},
      {"channel multiply (PPU)", mul_layer(108, 5, 4, 10), 2},
  };
  std::vector<dwvp_desc> descs;
  for (size_t i = 0; i < items.size(); ++i)
    descs.push_back(place(b.dram, items[i].L, k_dram + i * 0x10000));
  std::vector<layer_run> runs;
  b.stim.set_body([&](stimulus& s) {
    for (const dwvp_desc& d : descs)
      runs.push_back(send_layer(s, d));
  });
  run(b.stim);

  REQUIRE(runs.size() == items.size());
  uint64_t ppu_requant = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const layer_case& L = items[i].L;
    const layer_run& r = runs[i];
    INFO(items[i].name);
    check_ok(r);
    CHECK(output_of(b.dram, descs[i], L.expected.size()) == L.expected);
    // Nothing written past the output.
    for (uint8_t v : b.dram.dump(descs[i].output_addr + L.expected.size(), 64))
      REQUIRE(v == k_sentinel);
    const auto ct = dwvp::timing::layer_compute(L.d, b.params.compute);
    CHECK(r.c.tiles == 1);
    CHECK(r.c.compute_cycles == ct.cycles);
    CHECK(r.c.macs == ct.macs);
    CHECK(r.c.ppu_cycles == ct.ppu_cycles);
    CHECK(r.c.engine == items[i].engine);
    CHECK(r.end - r.start >= ns(1) * double(r.c.compute_cycles));
    if (items[i].engine != 2)
      ppu_requant += r.c.ppu_cycles;
  }
  CHECK(b.pp.requant_cycles() == ppu_requant);
  CHECK(b.gemm.tiles() == 2);
  CHECK(b.dwc.tiles() == 2);
  CHECK(b.vec.tiles() == 1);
  CHECK(b.pp.tiles() == 3);
}

TEST_CASE(
    "sequencer: a conv2d in two row tiles equals golden with the weights loaded once",
    "[modules][sequencer]") {
  sequencer_bench b;
  const layer_case L =
      weighted_layer(111, DWVP_OP_CONV2D, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 8);
  dwvp_desc d = place(b.dram, L, k_dram);
  d.tile_h = 4;
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);

  check_ok(r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected);
  CHECK(r.c.tiles == 2);
  // Each tile by hand: 4 output rows from 5 input rows, the padding row at the top of
  // the first and at the bottom of the second; both the same GEMM shape.
  dwvp_desc t0 = L.d, t1 = L.d;
  t0.in_h = t1.in_h = 5;
  t0.out_h = t1.out_h = 4;
  t0.pad_bottom = 0;
  t1.pad_top = 0;
  const auto c0 = dwvp::timing::layer_compute(t0, b.params.compute);
  const auto c1 = dwvp::timing::layer_compute(t1, b.params.compute);
  // Pipelined schedule (the default): tile 1 is issued as tile 0's last drain begins
  // (its input is in by then), its first fold computing under that drain.
  REQUIRE(c0.tail > 0);
  REQUIRE(c1.lead > c0.tail);
  const uint64_t c1_added = c1.cycles - c0.tail;
  CHECK(r.c.compute_cycles == c0.cycles + c1_added);
  CHECK(r.c.macs == dwvp::timing::layer_compute(L.d, b.params.compute).macs);
  // DRAM traffic: input rows 0-4 and 3-7 (8 x 4 bytes each), the weights, bias and
  // quantisation data once (row-major order keeps them resident), the output once.
  CHECK(b.dram.bytes_read() == 2 * 5 * 8 * 4 + 8 * 36 + 8 * 4 + 8 * 8);
  CHECK(b.dram.bytes_written() == 8 * 8 * 8);
  CHECK(b.gemm.tiles() == 2);

  // The pipeline, by hand, with the memory's 20 ns per burst (every transfer here is
  // at most 2 bursts of 256 bytes, 8 may be in flight): tile 0's operands arrive at
  // 20 ns; tile 1's input is fetched behind them (20 -> 40 ns) while tile 0 computes
  // (20 ns + c0 cycles); tile 0's output leaves as it ends; tile 1 starts when both
  // its input and the engine are ready (tile 0's drain begun); its first phase is
  // longer than that drain, so it ends c1 cycles after it started.
  REQUIRE(c0.cycles > 20);
  const sc_time comp0 = ns(20) + ns(1) * double(c0.cycles);
  const sc_time comp1 = comp0 + ns(1) * double(c1_added);
  CHECK(r.end - r.start == comp1 + ns(20));
  std::vector<sc_time> input1, stores;
  for (const auto& x : b.dram.bursts()) {
    if (x.write)
      stores.push_back(x.issue);
    else if (x.addr == d.input_addr + 3 * 8 * 4) // tile 1's input starts at row 3
      input1.push_back(x.issue);
  }
  CHECK(input1 == std::vector<sc_time>{ns(20)});
  CHECK(stores == (std::vector<sc_time>{comp0, comp1}));
}

TEST_CASE("sequencer: under fuse_paper the tiles share the whole layer's cycles",
          "[modules][sequencer]") {
  // The conv2d in row tiles of 3, 3 and 2 rows; the authors' accounting counts the
  // whole layer (M = 64 pixels, N = 8, K = 36 on 32x32: 2 folds of 36 + 32 + 8 - 1 =
  // 75, so 150) and each tile takes its share by MACs (24, 24, 16 of 64 pixels: 56, 56,
  // 38), not its own count (67 + 67 + 59 = 193: three partial folds).
  sequencer_bench b({}, {16384, 16384, 16384}, dwvp::timing::timing_model::fuse_paper);
  const layer_case L =
      weighted_layer(111, DWVP_OP_CONV2D, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 8);
  dwvp_desc d = place(b.dram, L, k_dram);
  d.tile_h = 3;
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);
  check_ok(r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected);
  CHECK(r.c.tiles == 3);
  CHECK(r.c.compute_cycles == 150);
  CHECK(b.gemm.busy_cycles() == 150);
}

TEST_CASE("sequencer: a depthwise layer tiled for a small vector memory equals golden",
          "[modules][sequencer]") {
  const buffer_sizes vector_buffers{256, 1024, 128};
  sequencer_bench b({}, vector_buffers);
  const layer_case L = weighted_layer(
      121, DWVP_OP_DEPTHWISE, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 16, 0, DWVP_MAP_VECTOR);
  const dwvp_desc d = place(b.dram, L, k_dram);
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);

  check_ok(r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected);
  const auto plan = dwvp::sequencer::plan_layer(d, vector_buffers);
  REQUIRE(plan.ok());
  REQUIRE(plan.tiles.size() > 1);
  CHECK(r.c.tiles == plan.tiles.size());
  CHECK(r.c.engine == 1);
  // Each tile: one lane pass (at most 16 channels on 32 lanes) x its pixels x 9 taps,
  // plus the 4 pipeline stages.
  uint64_t cycles = 0;
  for (const auto& t : plan.tiles) {
    REQUIRE(t.c1 - t.c0 <= 32);
    cycles += uint64_t(t.oy1 - t.oy0) * (t.ox1 - t.ox0) * 9 + 4;
  }
  CHECK(r.c.compute_cycles == cycles);
  CHECK(b.vec.tiles() == plan.tiles.size());
  CHECK(b.input.writes() == 0); // the vector unit works out of its own memory
}

namespace {

// A 1x1 depthwise layer of 2x4 pixels x 4 channels in two row tiles (tile_h = 1), so
// that every transfer is one contiguous run of at most one 256-byte burst: per tile the
// input (16 B), and with the first tile the weights (4 B), bias (16 B) and multipliers
// and shifts (32 B); the output of a tile is 16 B. The bench's memory answers every
// burst 20 ns after it leaves (at most 8 in flight per direction).
struct two_tile_case {
  layer_case L = weighted_layer(141, DWVP_OP_DEPTHWISE, {2, 4, 1, 1, 1, 1, 0, 0, 0, 0}, 4,
                                0, DWVP_MAP_VECTOR);
  two_tile_case() { L.d.tile_h = 1; }
};

struct vector_run {
  layer_run r;
  uint64_t read = 0, written = 0;
};

vector_run run_two_tiles(const vector_setup& vs) {
  sequencer_bench b({}, {16384, 16384, 16384}, dwvp::timing::timing_model::physical, vs);
  const two_tile_case c;
  const dwvp_desc d = place(b.dram, c.L, k_dram);
  vector_run v;
  b.stim.set_body([&](stimulus& s) { v.r = send_layer(s, d); });
  run(b.stim);
  check_ok(v.r);
  CHECK(output_of(b.dram, d, c.L.expected.size()) == c.L.expected); // values stay int8
  CHECK(v.r.c.tiles == 2);
  v.read = b.dram.bytes_read();
  v.written = b.dram.bytes_written();
  return v;
}

} // namespace

// Each tile computes 1 channel group x 4 pixels; with 2 requantisation instructions in
// the chain (1 tap + 2 = 3 instructions) 3 cycles apart: 2 x 3 + 1 = 7 cycles a pixel,
// 4 x 7 + 4 pipeline = 32 cycles a tile. One bench per test case (one elaboration).
vector_setup genesys_compute() {
  vector_setup vs;
  vs.issue_interval = 3;
  vs.requant_ops = 2;
  return vs;
}

TEST_CASE("sequencer: vector unit with issue interval, overlapped DMA: 104 ns",
          "[modules][sequencer]") {
  // Tile 0 loads 0..20, tile 1 is prefetched 20..40; compute 0 20..52, store 0 52..72;
  // compute 1 52..84, store 1 84..104.
  const vector_run v = run_two_tiles(genesys_compute());
  CHECK(v.r.c.compute_cycles == 64);
  CHECK(v.r.end - v.r.start == ns(104));
  // Reads: 2 x 16 input + 4 weights + 16 bias + 32 multipliers and shifts; writes
  // 2 x 16.
  CHECK(v.read == 84);
  CHECK(v.written == 32);
}

TEST_CASE("sequencer: single-buffered vector memory, no DMA overlap: 144 ns",
          "[modules][sequencer]") {
  // Tile 0 loads 0..20, computes 20..52, stores 52..72; only then tile 1 loads 72..92,
  // computes 92..124, stores 124..144.
  auto vs = genesys_compute();
  vs.memory.double_buffer = false;
  vs.memory.dma_overlap = false;
  const vector_run v = run_two_tiles(vs);
  CHECK(v.r.c.compute_cycles == 64);
  CHECK(v.r.end - v.r.start == ns(144));
  CHECK(v.read == 84);
  CHECK(v.written == 32);
}

TEST_CASE("sequencer: double-buffered vector memory without DMA overlap: 144 ns",
          "[modules][sequencer]") {
  auto vs = genesys_compute();
  vs.memory.dma_overlap = false;
  const vector_run v = run_two_tiles(vs);
  CHECK(v.r.end - v.r.start == ns(144));
}

TEST_CASE("sequencer: 32-bit inputs and 16-bit outputs in DRAM move more bytes, same "
          "values",
          "[modules][sequencer]") {
  // Input and weights 4 bytes each: 4 x (2 x 16 + 4) = 144, bias and quantisation data
  // unchanged (int32 already): 144 + 16 + 32 = 192; outputs 2 x 2 x 16 = 64. The
  // widening bursts stay within the window of 8 in flight: the times do not change.
  auto vs = genesys_compute();
  vs.memory.dram_input_bytes = 4;
  vs.memory.dram_output_bytes = 2;
  const vector_run v = run_two_tiles(vs);
  CHECK(v.read == 192);
  CHECK(v.written == 64);
  CHECK(v.r.end - v.r.start == ns(104));
}

TEST_CASE("sequencer: wide operands in the vector memory make the tiles smaller",
          "[modules][sequencer]") {
  // 8x8x16 depthwise 3x3 pad 1 on a vector memory of 256-byte halves; single buffered,
  // so a tile has the whole 512-byte region; 32-bit operands: 128 values of each kind.
  // Planning: channels 16 -> 8 -> 4 (weights 4 x (9 + 12) = 84 <= 128), then output
  // rows 8 -> 4 -> 2 -> 1 (input 3 x 10 x 4 = 120 <= 128, with the padding columns
  // counted): 4 channel tiles x 8 row tiles = 32 tiles.
  vector_setup vs;
  vs.memory.operand_bytes = 4;
  vs.memory.double_buffer = false;
  vs.memory.dma_overlap = false;
  vs.memory.dram_input_bytes = 4;
  sequencer_bench b({}, {256, 256, 256}, dwvp::timing::timing_model::physical, vs);
  const layer_case L = weighted_layer(
      151, DWVP_OP_DEPTHWISE, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 16, 0, DWVP_MAP_VECTOR);
  const dwvp_desc d = place(b.dram, L, k_dram);
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);
  check_ok(r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected);
  CHECK(r.c.tiles == 32);
  // Per tile 8 pixels x 9 taps + 4 = 76 cycles.
  CHECK(r.c.compute_cycles == 32 * 76);
  // Input rows per channel tile: 2 + 6 x 3 + 2 = 22 of 8 pixels x 4 channels = 704
  // bytes, 2816 for the 4 channel tiles, weights 4 x 36 = 144, both x 4 bytes in DRAM;
  // bias and quantisation 4 x (16 + 32) = 192: 4 x 2960 + 192 = 12032. Outputs 1024.
  CHECK(b.dram.bytes_read() == 12032);
  CHECK(b.dram.bytes_written() == 1024);
}

TEST_CASE("sequencer: a plan that does not fit the buffers returns DWVP_ERR_BUFFER_FIT",
          "[modules][sequencer]") {
  const buffer_sizes small{256, 64, 128};
  sequencer_bench b(small);
  // Weights of one output channel (3x3x8 + 12 = 84 bytes) exceed the weight half.
  // tile_k = in_c on both: every tile sums all input channels (no K tiling).
  layer_case conv =
      weighted_layer(131, DWVP_OP_CONV2D, {6, 6, 3, 3, 1, 1, 1, 1, 1, 1}, 8, 4);
  conv.d.tile_k = 8;
  // Tile height and width forced to the whole 8x8x16 input: 1 KiB in a 256-byte half.
  layer_case pw = weighted_layer(132, DWVP_OP_POINTWISE, {8, 8}, 16, 4);
  pw.d.tile_h = 8;
  pw.d.tile_w = 8;
  pw.d.tile_k = 16;
  // Plans fine, but a fused output (8x8x8) needs more than both output halves.
  layer_case fused_out = weighted_layer(133, DWVP_OP_POINTWISE, {8, 8}, 8, 8);
  fused_out.d.flags = DWVP_FLAG_FUSE_OUT;
  // Plans fine, but a fused input (8x8x16) needs more than both input halves.
  layer_case fused_in = weighted_layer(134, DWVP_OP_POINTWISE, {8, 8}, 16, 2);
  fused_in.d.flags = DWVP_FLAG_FUSE_IN;
  const std::vector<dwvp_desc> descs = {place(b.dram, conv, k_dram),
                                        place(b.dram, pw, k_dram + 0x10000),
                                        place(b.dram, fused_out, k_dram + 0x20000),
                                        place(b.dram, fused_in, k_dram + 0x30000)};
  for (const auto& d : descs)
    REQUIRE(dwvp::sequencer::plan_layer(d, small).ok() == (d.flags != 0));
  std::vector<layer_run> runs;
  b.stim.set_body([&](stimulus& s) {
    for (const auto& d : descs)
      runs.push_back(send_layer(s, d));
  });
  run(b.stim);

  REQUIRE(runs.size() == 4);
  const dwvp_desc_field fields[] = {DWVP_FIELD_TILE_C, DWVP_FIELD_TILE_H,
                                    DWVP_FIELD_FLAGS, DWVP_FIELD_FLAGS};
  for (size_t i = 0; i < runs.size(); ++i) {
    INFO("layer " << i << ": " << runs[i].c.message);
    CHECK(runs[i].status == tlm::TLM_OK_RESPONSE);
    CHECK(runs[i].c.error == DWVP_ERR_BUFFER_FIT);
    CHECK(runs[i].c.field == fields[i]);
    CHECK_FALSE(runs[i].c.message.empty());
    CHECK(runs[i].c.tiles == 0);
    CHECK(runs[i].c.compute_cycles == 0);
  }
  // Refused before any transfer or compute.
  CHECK(b.dram.bursts().empty());
  CHECK(b.dm.bursts() == 0);
  CHECK(b.gemm.tiles() == 0);
  CHECK(sc_core::sc_time_stamp() == SC_ZERO_TIME);
}

TEST_CASE("sequencer: DMA bus errors name the operand and a non-command is refused",
          "[modules][sequencer]") {
  sequencer_bench b;
  const layer_case L = weighted_layer(141, DWVP_OP_POINTWISE, {3, 3}, 8, 8);
  dwvp_desc bad_input = place(b.dram, L, k_dram);
  bad_input.input_addr = 0x1000'0000; // no memory there
  dwvp_desc bad_weights = place(b.dram, L, k_dram + 0x10000);
  bad_weights.weight_addr = k_dram + k_dram_size - 16; // runs off the end of the memory
  dwvp_desc bad_output = place(b.dram, L, k_dram + 0x20000);
  bad_output.output_addr = 0x1000'0000;
  const dwvp_desc good = place(b.dram, L, k_dram + 0x30000);
  std::vector<layer_run> runs;
  tlm::tlm_response_status short_status{}, read_status{};
  b.stim.set_body([&](stimulus& s) {
    for (const auto& d : {bad_input, bad_weights, bad_output, good})
      runs.push_back(send_layer(s, d));
    uint32_t word = 0;
    sc_time delay;
    short_status = s.write(0, 0, &word, 4, delay);
    layer_command c;
    c.desc = good;
    read_status = s.read(0, 0, &c, sizeof c, delay);
  });
  run(b.stim);

  REQUIRE(runs.size() == 4);
  const dwvp_desc_field fields[] = {DWVP_FIELD_INPUT_ADDR, DWVP_FIELD_WEIGHT_ADDR,
                                    DWVP_FIELD_OUTPUT_ADDR};
  for (size_t i = 0; i < 3; ++i) {
    INFO("layer " << i << ": " << runs[i].c.message);
    CHECK(runs[i].status == tlm::TLM_OK_RESPONSE);
    CHECK(runs[i].c.error == DWVP_ERR_BUS);
    CHECK(runs[i].c.field == fields[i]);
  }
  check_ok(runs[3]);
  CHECK(output_of(b.dram, good, L.expected.size()) == L.expected);
  CHECK(short_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(read_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
}

namespace {
// Bumps a generation counter at a given time (a soft reset seen by the sequencer).
struct generation_bumper : sc_core::sc_module {
  uint64_t generation = 0;
  sc_time at;
  sc_core::sc_event go;
  explicit generation_bumper(sc_core::sc_module_name n) : sc_module(n) {
    SC_HAS_PROCESS(generation_bumper);
    SC_THREAD(run);
  }
  void run() {
    sc_core::wait(go);
    sc_core::wait(at - sc_core::sc_time_stamp());
    ++generation;
  }
};
} // namespace

TEST_CASE("sequencer: a generation change abandons the layer", "[modules][sequencer]") {
  sequencer_bench b;
  generation_bumper bumper("bumper");
  const layer_case L = weighted_layer(151, DWVP_OP_POINTWISE, {8, 6}, 16, 16);
  dwvp_desc d = place(b.dram, L, k_dram);
  d.tile_h = 1; // 8 tiles
  layer_run whole, cut;
  b.stim.set_body([&](stimulus& s) {
    whole.c.desc = d;
    whole.c.generation = &bumper.generation;
    whole.c.generation_at_start = bumper.generation;
    whole.start = sc_core::sc_time_stamp();
    whole.status = s.send(0, whole.c);
    whole.end = sc_core::sc_time_stamp();
    // Again, with the generation moved halfway through.
    const sc_time span = whole.end - whole.start;
    b.dram.fill(k_sentinel);
    place(b.dram, L, k_dram);
    cut.c.desc = d;
    cut.c.generation = &bumper.generation;
    cut.c.generation_at_start = bumper.generation;
    cut.start = sc_core::sc_time_stamp();
    bumper.at = cut.start + span / 2;
    bumper.go.notify();
    cut.status = s.send(0, cut.c);
    cut.end = sc_core::sc_time_stamp();
  });
  run(b.stim);

  check_ok(whole);
  CHECK(whole.c.tiles == 8);
  CHECK(output_of(b.dram, d, L.expected.size()) != L.expected); // the cut run's output
  CHECK(cut.status == tlm::TLM_OK_RESPONSE);
  CHECK(cut.c.abandoned);
  CHECK(cut.c.tiles == 0);
  CHECK(cut.c.compute_cycles < whole.c.compute_cycles);
  CHECK(cut.end - cut.start < whole.end - whole.start);
}

TEST_CASE(
    "sequencer: a fused depthwise and pointwise pair keeps the intermediate on chip",
    "[modules][sequencer]") {
  sequencer_bench b;
  // Depthwise 3x3 (channel-parallel MVMs) with its output kept on chip, then a
  // pointwise layer reading that output from the buffers.
  layer_case dw = weighted_layer(161, DWVP_OP_DEPTHWISE, {6, 6, 3, 3, 1, 1, 1, 1, 1, 1},
                                 8, 0, DWVP_MAP_CHANNEL_MVM);
  dw.d.flags = DWVP_FLAG_FUSE_OUT;
  layer_case pw = weighted_layer(162, DWVP_OP_POINTWISE, {6, 6}, 8, 12);
  pw.d.flags = DWVP_FLAG_FUSE_IN;
  pw.input = dw.expected;
  compute_expected(pw);
  const dwvp_desc d1 = place(b.dram, dw, k_dram);
  dwvp_desc d2 = place(b.dram, pw, k_dram + 0x10000);
  // The pointwise layer's input in DRAM is garbage: it must come from the chip.
  for (uint64_t i = 0; i < pw.input.size(); ++i)
    *b.dram.at(d2.input_addr + i) = static_cast<uint8_t>(0x5a ^ i);
  layer_run r1, r2;
  uint64_t written_by_dw = 0;
  std::vector<burst_record> pw_bursts;
  b.stim.set_body([&](stimulus& s) {
    r1 = send_layer(s, d1);
    written_by_dw = b.dram.bytes_written();
    b.dram.clear_bursts();
    r2 = send_layer(s, d2);
    pw_bursts = b.dram.bursts();
  });
  run(b.stim);

  check_ok(r1);
  check_ok(r2);
  CHECK(output_of(b.dram, d2, pw.expected.size()) == pw.expected);
  // The intermediate is made visible in DRAM by an untimed debug copy, not by bursts.
  CHECK(output_of(b.dram, d1, dw.expected.size()) == dw.expected);
  CHECK(written_by_dw == 0);
  // The pointwise layer read its weights, bias and quantisation data and wrote its
  // output; it read nothing of its input from DRAM.
  for (const auto& x : pw_bursts)
    CHECK((x.addr + x.len <= d2.input_addr || x.addr >= d2.input_addr + pw.input.size()));
  CHECK(b.dram.bytes_read() == pw.weights.size() + 12 * 12);
  CHECK(b.dram.bytes_written() == pw.expected.size());
  CHECK(r1.c.compute_cycles ==
        dwvp::timing::layer_compute(dw.d, b.params.compute).cycles);
  CHECK(r2.c.compute_cycles ==
        dwvp::timing::layer_compute(pw.d, b.params.compute).cycles);
}

TEST_CASE("sequencer: Scan and row-major orders equal golden with the documented reuse",
          "[modules][sequencer]") {
  sequencer_bench b;
  // 2 row tiles x 4 channel tiles of a conv2d, in both loop orders.
  const layer_case L =
      weighted_layer(171, DWVP_OP_CONV2D, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 16);
  dwvp_desc row_major = place(b.dram, L, k_dram);
  row_major.tile_h = 4;
  row_major.tile_c = 4;
  dwvp_desc scan = place(b.dram, L, k_dram + 0x10000);
  scan.tile_h = 4;
  scan.tile_c = 4;
  scan.loop_order = DWVP_ORDER_SCAN;
  layer_run r1, r2;
  uint64_t read1 = 0, written1 = 0;
  b.stim.set_body([&](stimulus& s) {
    r1 = send_layer(s, row_major);
    read1 = b.dram.bytes_read();
    written1 = b.dram.bytes_written();
    b.dram.clear_bursts();
    r2 = send_layer(s, scan);
  });
  run(b.stim);

  check_ok(r1);
  check_ok(r2);
  CHECK(output_of(b.dram, row_major, L.expected.size()) == L.expected);
  CHECK(output_of(b.dram, scan, L.expected.size()) == L.expected);
  CHECK(r1.c.tiles == 8);
  CHECK(r2.c.tiles == 8);
  CHECK(r1.c.compute_cycles == r2.c.compute_cycles);
  // One channel slice: 4 filters of 3x3x4 plus 12 bytes each of bias and quantisation.
  const uint64_t slice = 4 * 36 + 4 * 12;
  const uint64_t input_tile = 5 * 8 * 4; // 5 input rows of 8 pixels x 4 channels
  // Row-major: channel tiles outermost; each weight slice once, the input every tile.
  CHECK(read1 == 4 * slice + 8 * input_tile);
  // Scan: each input region once; the serpentine reuses the slice at the turn.
  CHECK(b.dram.bytes_read() == 7 * slice + 2 * input_tile);
  CHECK(written1 == 8 * 8 * 16);
  CHECK(b.dram.bytes_written() == 8 * 8 * 16);
}

namespace {

// The conv2d of the order test above (2 row tiles x 4 channel tiles, row-major) on a
// bench with the given buffer use; returns the DRAM bytes read and written.
std::pair<uint64_t, uint64_t> run_tiled_conv(const models::buffer_use_options& use) {
  sequencer_bench b({}, {16384, 16384, 16384}, dwvp::timing::timing_model::physical,
                    vector_setup(), use);
  const layer_case L =
      weighted_layer(171, DWVP_OP_CONV2D, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 16);
  dwvp_desc d = place(b.dram, L, k_dram);
  d.tile_h = 4;
  d.tile_c = 4;
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);
  check_ok(r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected); // values stay int8
  CHECK(r.c.tiles == 8);
  return {b.dram.bytes_read(), b.dram.bytes_written()};
}

// A pointwise layer 8x8x16 -> 16 with the planner choosing the tiles, on buffer halves
// of 1024 (input), 2048 (weights) and 1024 (output) bytes.
struct planned_pointwise {
  layer_run r;
  uint64_t read = 0, written = 0;
};

planned_pointwise run_planned_pointwise(const models::buffer_use_options& use) {
  sequencer_bench b({1024, 2048, 1024}, {16384, 16384, 16384},
                    dwvp::timing::timing_model::physical, vector_setup(), use);
  const layer_case L = weighted_layer(172, DWVP_OP_POINTWISE, {8, 8}, 16, 16);
  const dwvp_desc d = place(b.dram, L, k_dram);
  planned_pointwise p;
  b.stim.set_body([&](stimulus& s) { p.r = send_layer(s, d); });
  run(b.stim);
  check_ok(p.r);
  CHECK(output_of(b.dram, d, L.expected.size()) == L.expected);
  p.read = b.dram.bytes_read();
  p.written = b.dram.bytes_written();
  return p;
}

} // namespace

TEST_CASE("sequencer: without reuse every tile loads its input and weight slice",
          "[modules][sequencer]") {
  models::buffer_use_options use;
  use.reuse = false;
  const auto [read, written] = run_tiled_conv(use);
  // 8 tiles, each loading a 4-filter slice (4 x 3x3x4 weights + 4 x 12 bytes of bias
  // and quantisation = 192) and 5 input rows of 8 pixels x 4 channels (160): 8 x 352.
  // Row-major with reuse reads 4 x 192 + 8 x 160 = 2048 (the order test above).
  CHECK(read == 2816);
  CHECK(written == 1024);
}

TEST_CASE("sequencer: 16-bit entries double the activation and weight bytes in DRAM",
          "[modules][sequencer]") {
  models::buffer_use_options use;
  use.entry_bytes = 2;
  const auto [read, written] = run_tiled_conv(use);
  // Row-major: 4 slices of 144 weights at 2 bytes + 48 bytes of int32 constants
  // (unchanged), 8 input tiles of 160 values at 2 bytes: 4 x 336 + 8 x 320.
  CHECK(read == 3904);
  CHECK(written == 2 * 1024);
}

TEST_CASE("sequencer: a pointwise layer that fits the buffers as 8-bit entries",
          "[modules][sequencer]") {
  const planned_pointwise p = run_planned_pointwise({});
  // Input 8 x 8 x 16 = 1024, weights 16 x 16 + 12 x 16 = 448, output 1024: one tile.
  CHECK(p.r.c.tiles == 1);
  CHECK(p.read == 1024 + 256 + 192);
  CHECK(p.written == 1024);
}

TEST_CASE("sequencer: 16-bit entries halve what a tile holds", "[modules][sequencer]") {
  models::buffer_use_options use;
  use.entry_bytes = 2;
  const planned_pointwise p = run_planned_pointwise(use);
  // The halves hold 512, 1024 and 512 entries: the 1024-entry input does not fit, so
  // the rows are halved (4 rows x 8 x 16 = 512 entries each of input and output).
  CHECK(p.r.c.tiles == 2);
  // Input 2 x 512 entries and weights 256 entries, 2 bytes each, constants 192 bytes.
  CHECK(p.read == 2 * (1024 + 256) + 192);
  CHECK(p.written == 2 * 1024);
}

TEST_CASE("sequencer: channel-slice input and output pixel strides",
          "[modules][sequencer]") {
  sequencer_bench b;
  const layer_case L = weighted_layer(181, DWVP_OP_POINTWISE, {5, 6}, 8, 6);
  dwvp_desc d = place(b.dram, L, k_dram);
  // The input is channels [3, 11) of 13-channel pixels; the output channels [2, 8) of
  // 12-channel pixels.
  const uint32_t in_stride = 13, out_stride = 12;
  d.in_pixel_stride = static_cast<uint16_t>(in_stride);
  d.out_pixel_stride = static_cast<uint16_t>(out_stride);
  d.input_addr = static_cast<uint32_t>(k_dram + 0x20000 + 3);
  d.output_addr = static_cast<uint32_t>(k_dram + 0x30000 + 2);
  const size_t pixels = 5 * 6;
  for (size_t p = 0; p < pixels; ++p)
    b.dram.load(d.input_addr + p * in_stride, L.input.data() + p * 8, 8);
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);

  check_ok(r);
  i8v got;
  size_t outside_changed = 0;
  const auto whole = b.dram.dump(k_dram + 0x30000, pixels * out_stride + 16);
  for (size_t i = 0; i < whole.size(); ++i) {
    const bool inside = i >= 2 && i < 2 + pixels * out_stride && (i - 2) % out_stride < 6;
    if (inside)
      got.push_back(static_cast<int8_t>(whole[i]));
    else if (whole[i] != k_sentinel)
      ++outside_changed;
  }
  CHECK(got == L.expected);
  CHECK(outside_changed == 0);
}

TEST_CASE("sequencer: tiled PPU layers equal golden", "[modules][sequencer]") {
  const buffer_sizes small{256, 1024, 128};
  sequencer_bench b(small);
  const std::vector<std::pair<std::string, layer_case>> items = {
      {"add 6x6x12", add_layer(191, 6, 6, 12)},
      {"average pool 3x3 s1 padded", pool_layer(192, {8, 8, 3, 3, 1, 1, 1, 1, 1, 1}, 8)},
      {"average pool 2x2 s2", pool_layer(193, {8, 6, 2, 2, 2, 2}, 9)},
      {"channel multiply 6x6x10", mul_layer(194, 6, 6, 10)},
  };
  std::vector<dwvp_desc> descs;
  for (size_t i = 0; i < items.size(); ++i)
    descs.push_back(place(b.dram, items[i].second, k_dram + i * 0x10000));
  std::vector<layer_run> runs;
  b.stim.set_body([&](stimulus& s) {
    for (const auto& d : descs)
      runs.push_back(send_layer(s, d));
  });
  run(b.stim);

  REQUIRE(runs.size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO(items[i].first);
    check_ok(runs[i]);
    CHECK(output_of(b.dram, descs[i], items[i].second.expected.size()) ==
          items[i].second.expected);
    const auto plan = dwvp::sequencer::plan_layer(descs[i], small);
    REQUIRE(plan.ok());
    CHECK(plan.tiles.size() > 1);
    CHECK(runs[i].c.tiles == plan.tiles.size());
    CHECK(runs[i].c.engine == 2);
  }
}

// As of f9f70a3 tile_sequencer::run_layer calls timing::layer_compute outside any try
// block, so a layer the timing model has no formula for (here a KxK depthwise with the
// ST-OS dataflow, which check_descriptor would refuse) throws std::invalid_argument out
// of the sequencer's b_transport, where the engines (tile_engine.cpp) catch the same
// exception and answer DWVP_ERR_UNSUPPORTED. Robustness only: the command processor
// validates descriptors before they reach the sequencer.
TEST_CASE("sequencer: a layer without a timing formula is refused with an error",
          "[modules][sequencer]") {
  sequencer_bench b;
  const layer_case L =
      weighted_layer(201, DWVP_OP_DEPTHWISE, {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 0,
                     DWVP_MAP_DEFAULT, DWVP_DF_ST_OS);
  const dwvp_desc d = place(b.dram, L, k_dram);
  layer_run r;
  b.stim.set_body([&](stimulus& s) { r = send_layer(s, d); });
  run(b.stim);
  CHECK(r.status == tlm::TLM_OK_RESPONSE);
  CHECK(r.c.error == DWVP_ERR_UNSUPPORTED);
}
