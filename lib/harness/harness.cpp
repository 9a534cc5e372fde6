#include "harness.h"

#include <algorithm>

#include "logging.h"
#include "model_zoo.h"
#include "networks.h"
#include "output_file.h"
#include "soc.h"
#include "tracing.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace dwvp::scenarios {

void add_common_options(CLI::App& app, common_options& opt) {
  app.add_option("--config", opt.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  app.add_option("--set", opt.sets, "override a configuration key: --set gemm.rows=64")
      ->type_name("KEY=VALUE");
  app.add_option("--vcd", opt.vcd, "write a VCD waveform trace to this file");
  app.add_flag("--dump-config", opt.dump_config,
               "print every configuration key with its value, default and meaning");
  app.add_option("--seed", opt.seed, "seed of the generated weights and inputs");
}

config build_config(const common_options& opt) {
  config cfg;
  if (!opt.config_file.empty())
    cfg.load_yaml(opt.config_file);
  for (const auto& s : opt.sets)
    cfg.set_assignment(s);
  logging::configure(cfg.get_string("log.level"), cfg.get_string("log.modules"));
  gemm_dataflow_from(cfg); // bad input fails before anything runs
  return cfg;
}

int gemm_dataflow_from(const config& cfg) {
  const std::string& name = cfg.get_string("gemm.dataflow");
  int dataflow = DWVP_DF_OS;
  if (!networks::parse_gemm_dataflow(name, dataflow))
    throw config_error("key 'gemm.dataflow': unknown dataflow '" + name + "' (os, ws)");
  return dataflow;
}

namespace {

std::string describe_mismatch(const std::string& layer, const std::vector<int8_t>& got,
                              const std::vector<int8_t>& want) {
  if (got.size() != want.size())
    return "layer " + layer + ": size " + std::to_string(got.size()) + ", expected " +
           std::to_string(want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i])
      return "layer " + layer + " index " + std::to_string(i) + ": got " +
             std::to_string(got[i]) + ", expected " + std::to_string(want[i]);
  return {};
}

} // namespace

network_run simulate_network(const config& cfg, const runtime::network& net,
                             const std::string& vcd_path) {
  simulate_options options;
  options.vcd_path = vcd_path;
  return simulate_network(cfg, net, options);
}

bool parse_check_mode(const std::string& text, check_mode& out) {
  if (text == "golden")
    out = check_mode::golden;
  else if (text == "none")
    out = check_mode::none;
  else
    return false;
  return true;
}

network_run simulate_network(const config& cfg, const runtime::network& net,
                             const simulate_options& options) {
  using clock = std::chrono::steady_clock;
  const std::string& vcd_path = options.vcd_path;
  network_run run;
  run.functional = cfg.get_bool("sim.functional");
  run.checked = run.functional && options.check == check_mode::golden;
  // The golden reference is plain C++ on the (read-only) network: it runs on a second
  // thread while this one simulates.
  std::future<std::pair<std::vector<std::vector<int8_t>>, double>> golden;
  if (run.checked)
    golden = std::async(std::launch::async, [&net] {
      const auto t0 = clock::now();
      auto outputs = golden_outputs(net);
      return std::make_pair(std::move(outputs),
                            std::chrono::duration<double>(clock::now() - t0).count());
    });

  const auto elaboration_start = clock::now();
  soc top("soc", cfg);
  logging::check_module_names(); // every module has its logger now
  std::unique_ptr<vcd_trace> vcd;
  if (!vcd_path.empty()) {
    vcd = std::make_unique<vcd_trace>(vcd_path);
    top.trace(vcd->file());
  }
  runtime::options opt;
  opt.regs_base = static_cast<uint32_t>(top.regs_base());
  opt.dram_base = static_cast<uint32_t>(top.dram_base());
  opt.dram_size = static_cast<uint32_t>(top.dram.size());
  opt.loop_order = options.loop_order;
  opt.fuse = options.fuse;
  opt.fuse_blocks = options.fuse_blocks;
  // A chain runs on the array's buffers, in entries of sram.entry_bits.
  const auto chain_capacity =
      models::planning_for(models::sequencer_of(top.accelerator.params()),
                           timing::engine::gemm)
          .capacity;
  opt.chain_budget = {chain_capacity.input, chain_capacity.weight, chain_capacity.output};
  // A fused activation is written into the whole output buffer and moved into the
  // whole input buffer for the next layer: it must fit both (in entries of
  // sram.entry_bits; the limit is compared with int8 bytes).
  const auto& buffers = top.accelerator.params().buffers;
  opt.fuse_limit = 2 * std::min(buffers.output, buffers.input) /
                   top.accelerator.params().buffer_use.entry_bytes;
  top.host.set_program([&] {
    run.result = runtime::run_network(net, opt);
    return run.result.driver_status;
  });
  size_t done = 0;
  top.accelerator.on_layer_start([&] {
    if (auto* channel = top.dram_channel())
      if (done == 0)
        run.dram_before = channel->stats(sc_core::sc_time_stamp());
  });
  std::vector<uint64_t> layer_starts; // equal for the layers of one stripe chain
  top.accelerator.on_layer_done([&](const dwvp_layer_stats& stats) {
    if (auto* channel = top.dram_channel())
      run.dram_after_layer.push_back(channel->stats(sc_core::sc_time_stamp()));
    layer_starts.push_back(stats.start_cycle);
    ++done;
    if (options.progress)
      std::cerr << "\r[dwvp] " << net.name << ": layer " << done << "/"
                << net.layers.size() << std::flush;
  });

  const auto wall_start = clock::now();
  run.elaboration_seconds =
      std::chrono::duration<double>(wall_start - elaboration_start).count();
  top.run(); // a firmware that did not finish leaves its reason in host.failure()
  const auto wall_end = clock::now();
  // A stripe chain's records all arrive at its end: its DRAM activity goes to its last
  // layer, like its other shared figures (docs/memory.md, "Block fusion").
  for (size_t i = 0; i + 1 < run.dram_after_layer.size() && i + 1 < layer_starts.size();
       ++i)
    if (layer_starts[i + 1] == layer_starts[i])
      run.dram_after_layer[i] = i ? run.dram_after_layer[i - 1] : run.dram_before;
  if (vcd) {
    try {
      vcd->close();
    } catch (const output_error& e) {
      run.output_failures.push_back(e.what()); // the other outputs are still written
    }
  }

  if (options.progress)
    std::cerr << "\n";
  run.host_seconds = std::chrono::duration<double>(wall_end - wall_start).count();
  run.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
  run.simulated_cycles = sc_core::sc_time_stamp().value() / top.clock_period().value();
  run.array_rows = top.accelerator.params().array.rows;
  run.array_cols = top.accelerator.params().array.cols;
  run.firmware_failure = top.host.failure();
  run.dram_model = top.dram_label();
  if (auto* channel = top.dram_channel()) {
    run.has_dram_stats = true;
    channel->drain(); // posted writes still queued reach the devices
    run.dram = channel->stats(sc_core::sc_time_stamp());
    run.dram_controller = channel->channel().params();
  }

  if (run.checked) {
    const auto wait_start = clock::now();
    auto [outputs, seconds] = golden.get();
    run.check_wait_seconds =
        std::chrono::duration<double>(clock::now() - wait_start).count();
    run.golden = std::move(outputs);
    run.golden_seconds = seconds;
  }
  const auto compare_start = clock::now();
  const auto& layers = run.result.layers;
  run.bit_exact = run.result.driver_status == DWVP_OK &&
                  layers.size() == net.layers.size() && run.firmware_failure.empty() &&
                  run.checked;
  for (size_t i = 0; i < layers.size() && run.checked; ++i) {
    std::string why =
        describe_mismatch(net.layers[i].name, layers[i].output, run.golden[i]);
    run.layer_exact.push_back(why.empty());
    if (!why.empty() && run.first_mismatch.empty())
      run.first_mismatch = why;
    run.bit_exact = run.bit_exact && why.empty();
  }
  run.compare_seconds =
      std::chrono::duration<double>(clock::now() - compare_start).count();
  return run;
}

dram_energy_parts energy_parts(const dram::dram_energy& e) {
  dram_energy_parts p;
  p.activate = e.act_pj + e.pre_pj;
  p.read = e.read_pj;
  p.write = e.write_pj;
  p.refresh = e.refresh_pj;
  p.total = e.total_pj();
  p.background = p.total - (p.activate + p.read + p.write + p.refresh);
  return p;
}

dram_energy_parts operator-(const dram_energy_parts& a, const dram_energy_parts& b) {
  return {a.activate - b.activate,     a.read - b.read,
          a.write - b.write,           a.refresh - b.refresh,
          a.background - b.background, a.total - b.total};
}

void print_run_details(std::ostream& out, const network_run& run) {
  const auto& r = run.result;
  out << std::fixed << std::setprecision(3);
  if (run.has_dram_stats) {
    const auto& d = run.dram;
    const dram_energy_parts e = energy_parts(d.energy);
    out << std::setprecision(1) << "DRAM " << run.dram_model << "  row hits "
        << 100.0 * d.row_hit_rate() << " %, avg latency read "
        << d.avg_read_latency_ps() / 1000.0 << " ns, write (posted) "
        << d.avg_write_latency_ps() / 1000.0 << " ns, energy " << std::setprecision(3)
        << e.total / 1e6 << " uJ\n";
    out << "DRAM energy       activate " << e.activate / 1e6 << " + read " << e.read / 1e6
        << " + write " << e.write / 1e6 << " + refresh " << e.refresh / 1e6
        << " + background " << e.background / 1e6 << " uJ\n";
    out << "DRAM controller   " << dram::describe(run.dram_controller) << "\n";
  } else {
    out << "DRAM              fixed latency\n";
  }
  out << "host wall time    " << run.host_seconds << " s\n";
  out << std::setprecision(3) << "host phases       construction "
      << run.construction_seconds << " s, calibration " << run.calibration_seconds
      << " s (" << run.calibration << "), elaboration " << run.elaboration_seconds
      << " s, simulation " << run.host_seconds << " s, golden " << run.golden_seconds
      << " s (second thread), check wait " << run.check_wait_seconds << " s, compare "
      << run.compare_seconds << " s, report " << run.report_seconds << " s\n";
  out << "simulation speed  " << std::setprecision(0)
      << (run.host_seconds > 0 ? run.simulated_cycles / run.host_seconds : 0.0)
      << " simulated cycles per host second\n";
  if (!r.error.empty())
    out << "run failed        " << r.error << "\n";
  if (!run.firmware_failure.empty())
    out << "firmware failed   " << run.firmware_failure << "\n";
  if (!run.functional)
    out << "golden check      skipped (timing only, --no-data)\n";
  else if (!run.checked)
    out << "golden check      skipped (--check none)\n";
  else if (run.bit_exact)
    out << "golden check      bit-exact (every layer)\n";
  else if (!run.first_mismatch.empty())
    out << "golden check      MISMATCH: " << run.first_mismatch << "\n";
  else
    out << "golden check      not every layer ran\n";
}

std::string run_error(const network_run& run) {
  if (!run.result.error.empty())
    return run.result.error;
  if (!run.firmware_failure.empty())
    return run.firmware_failure;
  if (!run.first_mismatch.empty())
    return run.first_mismatch;
  if (run.checked && !run.bit_exact)
    return "not every layer ran";
  return {};
}

namespace {

// CLI11 reads integers in base 0, so "010" would be octal 8: integer options take
// decimal numbers without a leading zero, or 0x hexadecimal, as --set does.
std::string decimal_or_hex(std::string& text) {
  const size_t digits = text.find_first_not_of("+-");
  if (digits != std::string::npos && text.size() > digits + 1 && text[digits] == '0' &&
      text[digits + 1] != 'x' && text[digits + 1] != 'X')
    return "'" + text + "': a decimal number has no leading zero (0x for hexadecimal)";
  return {};
}

void decimal_integers(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    const std::string type = o->get_type_name(); // "INT:INT in [32 - 1024]"
    if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0)
      o->check(CLI::Validator(decimal_or_hex, "", "decimal"));
  }
  for (CLI::App* sub : app.get_subcommands({}))
    decimal_integers(*sub);
}

} // namespace

int parse_command_line(CLI::App& app, int argc, char* argv[]) {
  decimal_integers(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return -1;
}

int systemc_main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int guarded_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const config_error& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const output_error& e) {
    // Not bad arguments: an output could not be written.
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  return 2;
}

} // namespace dwvp::scenarios
