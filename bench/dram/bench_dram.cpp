// bench_dram: replays a few million generated requests through dram_channel and
// prints requests simulated per host second for each access pattern. The requests
// are generated before the timer starts, so only the model is measured.
//
// Usage: bench_dram [requests_per_pattern] [standard]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dram_channel.h"
#include "dram_trace.h"

namespace dd = dwvp::dram;

int main(int argc, char** argv) {
  const uint64_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4000000;
  const std::string standard = argc > 2 ? argv[2] : "ddr4_2400_x64";
  if (count == 0) {
    std::fprintf(stderr, "bench_dram: request count must be > 0\n");
    return 1;
  }
  dd::dram_spec spec;
  try {
    spec = dd::preset(standard);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dram: %s\n", e.what());
    return 1;
  }

  struct run {
    const char* name;
    dd::pattern kind;
    bool closed_loop;
  };
  const run runs[] = {{"sequential", dd::pattern::sequential, false},
                      {"random", dd::pattern::random, false},
                      {"random-closed", dd::pattern::random, true},
                      {"mixed", dd::pattern::mixed, false}};

  std::printf("%s, %llu requests of 64 B per pattern, span 256 MiB\n", standard.c_str(),
              (unsigned long long)count);
  std::printf("%-14s %12s %10s %10s %12s %14s\n", "pattern", "host_s", "Mreq/s", "hit_%",
              "GB/s", "avg_lat_ns");
  for (const run& r : runs) {
    dd::generator_options g;
    g.kind = r.kind;
    g.count = count;
    g.size = 64;
    g.span = uint64_t{256} << 20;
    const auto requests = dd::generate_requests(g);
    dd::dram_channel channel(spec);
    const auto t0 = std::chrono::steady_clock::now();
    dd::replay(channel, requests, r.closed_loop);
    const auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    const dd::dram_stats st = channel.stats();
    std::printf("%-14s %12.3f %10.2f %10.2f %12.3f %14.2f\n", r.name, s,
                double(count) / s / 1e6, 100.0 * st.row_hit_rate(), st.bandwidth_gbps(),
                st.avg_latency_ps() / 1000.0);
  }
  return 0;
}
