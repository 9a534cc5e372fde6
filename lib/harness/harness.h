// What every scenario executable shares: command-line options, configuration, running
// a network on the SoC through the firmware, checking it against the golden reference
// and printing the per-layer table and the run summary.
#pragma once

#include "config.h"
#include "dram_channel.h"
#include "runtime.h"

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace dwvp::scenarios {

struct common_options {
  std::string config_file;
  std::vector<std::string> sets;
  std::string vcd;
  bool dump_config = false;
  uint32_t seed = 1;
};

void add_common_options(CLI::App& app, common_options& opt);

// Defaults, then the YAML file, then --set overrides; configures logging.
// Throws dwvp::config_error naming the file or key.
config build_config(const common_options& opt);

// The run's dataflow of GEMM-core layers, key gemm.dataflow: DWVP_DF_OS ("os") or
// DWVP_DF_WS ("ws"). Throws dwvp::config_error naming the key and the allowed values.
int gemm_dataflow_from(const config& cfg);

struct network_run {
  runtime::run_result result;
  std::vector<std::vector<int8_t>> golden; // per layer
  std::vector<bool> layer_exact;           // per layer that ran
  bool bit_exact = false;                  // every layer ran and matched
  std::string first_mismatch;              // "layer pw2 index 17: got 5, expected 6"
  double host_seconds = 0;
  double simulated_seconds = 0;
  uint64_t simulated_cycles = 0; // accelerator clock cycles of simulated time
  int array_rows = 0, array_cols = 0;
  std::string firmware_failure;
  std::string dram_model;      // soc::dram_label(): "fixed", the preset or spec + file
  bool has_dram_stats = false; // the DRAM channel model was used
  dram::dram_stats dram;       // whole-run DRAM statistics
  dram::controller_params dram_controller; // with has_dram_stats
  // Cumulative DRAM statistics when each layer completed (for per-layer figures), and
  // when the first layer started.
  std::vector<dram::dram_stats> dram_after_layer;
  dram::dram_stats dram_before;
  bool functional = true; // values computed (false: --no-data)
  bool checked = false;   // and compared with the golden reference (--check golden)
  // Host seconds per phase: elaboration (SoC and VCD set up), simulation (sc_start),
  // golden (the reference's own time, on a second thread beside the simulation), check
  // wait (how long the simulation's end waited for it), and the comparison.
  double elaboration_seconds = 0, golden_seconds = 0, check_wait_seconds = 0,
         compare_seconds = 0;
  // Set by the caller: building the network (layers, descriptors, constants), its
  // calibration (with the calibration cache: cached or not), and making and printing
  // the report (the report files are written after, so they cannot hold their own).
  double construction_seconds = 0, calibration_seconds = 0, report_seconds = 0;
  std::string calibration = "none"; // "cached", "computed" or "none"
  // Output files that could not be written (each "<path>: cannot write the <what>:
  // <reason>"); the caller adds its own and exits 1.
  std::vector<std::string> output_failures;
};

// DRAM energy by component, pJ: activate (ACT + PRE), read and write bursts, refresh,
// and background (the rest of dram_energy::total_pj(): standby, and power-down where
// modelled), so that the parts always sum to `total`.
struct dram_energy_parts {
  double activate = 0, read = 0, write = 0, refresh = 0, background = 0, total = 0;
};
dram_energy_parts energy_parts(const dram::dram_energy& e);
// Component-wise a - b (the energy of a window between two cumulative snapshots).
dram_energy_parts operator-(const dram_energy_parts& a, const dram_energy_parts& b);

enum class check_mode { golden, none };
// "golden" or "none"; false for anything else.
bool parse_check_mode(const std::string& text, check_mode& out);

struct simulate_options {
  std::string vcd_path;
  // golden: the golden reference runs on a second thread while the simulation runs and
  // every layer is compared; none: no reference (sweeps, studies).
  check_mode check = check_mode::golden;
  bool progress = false; // a progress line on stderr as layers complete
  int loop_order = -1;   // DWVP_ORDER_* for every layer; -1: each layer's own (row-major)
  bool fuse = false;     // fuse depthwise + pointwise pairs whose intermediate fits
  bool fuse_blocks = false; // stripe chains (block fusion), docs/memory.md
};

// Elaborates the SoC, runs the network through the firmware until it finishes and
// compares every layer with the golden reference. One call per process (SystemC
// allows one elaboration).
network_run simulate_network(const config& cfg, const runtime::network& net,
                             const std::string& vcd_path);
network_run simulate_network(const config& cfg, const runtime::network& net,
                             const simulate_options& options);

// The summary lines after the run's totals (scenarios::print_summary in report.h
// prints those first): DRAM statistics and energy of the whole run, host time and
// phases, speed, failures and the golden check's verdict.
void print_run_details(std::ostream& out, const network_run& run);
// The run's failure as the summary prints it (after its label): the driver or device
// error, else the firmware's failure, else the first golden mismatch, else "not every
// layer ran" for a checked run that stopped early; empty for a good run. The JSON
// report's `error` is this text.
std::string run_error(const network_run& run);

// Parses the command line. Returns -1 to go on, else the exit code: 0 after --help,
// 2 for bad arguments (CLI11's message is printed).
int parse_command_line(CLI::App& app, int argc, char* argv[]);

// Silences SystemC's banner, then enters the kernel (which calls sc_main).
int systemc_main(int argc, char* argv[]);

// Runs a scenario's main body, turning bad input into a message and exit code 2.
int guarded_main(const std::function<int()>& body);

} // namespace dwvp::scenarios
