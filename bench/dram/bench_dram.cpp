// bench_dram: replays generated request streams through the DRAM controller and
// channel model and prints, per workload, the data-bus utilisation (bandwidth over
// peak), row-hit rate, latency, and requests simulated per host second. The requests
// are generated before the timer starts, so only the model is measured. docs/dram.md
// carries the table.
//
// Usage: bench_dram [requests_per_workload [workload]]   (default 1,000,000, all)
// `workload` (1-based row of the table) runs only that one, e.g. to profile it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dram_channel.h"
#include "dram_trace.h"

namespace dd = dwvp::dram;

namespace {

struct workload {
  const char* name;
  const char* standard;
  uint32_t ranks;
  const char* mapping; // nullptr: the preset's default
  dd::pattern kind;
  uint32_t outstanding; // closed loop: requests in flight (64 saturates the queues)
};

// The default mapping interleaves bank groups per 64-byte burst; this one keeps each
// 8 KiB row in one bank group (consecutive bursts pay tCCD_L).
constexpr const char* k_row_in_group = "offset column bank_group bank rank row";

} // namespace

int main(int argc, char** argv) {
  const uint64_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  if (count == 0) {
    std::fprintf(stderr, "bench_dram: request count must be > 0\n");
    return 1;
  }
  const unsigned only = argc > 2 ? unsigned(std::strtoul(argv[2], nullptr, 10)) : 0;
  const workload runs[] = {
      {"sequential", "ddr4_2400_x64", 1, nullptr, dd::pattern::sequential, 64},
      {"sequential", "ddr4_2400_x64", 1, k_row_in_group, dd::pattern::sequential, 64},
      {"4 streams", "ddr4_2400_x64", 1, k_row_in_group, dd::pattern::streams, 64},
      {"2D tiles", "ddr4_2400_x64", 1, nullptr, dd::pattern::tile, 64},
      {"2D tiles", "ddr4_2400_x64", 1, k_row_in_group, dd::pattern::tile, 64},
      {"random", "ddr4_2400_x64", 1, nullptr, dd::pattern::random, 64},
      {"random", "ddr4_2400_x64", 2, nullptr, dd::pattern::random, 64},
      {"sequential", "ddr4_2400_x64", 2, nullptr, dd::pattern::sequential, 64},
      {"mixed", "ddr4_2400_x64", 1, nullptr, dd::pattern::mixed, 64},
      {"random", "ddr4_2400_x64", 1, nullptr, dd::pattern::random, 1},
      {"random", "ddr4_2400_x64", 2, nullptr, dd::pattern::random, 16},
      {"sequential", "lpddr4_3200", 1, nullptr, dd::pattern::sequential, 64},
      {"random", "lpddr4_3200", 1, nullptr, dd::pattern::random, 64},
      {"random", "lpddr4_3200", 1, nullptr, dd::pattern::random, 1},
  };

  std::printf("%llu requests of 64 B per workload over 256 MiB; controller defaults "
              "(queues 32 + 32, FR-FCFS, latency 1 clock)\n",
              (unsigned long long)count);
  std::printf("%-11s %-14s %5s %-18s %5s %8s %7s %9s %9s %9s %8s\n", "workload",
              "standard", "ranks", "mapping", "loop", "%peak", "hit_%", "avg_ns",
              "p99_ns", "host_s", "Mreq/s");
  double total_s = 0;
  uint64_t total_requests = 0;
  unsigned row = 0;
  for (const workload& w : runs) {
    if (only && ++row != only)
      continue;
    dd::dram_spec spec = dd::preset(w.standard);
    spec.ranks = w.ranks;
    const dd::address_mapping map = w.mapping
                                        ? dd::address_mapping::parse(w.mapping, spec)
                                        : dd::address_mapping::default_for(spec);
    dd::generator_options g;
    g.kind = w.kind;
    g.count = count;
    g.size = 64;
    g.span = uint64_t{256} << 20;
    const auto requests = dd::generate_requests(g);
    dd::dram_channel channel(spec, map);
    const auto t0 = std::chrono::steady_clock::now();
    dd::replay(channel, requests, w.outstanding);
    const auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    total_s += s;
    total_requests += count;
    const dd::dram_stats st = channel.stats();
    const std::string loop = w.outstanding ? std::to_string(w.outstanding) : "open";
    std::printf("%-11s %-14s %5u %-18s %5s %8.1f %7.1f %9.1f %9.1f %9.3f %8.2f\n", w.name,
                w.standard, w.ranks, w.mapping ? "row-in-bank-group" : "default",
                loop.c_str(), 100.0 * st.peak_fraction(), 100.0 * st.row_hit_rate(),
                st.avg_latency_ps() / 1000.0,
                double(st.latency_percentile_ps(0.99)) / 1000.0, s,
                double(count) / s / 1e6);
  }
  std::printf("all workloads: %.2f M requests per host second\n",
              double(total_requests) / total_s / 1e6);
  return 0;
}
