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
  uint32_t outstanding = 0;

  app.add_option("trace", trace_file,
                 "Trace file: <time_ns> <address> <R|W> <size> per line");
  app.add_option("--standard", standard, "DRAM preset")
      ->check(CLI::IsMember({"ddr4_2400_x64", "lpddr4_3200"}));
  app.add_option("--spec", spec_file,
                 "JSON spec file (replaces --standard): a memspec {\"memspec\": {...}} "
                 "as in configs/dram/, or {\"preset\": ..., field overrides}");
  app.add_option(
      "--mapping", mapping,
      "Address mapping, LSB first, e.g. \"offset column:3 bank_group column bank "
      "row rank\" (default: the memspec's, else the preset's)");
  std::string write_memspec;
  app.add_option("--write-memspec", write_memspec,
                 "Write the spec and mapping in use as a memspec JSON file and exit");
  dd::controller_params ctrl;
  std::string refresh = dd::to_string(ctrl.refresh);
  app.add_option("--read-queue", ctrl.read_queue, "Controller read queue entries")
      ->capture_default_str();
  app.add_option("--write-queue", ctrl.write_queue, "Controller write queue entries")
      ->capture_default_str();
  app.add_option("--write-high", ctrl.write_high,
                 "Controller: drain writes once this many are queued")
      ->capture_default_str();
  app.add_option("--write-low", ctrl.write_low,
                 "Controller: stop draining writes at this many")
      ->capture_default_str();
  app.add_option("--ctrl-latency", ctrl.latency, "Controller pipeline latency, clocks")
      ->capture_default_str();
  app.add_option("--refresh", refresh, "Refresh mode")
      ->check(CLI::IsMember({"all_bank", "per_bank"}))
      ->capture_default_str();
  app.add_option("--powerdown-idle", ctrl.powerdown_idle,
                 "Idle clocks before a rank powers down (0 = never)")
      ->capture_default_str();
  app.add_option("--json", json_file, "Write the statistics as JSON to this file");
  app.add_option("--generate", generate, "Generate requests instead of reading a trace")
      ->check(CLI::IsMember({"sequential", "random", "mixed", "streams", "tile"}));
  app.add_option("--count", gen.count, "Generated requests")->capture_default_str();
  app.add_option("--size", gen.size, "Bytes per generated request")
      ->capture_default_str();
  app.add_option("--span", gen.span, "Address span of generated requests in bytes")
      ->capture_default_str();
  app.add_option("--seed", gen.seed, "Generator seed")->capture_default_str();
  app.add_option("--interval", interval_ns,
                 "Generated requests: issue interval in ns (0 = all at once)")
      ->capture_default_str();
  app.add_option("--streams", gen.streams, "streams: interleaved sequential streams")
      ->capture_default_str();
  app.add_option("--tile-row-bytes", gen.tile_row_bytes, "tile: bytes of a tile row")
      ->capture_default_str();
  app.add_option("--tile-rows", gen.tile_rows, "tile: rows of a tile")
      ->capture_default_str();
  app.add_option("--tile-stride", gen.tile_stride, "tile: bytes between rows")
      ->capture_default_str();
  app.add_flag(
      "--closed-loop", closed_loop,
      "Issue each request no earlier than the previous completion (= --outstanding 1)");
  app.add_option("--outstanding", outstanding,
                 "Closed loop with this many requests in flight (0 = open loop: each "
                 "request at its time)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    dd::dram_spec spec;
    std::string spec_mapping;
    if (!spec_file.empty()) {
      const dd::memspec m = dd::load_memspec_file(spec_file);
      spec = m.spec;
      spec_mapping = m.mapping;
    } else {
      spec = dd::preset(standard);
    }
    if (mapping.empty()) {
      mapping =
          spec_mapping.empty() ? dd::address_mapping::default_text(spec) : spec_mapping;
    }
    const dd::address_mapping map = dd::address_mapping::parse(mapping, spec);
    dd::parse_refresh_mode(refresh, ctrl.refresh);
    dd::validate(ctrl, spec);
    if (!write_memspec.empty()) {
      std::ofstream out(write_memspec);
      out << dd::memspec_to_json(spec, mapping).dump(2) << '\n';
      if (!out) {
        throw std::runtime_error(write_memspec + ": cannot write");
      }
      return 0;
    }
    if (trace_file.empty() == generate.empty()) {
      throw std::invalid_argument("give either a trace file or --generate (not both)");
    }

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

    dd::dram_channel channel(spec, map, ctrl);
    const auto t0 = std::chrono::steady_clock::now();
    if (closed_loop && outstanding > 1) {
      throw std::invalid_argument("--closed-loop means one outstanding request; give "
                                  "--outstanding N alone");
    }
    const uint32_t window = closed_loop ? 1 : outstanding;
    dd::replay(channel, requests, window);
    const auto t1 = std::chrono::steady_clock::now();
    const dd::dram_stats stats = channel.stats();
    const double host_s = std::chrono::duration<double>(t1 - t0).count();

    std::cout << "mapping             " << map.to_string() << '\n';
    std::cout << "controller          " << dd::describe(ctrl) << '\n';
    std::cout << "loop                "
              << (window ? "closed, " + std::to_string(window) + " outstanding"
                         : std::string("open (each request at its time)"))
              << '\n';
    std::cout << dd::format_stats(stats, spec);
    std::printf("host time           %.3f s (%.2f M requests/s)\n", host_s,
                host_s > 0 ? double(requests.size()) / host_s / 1e6 : 0.0);
    if (!json_file.empty()) {
      nlohmann::json j = dd::stats_to_json(stats, spec);
      j["mapping"] = map.to_string();
      j["outstanding"] = window;
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
