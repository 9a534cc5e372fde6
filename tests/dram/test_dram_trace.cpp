// Trace parsing, generators and replay.
#include <catch2/catch.hpp>

#include <sstream>

#include "dram_trace.h"

using namespace dwvp::dram;
using Catch::Matchers::Contains;

TEST_CASE("trace lines: valid forms", "[dram][trace]") {
  trace_request r;
  REQUIRE(parse_trace_line("10 0x40 R 64", r));
  CHECK(r.time_ps == 10000);
  CHECK(r.address == 0x40);
  CHECK_FALSE(r.is_write);
  CHECK(r.size == 64);

  REQUIRE(parse_trace_line("  12.5\t256 w 128   # trailing comment", r));
  CHECK(r.time_ps == 12500);
  CHECK(r.address == 256);
  CHECK(r.is_write);
  CHECK(r.size == 128);

  REQUIRE(parse_trace_line("0.0015 0xFFFFffff R 1", r));
  CHECK(r.time_ps == 2); // 1.5 ps rounds to 2
  CHECK(r.address == 0xffffffffull);
  REQUIRE(parse_trace_line("3.001 0x0 R 1", r));
  CHECK(r.time_ps == 3001);
  REQUIRE(parse_trace_line(".5 0 R 1", r));
  CHECK(r.time_ps == 500);

  CHECK_FALSE(parse_trace_line("", r));
  CHECK_FALSE(parse_trace_line("   \t", r));
  CHECK_FALSE(parse_trace_line("# 1 0x0 R 64", r));
}

TEST_CASE("trace lines: errors name the column", "[dram][trace][error]") {
  trace_request r;
  CHECK_THROWS_AS(parse_trace_line("10 0x40 X 64", r), std::invalid_argument);
  CHECK_THROWS_WITH(parse_trace_line("10 0x40 X 64", r), Contains("command 'X'"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x4g R 64", r), Contains("address '0x4g'"));
  CHECK_THROWS_WITH(parse_trace_line("10 -4 R 64", r), Contains("address '-4'"));
  CHECK_THROWS_WITH(parse_trace_line("1e3 0x0 R 64", r), Contains("time '1e3'"));
  CHECK_THROWS_WITH(parse_trace_line("abc 0x0 R 64", r), Contains("time 'abc'"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x0 R 0", r), Contains("size"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x0 R 6x", r), Contains("size '6x'"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x0 R", r), Contains("expected 4 fields"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x0 R 64 9", r), Contains("extra field '9'"));
  CHECK_THROWS_WITH(parse_trace_line("10 0x10000000000000000 R 64", r),
                    Contains("64 bits"));
}

TEST_CASE("read_trace reports file and line", "[dram][trace][error]") {
  std::istringstream good("# header\n0 0x0 R 64\n\n5 0x40 W 64\n");
  const auto reqs = read_trace(good, "good.trc");
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].time_ps == 5000);
  CHECK(reqs[1].is_write);

  std::istringstream bad("0 0x0 R 64\n# ok\n5 0x40 Q 64\n");
  CHECK_THROWS_AS(read_trace(bad, "bad.trc"), std::runtime_error);
  std::istringstream bad2("0 0x0 R 64\n# ok\n5 0x40 Q 64\n");
  CHECK_THROWS_WITH(read_trace(bad2, "bad.trc"), Contains("bad.trc:3: command 'Q'"));
}

TEST_CASE("generators are deterministic and stay in the span", "[dram][trace]") {
  generator_options g;
  g.kind = pattern::random;
  g.count = 1000;
  g.span = 1 << 20;
  g.seed = 42;
  const auto a = generate_requests(g);
  const auto b = generate_requests(g);
  REQUIRE(a.size() == 1000);
  bool same = true;
  for (size_t i = 0; i < a.size(); ++i) {
    same = same && a[i].address == b[i].address;
    CHECK(a[i].address < g.span);
    CHECK(a[i].address % 64 == 0);
  }
  CHECK(same);

  g.kind = pattern::sequential;
  g.count = 3;
  g.interval_ps = 1000;
  const auto s = generate_requests(g);
  CHECK(s[2].address == 128);
  CHECK(s[2].time_ps == 2000);

  g.kind = pattern::mixed;
  g.count = 1000;
  int writes = 0;
  for (const auto& r : generate_requests(g)) {
    writes += r.is_write;
    CHECK(r.address < g.span);
  }
  CHECK(writes > 200);
  CHECK(writes < 400);

  CHECK_THROWS_WITH(pattern_from_string("stride"), Contains("stride"));
}

TEST_CASE("closed-loop replay issues after the previous completion", "[dram][trace]") {
  dram_channel ch(preset("ddr4_2400_x64"));
  // Row miss: ACT @1, RD @17, done @37. The next (hit, 0x100) leaves the initiator
  // @37: RD @38, done @58, latency 21.
  const std::vector<trace_request> reqs = {{0, 0x0, false, 64}, {0, 0x100, false, 64}};
  CHECK(replay(ch, reqs, 1) == 58 * 833);
  CHECK(ch.stats().max_latency_ps == 37 * 833);
  CHECK(ch.stats().total_latency_ps == (37 + 21) * 833);
}

TEST_CASE("generators: interleaved streams and 2D tiles", "[dram][trace]") {
  generator_options g;
  g.kind = pattern::streams;
  g.streams = 4;
  g.count = 8;
  g.span = 1 << 20;
  const auto s = generate_requests(g);
  // Stream j reads from j x 256 KiB on, one request each in turn.
  CHECK(s[0].address == 0);
  CHECK(s[1].address == 256 * 1024);
  CHECK(s[3].address == 3 * 256 * 1024);
  CHECK(s[4].address == 64);
  CHECK(s[7].address == 3 * 256 * 1024 + 64);

  g.kind = pattern::tile;
  g.tile_row_bytes = 128;
  g.tile_rows = 2;
  g.tile_stride = 1024;
  g.count = 6;
  const auto t = generate_requests(g);
  // Tile 0: row 0 (0, 64), row 1 (1024, 1088); tile 1 starts at 128.
  const uint64_t expect[6] = {0, 64, 1024, 1088, 128, 192};
  for (int i = 0; i < 6; ++i)
    CHECK(t[i].address == expect[i]);

  g.tile_row_bytes = 100; // not a multiple of the request size
  CHECK_THROWS_WITH(generate_requests(g), Contains("tile"));
  g.kind = pattern::streams;
  g.streams = 0;
  CHECK_THROWS_WITH(generate_requests(g), Contains("streams"));
  CHECK(pattern_from_string("tile") == pattern::tile);
}
