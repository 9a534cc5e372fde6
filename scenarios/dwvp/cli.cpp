#include "cli.h"

#include "calibrate.h"
#include "explore.h"
#include "harness.h"
#include "model_zoo.h"
#include "onnx_import.h"
#include "output_file.h"
#include "report.h"
#include "sweep.h"
#include "tensor_dump.h"
#include "tensor_load.h"
#include "topology_csv.h"
#include "tracing.h"

#include <systemc>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>

namespace dwvp::cli {
namespace {

using namespace dwvp::scenarios;
using studies::collect_sweep;
using studies::expand_sweep;
using studies::parse_sweep_set;
using studies::sweep_point;
using studies::sweep_spec;
using studies::write_sweep;

struct run_options {
  common_options common;
  std::string network, topology, policy = "gemm_dwc", report, csv, dump_tensors, weights;
  std::string onnx, onnx_input, scalesim_report;
  bool no_data = false, progress = false, fuse = false, fuse_blocks = false;
  std::string check = "golden";
  std::string order = "row-major";
  int resolution = 224;
};

void list(std::ostream& out, const std::string& what) {
  if (what.empty() || what == "networks") {
    out << "networks (published MACs at 224x224):\n";
    for (const auto& n : networks::network_infos())
      out << "  " << std::left << std::setw(41) << n.name << std::right << std::setw(6)
          << n.published_macs / 1000000 << "M  " << n.description << "\n";
    out << "policies: conventional (depthwise on the vector unit), gemm_naive "
           "(one-column "
           "GEMMs), gemm_dwc (channel-parallel MVMs)\n";
  }
  if (what.empty() || what == "configs") {
    // The files of DWVP_CONFIG_DIR/dir ending in `ext`, sorted, as "dir/name".
    auto print_files = [&](const std::string& dir, const char* ext) {
      std::vector<std::string> files;
      for (const auto& e :
           std::filesystem::directory_iterator(std::string(DWVP_CONFIG_DIR) + "/" + dir))
        if (e.path().extension() == ext)
          files.push_back(dir + e.path().filename().string());
      std::sort(files.begin(), files.end());
      for (const auto& f : files)
        out << "  " << f << "\n";
    };
    out << "configs (" << DWVP_CONFIG_DIR << "):\n";
    print_files("", ".yaml");
    out << "DRAM memory specifications (--set dram.spec=" << DWVP_CONFIG_DIR
        << "/dram/FILE, docs/dram.md):\n";
    print_files("dram/", ".json");
    out << "every key: dwvp run --dump-config\n";
  }
}

int run(const run_options& o, const std::string& command_name) {
  config cfg = build_config(o.common);
  if (o.no_data)
    cfg.set("sim.functional", "false", "--no-data");
  if (o.common.dump_config) {
    cfg.dump(std::cout);
    return 0;
  }
  const networks::policy p = networks::parse_policy(o.policy);
  const int dataflow = gemm_dataflow_from(cfg);
  if (o.network.empty() + o.topology.empty() + o.onnx.empty() != 2)
    throw std::invalid_argument(command_name +
                                ": give exactly one of --network, --topology and --onnx");
  if (!o.onnx_input.empty() && (o.onnx.empty() || !cfg.get_bool("sim.functional")))
    throw std::invalid_argument(command_name +
                                ": --onnx-input gives an --onnx model's input values; a "
                                "--no-data run has none");
  check_mode check = check_mode::golden;
  if (!parse_check_mode(o.check, check))
    throw std::invalid_argument(command_name + ": --check must be golden or none");
  if (!cfg.get_bool("sim.functional") && !o.dump_tensors.empty())
    throw std::invalid_argument(
        command_name + ": --dump-tensors needs values; a --no-data run has none");
  if (!cfg.get_bool("sim.functional") && !o.weights.empty())
    throw std::invalid_argument(command_name +
                                ": --weights loads values; a --no-data run uses none");
  // Every output path is checked before anything runs: a typo costs no simulation.
  if (!o.report.empty())
    check_output_path(o.report, "JSON report");
  if (!o.csv.empty())
    check_output_path(o.csv, "CSV report");
  if (!o.common.vcd.empty()) {
    check_output_path(vcd_file_path(o.common.vcd), "VCD trace");
    check_output_path(gtkw_file_path(o.common.vcd), "GTKWave save file");
  }
  if (!o.scalesim_report.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.scalesim_report, ec);
    check_output_path(o.scalesim_report + "/COMPUTE_REPORT.csv", "SCALE-Sim report");
  }
  if (!o.dump_tensors.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dump_tensors, ec);
    check_output_path(o.dump_tensors + "/index.json", "tensor index");
  }
  const auto build_start = std::chrono::steady_clock::now();
  // Timing only builds no constants; --weights brings its own, so those are not drawn.
  const networks::constants constants =
      !cfg.get_bool("sim.functional") ? networks::constants::none
      : o.weights.empty()             ? networks::constants::calibrated
                                      : networks::constants::uncalibrated;
  networks::calibration_record calibration;
  runtime::network net;
  if (!o.onnx.empty()) {
    onnx_import::options io;
    io.policy = p;
    io.dataflow = dataflow;
    io.with_data = cfg.get_bool("sim.functional");
    io.seed = o.common.seed;
    onnx_import::model m = onnx_import::import_file(o.onnx, io);
    if (!o.onnx_input.empty())
      m.net.input =
          onnx_import::device_input(m, onnx_import::read_tensor_file(o.onnx_input));
    net = std::move(m.net);
  } else if (!o.topology.empty()) {
    net = networks::read_topology_csv(o.topology, p, o.common.seed, dataflow, constants,
                                      &calibration);
  } else {
    net = networks::build_network(o.network, p, o.common.seed, o.resolution, dataflow,
                                  constants, &calibration);
  }
  if (!o.weights.empty())
    load_tensors(o.weights, net);
  const double network_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start)
          .count();
  std::cout << "dwvp: " << net.name << ", policy " << o.policy << ", gemm dataflow "
            << cfg.get_string("gemm.dataflow") << ", schedule "
            << cfg.get_string("gemm.schedule") << ", timing "
            << cfg.get_string("timing.model") << ", dram "
            << (cfg.get_string("dram.spec").empty() ? cfg.get_string("dram.model")
                                                    : cfg.get_string("dram.spec"))
            << ", " << net.layers.size() << " layers, " << networks::count_macs(net)
            << " MACs" << (o.no_data ? ", timing only" : "") << "\n\n";
  simulate_options so;
  so.vcd_path = o.common.vcd;
  so.progress = o.progress;
  so.loop_order = o.order == "scan"   ? DWVP_ORDER_SCAN
                  : o.order == "auto" ? DWVP_ORDER_AUTO
                                      : -1;
  so.fuse = o.fuse;
  so.fuse_blocks = o.fuse_blocks;
  so.check = check;
  network_run r = simulate_network(cfg, net, so);
  r.calibration_seconds = calibration.seconds;
  r.construction_seconds = network_seconds - calibration.seconds;
  r.calibration = constants != networks::constants::calibrated || !o.onnx.empty() ? "none"
                  : calibration.cached ? "cached"
                                       : "computed";
  const auto report_start = std::chrono::steady_clock::now();
  run_report rep = make_report(cfg, net, r, o.policy);
  print_report_table(std::cout, rep);
  r.report_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - report_start)
          .count();
  set_phase(rep, "report", r.report_seconds);
  std::cout << "\n";
  print_summary(std::cout, r, rep);
  // Reports are written even when the run failed, so nothing produced is lost; one
  // output that cannot be written does not stop the others.
  std::vector<std::string> failures = r.output_failures;
  auto write = [&](const std::string& path, const char* label, auto&& writer) {
    if (path.empty())
      return;
    try {
      writer();
      std::cout << label << path << "\n";
    } catch (const output_error& e) {
      failures.push_back(e.what());
    }
  };
  write(o.report, "JSON report       ", [&] { write_json(o.report, cfg, rep); });
  write(o.csv, "CSV report        ", [&] { write_csv(o.csv, rep); });
  write(o.scalesim_report, "SCALE-Sim reports ",
        [&] { write_scalesim_report(o.scalesim_report, rep); });
  write(o.dump_tensors, "tensors           ",
        [&] { dump_tensors(o.dump_tensors, net, r); });
  if (!o.common.vcd.empty() && r.output_failures.empty())
    std::cout << "VCD               " << vcd_file_path(o.common.vcd) << "\n";
  for (const std::string& f : failures)
    std::cerr << "error: " << f << "\n";
  if (!failures.empty())
    return 1;
  if (r.result.driver_status != DWVP_OK || !r.firmware_failure.empty())
    return 1;
  if (r.checked && !r.bit_exact)
    return 1;
  return 0;
}

// dwvp sweep: checks the whole grid, writes the commands, runs them through GNU
// parallel (--engine parallel) or only writes them (slurm, none), then collects.
int sweep(sweep_spec s, const std::string& engine, int jobs) {
  if (s.networks.empty() && s.topologies.empty())
    throw std::invalid_argument("dwvp sweep: give at least one --network or --topology");
  for (const auto& n : s.networks)
    networks::find_network(n); // throws naming the unknown network
  // Every value of every key through the configuration, so a typo fails here rather
  // than in every point.
  for (const auto& [key, values] : s.sets)
    for (const auto& v : values) {
      config cfg;
      cfg.set(key, v, "--set");
    }
  std::error_code ec;
  s.dwvp = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec)
    s.dwvp = "dwvp";
  const std::vector<sweep_point> points = expand_sweep(s);
  write_sweep(s, points);
  std::cout << "sweep             " << points.size() << " points in " << s.out
            << " (commands.txt, points.tsv, sweep.slurm, run_parallel_ssh.sh)\n";
  if (engine != "parallel") {
    std::cout << "engine            " << engine
              << ": nothing run; run the commands (sbatch " << s.out
              << "/sweep.slurm, or " << s.out
              << "/run_parallel_ssh.sh nodes.txt), then dwvp collect " << s.out << "\n";
    return 0;
  }
  std::cout << "engine            GNU parallel, " << jobs << " jobs\n" << std::flush;
  studies::run_sweep_parallel(s.out, jobs); // failed points are reported by collect
  return collect_sweep(s.out, std::cout) == 0 ? 0 : 1;
}

} // namespace

int run_main(int argc, char* argv[], const std::string& fixed_network) {
  CLI::App app{fixed_network.empty()
                   ? "dwvp: a virtual platform of a depthwise-separable CNN accelerator"
                   : "dwvp scenario: " + fixed_network +
                         " end to end through the firmware"};
  run_options o;
  o.network = fixed_network;
  CLI::App* run_cmd = &app;
  std::string list_what, list_onnx;
  CLI::App* list_cmd = nullptr;
  CLI::App* sweep_cmd = nullptr;
  CLI::App* collect_cmd = nullptr;
  CLI::App* explore_cmd = nullptr;
  explore_options explore_opts;
  sweep_spec sw;
  std::vector<std::string> sweep_sets;
  std::string sweep_engine = "parallel", collect_dir;
  int sweep_jobs = 2;
  if (fixed_network.empty()) {
    sweep_cmd = app.add_subcommand(
        "sweep", "run a grid of configurations, one dwvp run per point (docs/sweeps.md)");
    sweep_cmd->add_option("--network", sw.networks, "zoo networks (repeat or comma list)")
        ->delimiter(',');
    sweep_cmd->add_option("--topology", sw.topologies, "topology CSV files")
        ->check(CLI::ExistingFile);
    sweep_cmd
        ->add_option("--policy", sw.policies, "depthwise policies (repeat or comma list)")
        ->delimiter(',')
        ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}));
    sweep_cmd->add_option("--set", sweep_sets, "KEY=V1,V2,...: a key and its values")
        ->expected(1, 1 << 20);
    sweep_cmd->add_option("--resolution", sw.resolution, "input height and width")
        ->check(CLI::Range(32, 1024));
    sweep_cmd->add_flag("--no-data", sw.no_data, "timing only at every point");
    sweep_cmd->add_option("--check", sw.check, "golden or none at every point")
        ->check(CLI::IsMember({"golden", "none"}));
    sweep_cmd->add_option("--out", sw.out, "the sweep's folder")->required();
    sweep_cmd
        ->add_option("--engine", sweep_engine,
                     "parallel: run here through GNU parallel, then collect; slurm or "
                     "none: only write the commands and job scripts")
        ->check(CLI::IsMember({"parallel", "slurm", "none"}))
        ->capture_default_str();
    sweep_cmd->add_option("--jobs", sweep_jobs, "points at a time (GNU parallel)")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    collect_cmd = app.add_subcommand(
        "collect", "merge a sweep's per-point reports into sweep.csv and layers.csv");
    collect_cmd->add_option("dir", collect_dir, "the sweep's folder")->required();
    explore_cmd = add_explore_command(app, explore_opts);
    app.require_subcommand(1);
    run_cmd = app.add_subcommand("run", "run a network end to end through the firmware");
    list_cmd = app.add_subcommand("list", "list networks, policies and config files");
    list_cmd->add_option("what", list_what, "networks or configs (default: both)")
        ->check(CLI::IsMember({"networks", "configs"}));
    list_cmd
        ->add_option("--onnx", list_onnx,
                     "show the layers an ONNX model maps to (docs/networks.md)")
        ->check(CLI::ExistingFile);
    run_cmd->add_option("--network", o.network, "network name (dwvp list)");
    run_cmd
        ->add_option("--topology", o.topology,
                     "topology CSV: SCALE-Sim's own, or with a Type column "
                     "(docs/networks.md)")
        ->check(CLI::ExistingFile);
    run_cmd
        ->add_option("--onnx", o.onnx,
                     "int8 / uint8 quantised ONNX model, QOperator or QDQ form "
                     "(docs/networks.md)")
        ->check(CLI::ExistingFile);
    run_cmd
        ->add_option("--onnx-input", o.onnx_input,
                     "the --onnx model's input values: a serialised ONNX TensorProto "
                     "(default: seeded values)")
        ->check(CLI::ExistingFile);
  }
  add_common_options(*run_cmd, o.common);
  run_cmd
      ->add_option("--policy", o.policy,
                   "depthwise policy: conventional, gemm_naive, gemm_dwc")
      ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}));
  run_cmd->add_option("--resolution", o.resolution, "input height and width")
      ->check(CLI::Range(32, 1024));
  run_cmd->add_option("--report", o.report, "write the JSON report to this file");
  run_cmd->add_option("--csv", o.csv, "write the per-layer CSV to this file");
  run_cmd->add_option(
      "--scalesim-report", o.scalesim_report,
      "write SCALE-Sim's COMPUTE_REPORT.csv and DETAILED_ACCESS_REPORT.csv "
      "into this folder");
  run_cmd->add_option("--dump-tensors", o.dump_tensors,
                      "write every layer's tensors as .npy files with index.json here");
  run_cmd
      ->add_option("--weights", o.weights,
                   "load weights, bias, quantisation and LUTs (and the input) from a "
                   "directory in the --dump-tensors format")
      ->check(CLI::ExistingDirectory);
  run_cmd->add_flag("--no-data", o.no_data,
                    "timing only: skip the arithmetic, keep the timing");
  run_cmd
      ->add_option("--check", o.check,
                   "golden: compare every layer with the golden reference (run on a "
                   "second thread beside the simulation); none: no comparison")
      ->check(CLI::IsMember({"golden", "none"}))
      ->capture_default_str();
  run_cmd->add_flag("--progress", o.progress, "print a progress line on stderr");
  run_cmd
      ->add_option("--order", o.order,
                   "tile loop order: row-major, scan, or auto (per layer, the one that "
                   "moves fewer DRAM bytes)")
      ->check(CLI::IsMember({"row-major", "scan", "auto"}));
  run_cmd->add_flag("--fuse", o.fuse,
                    "fuse depthwise + pointwise pairs whose intermediate fits on chip");
  run_cmd->add_flag("--fuse-blocks", o.fuse_blocks,
                    "block fusion: run chains of up to 4 layers (e.g. expand, depthwise, "
                    "project) stripe by stripe through on-chip line buffers");
  if (int code = parse_command_line(app, argc, argv); code >= 0)
    return code;
  return guarded_main([&] {
    if (list_cmd && list_cmd->parsed()) {
      if (!list_onnx.empty()) {
        onnx_import::options io;
        io.with_data = false;
        onnx_import::print_layers(std::cout, onnx_import::import_file(list_onnx, io));
        return 0;
      }
      list(std::cout, list_what);
      return 0;
    }
    if (sweep_cmd && sweep_cmd->parsed()) {
      for (const auto& s : sweep_sets)
        sw.sets.push_back(parse_sweep_set(s));
      return sweep(sw, sweep_engine, sweep_jobs);
    }
    if (collect_cmd && collect_cmd->parsed())
      return collect_sweep(collect_dir, std::cout) == 0 ? 0 : 1;
    if (explore_cmd && explore_cmd->parsed())
      return explore(explore_opts);
    return run(o, fixed_network.empty() ? "dwvp run" : fixed_network);
  });
}

} // namespace dwvp::cli
