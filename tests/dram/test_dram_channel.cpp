// Exact-latency tests of the DRAM channel state machine. Every expected time is worked
// out by hand from the DDR4-2400 preset (tCK = 833 ps) and written in clock cycles:
//   CL 16, CWL 12, tRCD 16, tRP 16, tRAS 39, tRC 55, tCCD_S 4, tCCD_L 6, tRRD_S 4,
//   tRRD_L 6, tFAW 26, tWR 18, tWTR_S 3, tWTR_L 9, tRTP 9, tRTW 10, tREFI 9360,
//   tRFC 421, BL8 -> 4 clocks of data per 64-byte burst.
// Default mapping "offset:3 column:3 bank_group:2 column:7 bank:2 row:16":
//   0x000 BG0 bank0 row0, 0x040 BG1, 0x080 BG2, 0x0c0 BG3, 0x100 BG0 (next column),
//   1 << 15 = bank 1, 1 << 17 = row 1.
#include <catch2/catch.hpp>

#include "dram_channel.h"
#include "dram_trace.h"

using namespace dwvp::dram;

namespace {

constexpr uint64_t ck = 833; // ps per DDR4-2400 clock
constexpr uint64_t k_bank1 = 1u << 15;
constexpr uint64_t k_row1 = 1u << 17;

dram_channel ddr4() {
  return dram_channel(preset("ddr4_2400_x64"));
}

} // namespace

TEST_CASE("row miss: read to a closed bank pays tRCD + CL + burst", "[dram][timing]") {
  dram_channel ch = ddr4();
  // ACT @0, RD @tRCD=16, last beat at 16 + CL 16 + 4 = 36.
  CHECK(ch.access(0, 0x0, false, 64) == 36 * ck);
  const dram_stats s = ch.stats();
  CHECK(s.row_misses == 1);
  CHECK(s.row_hits == 0);
  CHECK(s.activates == 1);
  CHECK(s.max_latency_ps == 36 * ck);
}

TEST_CASE("write to a closed bank completes after CWL + burst", "[dram][timing]") {
  dram_channel ch = ddr4();
  // ACT @0, WR @16, data from 16 + CWL 12 = 28 to 32.
  CHECK(ch.access(0, 0x0, true, 64) == 32 * ck);
}

TEST_CASE("row hit: CL + burst only", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64); // opens BG0 bank0 row0, RD @16
  // 0x100 is the same row, next column: RD @120, done 120 + 16 + 4 = 140.
  CHECK(ch.access(120 * ck, 0x100, false, 64) == 140 * ck);
  CHECK(ch.stats().row_hits == 1);
}

TEST_CASE("issue times are rounded up to the next clock edge", "[dram][timing]") {
  dram_channel ch = ddr4();
  // Arrives 1 ps after edge 0 -> commands start at edge 1: done 1 + 36 = 37 clocks.
  CHECK(ch.access(1, 0x0, false, 64) == 37 * ck);
  CHECK(ch.stats().max_latency_ps == 37 * ck - 1);
}

TEST_CASE("row conflict: PRE + tRP + ACT + tRCD + CL + burst", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64); // ACT @0, RD @16
  // Row 1 of the same bank at 200 (tRAS and tRTP long satisfied): PRE @200, ACT @216,
  // RD @232, done 232 + 20 = 252; latency tRP + tRCD + CL + 4 = 52 clocks.
  CHECK(ch.access(200 * ck, k_row1, false, 64) == 252 * ck);
  const dram_stats s = ch.stats();
  CHECK(s.row_conflicts == 1);
  CHECK(s.precharges == 1);
  CHECK(s.activates == 2);
}

TEST_CASE("row conflict right after ACT waits for tRAS", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64); // ACT @0, RD @16
  // PRE >= max(ACT + tRAS = 39, RD + tRTP = 25) = 39; ACT >= max(39 + tRP = 55,
  // 0 + tRC = 55) = 55; RD @71; done 91.
  CHECK(ch.access(0, k_row1, false, 64) == 91 * ck);
}

TEST_CASE("row conflict after a write waits for write recovery", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, true, 64); // ACT @0, WR @16, data ends @32
  // PRE >= max(tRAS 39, 32 + tWR 18 = 50) = 50; ACT @66; RD >= max(66 + 16 = 82,
  // write data end 32 + tWTR_L 9 = 41) = 82; done 82 + 20 = 102.
  CHECK(ch.access(0, k_row1, false, 64) == 102 * ck);
}

TEST_CASE("row conflict after a late read waits for tRTP", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64);                           // ACT @0, RD @16
  CHECK(ch.access(100 * ck, 0x0, false, 64) == 120 * ck); // hit, RD @100
  // PRE >= max(ACT + tRAS = 39, RD 100 + tRTP 9 = 109) = 109, ACT @125, RD @141,
  // done 161.
  CHECK(ch.access(100 * ck, k_row1, false, 64) == 161 * ck);
}

// In the JEDEC presets several constraints coincide (tRC = tRAS + tRP, tRRD_S = tCCD_S
// = burst length, data bus = turnaround times), so each is isolated here by changing
// one spec value; the expected times are worked out for the changed value.
TEST_CASE("each row/column/bus constraint acts on its own", "[dram][timing]") {
  SECTION("tRAS alone (tRC = tRAS)") {
    dram_spec s = preset("ddr4_2400_x64");
    s.rc = 39;
    dram_channel ch(s);
    ch.access(0, 0x0, false, 64); // ACT @0, RD @16
    // PRE >= tRAS 39 (tRTP: 25), ACT >= max(39 + 16 = 55, tRC 39) = 55, RD @71, done 91.
    CHECK(ch.access(0, k_row1, false, 64) == 91 * ck);
  }
  SECTION("tRC alone (tRC = 70 > tRAS + tRP)") {
    dram_spec s = preset("ddr4_2400_x64");
    s.rc = 70;
    dram_channel ch(s);
    ch.access(0, 0x0, false, 64);
    // PRE @39, ACT >= max(55, 0 + tRC 70) = 70, RD @86, done 106.
    CHECK(ch.access(0, k_row1, false, 64) == 106 * ck);
  }
  SECTION("tRRD_S = 10") {
    dram_spec s = preset("ddr4_2400_x64");
    s.rrd_s = 10;
    s.rrd_l = 10;
    dram_channel ch(s);
    ch.access(0, 0x000, false, 64); // BG0: ACT @0, RD @16
    // BG1: ACT @10, RD @26, done 46.
    CHECK(ch.access(0, 0x040, false, 64) == 46 * ck);
  }
  SECTION("tRRD_L = 12, same bank group, other bank") {
    dram_spec s = preset("ddr4_2400_x64");
    s.rrd_l = 12;
    dram_channel ch(s);
    ch.access(0, 0x000, false, 64); // BG0 bank0: ACT @0, RD @16
    // BG0 bank1: ACT >= 0 + 12, RD @28 (tCCD_L from 16: 22), done 48.
    CHECK(ch.access(0, k_bank1, false, 64) == 48 * ck);
    // With the preset's tRRD_L 6: ACT @6, RD @22, done 42.
    dram_channel ref = ddr4();
    ref.access(0, 0x000, false, 64);
    CHECK(ref.access(0, k_bank1, false, 64) == 42 * ck);
  }
  SECTION("tCCD_S = 6 between bank groups") {
    dram_spec s = preset("ddr4_2400_x64");
    s.ccd_s = 6;
    dram_channel ch(s);
    ch.access(0, 0x000, false, 64); // BG0: ACT @0, RD @16
    // BG1: ACT @4, RD >= max(4 + 16 = 20, 16 + tCCD_S 6 = 22) = 22, done 42.
    CHECK(ch.access(0, 0x040, false, 64) == 42 * ck);
  }
  SECTION("data bus: tCCD_S = 2 cannot beat BL/2 = 4 clocks per burst") {
    dram_spec s = preset("ddr4_2400_x64");
    s.ccd_s = 2;
    dram_channel ch(s);
    ch.access(0, 0x000, false, 64);                           // BG0 open
    ch.access(0, 0x040, false, 64);                           // BG1 open
    CHECK(ch.access(100 * ck, 0x000, false, 64) == 120 * ck); // RD @100, bus to 120
    // RD >= max(100 + tCCD_S 2 = 102, bus 120 - CL 16 = 104) = 104, done 124.
    CHECK(ch.access(100 * ck, 0x040, false, 64) == 124 * ck);
  }
}

TEST_CASE("bank groups: tCCD_L in the same group, tCCD_S across groups",
          "[dram][timing]") {
  // Open BG0 and BG1: ACT @0 / RD @16 (done 36); ACT @4 (tRRD_S) / RD @20 (done 40).
  auto setup = [] {
    dram_channel ch = ddr4();
    CHECK(ch.access(0, 0x000, false, 64) == 36 * ck);
    CHECK(ch.access(0, 0x040, false, 64) == 40 * ck);
    // Hit in BG0 at 100: RD @100, done 120.
    CHECK(ch.access(100 * ck, 0x000, false, 64) == 120 * ck);
    return ch;
  };
  SECTION("same bank group") {
    dram_channel ch = setup();
    // RD >= max(100 + tCCD_L 6 = 106, bus free 120 - CL 16 = 104) = 106 -> done 126.
    CHECK(ch.access(100 * ck, 0x100, false, 64) == 126 * ck);
  }
  SECTION("different bank group") {
    dram_channel ch = setup();
    // RD >= max(100 + tCCD_S 4 = 104, bus 104) = 104 -> done 124: the data bus is full.
    CHECK(ch.access(100 * ck, 0x040, false, 64) == 124 * ck);
  }
}

TEST_CASE("tFAW: the fifth ACT waits for the four-activate window", "[dram][timing]") {
  // Reads at time 0 to BG0..BG3 bank 0, then BG0 bank 1.
  // ACTs @0, 4, 8, 12 (tRRD_S); RDs @16, 20, 24, 28 (tRCD, data bus back to back).
  // Fifth ACT >= max(12 + tRRD_S = 16, 0 + tRRD_L = 6, 0 + tFAW 26 = 26) = 26,
  // RD @42, done 42 + 20 = 62. With tFAW = 16 tRRD_S would bind: ACT @16, done 52.
  const uint64_t addrs[5] = {0x000, 0x040, 0x080, 0x0c0, k_bank1};
  const uint64_t expect_first4[4] = {36 * ck, 40 * ck, 44 * ck, 48 * ck};

  dram_channel ch = ddr4();
  for (int i = 0; i < 4; ++i) {
    CHECK(ch.access(0, addrs[i], false, 64) == expect_first4[i]);
  }
  CHECK(ch.access(0, addrs[4], false, 64) == 62 * ck);

  dram_spec loose = preset("ddr4_2400_x64");
  loose.faw = 16;
  dram_channel ch2(loose);
  for (int i = 0; i < 4; ++i) {
    ch2.access(0, addrs[i], false, 64);
  }
  CHECK(ch2.access(0, addrs[4], false, 64) == 52 * ck);
}

TEST_CASE("read-to-write turnaround tRTW", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x000, false, 64);                           // ACT @0, RD @16
  CHECK(ch.access(100 * ck, 0x000, false, 64) == 120 * ck); // hit, RD @100
  // WR >= max(100 + tCCD_L = 106, RD 100 + tRTW 10 = 110, bus 120 - CWL 12 = 108) = 110,
  // done 110 + 12 + 4 = 126.
  CHECK(ch.access(100 * ck, 0x100, true, 64) == 126 * ck);
}

TEST_CASE("write-to-read turnaround tWTR_L / tWTR_S", "[dram][timing]") {
  auto setup = [] {
    dram_channel ch = ddr4();
    ch.access(0, 0x000, false, 64); // BG0: ACT @0, RD @16
    ch.access(0, 0x040, false, 64); // BG1: ACT @4, RD @20
    // WR to BG0 at 100 (tRTW from RD @20 long past): WR @100, data ends 100 + 16 = 116.
    CHECK(ch.access(100 * ck, 0x000, true, 64) == 116 * ck);
    return ch;
  };
  SECTION("same bank group: tWTR_L") {
    dram_channel ch = setup();
    // RD >= max(116 + tWTR_L 9 = 125, 116 + tWTR_S 3 = 119, 100 + tCCD_L = 106) = 125,
    // done 145.
    CHECK(ch.access(100 * ck, 0x100, false, 64) == 145 * ck);
  }
  SECTION("other bank group: tWTR_S") {
    dram_channel ch = setup();
    // RD >= max(116 + 3 = 119, 100 + tCCD_S = 104) = 119, done 139.
    CHECK(ch.access(100 * ck, 0x040, false, 64) == 139 * ck);
  }
}

TEST_CASE("refresh: a request arriving during tRFC waits for its end",
          "[dram][timing][refresh]") {
  SECTION("idle channel") {
    dram_channel ch = ddr4();
    // First refresh due @9360, no bank open: REF 9360..9781. Request arrives @9460:
    // ACT @9781, RD @9797, done 9817.
    CHECK(ch.access(9460 * ck, 0x0, false, 64) == 9817 * ck);
    CHECK(ch.stats().refreshes == 1);
  }
  SECTION("open row is closed by the refresh") {
    dram_channel ch = ddr4();
    ch.access(0, 0x0, false, 64); // row 0 open in BG0 bank0
    // PREA @9360 (tRAS/tRTP long met), REF @9376 (tRP) .. 9797; the row is closed,
    // so the same address is a miss: ACT @9797, RD @9813, done 9833.
    CHECK(ch.access(9460 * ck, 0x0, false, 64) == 9833 * ck);
    const dram_stats s = ch.stats();
    CHECK(s.row_hits == 0);
    CHECK(s.row_misses == 2);
    CHECK(s.precharges == 1);
    CHECK(s.refreshes == 1);
  }
  SECTION("a column command due after the refresh time waits too") {
    dram_channel ch = ddr4();
    // Arrives @9350: its RD would be @9366 >= 9360, so the refresh goes first:
    // REF 9360..9781, ACT @9781, RD @9797, done 9817.
    CHECK(ch.access(9350 * ck, 0x0, false, 64) == 9817 * ck);
  }
  SECTION("just before the refresh, nothing waits") {
    dram_channel ch = ddr4();
    // Arrives @9300: ACT @9300, RD @9316 < 9360, done 9336.
    CHECK(ch.access(9300 * ck, 0x0, false, 64) == 9336 * ck);
  }
}

TEST_CASE("refresh: long idle periods keep the schedule", "[dram][refresh]") {
  dram_channel ch = ddr4();
  // Refreshes are due every 9360 clocks; the 100th at 936000 ends at 936421.
  // A request at 936050 waits for it: ACT @936421, RD @936437, done 936457.
  CHECK(ch.access(936050 * ck, 0x0, false, 64) == 936457 * ck);
  CHECK(ch.stats().refreshes == 100);
  ch.advance_to(10 * 936000 * ck); // 1000th refresh due exactly then
  CHECK(ch.stats().refreshes == 1000);
}

TEST_CASE("multi-burst and unaligned requests", "[dram][timing]") {
  SECTION("256 bytes span four bank groups") {
    dram_channel ch = ddr4();
    // ACTs @0, 4, 8, 12; RDs @16, 20, 24, 28; last beat @48.
    CHECK(ch.access(0, 0x0, false, 256) == 48 * ck);
    CHECK(ch.stats().bursts == 4);
    CHECK(ch.stats().requests == 1);
    CHECK(ch.stats().bytes_read == 256);
  }
  SECTION("64 bytes at 0x20 touch two bursts") {
    dram_channel ch = ddr4();
    // Bursts 0x00 (BG0) and 0x40 (BG1): done @40 as above.
    CHECK(ch.access(0, 0x20, false, 64) == 40 * ck);
    CHECK(ch.stats().bursts == 2);
  }
  SECTION("zero size is rejected") {
    dram_channel ch = ddr4();
    CHECK_THROWS_AS(ch.access(0, 0, false, 0), std::invalid_argument);
  }
}

TEST_CASE("access order changes timing", "[dram][timing]") {
  // Two rows of one bank, two accesses each, all issued at time 0.
  // Interleaved A0 B0 A1 B1: every access after the first is a row conflict.
  // Grouped A0 A1 B0 B1: two misses/conflicts and two hits -> finishes much earlier.
  dram_channel inter = ddr4();
  dram_channel grouped = ddr4();
  uint64_t t_inter = 0;
  uint64_t t_grouped = 0;
  for (uint64_t a : {uint64_t{0x000}, k_row1, uint64_t{0x100}, k_row1 + 0x100}) {
    t_inter = inter.access(0, a, false, 64);
  }
  for (uint64_t a : {uint64_t{0x000}, uint64_t{0x100}, k_row1, k_row1 + 0x100}) {
    t_grouped = grouped.access(0, a, false, 64);
  }
  CHECK(inter.stats().row_conflicts == 3);
  CHECK(grouped.stats().row_conflicts == 1);
  CHECK(grouped.stats().row_hits == 2);
  // Grouped: A0 ACT @0 RD @16; A1 RD @22 (tCCD_L) done 42; B0 PRE @39 (tRAS), ACT @55,
  // RD @71; B1 RD @77 (tCCD_L), done 97.
  CHECK(t_grouped == 97 * ck);
  CHECK(t_inter > t_grouped);
}

TEST_CASE("LPDDR4-3200 row miss", "[dram][timing]") {
  dram_channel ch(preset("lpddr4_3200"));
  // tCK 625 ps: ACT @0, RD @tRCD 29, done 29 + RL 28 + BL16/2 8 = 65 clocks.
  CHECK(ch.access(0, 0x0, false, 64) == 65 * 625);
}

TEST_CASE("energy: DRAMPower-style components from IDD values", "[dram][energy]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64); // one ACT @0, one read burst
  ch.advance_to(100000);        // window 0 .. 100 ns
  dram_stats s = ch.stats();
  // Per device mA * V * ps * 1e-3 = pJ, times 8 devices, VDD 1.2 V.
  // ACT: (48 - 43) mA * tRAS 39 * 833 ps -> 5 * 32487 * 1.2 * 8e-3 = 1559.376 pJ.
  CHECK(s.energy.act_pj == Approx(1559.376));
  // Read: (135 - 43) mA * 4 * 833 ps -> 92 * 3332 * 9.6e-3 = 2942.8224 pJ.
  CHECK(s.energy.read_pj == Approx(2942.8224));
  CHECK(s.energy.pre_pj == 0.0);
  CHECK(s.energy.refresh_pj == 0.0);
  // A bank is open from the ACT at 0 to the end: active standby 43 mA over 100 ns.
  CHECK(s.active_standby_ps == 100000);
  CHECK(s.energy.background_pj == Approx(43.0 * 100000 * 9.6e-3));

  // Run past the first refresh: PREA @9360, REF @9376..9797, idle (all closed) to 10000.
  ch.advance_to(10000 * ck);
  s = ch.stats();
  CHECK(s.refreshes == 1);
  CHECK(s.precharges == 1);
  // PRE: (48 - 34) mA * (tRC - tRAS = 16) * 833 ps -> 14 * 13328 * 9.6e-3 = 1791.2832 pJ.
  CHECK(s.energy.pre_pj == Approx(1791.2832));
  // REF: (250 - 43) mA * 421 * 833 ps -> 207 * 350693 * 9.6e-3 = 696897.1296 pJ.
  CHECK(s.energy.refresh_pj == Approx(696897.1296));
  CHECK(s.active_standby_ps == 9797 * ck);
  CHECK(s.precharge_standby_ps == 203 * ck);
  // 43 mA * 9797 * 833 ps + 34 mA * 203 * 833 ps, times 9.6e-3.
  CHECK(s.energy.background_pj ==
        Approx((43.0 * 9797 * 833 + 34.0 * 203 * 833) * 9.6e-3));
}

TEST_CASE("reset_stats keeps timing state", "[dram][stats]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64);
  ch.reset_stats();
  CHECK(ch.stats().requests == 0);
  CHECK(ch.open_row(0) == 0);
  CHECK(ch.open_row(1) == -1);
  // Still a hit after the reset.
  CHECK(ch.access(120 * ck, 0x100, false, 64) == 140 * ck);
  CHECK(ch.stats().row_hits == 1);
}

// ---------------------------------------------------------------------------------
// Acceptance figures.

TEST_CASE("acceptance: long sequential read stream >= 90% of peak, hits > 95%",
          "[dram][acceptance]") {
  for (const char* standard : {"ddr4_2400_x64", "lpddr4_3200"}) {
    CAPTURE(standard);
    dram_channel ch(preset(standard));
    generator_options g;
    g.kind = pattern::sequential;
    g.count = 400000; // 25.6 MB, ~2 ms of DDR4 time: covers > 200 refreshes
    g.size = 64;
    replay(ch, generate_requests(g), false);
    const dram_stats s = ch.stats();
    CHECK(s.peak_fraction() >= 0.90);
    CHECK(s.peak_fraction() <= 1.0);
    CHECK(s.row_hit_rate() > 0.95);
    CHECK(s.refreshes > 100);
  }
}

TEST_CASE("acceptance: random 64-byte reads over 256 MiB", "[dram][acceptance]") {
  dram_channel ch = ddr4();
  generator_options g;
  g.kind = pattern::random;
  g.count = 100000;
  g.size = 64;
  g.span = uint64_t{256} << 20;
  g.seed = 7;
  // One request outstanding, so latency is the DRAM's, not queueing.
  replay(ch, generate_requests(g), true);
  const dram_stats s = ch.stats();
  CHECK(s.row_hit_rate() < 0.05);
  // Bound: tRP + tRCD + CL + BL/2 = 16 + 16 + 16 + 4 = 52 clocks = 43.316 ns. The mean
  // must lie within [0.95, 1.10] of it: misses after a refresh save tRP, refresh
  // collisions and same-bank tRAS/tRC waits add to it.
  const double bound_ps = 52.0 * ck;
  CHECK(s.avg_latency_ps() >= 0.95 * bound_ps);
  CHECK(s.avg_latency_ps() <= 1.10 * bound_ps);
}

TEST_CASE("data bus is never faster than peak (open-loop random and mixed)",
          "[dram][acceptance]") {
  for (pattern p : {pattern::random, pattern::mixed}) {
    dram_channel ch = ddr4();
    generator_options g;
    g.kind = p;
    g.count = 50000;
    replay(ch, generate_requests(g), false);
    CHECK(ch.stats().peak_fraction() <= 1.0);
    CHECK(ch.stats().peak_fraction() > 0.2);
  }
}

TEST_CASE("two ranks: the activation window is per rank", "[dram][timing]") {
  dram_spec s = preset("ddr4_2400_x64");
  s.ranks = 2; // default mapping puts the rank bit at address bit 33
  // Four ACTs in rank 0 (@0, 4, 8, 12; RDs @16..28, last data @48), then one in rank 1
  // at time 0: no tRRD/tFAW against rank 0, so ACT @0; its RD waits only for the
  // shared column/data path: RD >= max(0 + 16, 28 + tCCD_S = 32, bus 48 - 16 = 32) = 32,
  // done 52. The same fifth ACT in rank 0 gave 62 (tFAW test above).
  dram_channel ch(s);
  for (uint64_t a : {0x000, 0x040, 0x080, 0x0c0}) {
    ch.access(0, a, false, 64);
  }
  CHECK(ch.access(0, uint64_t{1} << 33, false, 64) == 52 * ck);
  CHECK(ch.bank_count() == 32);
  CHECK(ch.open_row(16) == 0); // rank 1, BG0, bank 0
}
