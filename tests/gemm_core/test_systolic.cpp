// Analytical systolic timing (models/gemm_core) against hand-worked numbers and
// against a cycle-stepped PE-level model (systolic_pe_model.h) that really moves the
// operands. Expected numbers are written out here, never taken from the code under
// test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "systolic_pe_model.h"
#include "systolic_timing.h"

using dwvp::gemm::array_dims;
using dwvp::gemm::dataflow;
using dwvp::gemm::gemm_shape;
using dwvp::gemm::systolic_gemm;
using dwvp::gemm::timing_options;

namespace {

using dwvp::gemm::schedule;

constexpr timing_options single_buffer{schedule::serial_drain};
constexpr timing_options double_buffer{schedule::pipelined};
constexpr timing_options scale_sim{schedule::scalesim};

timing_options of(bool double_buffered) {
  return double_buffered ? double_buffer : single_buffer;
}

std::vector<int8_t> random_int8(std::mt19937& rng, int64_t count) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(static_cast<size_t>(count));
  for (auto& x : v) {
    x = static_cast<int8_t>(dist(rng));
  }
  return v;
}

std::vector<int32_t> naive_gemm(const std::vector<int8_t>& a,
                                const std::vector<int8_t>& b, const gemm_shape& s) {
  std::vector<int32_t> c(static_cast<size_t>(s.m * s.n), 0);
  for (int64_t m = 0; m < s.m; ++m) {
    for (int64_t n = 0; n < s.n; ++n) {
      int32_t sum = 0;
      for (int64_t k = 0; k < s.k; ++k) {
        sum += int32_t{a[m * s.k + k]} * int32_t{b[k * s.n + n]};
      }
      c[m * s.n + n] = sum;
    }
  }
  return c;
}

uint64_t cycles(int64_t m, int64_t n, int64_t k, int rows, int cols, dataflow df,
                timing_options opt = single_buffer) {
  return systolic_gemm({m, n, k}, {rows, cols}, df, opt).cycles;
}

// Slow reference: walks every fold (row fold outer, column fold inner) and schedules
// the two phases as events, as the hardware does.
uint64_t per_fold_loop(const gemm_shape& s, const array_dims& a, dataflow df,
                       bool double_buffered) {
  const int64_t s_r = df == dataflow::os ? s.m : s.k;
  const int64_t s_c = s.n;
  const int64_t t = df == dataflow::os ? s.k : s.m;
  uint64_t total = 0;
  uint64_t second_start = 0;
  uint64_t second_end = 0;
  bool first_fold = true;
  for (int64_t r0 = 0; r0 < s_r; r0 += a.rows) {
    for (int64_t c0 = 0; c0 < s_c; c0 += a.cols) {
      const int64_t r = std::min<int64_t>(a.rows, s_r - r0);
      const int64_t c = std::min<int64_t>(a.cols, s_c - c0);
      const uint64_t fold = 2 * r + c + t - 2;
      const uint64_t first = df == dataflow::os ? r + c + t - 2 : r;
      const uint64_t second = fold - first;
      if (!double_buffered) {
        total += fold;
        continue;
      }
      const uint64_t first_start = first_fold ? 0 : second_start;
      second_start = std::max(first_start + first, second_end);
      second_end = second_start + second;
      first_fold = false;
    }
  }
  return double_buffered ? second_end : total;
}

const char* name(dataflow df) {
  return df == dataflow::os ? "OS" : "WS";
}

} // namespace

TEST_CASE("fold_cycles is 2r + c + T - 2 and splits into the documented phases") {
  CHECK(dwvp::gemm::fold_cycles(4, 4, 4) == 14); // 8 + 4 + 4 - 2
  CHECK(dwvp::gemm::fold_cycles(1, 1, 1) == 2);
  CHECK(dwvp::gemm::fold_cycles(1, 4, 4) == 8);  // 2 + 4 + 4 - 2
  CHECK(dwvp::gemm::fold_cycles(4, 1, 4) == 11); // 8 + 1 + 4 - 2
  CHECK(dwvp::gemm::fold_cycles(32, 32, 1024) == 1118);

  // OS: compute r + c + T - 2, then drain r. WS: fill r, then stream r + c + T - 2.
  const auto os = dwvp::gemm::fold_phases(4, 3, 5, dataflow::os);
  CHECK(os.first == 10);
  CHECK(os.second == 4);
  const auto ws = dwvp::gemm::fold_phases(4, 3, 5, dataflow::ws);
  CHECK(ws.first == 4);
  CHECK(ws.second == 10);

  const auto map_os = dwvp::gemm::map_gemm({7, 8, 9}, dataflow::os);
  CHECK((map_os.s_r == 7 && map_os.s_c == 8 && map_os.t == 9));
  const auto map_ws = dwvp::gemm::map_gemm({7, 8, 9}, dataflow::ws);
  CHECK((map_ws.s_r == 9 && map_ws.s_c == 8 && map_ws.t == 7));
}

TEST_CASE("OS hand-worked cycle counts on a 4x4 array") {
  // S_r = M, S_c = N, T = K.
  // One full fold: 2*4 + 4 + 4 - 2 = 14.
  CHECK(cycles(4, 4, 4, 4, 4, dataflow::os) == 14);
  // M = 5: row folds r = 4 (14) and r = 1 (2*1 + 4 + 4 - 2 = 8): 22.
  CHECK(cycles(5, 4, 4, 4, 4, dataflow::os) == 22);
  // M = N = 5: (4,4) 14 + (4,1) 8+1+4-2 = 11 + (1,4) 8 + (1,1) 2+1+4-2 = 5: 38.
  CHECK(cycles(5, 5, 4, 4, 4, dataflow::os) == 38);
  // Smallest GEMM: 2 + 1 + 1 - 2 = 2.
  CHECK(cycles(1, 1, 1, 4, 4, dataflow::os) == 2);
  // M = N = 8, K = 17: four full folds of 8 + 4 + 17 - 2 = 27: 108.
  CHECK(cycles(8, 8, 17, 4, 4, dataflow::os) == 108);
  // Non-square 4x8 array, M = 3, N = 9, K = 2: (3,8) 6+8+2-2 = 14 + (3,1) 6+1+2-2 = 7.
  CHECK(cycles(3, 9, 2, 4, 8, dataflow::os) == 21);
}

TEST_CASE("WS hand-worked cycle counts on a 4x4 array") {
  // S_r = K, S_c = N, T = M.
  CHECK(cycles(4, 4, 4, 4, 4, dataflow::ws) == 14);
  // T = M = 10: 8 + 4 + 10 - 2 = 20.
  CHECK(cycles(10, 4, 4, 4, 4, dataflow::ws) == 20);
  // K = 5: r = 4 (20) and r = 1 (2 + 4 + 10 - 2 = 14): 34.
  CHECK(cycles(10, 4, 5, 4, 4, dataflow::ws) == 34);
  // N = 5, M = 3: (4,4) 8+4+3-2 = 13 + (4,1) 8+1+3-2 = 10: 23.
  CHECK(cycles(3, 5, 4, 4, 4, dataflow::ws) == 23);
}

TEST_CASE("double_buffered hand-worked cycle counts") {
  // total = first_0 + sum_{i>=1} max(first_i, second_{i-1}) + second_last.
  // OS 4x4, M = N = 5, K = 4, folds (4,4) (4,1) (1,4) (1,1):
  //   compute r+c+K-2 = 10, 7, 7, 4; drain r = 4, 4, 1, 1.
  //   10 + max(7,4) + max(7,4) + max(4,1) + 1 = 29 (single buffered: 38).
  CHECK(cycles(5, 5, 4, 4, 4, dataflow::os, double_buffer) == 29);
  // OS drain longer than the next compute stalls: M = 5, N = K = 1,
  //   folds (4,1) compute 4 drain 4, (1,1) compute 1 drain 1: 4 + max(1,4) + 1 = 9.
  CHECK(cycles(5, 1, 1, 4, 4, dataflow::os, double_buffer) == 9);
  CHECK(cycles(5, 1, 1, 4, 4, dataflow::os, single_buffer) == 10); // 8 + 2
  // A single fold has nothing to overlap with.
  CHECK(cycles(4, 4, 4, 4, 4, dataflow::os, double_buffer) == 14);
  // WS 4x4, K = 5, N = 4, M = 10: fill r = 4, 1; stream r+c+M-2 = 16, 13.
  //   4 + max(1,16) + 13 = 33 (single buffered: 34).
  CHECK(cycles(10, 4, 5, 4, 4, dataflow::ws, double_buffer) == 33);
  // WS K = 8, N = 1, M = 1: fill 4, 4; stream 4+1+1-2 = 4, 4: 4 + max(4,4) + 4 = 12.
  CHECK(cycles(1, 1, 8, 4, 4, dataflow::ws, double_buffer) == 12);
  // WS K = 4, N = 8, M = 2: fill 4, 4; stream 8, 8: 4 + 8 + 8 = 20 (single: 24).
  CHECK(cycles(2, 8, 4, 4, 4, dataflow::ws, double_buffer) == 20);
  CHECK(cycles(2, 8, 4, 4, 4, dataflow::ws, single_buffer) == 24);
}

TEST_CASE("scalesim gives SCALE-Sim v2's closed form: folds x per_fold - 1") {
  // OS per fold T + R + C - 2. 4x4, M = N = 5, K = 4: 4 folds x (4 + 4 + 4 - 2) - 1 = 39.
  CHECK(cycles(5, 5, 4, 4, 4, dataflow::os, scale_sim) == 39);
  // Even a 1x1x1 GEMM is charged a full fold: 1 + 4 + 4 - 2 - 1 = 6.
  CHECK(cycles(1, 1, 1, 4, 4, dataflow::os, scale_sim) == 6);
  // WS per fold 2R + C + T - 2. 4x4, K = 5, N = 4, M = 10: 2 x (8 + 4 + 10 - 2) - 1 = 39.
  CHECK(cycles(10, 4, 5, 4, 4, dataflow::ws, scale_sim) == 39);
  // Non-square 8x4 array (R = 8, C = 4), OS M = 9, N = 5, K = 3:
  //   4 folds x (3 + 8 + 4 - 2) - 1 = 51.
  CHECK(cycles(9, 5, 3, 8, 4, dataflow::os, scale_sim) == 51);
  // 32x32 OS, M = 64, N = 96, K = 10: 6 folds x (10 + 32 + 32 - 2) - 1 = 431.
  CHECK(cycles(64, 96, 10, 32, 32, dataflow::os, scale_sim) == 431);
  // MobileNet-v1 conv1 at 224 (M = 112 x 112, N = 32, K = 3 x 3 x 3 = 27):
  //   392 folds x (27 + 32 + 32 - 2) - 1 = 34,887.
  CHECK(cycles(112 * 112, 32, 27, 32, 32, dataflow::os, scale_sim) == 34887);
  // Nothing overlaps a following GEMM: lead = cycles, tail = 0.
  const auto t = systolic_gemm({5, 5, 4}, {4, 4}, dataflow::os, scale_sim);
  CHECK(t.lead == 39);
  CHECK(t.tail == 0);
}

TEST_CASE("schedule names round-trip and unknown names are refused") {
  for (schedule s : {schedule::pipelined, schedule::serial_drain, schedule::scalesim}) {
    schedule parsed = schedule::pipelined;
    CHECK(dwvp::gemm::parse_schedule(dwvp::gemm::schedule_name(s), parsed));
    CHECK(parsed == s);
  }
  schedule parsed = schedule::scalesim;
  CHECK_FALSE(dwvp::gemm::parse_schedule("double_buffered", parsed));
  CHECK(parsed == schedule::scalesim);
  // The default is pipelined.
  CHECK(timing_options{}.sched == schedule::pipelined);
}

TEST_CASE("lead, tail and chains of identical GEMMs (hand-worked)") {
  // Pipelined OS 4x4, M = N = 5, K = 4 (29 cycles, see above): lead = first fold's
  // compute 10, tail = last fold's drain 1.
  const auto p = systolic_gemm({5, 5, 4}, {4, 4}, dataflow::os, double_buffer);
  CHECK(p.lead == 10);
  CHECK(p.tail == 1);
  // Three copies: 29 + 2 x (29 - 1 - 10 + max(10, 1)) = 29 + 2 x 28 = 85.
  CHECK(dwvp::gemm::chain_cycles(p, 3) == 85);
  // gemm_naive-like chain, OS 4x4, M = 8, N = 1, K = 2: per GEMM folds (4,1) x 2,
  //   compute 4 + 1 + 2 - 2 = 5, drain 4: 5 + max(5, 4) + 4 = 14; lead 5, tail 4.
  //   Two GEMMs chained: 14 + (14 - 4 - 5 + 5) = 24 (serial: 2 x 2 x 9 = 36).
  const auto g = systolic_gemm({8, 1, 2}, {4, 4}, dataflow::os, double_buffer);
  CHECK(g.cycles == 14);
  CHECK(dwvp::gemm::chain_cycles(g, 2) == 24);
  CHECK(dwvp::gemm::chain_cycles(
            systolic_gemm({8, 1, 2}, {4, 4}, dataflow::os, single_buffer), 2) == 36);
  CHECK(dwvp::gemm::chain_cycles(g, 0) == 0);
  // chained_done: issued at 10, lead 5, 14 cycles, previous done at 12: the first
  //   phase ends at 15 (after 12), so done = 15 + 9 = 24. Previous done at 20:
  //   max(15, 20) + 9 = 29. Previous done before the start: 10 + 14 = 24.
  CHECK(dwvp::gemm::chained_done(10, 5, 14, 12) == 24);
  CHECK(dwvp::gemm::chained_done(10, 5, 14, 20) == 29);
  CHECK(dwvp::gemm::chained_done(10, 5, 14, 3) == 24);
}

TEST_CASE("macs, folds and utilization") {
  const auto t = systolic_gemm({4, 4, 4}, {4, 4}, dataflow::os, single_buffer);
  CHECK(t.macs == 64);
  CHECK(t.folds == 1);
  CHECK(t.utilization == Approx(64.0 / (14.0 * 16.0))); // 2/7

  const auto p = systolic_gemm({5, 5, 4}, {4, 4}, dataflow::os, single_buffer);
  CHECK(p.macs == 100);
  CHECK(p.folds == 4);
  CHECK(p.row_folds == 2);
  CHECK(p.col_folds == 2);
  CHECK(p.utilization == Approx(100.0 / (38.0 * 16.0)));

  // SCALE-Sim's convention charges more cycles for the same MACs.
  const auto s = systolic_gemm({5, 5, 4}, {4, 4}, dataflow::os, scale_sim);
  CHECK(s.macs == 100);
  CHECK(s.utilization == Approx(100.0 / (39.0 * 16.0)));

  // WS with a long stream approaches full utilisation: K = N = 4, M = 1000:
  //   8 + 4 + 1000 - 2 = 1010 cycles, 16000 MACs.
  const auto w = systolic_gemm({1000, 4, 4}, {4, 4}, dataflow::ws, single_buffer);
  CHECK(w.cycles == 1010);
  CHECK(w.macs == 16000);
  CHECK(w.utilization == Approx(16000.0 / (1010.0 * 16.0)));
}

TEST_CASE("MobileNet-v1 first pointwise layer on 32x32 (docs/timing.md example)") {
  // 112x112 output pixels, 32 in, 64 out: M = 12544, N = 64, K = 32.
  const gemm_shape pw1{112 * 112, 64, 32};
  const array_dims a{32, 32};
  // OS: 392 x 2 = 784 full folds of 64 + 32 + 32 - 2 = 126 cycles.
  // serial_drain OS: 392 x 2 = 784 full folds of 64 + 32 + 32 - 2 = 126 cycles.
  const auto os = systolic_gemm(pw1, a, dataflow::os, single_buffer);
  CHECK(os.folds == 784);
  CHECK(os.cycles == 98784);
  CHECK(os.macs == 25690112);
  CHECK(os.utilization == Approx(32.0 / 126.0));
  // scalesim: 784 x (32 + 32 + 32 - 2) - 1 = 73,695.
  CHECK(systolic_gemm(pw1, a, dataflow::os, scale_sim).cycles == 73695);
  // pipelined (the default): compute 94, drain 32: 784 x 94 + 32 = 73728.
  CHECK(systolic_gemm(pw1, a, dataflow::os).cycles == 73728);
  // WS serial_drain: 2 folds of 64 + 32 + 12544 - 2 = 12638: 25276; pipelined
  //   32 + 12606 + 12606 = 25244; scalesim 2 x 12638 - 1 = 25275.
  CHECK(systolic_gemm(pw1, a, dataflow::ws, single_buffer).cycles == 25276);
  CHECK(systolic_gemm(pw1, a, dataflow::ws).cycles == 25244);
  CHECK(systolic_gemm(pw1, a, dataflow::ws, scale_sim).cycles == 25275);
}

TEST_CASE("PE model computes the exact int32 GEMM on random shapes") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int64_t> dim(1, 20);
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}, {8, 4}};
  for (int trial = 0; trial < 60; ++trial) {
    const gemm_shape s{dim(rng), dim(rng), dim(rng)};
    const auto a = random_int8(rng, s.m * s.k);
    const auto b = random_int8(rng, s.k * s.n);
    const auto expect = naive_gemm(a, b, s);
    for (const auto& arr : arrays) {
      for (dataflow df : {dataflow::os, dataflow::ws}) {
        for (bool db : {false, true}) {
          INFO(name(df) << " " << arr.rows << "x" << arr.cols << " M=" << s.m
                        << " N=" << s.n << " K=" << s.k << " db=" << db);
          const auto run = dwvp::test::simulate_systolic_gemm(a, b, s, arr, df, db);
          CHECK(run.c == expect);
        }
      }
    }
  }
  // Extreme operands: -128 * -128 summed 17 times stays exact in int32.
  const gemm_shape s{5, 9, 17};
  const std::vector<int8_t> a(5 * 17, -128);
  const std::vector<int8_t> b(17 * 9, -128);
  for (dataflow df : {dataflow::os, dataflow::ws}) {
    const auto run = dwvp::test::simulate_systolic_gemm(a, b, s, {4, 4}, df, true);
    CHECK(run.c == std::vector<int32_t>(5 * 9, 17 * 16384));
  }
}

TEST_CASE("PE model cycle count equals systolic_gemm over a shape sweep") {
  const int64_t dims[] = {1, 3, 4, 5, 8, 9, 17};
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}};
  std::mt19937 rng(7);
  int compared = 0;
  for (const auto& arr : arrays) {
    for (int64_t m : dims) {
      for (int64_t n : dims) {
        for (int64_t k : dims) {
          const gemm_shape s{m, n, k};
          const auto a = random_int8(rng, m * k);
          const auto b = random_int8(rng, k * n);
          const auto expect = naive_gemm(a, b, s);
          for (dataflow df : {dataflow::os, dataflow::ws}) {
            for (bool db : {false, true}) {
              INFO(name(df) << " " << arr.rows << "x" << arr.cols << " M=" << m
                            << " N=" << n << " K=" << k << " db=" << db);
              const auto run = dwvp::test::simulate_systolic_gemm(a, b, s, arr, df, db);
              const auto model = systolic_gemm(s, arr, df, of(db));
              REQUIRE(run.cycles == model.cycles);
              REQUIRE(run.folds.size() == model.folds);
              REQUIRE(run.c == expect);
              if (!db) {
                // Single buffered: each fold alone takes 2r + c + T - 2 and the next
                // starts right after.
                for (size_t i = 0; i < run.folds.size(); ++i) {
                  const auto& f = run.folds[i];
                  REQUIRE(f.last_cycle - f.first_cycle + 1 ==
                          dwvp::gemm::fold_cycles(f.rows, f.cols, f.t));
                  if (i > 0) {
                    REQUIRE(f.first_cycle == run.folds[i - 1].last_cycle + 1);
                  }
                }
              }
              ++compared;
            }
          }
        }
      }
    }
  }
  CHECK(compared == 3 * 343 * 4);
}

// Operands zero-padded to whole folds: SCALE-Sim charges every fold as full.
std::vector<int8_t> pad(const std::vector<int8_t>& v, int64_t rows, int64_t cols,
                        int64_t to_rows, int64_t to_cols) {
  std::vector<int8_t> out(static_cast<size_t>(to_rows * to_cols), 0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      out[i * to_cols + j] = v[i * cols + j];
    }
  }
  return out;
}

int64_t round_up(int64_t v, int64_t to) {
  return (v + to - 1) / to * to;
}

TEST_CASE("scalesim equals the PE model on whole folds, counted to the last event") {
  // SCALE-Sim's closed form is the stepped array with every fold full (operands
  // zero-padded to multiples of the array) and the count ending on the cycle of the
  // last event, from 0: OS with a second accumulator bank, up to the last MAC (its
  // drain hidden or not counted); WS with one weight bank, up to the last partial sum
  // out.
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int64_t> dim(1, 13);
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}, {8, 4}, {2, 3}};
  int compared = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const gemm_shape s{dim(rng), dim(rng), dim(rng)};
    const auto a = random_int8(rng, s.m * s.k);
    const auto b = random_int8(rng, s.k * s.n);
    for (const auto& arr : arrays) {
      for (dataflow df : {dataflow::os, dataflow::ws}) {
        INFO(name(df) << " " << arr.rows << "x" << arr.cols << " M=" << s.m
                      << " N=" << s.n << " K=" << s.k);
        // OS pads M (rows) and N (columns); WS pads K (rows) and N (columns).
        const gemm_shape p{df == dataflow::os ? round_up(s.m, arr.rows) : s.m,
                           round_up(s.n, arr.cols),
                           df == dataflow::ws ? round_up(s.k, arr.rows) : s.k};
        const auto ap = pad(a, s.m, s.k, p.m, p.k);
        const auto bp = pad(b, s.k, s.n, p.k, p.n);
        const bool os = df == dataflow::os;
        const auto run = dwvp::test::simulate_systolic_gemm(ap, bp, p, arr, df, os);
        const uint64_t stepped = os ? run.last_mac_cycle : run.cycles - 1;
        REQUIRE(systolic_gemm(s, arr, df, scale_sim).cycles == stepped);
        // The padding does not change the values.
        const auto expect = naive_gemm(a, b, s);
        for (int64_t m = 0; m < s.m; ++m) {
          for (int64_t n = 0; n < s.n; ++n) {
            REQUIRE(run.c[m * p.n + n] == expect[m * s.n + n]);
          }
        }
        ++compared;
      }
    }
  }
  CHECK(compared == 300 * 5 * 2);
}

TEST_CASE("chains of GEMMs: chained_done and chain_cycles equal the PE model") {
  // Consecutive channels or tiles of a layer run as one stream of folds: the next
  // GEMM is issued when the array takes it (the previous one's last fold in its
  // second phase). The PE model runs the jobs back to back under its bank rule.
  std::mt19937 rng(99);
  std::uniform_int_distribution<int64_t> dim(1, 11);
  std::uniform_int_distribution<int> length(2, 4);
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}, {8, 4}};
  int compared = 0;
  for (int trial = 0; trial < 250; ++trial) {
    const array_dims arr = arrays[trial % 4];
    const int count = length(rng);
    const bool identical = trial % 5 == 0;
    std::vector<gemm_shape> shapes;
    std::vector<std::vector<int8_t>> as, bs;
    for (int i = 0; i < count; ++i) {
      shapes.push_back(identical && i > 0 ? shapes[0]
                                          : gemm_shape{dim(rng), dim(rng), dim(rng)});
      as.push_back(random_int8(rng, shapes[i].m * shapes[i].k));
      bs.push_back(random_int8(rng, shapes[i].k * shapes[i].n));
    }
    std::vector<dwvp::test::pe_job> jobs;
    for (int i = 0; i < count; ++i) {
      jobs.push_back({&as[i], &bs[i], shapes[i]});
    }
    for (dataflow df : {dataflow::os, dataflow::ws}) {
      for (bool db : {false, true}) {
        INFO(name(df) << " " << arr.rows << "x" << arr.cols << " jobs=" << count
                      << " db=" << db);
        uint64_t done = 0, tail = 0;
        for (int i = 0; i < count; ++i) {
          const auto g = systolic_gemm(shapes[i], arr, df, of(db));
          done = dwvp::gemm::chained_done(done - tail, g.lead, g.cycles, done);
          tail = g.tail;
        }
        const auto run = dwvp::test::simulate_systolic_chain(jobs, arr, df, db);
        REQUIRE(run.cycles == done);
        if (identical) {
          REQUIRE(dwvp::gemm::chain_cycles(systolic_gemm(shapes[0], arr, df, of(db)),
                                           count) == done);
        }
        for (int i = 0; i < count; ++i) {
          REQUIRE(run.outputs[i] == naive_gemm(as[i], bs[i], shapes[i]));
        }
        ++compared;
      }
    }
  }
  CHECK(compared == 250 * 4);
}

TEST_CASE("PE model single folds take exactly the hand-worked cycles") {
  // Independent of systolic_gemm: the PE model alone against the worked numbers.
  std::mt19937 rng(3);
  const gemm_shape s{4, 4, 4};
  const auto a = random_int8(rng, 16);
  const auto b = random_int8(rng, 16);
  for (dataflow df : {dataflow::os, dataflow::ws}) {
    CHECK(dwvp::test::simulate_systolic_gemm(a, b, s, {4, 4}, df, false).cycles == 14);
  }
  // OS 4x4, M = 5, N = K = 1: single 10, double buffered 9 (stalls on the drain).
  const auto a5 = random_int8(rng, 5);
  const auto b1 = random_int8(rng, 1);
  CHECK(dwvp::test::simulate_systolic_gemm(a5, b1, {5, 1, 1}, {4, 4}, dataflow::os, false)
            .cycles == 10);
  CHECK(dwvp::test::simulate_systolic_gemm(a5, b1, {5, 1, 1}, {4, 4}, dataflow::os, true)
            .cycles == 9);
}

TEST_CASE("huge shapes: closed form equals a per-fold loop") {
  // 112*112 x 1024 x 1024 on 32x32: 392 x 32 = 12544 folds.
  const gemm_shape s{112 * 112, 1024, 1024};
  const array_dims a{32, 32};
  for (dataflow df : {dataflow::os, dataflow::ws}) {
    for (bool db : {false, true}) {
      INFO(name(df) << " db=" << db);
      CHECK(systolic_gemm(s, a, df, of(db)).cycles == per_fold_loop(s, a, df, db));
    }
  }
  // Partial folds in both dimensions and a non-square array.
  const gemm_shape odd{112 * 112 + 5, 1000, 1001};
  const array_dims b{32, 24};
  for (dataflow df : {dataflow::os, dataflow::ws}) {
    for (bool db : {false, true}) {
      INFO(name(df) << " db=" << db);
      CHECK(systolic_gemm(odd, b, df, of(db)).cycles == per_fold_loop(odd, b, df, db));
    }
  }
}

TEST_CASE("astronomical shapes are O(1): 2^40 folds with hand-worked totals") {
  // OS 32x32, M = 32 * 2^30, N = 32 * 2^10, K = 5: 2^40 full folds. A per-fold loop
  // would run for hours; the test timeout is a minute.
  const int64_t m = int64_t{32} << 30;
  const int64_t n = int64_t{32} << 10;
  const uint64_t folds = uint64_t{1} << 40;
  const auto start = std::chrono::steady_clock::now();
  const auto t = systolic_gemm({m, n, 5}, {32, 32}, dataflow::os, single_buffer);
  CHECK(t.folds == folds);
  CHECK(t.cycles == folds * 99); // 64 + 32 + 5 - 2
  CHECK(t.macs == 5 * (uint64_t{1} << 50));
  // Double buffered: compute 32 + 32 + 5 - 2 = 67 hides each drain of 32.
  CHECK(systolic_gemm({m, n, 5}, {32, 32}, dataflow::os, double_buffer).cycles ==
        folds * 67 + 32);
  // One more output pixel: 2^10 extra folds (1,32) of 2 + 32 + 5 - 2 = 37.
  CHECK(systolic_gemm({m + 1, n, 5}, {32, 32}, dataflow::os, single_buffer).cycles ==
        folds * 99 + 1024 * 37);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(1));
}

TEST_CASE("invalid shapes and arrays are rejected") {
  CHECK_THROWS_AS(systolic_gemm({0, 4, 4}, {4, 4}, dataflow::os), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm({4, -1, 4}, {4, 4}, dataflow::ws), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm({4, 4, 0}, {4, 4}, dataflow::os), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm({4, 4, 4}, {0, 4}, dataflow::os), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm({4, 4, 4}, {4, -2}, dataflow::ws), std::invalid_argument);
  CHECK_THROWS_AS(dwvp::gemm::fold_cycles(0, 1, 1), std::invalid_argument);
  CHECK_THROWS_AS(dwvp::gemm::fold_cycles(1, 1, 0), std::invalid_argument);
}
