// The scheduler's cached next-command search against the plain definition of the
// policy. dram_channel normally keeps, per kind of command (column, ACT, PRE), the
// earliest candidate and recomputes only the banks and bounds that changed;
// set_reference_scheduler(true) instead makes every decision by a fresh pass over every
// bank with queued requests. Both channels replay the same requests and must issue the
// same commands (ACT, PRE, RD, WR) to the same banks at the same picoseconds, and give
// the same statistics. No expected value here comes from the code under test's output:
// the reference is the expectation.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "dram_channel.h"
#include "dram_trace.h"

using namespace dwvp::dram;

namespace {

struct command {
  char kind; // A(CT), P(RE), R(D), W(R)
  uint32_t bank;
  uint64_t ps;
  bool operator==(const command& o) const {
    return kind == o.kind && bank == o.bank && ps == o.ps;
  }
};

struct run_result {
  std::vector<command> commands;
  std::vector<uint64_t> times; // completion times of kept requests (SoC-like runs)
  dram_stats stats;
  int level = 0; // search level used (dram_channel::search_level)
};

void observe(dram_channel& ch, std::vector<command>& out) {
  ch.set_command_observer([&out](uint32_t bank, int64_t row, uint64_t ps) {
    out.push_back({row < 0 ? 'P' : 'A', bank, ps});
  });
  ch.set_column_observer([&out](uint32_t bank, bool is_write, uint64_t ps) {
    out.push_back({is_write ? 'W' : 'R', bank, ps});
  });
}

run_result replay_with(const dram_spec& spec, const address_mapping& map,
                       const controller_params& params,
                       const std::vector<trace_request>& requests, uint32_t window,
                       bool reference, int level = -1) {
  run_result r;
  dram_channel ch(spec, map, params);
  ch.set_reference_scheduler(reference);
  r.level = level >= 0 ? int(ch.set_search_level(dram_channel::search_level(level)))
                       : int(ch.get_search_level()); // else the CPU's default
  observe(ch, r.commands);
  replay(ch, requests, window);
  ch.advance_to(ch.stats().last_done_ps + 20'000'000); // an idle tail with refreshes
  r.stats = ch.stats();
  return r;
}

// Two windowed sources and source 0, completions asked as a DMA would, snapshots.
run_result soc_like(const dram_spec& spec, bool reference) {
  run_result r;
  dram_channel ch(spec);
  ch.set_reference_scheduler(reference);
  observe(ch, r.commands);
  const uint32_t rd = ch.add_source(8), wr = ch.add_source(8);
  uint64_t x = 12345, t = 0;
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 3000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t addr = (x >> 20) % (uint64_t{64} << 20);
    const bool is_write = (x >> 13) % 3 == 0;
    t += (x >> 40) % 40000;
    if ((x >> 7) % 17 == 0) {
      r.times.push_back(ch.access(t, addr, is_write, 64));
      continue;
    }
    tickets.push_back(
        ch.submit(is_write ? wr : rd, t, addr, is_write, 64u << ((x >> 50) % 3)));
    if (tickets.size() >= 24) {
      for (const uint64_t k : tickets)
        r.times.push_back(ch.completion(k).done_ps);
      tickets.clear();
      ch.advance_to(t);
    }
  }
  for (const uint64_t k : tickets)
    r.times.push_back(ch.completion(k).done_ps);
  ch.drain();
  r.stats = ch.stats();
  return r;
}

void require_same(const run_result& fast, const run_result& ref,
                  const std::string& what) {
  INFO(what);
  REQUIRE(!ref.commands.empty());
  size_t first = 0;
  while (first < fast.commands.size() && first < ref.commands.size() &&
         fast.commands[first] == ref.commands[first])
    ++first;
  INFO("first difference at command " << first << " of " << ref.commands.size());
  REQUIRE(fast.commands.size() == ref.commands.size());
  REQUIRE(first == ref.commands.size());
  REQUIRE(fast.times == ref.times);
  const dram_stats &a = fast.stats, &b = ref.stats;
  CHECK(a.requests == b.requests);
  CHECK(a.row_hits == b.row_hits);
  CHECK(a.refreshes == b.refreshes);
  CHECK(a.powerdowns == b.powerdowns);
  CHECK(a.total_latency_ps == b.total_latency_ps);
  CHECK(a.max_latency_ps == b.max_latency_ps);
  CHECK(a.last_done_ps == b.last_done_ps);
  CHECK(a.latency_histogram == b.latency_histogram);
  CHECK(a.energy.total_pj() == b.energy.total_pj());
}

} // namespace

TEST_CASE("scheduler: cached search issues the reference's commands",
          "[dram][scheduler]") {
  struct setup {
    const char* name;
    const char* standard;
    uint32_t ranks;
  };
  const setup specs[] = {
      {"ddr4 1 rank", "ddr4_2400_x64", 1},
      {"ddr4 2 ranks", "ddr4_2400_x64", 2},
      {"lpddr4", "lpddr4_3200", 1},
  };
  const pattern patterns[] = {pattern::sequential, pattern::random, pattern::tile,
                              pattern::mixed, pattern::streams};
  const char* pattern_names[] = {"sequential", "random", "tile", "mixed", "streams"};
  struct variant {
    const char* name;
    controller_params params;
    bool lpddr4_only;
  };
  std::vector<variant> variants;
  variants.push_back({"defaults", controller_params{}, false});
  {
    controller_params p;
    p.read_queue = 6;
    p.write_queue = 5;
    p.write_high = 3;
    p.write_low = 1;
    variants.push_back({"small queues", p, false});
  }
  {
    controller_params p;
    p.powerdown_idle = 7;
    p.latency = 0;
    variants.push_back({"power-down, no controller clock", p, false});
  }
  {
    controller_params p;
    p.refresh = refresh_mode::per_bank;
    variants.push_back({"per-bank refresh", p, true});
  }
  int checked = 0;
  bool kinds_seen[4] = {false, false, false, false};
  for (const setup& s : specs) {
    dram_spec spec = preset(s.standard);
    spec.ranks = s.ranks;
    for (const variant& v : variants) {
      if (v.lpddr4_only && std::string(s.standard) != "lpddr4_3200")
        continue;
      for (int mapping = 0; mapping < 2; ++mapping) {
        const address_mapping map =
            mapping
                ? address_mapping::parse("offset column bank_group bank rank row", spec)
                : address_mapping::default_for(spec);
        for (size_t p = 0; p < 5; ++p) {
          for (const uint32_t window : {0u, 1u, 16u, 64u}) {
            generator_options g;
            g.kind = patterns[p];
            g.count = 1500;
            g.seed = 3 + uint64_t(checked);
            g.interval_ps = window == 0 ? 2500 : 0; // open loop: a request per 2.5 ns
            const auto requests = generate_requests(g);
            const std::string what = std::string(s.name) + ", " + v.name + ", " +
                                     (mapping ? "row-in-bank-group" : "default") +
                                     " mapping, " + pattern_names[p] + ", window " +
                                     std::to_string(window);
            const run_result ref =
                replay_with(spec, map, v.params, requests, window, true);
            const run_result fast =
                replay_with(spec, map, v.params, requests, window, false);
            require_same(fast, ref, what);
            for (const command& c : ref.commands)
              kinds_seen[c.kind == 'A'   ? 0
                         : c.kind == 'P' ? 1
                         : c.kind == 'R' ? 2
                                         : 3] = true;
            ++checked;
          }
        }
      }
    }
  }
  CHECK(checked == 3 * 3 * 2 * 5 * 4 + 1 * 2 * 5 * 4);
  // The workloads exercise every command.
  CHECK((kinds_seen[0] && kinds_seen[1] && kinds_seen[2] && kinds_seen[3]));
  for (const setup& s : specs) {
    dram_spec spec = preset(s.standard);
    spec.ranks = s.ranks;
    require_same(soc_like(spec, false), soc_like(spec, true),
                 std::string("SoC-like, ") + s.name);
  }
}

TEST_CASE("scheduler: switching to the reference mid-run changes nothing",
          "[dram][scheduler]") {
  // The caches are rebuilt when the switch is made; a run that switches every few
  // hundred requests issues what the reference alone issues, with the same submissions.
  const dram_spec spec = preset("ddr4_2400_x64");
  generator_options g;
  g.kind = pattern::mixed;
  g.count = 3000;
  const auto requests = generate_requests(g);
  const auto run = [&](bool switching) {
    run_result r;
    dram_channel ch(spec);
    ch.set_reference_scheduler(true);
    observe(ch, r.commands);
    const uint32_t src = ch.add_source(64);
    for (size_t i = 0; i < requests.size(); ++i) {
      const trace_request& q = requests[i];
      ch.submit(src, q.time_ps, q.address, q.is_write, q.size, false);
      if (i % 300 == 299) {
        ch.serve_until(64);
        if (switching)
          ch.set_reference_scheduler((i / 300) % 2 == 1);
      }
    }
    ch.drain();
    r.stats = ch.stats();
    return r;
  };
  require_same(run(true), run(false), "mixed, switching every 300 requests");
}

TEST_CASE("scheduler: one queued burst (fast path) and back, against the reference",
          "[dram][scheduler]") {
  // With a single burst in the current queue the scheduler takes its bank's candidate
  // directly and leaves the per-kind caches to be rebuilt (choose_single). Traffic that
  // alternates between one request in flight and bursts of many moves in and out of
  // that path; with reads and writes both queues do.
  for (const char* standard : {"ddr4_2400_x64", "lpddr4_3200"}) {
    const dram_spec spec = preset(standard);
    std::vector<trace_request> requests;
    uint64_t x = 99, t = 0;
    for (int i = 0; i < 4000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const bool burst = (i / 50) % 3 == 2; // 50 back to back, then 100 spaced out
      t += burst ? 0 : 150'000 + (x >> 50) % 100'000;
      const uint64_t addr = (x >> 24) % (uint64_t{64} << 20) & ~uint64_t{63};
      requests.push_back({t, addr, (x >> 17) % 4 == 0, 64});
    }
    const controller_params params;
    const address_mapping map = address_mapping::default_for(spec);
    const run_result ref = replay_with(spec, map, params, requests, 0, true);
    const run_result fast = replay_with(spec, map, params, requests, 0, false);
    require_same(fast, ref, std::string("alternating load, ") + standard);
    const run_result ref1 = replay_with(spec, map, params, requests, 1, true);
    const run_result fast1 = replay_with(spec, map, params, requests, 1, false);
    require_same(fast1, ref1, std::string("one in flight, ") + standard);
  }
}

TEST_CASE("scheduler: bursts piling up in few banks and rows, against the reference",
          "[dram][scheduler]") {
  // An admission changes its bank's candidate only if the bank had nothing queued or
  // the burst is the bank's first hit (a younger burst behind a conflicting head that
  // hits the open row); otherwise the cached candidate stands. Many bursts to four
  // banks and three rows each keep the banks' queues long, with hits arriving behind
  // conflicts, in both queues, open loop and windowed, at default and tiny queue depths.
  const dram_spec spec = preset("ddr4_2400_x64");
  const address_mapping map =
      address_mapping::parse("offset column bank_group bank rank row", spec);
  std::vector<trace_request> requests;
  uint64_t x = 4242, t = 0;
  for (int i = 0; i < 4000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t bank = (x >> 30) % 4 * 5; // bank g of group g, g = 0..3
    const uint64_t row = (x >> 40) % 3;
    const uint64_t column = (x >> 50) % 128;
    t += (x >> 20) % 8 == 0 ? 40'000 : 0;
    requests.push_back({t, row << 17 | bank << 13 | column << 6, (x >> 17) % 4 == 0, 64});
  }
  // The bursts land where intended: four banks (one per group), three rows.
  for (size_t i = 0; i < 50; ++i) {
    const dram_address a = map.decode(requests[i].address);
    REQUIRE(a.bank == a.bank_group);
    REQUIRE(a.row <= 2);
  }
  controller_params tiny;
  tiny.read_queue = 6;
  tiny.write_queue = 5;
  tiny.write_high = 3;
  tiny.write_low = 1;
  for (const controller_params& params : {controller_params{}, tiny})
    for (const uint32_t window : {0u, 16u, 64u}) {
      const run_result ref = replay_with(spec, map, params, requests, window, true);
      const run_result fast = replay_with(spec, map, params, requests, window, false);
      require_same(fast, ref,
                   "few banks and rows, window " + std::to_string(window) +
                       (params.read_queue == 6 ? ", tiny queues" : ""));
      CHECK(fast.stats.row_conflicts > 0);
      CHECK(fast.stats.row_hits > fast.stats.row_conflicts);
    }
}

TEST_CASE("scheduler: every search level this CPU has against the reference",
          "[dram][scheduler]") {
  // The cached search finds the earliest candidate either by per-kind minima (generic)
  // or by a pass over every bank with work (AVX-512 when the CPU has it and more than 8
  // banks have work, its keys packing time and order into 64 bits; else scalar). Each
  // level against the reference, random and mixed traffic, one and 64 in flight, one
  // to four ranks, default and tiny queues.
  std::vector<int> levels = {int(dram_channel::search_level::generic)};
  if (dram_channel::best_search_level() == dram_channel::search_level::avx512)
    levels.push_back(int(dram_channel::search_level::avx512));
  controller_params tiny;
  tiny.read_queue = 6;
  tiny.write_queue = 5;
  tiny.write_high = 3;
  tiny.write_low = 1;
  int checked = 0;
  for (const uint32_t ranks : {1u, 2u, 4u})
    for (const char* standard : {"ddr4_2400_x64", "lpddr4_3200"}) {
      dram_spec spec = preset(standard);
      spec.ranks = ranks;
      const address_mapping map = address_mapping::default_for(spec);
      for (const pattern kind : {pattern::random, pattern::mixed}) {
        generator_options g;
        g.kind = kind;
        g.count = 3000;
        g.span = uint64_t{64} << 20;
        g.seed = 7 + ranks;
        const std::vector<trace_request> requests = generate_requests(g);
        for (const controller_params& params : {controller_params{}, tiny})
          for (const uint32_t window : {1u, 64u}) {
            const run_result ref = replay_with(spec, map, params, requests, window, true);
            for (const int level : levels) {
              const run_result fast =
                  replay_with(spec, map, params, requests, window, false, level);
              require_same(fast, ref,
                           std::string(standard) + ", " + std::to_string(ranks) +
                               " ranks, level " + std::to_string(level) + ", window " +
                               std::to_string(window));
              // The vector pass needs the bound tables in registers (32 entries): four
              // DDR4 ranks (16 bank groups x 4 slots) stay generic.
              const bool fits = !(ranks == 4 && std::string(standard) == "ddr4_2400_x64");
              CHECK(fast.level == (fits ? level : 0));
              ++checked;
            }
          }
      }
    }
  CHECK(checked == 48 * int(levels.size()));
}
