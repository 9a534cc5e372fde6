// timing.model=fuse_paper (models/gemm_core/fuse_paper_timing): the FuSeConv authors'
// latency accounting, reached through layer_compute. Checked against hand-worked
// numbers (arithmetic in the comments) and against an oracle written here that walks
// every fold with its own loops; nothing here calls the closed forms under test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fuse_paper_timing.h"
#include "layer_desc.h"
#include "layer_timing.h"

using dwvp::gemm::array_dims;
using dwvp::gemm::schedule;
using dwvp::timing::compute_config;
using dwvp::timing::compute_timing;
using dwvp::timing::engine;
using dwvp::timing::layer_compute;
using dwvp::timing::timing_model;

using dwvp::test::geom;
using dwvp::test::make_desc;

namespace {

compute_config paper(int rows, int cols, schedule s = schedule::pipelined) {
  compute_config c;
  c.array = {rows, cols};
  c.gemm_options.sched = s;
  c.model = timing_model::fuse_paper;
  c.vector_lanes = 4;
  c.vector_pipeline = 2;
  c.ppu_lanes = 4;
  return c;
}

compute_timing run(uint8_t op, const geom& g, uint8_t map = DWVP_MAP_DEFAULT,
                   uint8_t df = DWVP_DF_OS, const compute_config& cfg = paper(4, 4)) {
  return layer_compute(make_desc(op, g, map, df), cfg);
}

// ---------------------------------------------------------------------------------
// The oracle: the authors' accounting fold by fold.

struct expected {
  engine unit = engine::gemm;
  uint64_t cycles = 0, macs = 0, folds = 0;
};

// One GEMM whose spatial dimensions s_r x s_c are cut into folds of at most
// rows x cols; each fold costs t + r + c - 1 and does r * c * t MACs.
void oracle_gemm(int64_t s_r, int64_t s_c, int64_t t, int rows, int cols, expected& e) {
  for (int64_t r0 = 0; r0 < s_r; r0 += rows) {
    const int64_t r = std::min<int64_t>(rows, s_r - r0);
    for (int64_t c0 = 0; c0 < s_c; c0 += cols) {
      const int64_t c = std::min<int64_t>(cols, s_c - c0);
      e.cycles += uint64_t(t + r + c - 1);
      e.macs += uint64_t(r * c * t);
      ++e.folds;
    }
  }
}

// Spatial and temporal dimensions of M x K by K x N under os / ws.
void oracle_mapped(int64_t m, int64_t n, int64_t k, uint8_t df, int rows, int cols,
                   expected& e) {
  if (df == DWVP_DF_WS) {
    oracle_gemm(k, n, m, rows, cols, e);
  } else {
    oracle_gemm(m, n, k, rows, cols, e);
  }
}

expected oracle(const dwvp_desc& d, const array_dims& a) {
  expected e;
  const int64_t pixels = int64_t(d.out_h) * d.out_w;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    oracle_mapped(pixels, d.out_c, int64_t(d.kernel_h) * d.kernel_w * d.in_c, d.dataflow,
                  a.rows, a.cols, e);
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    oracle_mapped(pixels, d.out_c, d.in_c, d.dataflow, a.rows, a.cols, e);
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    if (d.dataflow == DWVP_DF_ST_OS) {
      // Rows: one 1D convolution each (a row of a channel for 1xK, a column for Kx1);
      // columns: its output positions. Every fold C + K.
      const bool row = d.opcode == DWVP_OP_DW_1XK;
      const int64_t convs = int64_t(d.out_c) * (row ? d.out_h : d.out_w);
      const int64_t outputs = row ? d.out_w : d.out_h;
      const int64_t k = row ? d.kernel_w : d.kernel_h;
      for (int64_t r0 = 0; r0 < convs; r0 += a.rows) {
        for (int64_t c0 = 0; c0 < outputs; c0 += a.cols) {
          const int64_t r = std::min<int64_t>(a.rows, convs - r0);
          const int64_t c = std::min<int64_t>(a.cols, outputs - c0);
          e.cycles += uint64_t(a.cols + k);
          e.macs += uint64_t(r * c * k);
          ++e.folds;
        }
      }
    } else {
      for (int ch = 0; ch < d.out_c; ++ch) {
        oracle_mapped(pixels, 1, int64_t(d.kernel_h) * d.kernel_w, d.dataflow, a.rows,
                      a.cols, e);
      }
      if (d.mapping == DWVP_MAP_VECTOR) {
        e.unit = engine::vector;
      }
    }
    break;
  default: // add, channel multiply, average pool: not counted
    e.unit = engine::ppu;
    break;
  }
  return e;
}

void check_against_oracle(const dwvp_desc& d, const compute_config& cfg) {
  const expected e = oracle(d, cfg.array);
  const compute_timing t = layer_compute(d, cfg);
  CHECK(t.unit == e.unit);
  CHECK(t.cycles == e.cycles);
  CHECK(t.macs == e.macs);
  CHECK(t.folds == e.folds);
  CHECK(t.lead == t.cycles);
  CHECK(t.tail == 0);
  CHECK(t.ppu_cycles == 0);
  if (e.unit == engine::ppu) {
    CHECK(t.utilization == 0.0);
  } else {
    const double units = e.unit == engine::vector
                             ? double(cfg.vector_lanes)
                             : double(cfg.array.rows) * double(cfg.array.cols);
    CHECK(t.utilization == Approx(double(e.macs) / (double(e.cycles) * units)));
  }
}

// A random small layer of any kind the accounting covers.
dwvp_desc random_desc(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  geom g;
  g.in_h = pick(1, 13);
  g.in_w = pick(1, 13);
  g.in_c = pick(1, 12);
  g.out_c = pick(1, 12);
  const uint8_t df = pick(0, 1) ? DWVP_DF_WS : DWVP_DF_OS;
  auto window = [&](int kh, int kw) {
    g.kh = kh;
    g.kw = kw;
    g.sh = pick(1, 2);
    g.sw = pick(1, 2);
    g.pt = pick(0, kh - 1);
    g.pb = pick(0, kh - 1);
    g.pl = pick(0, kw - 1);
    g.pr = pick(0, kw - 1);
    g.in_h = std::max(g.in_h, kh);
    g.in_w = std::max(g.in_w, kw);
  };
  switch (pick(0, 9)) {
  case 0: { // conv2d 1x1 .. 5x5
    const int k = pick(1, 5);
    window(k, k);
    return make_desc(DWVP_OP_CONV2D, g, DWVP_MAP_DEFAULT, df);
  }
  case 1:
    return make_desc(DWVP_OP_POINTWISE, g, DWVP_MAP_DEFAULT, df);
  case 2:
    g.in_h = g.in_w = 1;
    g.in_c = pick(1, 40);
    g.out_c = pick(1, 40);
    return make_desc(DWVP_OP_FC, g, DWVP_MAP_DEFAULT, df);
  case 3:
  case 4: { // KxK depthwise 3x3 / 5x5, any mapping
    const int k = pick(0, 1) ? 5 : 3;
    window(k, k);
    g.in_c = g.out_c;
    return make_desc(DWVP_OP_DEPTHWISE, g, uint8_t(pick(0, DWVP_MAP_COUNT - 1)), df);
  }
  case 5:
  case 6: { // 1xK / Kx1 on ST-OS
    const int k = 2 * pick(1, 3) + 1;
    const bool row = pick(0, 1);
    window(row ? 1 : k, row ? k : 1);
    g.in_c = g.out_c;
    return make_desc(row ? DWVP_OP_DW_1XK : DWVP_OP_DW_KX1, g, DWVP_MAP_DEFAULT,
                     DWVP_DF_ST_OS);
  }
  case 7: { // 1xK / Kx1 not on ST-OS: one-column GEMMs, any mapping
    const int k = 2 * pick(1, 3) + 1;
    const bool row = pick(0, 1);
    window(row ? 1 : k, row ? k : 1);
    g.in_c = g.out_c;
    return make_desc(row ? DWVP_OP_DW_1XK : DWVP_OP_DW_KX1, g,
                     uint8_t(pick(0, DWVP_MAP_COUNT - 1)), df);
  }
  case 8:
    g.in_c = g.out_c;
    return make_desc(pick(0, 1) ? DWVP_OP_ADD : DWVP_OP_CHANNEL_MUL, g);
  default: {
    const int k = pick(1, 4);
    window(k, k);
    g.in_c = g.out_c;
    return make_desc(DWVP_OP_AVG_POOL, g);
  }
  }
}

} // namespace

// ---------------------------------------------------------------------------------
// Hand-worked layers on a 4x4 array.

TEST_CASE("fuse_paper GEMM: every fold T + r + c - 1, no drain (conv2d)") {
  // in 4x4x2, 3 filters 3x3, pad 1, stride 1: out 4x4x3. M = 16, N = 3, K = 18.
  const geom g{4, 4, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  // OS: S_r = 16 -> r = 4,4,4,4; S_c = 3 -> c = 3; T = 18:
  //   4 x (18 + 4 + 3 - 1 = 24) = 96.
  const compute_timing os = run(DWVP_OP_CONV2D, g);
  CHECK(os.unit == engine::gemm);
  CHECK(os.cycles == 96);
  CHECK(os.folds == 4);
  CHECK(os.macs == 864);                              // 16 x 3 x 18
  CHECK(os.utilization == Approx(864.0 / (96 * 16))); // 0.5625
  CHECK(os.lead == 96);
  CHECK(os.tail == 0);
  CHECK(os.ppu_cycles == 0);
  // WS: S_r = K = 18 -> r = 4,4,4,4,2; S_c = 3; T = M = 16:
  //   4 x (16 + 4 + 3 - 1 = 22) + (16 + 2 + 3 - 1 = 20) = 108.
  const compute_timing ws = run(DWVP_OP_CONV2D, g, DWVP_MAP_DEFAULT, DWVP_DF_WS);
  CHECK(ws.cycles == 108);
  CHECK(ws.folds == 5);
  CHECK(ws.macs == 864);
}

TEST_CASE("fuse_paper GEMM: pointwise and FC, partial folds both ways") {
  // Pointwise 3x3x5 -> 6: M = 9, N = 6, K = 5.
  const geom pw{3, 3, 5, 6};
  // OS: r = 4,4,1 x c = 4,2, T = 5: (5+4+4-1 = 12) + (5+4+2-1 = 10), twice, = 44,
  //   + (5+1+4-1 = 9) + (5+1+2-1 = 7) = 60.
  const compute_timing os = run(DWVP_OP_POINTWISE, pw);
  CHECK(os.cycles == 60);
  CHECK(os.folds == 6);
  CHECK(os.macs == 270);
  // WS: S_r = K = 5 -> r = 4,1; c = 4,2; T = M = 9:
  //   (9+4+4-1 = 16) + (9+4+2-1 = 14) + (9+1+4-1 = 13) + (9+1+2-1 = 11) = 54.
  CHECK(run(DWVP_OP_POINTWISE, pw, DWVP_MAP_DEFAULT, DWVP_DF_WS).cycles == 54);

  // FC 10 -> 7: M = 1, N = 7, K = 10.
  const geom fc{1, 1, 10, 7};
  // OS: r = 1; c = 4,3; T = 10: (10+1+4-1 = 14) + (10+1+3-1 = 13) = 27.
  CHECK(run(DWVP_OP_FC, fc).cycles == 27);
  // WS: r = 4,4,2; c = 4,3; T = 1: (1+4+4-1 = 8) + (1+4+3-1 = 7), twice, = 30,
  //   + (1+2+4-1 = 6) + (1+2+3-1 = 5) = 41.
  CHECK(run(DWVP_OP_FC, fc, DWVP_MAP_DEFAULT, DWVP_DF_WS).cycles == 41);
  CHECK(run(DWVP_OP_FC, fc).macs == 70);
}

TEST_CASE("fuse_paper depthwise: C single-filter GEMMs whatever the mapping") {
  // in 5x5x6, 3x3, pad 1: out 5x5x6. Per channel GEMM(M = 25, N = 1, K = 9).
  const geom g{5, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1};
  // OS: r = 4 (x6), 1; c = 1; T = 9: 6 x (9+4+1-1 = 13) + (9+1+1-1 = 10) = 88 per
  //   channel; x 6 = 528 cycles, 7 x 6 = 42 folds, 25 x 9 x 6 = 1350 MACs.
  for (uint8_t map = 0; map < DWVP_MAP_COUNT; ++map) {
    INFO("mapping " << int{map});
    const compute_timing t = run(DWVP_OP_DEPTHWISE, g, map);
    CHECK(t.cycles == 528);
    CHECK(t.folds == 42);
    CHECK(t.macs == 1350);
    CHECK(t.lead == 528);
    CHECK(t.tail == 0);
    CHECK(t.ppu_cycles == 0);
    // WS: S_r = 9 taps -> r = 4,4,1; c = 1; T = 25 pixels:
    //   2 x (25+4+1-1 = 29) + (25+1+1-1 = 26) = 84 per channel; x 6 = 504.
    CHECK(run(DWVP_OP_DEPTHWISE, g, map, DWVP_DF_WS).cycles == 504);
  }
  // The vector-mapped layer keeps its engine (the platform routes by unit); its
  // utilisation is over the 4 lanes.
  const compute_timing v = run(DWVP_OP_DEPTHWISE, g, DWVP_MAP_VECTOR);
  CHECK(v.unit == engine::vector);
  CHECK(v.utilization == Approx(1350.0 / (528 * 4)));
  const compute_timing n = run(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE);
  CHECK(n.unit == engine::gemm);
  CHECK(n.utilization == Approx(1350.0 / (528 * 16)));
  CHECK(run(DWVP_OP_DEPTHWISE, g, DWVP_MAP_CHANNEL_MVM).unit == engine::gemm);

  // 1x3 not on ST-OS (in 5x7x6, pad left/right 1: out 5x7x6): per channel
  //   GEMM(M = 35, N = 1, K = 3): r = 4 (x8), 3; T = 3: 8 x (3+4+1-1 = 7)
  //   + (3+3+1-1 = 6) = 62; x 6 = 372.
  const geom row{5, 7, 6, 6, 1, 3, 1, 1, 0, 1, 0, 1};
  CHECK(run(DWVP_OP_DW_1XK, row, DWVP_MAP_GEMM_NAIVE).cycles == 372);
  CHECK(run(DWVP_OP_DW_1XK, row, DWVP_MAP_DEFAULT).cycles == 372);
}

TEST_CASE("fuse_paper ST-OS: every fold the full C + K, no final drain") {
  // 1x3, in 5x7x6, pad left/right 1: out 5x7x6. convs = 6 channels x 5 rows = 30,
  // outputs = 7, K = 3. Folds: ceil(30/4) = 8 x ceil(7/4) = 2 = 16, each 4 + 3 = 7
  // (the 3-wide fold too): 112 cycles; 30 x 7 x 3 = 630 MACs.
  const geom row{5, 7, 6, 6, 1, 3, 1, 1, 0, 1, 0, 1};
  const compute_timing t = run(DWVP_OP_DW_1XK, row, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS);
  CHECK(t.unit == engine::gemm);
  CHECK(t.cycles == 112);
  CHECK(t.folds == 16);
  CHECK(t.macs == 630);
  CHECK(t.utilization == Approx(630.0 / (112 * 16)));
  CHECK(t.lead == 112);
  CHECK(t.tail == 0);
  CHECK(t.ppu_cycles == 0);

  // 5x1 stride 2 along the column, in 9x5x6, pad top/bottom 2:
  //   out_h = (9 + 4 - 5) / 2 + 1 = 5, out_w = 5. convs = 6 channels x 5 columns = 30,
  //   outputs = 5, K = 5: 8 x 2 = 16 folds of 4 + 5 = 9: 144 cycles, 750 MACs.
  const geom col{9, 5, 6, 6, 5, 1, 2, 1, 2, 0, 2, 0};
  const compute_timing c = run(DWVP_OP_DW_KX1, col, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS);
  CHECK(c.cycles == 144);
  CHECK(c.folds == 16);
  CHECK(c.macs == 750);

  // On 8x4 (8 rows for the convolutions): ceil(30/8) = 4 x 2 = 8 folds of 4 + 3 = 7.
  CHECK(run(DWVP_OP_DW_1XK, row, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS, paper(8, 4)).cycles ==
        56);
}

TEST_CASE("fuse_paper post-processing layers cost nothing") {
  const geom pw{3, 3, 5, 5};
  const geom pool{4, 4, 6, 6, 2, 2, 2, 2};
  for (auto [op, g] : {std::pair{DWVP_OP_ADD, pw},
                       {DWVP_OP_CHANNEL_MUL, pw},
                       {DWVP_OP_AVG_POOL, pool}}) {
    INFO("opcode " << int{op});
    const compute_timing t = run(op, g);
    CHECK(t.unit == engine::ppu);
    CHECK(t.cycles == 0);
    CHECK(t.macs == 0);
    CHECK(t.folds == 0);
    CHECK(t.utilization == 0.0);
    CHECK(t.ppu_cycles == 0);
    CHECK(t.lead == 0);
    CHECK(t.tail == 0);
  }
}

TEST_CASE("fuse_paper: MobileNet-v1's first block and its FuSe-Half form on 64x64") {
  const compute_config cfg = paper(64, 64);
  // Depthwise 112x112x32, 3x3, pad 1: per channel 12,544 pixels = 196 full folds of
  //   9 + 64 + 1 - 1 = 73: 14,308; x 32 channels = 457,856.
  const geom dw{112, 112, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1};
  CHECK(run(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS, cfg).cycles ==
        457'856);
  // FuSe-Half: 1x3 on 16 channels: convs 16 x 112 = 1,792 = 28 row folds; outputs 112
  //   = 2 column folds (64 + 48, both charged 64 + 3 = 67): 56 x 67 = 3,752; the 3x1
  //   half the same.
  const geom row{112, 112, 16, 16, 1, 3, 1, 1, 0, 1, 0, 1};
  const geom col{112, 112, 16, 16, 3, 1, 1, 1, 1, 0, 1, 0};
  CHECK(run(DWVP_OP_DW_1XK, row, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS, cfg).cycles == 3'752);
  CHECK(run(DWVP_OP_DW_KX1, col, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS, cfg).cycles == 3'752);
  // Pointwise 112x112x32 -> 64: 196 folds of 32 + 64 + 64 - 1 = 159: 31,164.
  const geom pw{112, 112, 32, 64};
  CHECK(run(DWVP_OP_POINTWISE, pw, DWVP_MAP_DEFAULT, DWVP_DF_OS, cfg).cycles == 31'164);
  // FC 1024 -> 1000: r = 1; c = 64 (x15), 40; T = 1024:
  //   15 x (1024 + 1 + 64 - 1 = 1088) + (1024 + 1 + 40 - 1 = 1064) = 17,384.
  const geom fc{1, 1, 1024, 1000};
  CHECK(run(DWVP_OP_FC, fc, DWVP_MAP_DEFAULT, DWVP_DF_OS, cfg).cycles == 17'384);
}

// ---------------------------------------------------------------------------------
// The oracle on random layers.

TEST_CASE("fuse_paper = the fold-by-fold oracle on 6000 random layers and 8 arrays") {
  std::mt19937 rng(2021);
  const std::vector<array_dims> arrays{{4, 4}, {8, 8}, {4, 8}, {8, 4},
                                       {3, 5}, {5, 3}, {1, 1}, {16, 16}};
  int checked = 0;
  for (int i = 0; i < 6000; ++i) {
    const dwvp_desc d = random_desc(rng);
    const array_dims a = arrays[size_t(i) % arrays.size()];
    compute_config cfg = paper(a.rows, a.cols);
    cfg.vector_lanes = 1 + i % 7;
    INFO("layer " << i << ": opcode " << int{d.opcode} << " mapping " << int{d.mapping}
                  << " dataflow " << int{d.dataflow} << " out " << d.out_h << "x"
                  << d.out_w << "x" << d.out_c << " in_c " << d.in_c << " k "
                  << int{d.kernel_h} << "x" << int{d.kernel_w} << " array " << a.rows
                  << "x" << a.cols);
    check_against_oracle(d, cfg);
    ++checked;
  }
  CHECK(checked == 6000);
}

TEST_CASE("fuse_paper ignores gemm.schedule") {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    const dwvp_desc d = random_desc(rng);
    INFO("layer " << i << ": opcode " << int{d.opcode});
    const compute_timing a = layer_compute(d, paper(4, 8, schedule::pipelined));
    const compute_timing b = layer_compute(d, paper(4, 8, schedule::serial_drain));
    const compute_timing c = layer_compute(d, paper(4, 8, schedule::scalesim));
    CHECK(a.cycles == b.cycles);
    CHECK(a.cycles == c.cycles);
    CHECK(a.folds == c.folds);
  }
}

// ---------------------------------------------------------------------------------
// Refused combinations.

TEST_CASE("fuse_paper refuses what has no timing, naming the fields") {
  using Catch::Matchers::Contains;
  const geom conv{4, 4, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  const geom dw{5, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1};
  const geom pw{3, 3, 5, 6};
  const geom pool{4, 4, 6, 6, 2, 2, 2, 2};
  const compute_config cfg = paper(4, 4);
  // st_os on opcodes that are not 1xK / Kx1.
  for (auto [op, g] : {std::pair{DWVP_OP_CONV2D, conv},
                       {DWVP_OP_DEPTHWISE, dw},
                       {DWVP_OP_POINTWISE, pw},
                       {DWVP_OP_FC, geom{1, 1, 10, 7}},
                       {DWVP_OP_ADD, pw},
                       {DWVP_OP_CHANNEL_MUL, pw},
                       {DWVP_OP_AVG_POOL, pool}}) {
    INFO("opcode " << int{op});
    CHECK_THROWS_WITH(layer_compute(make_desc(op, g, 0, DWVP_DF_ST_OS), cfg),
                      Contains("dataflow st_os") && Contains("opcode"));
  }
  // st_os with a mapping other than default.
  const geom row{5, 7, 6, 6, 1, 3, 1, 1, 0, 1, 0, 1};
  for (uint8_t map : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
    CHECK_THROWS_WITH(
        layer_compute(make_desc(DWVP_OP_DW_1XK, row, map, DWVP_DF_ST_OS), cfg),
        Contains("mapping") && Contains("st_os"));
  }
  // 1xK / Kx1 whose kernel is not 1 x K / K x 1.
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_DW_1XK, dw, 0, DWVP_DF_ST_OS), cfg),
                    Contains("kernel_h"));
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_DW_KX1, dw, 0, DWVP_DF_ST_OS), cfg),
                    Contains("kernel_w"));
  // A mapping on a GEMM opcode, unknown opcode / mapping / dataflow (layer_compute's
  // checks run before the model is chosen).
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_CONV2D, conv, DWVP_MAP_VECTOR), cfg),
                    Contains("mapping"));
  for (uint8_t op : {0, 10, 200}) {
    CHECK_THROWS_WITH(layer_compute(make_desc(op, pw), cfg), Contains("opcode"));
  }
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, 4), cfg),
                    Contains("mapping"));
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, 0, 3), cfg),
                    Contains("dataflow"));
  // Empty shapes.
  dwvp_desc empty = make_desc(DWVP_OP_CONV2D, conv);
  empty.in_c = 0;
  CHECK_THROWS_WITH(layer_compute(empty, cfg), Contains("in_c"));
  empty = make_desc(DWVP_OP_DEPTHWISE, dw);
  empty.kernel_w = 0;
  CHECK_THROWS_WITH(layer_compute(empty, cfg), Contains("kernel_w"));
  empty = make_desc(DWVP_OP_POINTWISE, pw);
  empty.out_c = 0;
  CHECK_THROWS_WITH(layer_compute(empty, cfg), Contains("out_c"));
  CHECK_THROWS_AS(
      dwvp::timing::fuse_paper_gemm_cycles({0, 1, 1}, {4, 4}, dwvp::gemm::dataflow::os),
      std::invalid_argument);
  // The configuration key's names.
  timing_model m = timing_model::physical;
  CHECK(dwvp::timing::parse_timing_model("fuse_paper", m));
  CHECK(m == timing_model::fuse_paper);
  CHECK_FALSE(dwvp::timing::parse_timing_model("paper", m));
  CHECK(std::string(dwvp::timing::timing_model_name(timing_model::fuse_paper)) ==
        "fuse_paper");
}
