// Run reports: the per-layer table on stdout and the JSON / CSV files (DESIGN.md
// section 4, docs/reports.md). Built from a finished network_run.
#pragma once

#include "config.h"
#include "harness.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace dwvp::scenarios {

struct layer_report {
  std::string name, type, mapping, dataflow, engine, shape;
  uint64_t macs = 0, cycles = 0, compute_cycles = 0, dma_stall_cycles = 0;
  double utilization = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double row_hit_rate = 0;
  uint64_t sram_reads = 0, sram_writes = 0, tiles = 0;
  double energy_dram_pj = 0, energy_sram_pj = 0, energy_mac_pj = 0, energy_pj = 0;
  dram_energy_parts dram_energy; // energy_dram_pj by component (dram_energy.total)
  bool checked = false, bit_exact = false;
  // SCALE-Sim's mapping efficiency (0..1) for a layer folded onto the array output or
  // weight stationary; -1 for a layer that is not (DwC datapath, ST-OS, vector unit,
  // PPU). scalesim_mapping_efficiency().
  double mapping_efficiency = -1;
};

// SCALE-Sim's mapping efficiency of a layer on an R x C array: the mean over its folds
// of used rows x used columns / (R x C) (scalesim/compute, the operand matrix Sr x Sc:
// OS Sr = output pixels, Sc = filters; WS Sr = the window kh x kw x in_c, Sc =
// filters), which is Sr x Sc / (ceil(Sr / R) x ceil(Sc / C) x R x C). A depthwise
// layer as one-filter GEMMs (gemm_naive) folds each channel alone: Sc = 1, window kh x
// kw. -1 for a layer not folded onto the array that way.
double scalesim_mapping_efficiency(const dwvp_desc& d, int rows, int cols);

struct run_report {
  std::string network, policy;
  std::vector<layer_report> layers;
  // Sums over the layers (the table's total row, the CSV's columns).
  uint64_t macs = 0;
  uint64_t cycles = 0; // sum of layer cycles
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double energy_pj = 0; // energy_mac_pj + energy_sram_pj + energy_dram_pj
  double energy_mac_pj = 0, energy_sram_pj = 0, energy_dram_pj = 0;
  // The whole simulation, firmware loading included.
  double seconds_simulated = 0;
  uint64_t simulated_cycles = 0;
  // The device's performance counters (docs/register_map.md): busy cycles include the
  // descriptor fetches and checks between layers, DRAM bytes the descriptor fetches and
  // the per-layer statistics records too.
  uint64_t device_busy_cycles = 0, device_macs = 0;
  uint64_t device_dram_read_bytes = 0, device_dram_write_bytes = 0;
  // Whole simulated run, as the summary's DRAM lines (firmware loading included).
  bool has_dram = false;
  dram_energy_parts dram_energy;
  double host_seconds = 0, simulated_cycles_per_host_second = 0;
  bool functional = true, bit_exact = false;
  bool checked = false; // compared with the golden reference (bit_exact is meaningful)
  // Host seconds per phase (construction, calibration, elaboration, simulation, golden,
  // check_wait, compare, report), in that order.
  std::vector<std::pair<std::string, double>> phases;
  std::string error; // driver/device error, first mismatch
};

run_report make_report(const config& cfg, const runtime::network& net,
                       const network_run& run, const std::string& policy);
// Sets a phase's host seconds (the report phase is known only after make_report).
void set_phase(run_report& r, const std::string& phase, double seconds);

// The JSON document: network, policy, config (every key), layers, total.
nlohmann::ordered_json to_json(const config& cfg, const run_report& r);
// Writes JSON / CSV; throws std::runtime_error naming the file if it cannot be written.
void write_json(const std::string& path, const config& cfg, const run_report& r);
void write_csv(const std::string& path, const run_report& r);
// SCALE-Sim's per-layer reports in `dir` (which must exist), in its column names, so
// the two tools' runs diff directly (docs/reports.md, "--scalesim-report"):
// COMPUTE_REPORT.csv and DETAILED_ACCESS_REPORT.csv.
void write_scalesim_report(const std::string& dir, const run_report& r);
void print_report_table(std::ostream& out, const run_report& r);
// The summary: simulated time, the layers' totals with the energy breakdown, the
// device counters (each figure a field of the JSON `total`), then the harness's
// print_run_details.
void print_summary(std::ostream& out, const network_run& run, const run_report& r);

} // namespace dwvp::scenarios
