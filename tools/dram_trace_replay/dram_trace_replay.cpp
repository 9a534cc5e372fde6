// dwvp_dram_replay: feed a text trace or a generated request stream through the DRAM
// channel model and report its statistics (stdout, optionally JSON).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dram_channel.h"
#include "dram_spec.h"
#include "dram_trace.h"

namespace dd = dwvp::dram;

int main(int argc, char** argv) {
  CLI::App app{"Replay a DRAM request trace through the dwvp DRAM channel model"};
  std::string trace_file;
  std::string standard = "ddr4_2400_x64";
  std::string spec_file;
  std::string mapping;
  std::string json_file;
  std::string generate;
  dd::generator_options gen;
  double interval_ns = 0;
  bool closed_loop = false;

  app.add_option("trace", trace_file,
                 "Trace file: <time_ns> <address> <R|W> <size> per line");
  app.add_option("--standard", standard, "DRAM preset")
      ->check(CLI::IsMember({"ddr4_2400_x64", "lpddr4_3200"}));
  app.add_option("--spec", spec_file,
                 "JSON spec: {\"preset\": ..., field overrides} (replaces --standard)");
  app.add_option(
      "--mapping", mapping,
      "Address mapping, LSB first, e.g. \"offset column:3 bank_group column bank "
      "row rank\"");
  app.add_option("--json", json_file, "Write the statistics as JSON to this file");
  app.add_option("--generate", generate, "Generate requests instead of reading a trace")
      ->check(CLI::IsMember({"sequential", "random", "mixed"}));
  app.add_option("--count", gen.count, "Generated requests")->capture_default_str();
  app.add_option("--size", gen.size, "Bytes per generated request")
      ->capture_default_str();
  app.add_option("--span", gen.span, "Address span of generated requests in bytes")
      ->capture_default_str();
  app.add_option("--seed", gen.seed, "Generator seed")->capture_default_str();
  app.add_option("--interval", interval_ns,
                 "Generated requests: issue interval in ns (0 = all at once)")
      ->capture_default_str();
  app.add_flag(
      "--closed-loop", closed_loop,
      "Issue each request no earlier than the previous completion (one outstanding)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (trace_file.empty() == generate.empty()) {
      throw std::invalid_argument("give either a trace file or --generate (not both)");
    }
    dd::dram_spec spec;
    if (!spec_file.empty()) {
      std::ifstream in(spec_file);
      if (!in) {
        throw std::runtime_error(spec_file + ": cannot open");
      }
      nlohmann::json j;
      try {
        in >> j;
        spec = dd::spec_from_json(j);
      } catch (const std::exception& e) {
        throw std::runtime_error(spec_file + ": " + e.what());
      }
    } else {
      spec = dd::preset(standard);
    }
    const dd::address_mapping map = mapping.empty()
                                        ? dd::address_mapping::default_for(spec)
                                        : dd::address_mapping::parse(mapping, spec);

    std::vector<dd::trace_request> requests;
    if (!generate.empty()) {
      gen.kind = dd::pattern_from_string(generate);
      gen.interval_ps = static_cast<uint64_t>(interval_ns * 1000.0 + 0.5);
      requests = dd::generate_requests(gen);
    } else {
      std::ifstream in(trace_file);
      if (!in) {
        throw std::runtime_error(trace_file + ": cannot open");
      }
      requests = dd::read_trace(in, trace_file);
    }

    dd::dram_channel channel(spec, map);
    const auto t0 = std::chrono::steady_clock::now();
    dd::replay(channel, requests, closed_loop);
    const auto t1 = std::chrono::steady_clock::now();
    const dd::dram_stats stats = channel.stats();
    const double host_s = std::chrono::duration<double>(t1 - t0).count();

    std::cout << "mapping             " << map.to_string() << '\n';
    std::cout << dd::format_stats(stats, spec);
    std::printf("host time           %.3f s (%.2f M requests/s)\n", host_s,
                host_s > 0 ? double(requests.size()) / host_s / 1e6 : 0.0);
    if (!json_file.empty()) {
      nlohmann::json j = dd::stats_to_json(stats, spec);
      j["mapping"] = map.to_string();
      std::ofstream out(json_file);
      out << j.dump(2) << '\n';
      if (!out) {
        throw std::runtime_error(json_file + ": cannot write");
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "dwvp_dram_replay: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
