// Exact-timing tests of the DRAM controller and channel. Every expected time is worked
// out by hand from the DDR4-2400 preset (tCK = 833 ps) and written in clock cycles:
//   CL 16, CWL 12, tRCD 16, tRP 16, tRAS 39, tRC 55, tCCD_S 4, tCCD_L 6, tRRD_S 4,
//   tRRD_L 6, tFAW 26, tWR 18, tWTR_S 3, tWTR_L 9, tRTP 9, tRTW 10, tREFI 9360,
//   tRFC 421, tRTRS 1, tXP 8, tCKE 6, BL8 -> 4 clocks of data per 64-byte burst;
//   controller latency 1 clock (a request arriving at clock t has its first command at
//   t + 1 at the earliest); one command per clock.
// Default mapping "offset:3 column:3 bank_group:2 column:7 bank:2 rank row:16":
//   0x000 BG0 bank0 row0, 0x040 BG1, 0x080 BG2, 0x0c0 BG3, 0x100 BG0 (next column),
//   1 << 15 = bank 1, 1 << 17 = row 1 (one rank) or rank 1 (two ranks).
#include <catch2/catch.hpp>

#include "dram_channel.h"
#include "dram_trace.h"

using namespace dwvp::dram;
using Catch::Matchers::Contains;

namespace {

constexpr uint64_t ck = 833; // ps per DDR4-2400 clock
constexpr uint64_t k_bank1 = 1u << 15;
constexpr uint64_t k_row1 = 1u << 17;

dram_channel ddr4(controller_params p = {}) {
  const dram_spec s = preset("ddr4_2400_x64");
  return dram_channel(s, address_mapping::default_for(s), p);
}

dram_spec two_ranks() {
  dram_spec s = preset("ddr4_2400_x64");
  s.ranks = 2;
  return s;
}

} // namespace

TEST_CASE("isolated reads: hit, closed bank, conflict (JEDEC count + controller clock)",
          "[dram][timing]") {
  dram_channel ch = ddr4();
  // Closed: ACT @1, RD @1 + tRCD = 17, last beat @17 + CL + 4 = 37.
  CHECK(ch.access(0, 0x0, false, 64) == 37 * ck);
  // Hit @200: RD @201, done 221: 1 + CL + 4 = 21 clocks.
  CHECK(ch.access(200 * ck, 0x0, false, 64) == 221 * ck);
  // Conflict @300: PRE @301, ACT @317, RD @333, done 353: 1 + tRP + tRCD + CL + 4 = 53.
  CHECK(ch.access(300 * ck, k_row1, false, 64) == 353 * ck);
  const dram_stats s = ch.stats();
  CHECK(s.row_misses == 1);
  CHECK(s.row_hits == 1);
  CHECK(s.row_conflicts == 1);
  CHECK(s.activates == 2);
  CHECK(s.precharges == 1);
  CHECK(s.max_latency_ps == 53 * ck);
  CHECK(s.latency_percentile_ps(0.5) == 37 * ck);
}

TEST_CASE("controller latency is a parameter", "[dram][timing]") {
  controller_params p;
  p.latency = 3;
  dram_channel ch = ddr4(p);
  CHECK(ch.access(0, 0x0, false, 64) == 39 * ck); // ACT @3
  p.latency = 0;
  dram_channel ch0 = ddr4(p);
  CHECK(ch0.access(0, 0x0, false, 64) == 36 * ck); // ACT @0
}

TEST_CASE("writes are posted and drain when no read is queued", "[dram][timing]") {
  dram_channel ch = ddr4();
  // Accepted @0, complete one controller clock later.
  CHECK(ch.access(0, 0x0, true, 64) == 1 * ck);
  ch.drain();
  // ACT @1, WR @17, data 29..33.
  CHECK(ch.stats().last_done_ps == 33 * ck);
  CHECK(ch.stats().write_bursts == 1);
}

TEST_CASE("FR-FCFS: a younger row hit goes before an older conflict", "[dram][timing]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64); // row 0 open in BG0 bank 0: ACT @1, RD @17
  const uint64_t older = ch.submit(0, 100 * ck, k_row1, false, 64);  // conflict
  const uint64_t younger = ch.submit(0, 100 * ck, 0x100, false, 64); // hit
  // The hit issues first: RD @101, done 121. The conflict may not close the row while
  // the hit is queued; then PRE @ max(102, RD 101 + tRTP 9 = 110) = 110, ACT @126,
  // RD @142, done 162.
  CHECK(ch.completion(older).done_ps == 162 * ck);
  CHECK(ch.completion(younger).done_ps == 121 * ck);
  CHECK(ch.stats().row_hits == 1);
  CHECK(ch.stats().row_conflicts == 1);
}

TEST_CASE("banks work in parallel under tRRD, tCCD and the data bus", "[dram][timing]") {
  SECTION("other bank group: tRRD_S, tCCD_S") {
    dram_channel ch = ddr4();
    const uint64_t a = ch.submit(0, 0, 0x000, false, 64);
    const uint64_t b = ch.submit(0, 0, 0x040, false, 64);
    // ACT A @1, ACT B @1 + 4 = 5; RD A @17, RD B @21; done 37 and 41.
    CHECK(ch.completion(a).done_ps == 37 * ck);
    CHECK(ch.completion(b).done_ps == 41 * ck);
  }
  SECTION("same bank group: tRRD_L, tCCD_L") {
    dram_channel ch = ddr4();
    const uint64_t a = ch.submit(0, 0, 0x000, false, 64);
    const uint64_t b = ch.submit(0, 0, k_bank1, false, 64);
    // ACT B @1 + 6 = 7, RD B @ max(23, 17 + 6) = 23, done 43.
    CHECK(ch.completion(a).done_ps == 37 * ck);
    CHECK(ch.completion(b).done_ps == 43 * ck);
  }
  SECTION("tFAW: the fifth activate waits for the window") {
    dram_channel ch = ddr4();
    const uint64_t addrs[5] = {0x000, 0x040, 0x080, 0x0c0, k_bank1};
    uint64_t t[5];
    for (int i = 0; i < 5; ++i)
      t[i] = ch.submit(0, 0, addrs[i], false, 64);
    // ACTs @1, 5, 9, 13; the fifth (BG0 again) @ max(17, 1 + tFAW 26) = 27. RDs @17,
    // 21, 25, 29 and @27 + 16 = 43; done 37, 41, 45, 49, 63.
    const uint64_t expect[5] = {37, 41, 45, 49, 63};
    for (int i = 0; i < 5; ++i)
      CHECK(ch.completion(t[i]).done_ps == expect[i] * ck);
  }
}

TEST_CASE("read after write: tWTR; write after read: tRTW", "[dram][timing]") {
  SECTION("write then read, same bank group") {
    dram_channel ch = ddr4();
    ch.access(0, 0x000, true, 64);
    ch.drain(); // ACT @1, WR @17, data ends @33
    // RD (hit, BG0) @ max(101, ...) = 101: tWTR long met. done 121.
    CHECK(ch.access(100 * ck, 0x100, false, 64) == 121 * ck);
  }
  SECTION("read and write queued together: the read first, then the write") {
    dram_channel ch = ddr4();
    const uint64_t w = ch.submit(0, 0, 0x000, true, 64);
    const uint64_t r = ch.submit(0, 0, 0x040, false, 64);
    CHECK(ch.completion(w).done_ps == 1 * ck); // posted
    // Read mode first: ACT BG1 @1, RD @17, done 37.
    CHECK(ch.completion(r).done_ps == 37 * ck);
    ch.drain();
    // Then the write: ACT BG0 @18 (tRRD_S from 1 met), WR @ max(34, RD 17 + tRTW 10)
    // = 34, data 46..50.
    CHECK(ch.stats().last_done_ps == 50 * ck);
  }
}

TEST_CASE("write queue: watermarks switch between reads and writes", "[dram][timing]") {
  controller_params p;
  p.write_high = 4;
  p.write_low = 1;
  SECTION("below the high watermark writes wait for the reads") {
    dram_channel ch = ddr4(p);
    for (uint64_t k = 1; k <= 3; ++k)
      ch.submit(0, 0, k * 0x100, true, 64); // BG0 bank0 row0, columns 1..3
    const uint64_t r = ch.submit(0, 0, k_bank1, false, 64); // BG0 bank1
    CHECK(ch.completion(r).done_ps == 37 * ck);             // as if alone
    ch.drain();
    // Writes after the read: ACT @18, WRs @34 (tRCD), 40, 46 (tCCD_L); last data 62.
    CHECK(ch.stats().last_done_ps == 62 * ck);
  }
  SECTION("at the high watermark the writes go first") {
    dram_channel ch = ddr4(p);
    for (uint64_t k = 1; k <= 4; ++k)
      ch.submit(0, 0, k * 0x100, true, 64);
    const uint64_t r = ch.submit(0, 0, 0x040, false, 64); // BG1
    // Write mode: ACT @1, WRs @17, 23, 29. After the third, one write is left (= low
    // watermark) and a read waits: read mode. ACT BG1 @30, RD @ max(46, end of write
    // data 29 + 12 + 4 = 45 + tWTR_S 3 = 48) = 48, done 68.
    CHECK(ch.completion(r).done_ps == 68 * ck);
  }
}

TEST_CASE("a source's window limits its requests in flight", "[dram][timing]") {
  dram_channel ch = ddr4();
  const uint32_t src = ch.add_source(2);
  uint64_t t[4];
  const uint64_t addrs[4] = {0x000, 0x040, 0x080, 0x0c0};
  for (int i = 0; i < 4; ++i)
    t[i] = ch.submit(src, 0, addrs[i], false, 64);
  // A: ACT @1, RD @17, done 37. B: ACT @5, RD @21, done 41. C enters when A completes
  // (@37): ACT @38, RD @54, done 74. D when B completes (@41): ACT @42, RD @58, done 78.
  const uint64_t expect[4] = {37, 41, 74, 78};
  for (int i = 0; i < 4; ++i)
    CHECK(ch.completion(t[i]).done_ps == expect[i] * ck);
  // Latency counts from the window slot: 37, 41, 37 (74 - 37), 37 (78 - 41).
  CHECK(ch.stats().max_latency_ps == 41 * ck);
  CHECK(ch.stats().total_latency_ps == (37 + 41 + 37 + 37) * ck);
}

TEST_CASE("refresh per rank", "[dram][timing][refresh]") {
  SECTION("a request at the refresh time waits for tRFC") {
    dram_channel ch = ddr4();
    // Refresh due @9360, all banks closed: REF @9360 .. 9781; ACT @9781, RD @9797,
    // done 9817.
    CHECK(ch.access(9360 * ck, 0x0, false, 64) == 9817 * ck);
    CHECK(ch.stats().refreshes == 1);
  }
  SECTION("an open row is precharged first") {
    dram_channel ch = ddr4();
    ch.access(0, 0x0, false, 64);
    // PREA @9360, REF @9376 .. 9797; the row is closed: ACT @9797, RD @9813, done 9833.
    CHECK(ch.access(9400 * ck, 0x0, false, 64) == 9833 * ck);
    CHECK(ch.stats().precharges == 1);
    CHECK(ch.stats().row_misses == 2);
  }
  SECTION("idle ranks keep the schedule; two ranks refresh twice as often") {
    dram_channel one = ddr4();
    one.advance_to(100 * 9360 * ck);
    CHECK(one.stats().refreshes == 100);
    dram_channel two(two_ranks());
    two.advance_to(100 * 9360 * ck);
    // Rank 1 is staggered by half an interval: due @14040, ..., 99 by 936000.
    CHECK(two.stats().refreshes == 199);
    const dram_stats s1 = one.stats(), s2 = two.stats();
    CHECK(s2.energy.refresh_pj == Approx(s1.energy.refresh_pj * 199 / 100));
    CHECK(s2.energy.background_pj == Approx(2 * s1.energy.background_pj));
  }
  SECTION("per-bank refresh (LPDDR4) blocks one bank at a time") {
    const dram_spec lp = preset("lpddr4_3200");
    controller_params p;
    p.refresh = refresh_mode::per_bank;
    dram_channel ch(lp, address_mapping::default_for(lp), p);
    ch.advance_to(uint64_t(lp.refi) * lp.tck_ps);
    CHECK(ch.stats().refreshes == 8); // tREFIpb 780: due @780, ..., 6240
    dram_channel ab(lp);
    ab.advance_to(uint64_t(lp.refi) * lp.tck_ps);
    CHECK(ab.stats().refreshes == 1);
    CHECK(ch.stats().energy.refresh_pj < ab.stats().energy.refresh_pj);
  }
  SECTION("per-bank refresh needs a spec that has it") {
    controller_params p;
    p.refresh = refresh_mode::per_bank;
    CHECK_THROWS_WITH(ddr4(p), Contains("refresh"));
  }
}

TEST_CASE("two ranks: rank switch on the data bus, tFAW per rank", "[dram][timing]") {
  const dram_spec s = two_ranks();
  dram_channel ch(s);
  const uint64_t k_rank1 = 1u << 17;
  const uint64_t a = ch.submit(0, 0, 0x000, false, 64);
  const uint64_t b = ch.submit(0, 0, k_rank1, false, 64);
  // ACT rank 0 @1, ACT rank 1 @2 (no tRRD across ranks); RD @17, RD rank 1 needs its
  // data after rank 0's (33..37) and tRTRS: data from 38, RD @22, done 42.
  CHECK(ch.completion(a).done_ps == 37 * ck);
  CHECK(ch.completion(b).done_ps == 42 * ck);
}

TEST_CASE("power-down after an idle timeout", "[dram][power]") {
  controller_params p;
  p.powerdown_idle = 100;
  dram_channel ch = ddr4(p);
  ch.access(0, 0x0, false, 64); // done 37: the rank's last activity
  // Powered down (bank open: active power-down) from 137 until the request @1000;
  // exit takes tXP: RD @1008, done 1028.
  CHECK(ch.access(1000 * ck, 0x0, false, 64) == 1028 * ck);
  ch.advance_to(1028 * ck);
  const dram_stats s = ch.stats();
  CHECK(s.powerdowns == 1);
  CHECK(s.active_powerdown_ps == (1000 - 137) * ck);
  CHECK(s.active_standby_ps + s.active_powerdown_ps + s.precharge_standby_ps +
            s.precharge_powerdown_ps ==
        1028 * ck);
  dram_channel awake = ddr4();
  awake.access(0, 0x0, false, 64);
  CHECK(awake.access(1000 * ck, 0x0, false, 64) == 1021 * ck);
  awake.advance_to(1028 * ck);
  CHECK(s.energy.background_pj < awake.stats().energy.background_pj);
}

TEST_CASE("energy: components from IDD values, sum equals total", "[dram][energy]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64);
  ch.access(100 * ck, 0x0, true, 64);
  ch.access(200 * ck, k_row1, false, 64);
  ch.advance_to(1000 * ck);
  const dram_stats s = ch.stats();
  const dram_spec p = preset("ddr4_2400_x64");
  const double scale = 1e-3 * p.vdd * 8; // mA * V * ps -> pJ, 8 devices
  CHECK(s.energy.act_pj == Approx(2 * (48.0 - 43.0) * 39 * ck * scale));
  CHECK(s.energy.pre_pj == Approx(1 * (48.0 - 34.0) * 16 * ck * scale));
  CHECK(s.energy.read_pj == Approx(2 * (135.0 - 43.0) * 4 * ck * scale));
  CHECK(s.energy.write_pj == Approx(1 * (123.0 - 43.0) * 4 * ck * scale));
  // Open from ACT @1 to PRE @201 and from ACT @217 on: active 984 clocks, 16 closed.
  CHECK(s.active_standby_ps == (1000 - 1 - 16) * ck);
  CHECK(s.precharge_standby_ps == 17 * ck);
  CHECK(s.energy.background_pj == Approx((43.0 * 983 + 34.0 * 17) * ck * scale));
  CHECK(s.energy.total_pj() ==
        Approx(s.energy.act_pj + s.energy.pre_pj + s.energy.read_pj + s.energy.write_pj +
               s.energy.refresh_pj + s.energy.background_pj));
}

TEST_CASE("multi-burst and unaligned requests", "[dram][timing]") {
  dram_channel ch = ddr4();
  // 256 bytes: four bank groups. ACTs @1, 5, 9, 13; RDs @17, 21, 25, 29; last beat 49.
  CHECK(ch.access(0, 0x0, false, 256) == 49 * ck);
  CHECK(ch.stats().bursts == 4);
  CHECK(ch.stats().requests == 1);
  CHECK(ch.stats().bytes_read == 256);
  dram_channel u = ddr4();
  CHECK(u.access(0, 0x20, false, 64) == 41 * ck); // bursts 0x00 and 0x40
  CHECK(u.stats().bursts == 2);
}

TEST_CASE("errors are reported, not asserted", "[dram][errors]") {
  dram_channel ch = ddr4();
  CHECK_THROWS_WITH(ch.access(0, 0, false, 0), Contains("size_bytes"));
  CHECK_THROWS_WITH(ch.submit(7, 0, 0, false, 64), Contains("source 7"));
  CHECK_THROWS_WITH(ch.completion(42), Contains("ticket 42"));
  const uint64_t t = ch.submit(0, 0, 0, false, 64);
  ch.completion(t);
  CHECK_THROWS_WITH(ch.completion(t), Contains("already asked"));
  controller_params p;
  p.write_low = 30;
  p.write_high = 24;
  CHECK_THROWS_WITH(ddr4(p), Contains("write_low"));
  p = {};
  p.read_queue = 0;
  CHECK_THROWS_WITH(ddr4(p), Contains("read_queue"));
}

TEST_CASE("reset_stats keeps timing state", "[dram][stats]") {
  dram_channel ch = ddr4();
  ch.access(0, 0x0, false, 64);
  ch.reset_stats();
  CHECK(ch.stats().requests == 0);
  // The row is still open: a hit.
  CHECK(ch.access(100 * ck, 0x0, false, 64) == 121 * ck);
  CHECK(ch.stats().row_hits == 1);
  CHECK(ch.open_row(0) == 0);
  CHECK(ch.open_row(1) == -1);
}

// Bandwidth figures of docs/dram.md, on shorter traces (the bench runs the long ones).
TEST_CASE("acceptance: bandwidth of the scheduler", "[dram][acceptance]") {
  generator_options g;
  g.count = 100000;
  g.size = 64;
  g.span = uint64_t{256} << 20;
  SECTION("sequential, bank groups interleaved per burst: >= 93 %") {
    dram_channel ch = ddr4();
    g.kind = pattern::sequential;
    replay(ch, generate_requests(g), 0);
    CHECK(ch.stats().peak_fraction() >= 0.93);
    CHECK(ch.stats().peak_fraction() <= 1.0);
  }
  SECTION("random 64 B reads, DDR4-2400 two ranks: >= 80 %") {
    dram_channel ch(two_ranks());
    g.kind = pattern::random;
    replay(ch, generate_requests(g), 0);
    CHECK(ch.stats().peak_fraction() >= 0.80);
    CHECK(ch.stats().row_hit_rate() < 0.05);
  }
  SECTION("random 64 B reads, LPDDR4-3200: >= 40 %") {
    dram_channel ch(preset("lpddr4_3200"));
    g.kind = pattern::random;
    replay(ch, generate_requests(g), 0);
    CHECK(ch.stats().peak_fraction() >= 0.40);
  }
  SECTION("one request outstanding: random latency is the conflict or miss count") {
    dram_channel ch = ddr4();
    g.kind = pattern::random;
    g.count = 20000;
    replay(ch, generate_requests(g), 1);
    // Between a miss (37) and a conflict (53) plus the refreshes: one tRP + tRFC = 437
    // clocks per tREFI (9360 clocks, at least 9360 / 53 requests) adds at most 2.5.
    const double avg_ck = ch.stats().avg_latency_ps() / double(ck);
    CHECK(avg_ck >= 37.0);
    CHECK(avg_ck <= 53.0 + 437.0 * 53.0 / 9360.0);
  }
}
