#include "report.h"

#include "output_file.h"

#include "layer_timing.h"
#include "soc.h"

#include <cstring>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace dwvp::scenarios {
namespace {

const char* mapping_name(const dwvp_desc& d) {
  const bool dw = d.opcode == DWVP_OP_DEPTHWISE || d.opcode == DWVP_OP_DW_1XK ||
                  d.opcode == DWVP_OP_DW_KX1;
  if (d.dataflow == DWVP_DF_ST_OS)
    return "st_os";
  if (!dw)
    return d.opcode == DWVP_OP_ADD || d.opcode == DWVP_OP_AVG_POOL ||
                   d.opcode == DWVP_OP_CHANNEL_MUL
               ? "ppu"
               : "gemm";
  switch (d.mapping) {
  case DWVP_MAP_VECTOR:
    return "vector";
  case DWVP_MAP_CHANNEL_MVM:
    return "channel_mvm";
  default:
    return "gemm_naive";
  }
}

// The dataflow the layer ran in: the descriptor's os | ws | st_os on the GEMM core but
// for channel_mvm (weight stationary by construction), none on the vector unit and PPU.
const char* dataflow_name(const dwvp_desc& d, timing::engine unit) {
  if (unit != timing::engine::gemm)
    return "none";
  if (d.dataflow == DWVP_DF_ST_OS)
    return "st_os";
  if (d.mapping == DWVP_MAP_CHANNEL_MVM)
    return "ws";
  return d.dataflow == DWVP_DF_WS ? "ws" : "os";
}

} // namespace

void set_phase(run_report& r, const std::string& phase, double seconds) {
  for (auto& [name, s] : r.phases)
    if (name == phase)
      s = seconds;
}

double scalesim_mapping_efficiency(const dwvp_desc& d, int rows, int cols) {
  if ((d.dataflow != DWVP_DF_OS && d.dataflow != DWVP_DF_WS) || rows < 1 || cols < 1)
    return -1;
  const bool naive_depthwise =
      d.opcode == DWVP_OP_DEPTHWISE && d.mapping == DWVP_MAP_GEMM_NAIVE;
  if (d.opcode != DWVP_OP_CONV2D && d.opcode != DWVP_OP_POINTWISE &&
      d.opcode != DWVP_OP_FC && !naive_depthwise)
    return -1;
  const uint64_t window =
      uint64_t{d.kernel_h} * d.kernel_w * (naive_depthwise ? 1u : uint64_t{d.in_c});
  const uint64_t filters = naive_depthwise ? 1 : d.out_c;
  const uint64_t sr = d.dataflow == DWVP_DF_OS ? uint64_t{d.out_h} * d.out_w : window;
  const uint64_t sc = filters;
  const uint64_t r = static_cast<uint64_t>(rows), c = static_cast<uint64_t>(cols);
  const uint64_t folds = (sr + r - 1) / r * ((sc + c - 1) / c);
  return double(sr) * double(sc) / (double(folds) * double(r) * double(c));
}

run_report make_report(const config& cfg, const runtime::network& net,
                       const network_run& run, const std::string& policy) {
  run_report r;
  r.network = net.name;
  r.policy = policy;
  r.functional = run.functional;
  r.checked = run.checked;
  r.phases = {{"construction", run.construction_seconds},
              {"calibration", run.calibration_seconds},
              {"elaboration", run.elaboration_seconds},
              {"simulation", run.host_seconds},
              {"golden", run.golden_seconds},
              {"check_wait", run.check_wait_seconds},
              {"compare", run.compare_seconds},
              {"report", run.report_seconds}};
  r.bit_exact = run.bit_exact;
  r.error = run_error(run);
  const models::accel_params p = accel_params_from(cfg);
  const timing::compute_config cc = compute_config_from(p);
  const double mac_pj = cfg.get_real("energy.mac_pj");
  const double sram_pj = cfg.get_real("energy.sram_access_pj");
  for (size_t i = 0; i < run.result.layers.size(); ++i) {
    const auto& st = run.result.layers[i].stats;
    const dwvp_desc& d = net.layers[i].desc;
    layer_report l;
    l.name = net.layers[i].name;
    l.type = timing::opcode_name(d.opcode);
    l.mapping = mapping_name(d);
    const auto t = timing::layer_compute(d, cc);
    l.dataflow = dataflow_name(d, t.unit);
    l.engine = timing::engine_name(t.unit);
    if (t.unit == timing::engine::gemm)
      l.mapping_efficiency = scalesim_mapping_efficiency(d, cc.array.rows, cc.array.cols);
    std::ostringstream shape;
    shape << d.in_h << "x" << d.in_w << "x" << d.in_c << "->" << d.out_h << "x" << d.out_w
          << "x" << d.out_c;
    if (d.kernel_h > 1 || d.kernel_w > 1)
      shape << " k" << int(d.kernel_h) << "x" << int(d.kernel_w) << " s"
            << int(d.stride_h);
    l.shape = shape.str();
    l.macs = st.macs;
    l.cycles = st.total_cycles;
    l.compute_cycles = st.compute_cycles;
    l.dma_stall_cycles = st.dma_cycles;
    const double units = t.unit == timing::engine::vector ? p.vector_lanes
                         : t.unit == timing::engine::gemm
                             ? double(p.array.rows) * p.array.cols
                             : 0.0;
    l.utilization =
        units && st.compute_cycles ? st.macs / (st.compute_cycles * units) : 0.0;
    l.dram_read_bytes = st.dram_read_bytes;
    l.dram_write_bytes = st.dram_write_bytes;
    l.sram_reads = st.sram_reads;
    l.sram_writes = st.sram_writes;
    l.tiles = st.tiles;
    if (i < run.dram_after_layer.size()) {
      const auto& now = run.dram_after_layer[i];
      const auto& before = i ? run.dram_after_layer[i - 1] : run.dram_before;
      const uint64_t bursts = now.bursts - before.bursts;
      l.row_hit_rate = bursts ? double(now.row_hits - before.row_hits) / bursts : 0.0;
      l.dram_energy = energy_parts(now.energy) - energy_parts(before.energy);
      l.energy_dram_pj = l.dram_energy.total;
    }
    l.energy_sram_pj = sram_pj * double(st.sram_reads + st.sram_writes);
    l.energy_mac_pj = mac_pj * double(st.macs);
    l.energy_pj = l.energy_dram_pj + l.energy_sram_pj + l.energy_mac_pj;
    l.checked = run.checked && i < run.layer_exact.size();
    l.bit_exact = l.checked && run.layer_exact[i];
    r.macs += l.macs;
    r.cycles += l.cycles;
    r.dram_read_bytes += l.dram_read_bytes;
    r.dram_write_bytes += l.dram_write_bytes;
    r.energy_pj += l.energy_pj;
    r.energy_mac_pj += l.energy_mac_pj;
    r.energy_sram_pj += l.energy_sram_pj;
    r.energy_dram_pj += l.energy_dram_pj;
    r.layers.push_back(std::move(l));
  }
  r.has_dram = run.has_dram_stats;
  if (r.has_dram)
    r.dram_energy = energy_parts(run.dram.energy);
  r.seconds_simulated = run.simulated_seconds;
  r.simulated_cycles = run.simulated_cycles;
  r.device_busy_cycles = run.result.perf[DWVP_PERF_BUSY_CYCLES];
  r.device_macs = run.result.perf[DWVP_PERF_MACS];
  r.device_dram_read_bytes = run.result.perf[DWVP_PERF_DRAM_RD_BYTES];
  r.device_dram_write_bytes = run.result.perf[DWVP_PERF_DRAM_WR_BYTES];
  r.host_seconds = run.host_seconds;
  r.simulated_cycles_per_host_second =
      run.host_seconds > 0 ? run.simulated_cycles / run.host_seconds : 0.0;
  return r;
}

namespace {

nlohmann::ordered_json parts_json(const dram_energy_parts& e) {
  return {{"activate", e.activate},
          {"read", e.read},
          {"write", e.write},
          {"refresh", e.refresh},
          {"background", e.background}};
}

} // namespace

nlohmann::ordered_json to_json(const config& cfg, const run_report& r) {
  nlohmann::ordered_json j;
  j["network"] = r.network;
  j["policy"] = r.policy;
  nlohmann::ordered_json c;
  for (const auto& e : cfg.entries()) {
    switch (e.type) {
    case config_type::integer:
      c[e.key] = std::stoll(e.value);
      break;
    case config_type::real:
      c[e.key] = std::stod(e.value);
      break;
    case config_type::boolean:
      c[e.key] = e.value == "true";
      break;
    case config_type::string:
      c[e.key] = e.value;
      break;
    }
  }
  j["config"] = c;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& l : r.layers) {
    nlohmann::ordered_json x;
    x["name"] = l.name;
    x["type"] = l.type;
    x["mapping"] = l.mapping;
    x["dataflow"] = l.dataflow;
    x["engine"] = l.engine;
    x["shape"] = l.shape;
    x["macs"] = l.macs;
    x["cycles"] = l.cycles;
    x["compute_cycles"] = l.compute_cycles;
    x["dma_stall_cycles"] = l.dma_stall_cycles;
    x["utilization"] = l.utilization;
    x["dram_read_bytes"] = l.dram_read_bytes;
    x["dram_write_bytes"] = l.dram_write_bytes;
    x["row_hit_rate"] = l.row_hit_rate;
    x["sram_reads"] = l.sram_reads;
    x["sram_writes"] = l.sram_writes;
    x["tiles"] = l.tiles;
    x["energy_pj"] = l.energy_pj;
    x["energy_breakdown_pj"] = {
        {"dram", l.energy_dram_pj}, {"sram", l.energy_sram_pj}, {"mac", l.energy_mac_pj}};
    x["dram_energy_breakdown_pj"] = parts_json(l.dram_energy);
    if (l.checked)
      x["bit_exact"] = l.bit_exact;
    else
      x["bit_exact"] = nullptr;
    layers.push_back(x);
  }
  j["layers"] = layers;
  nlohmann::ordered_json t;
  t["macs"] = r.macs;
  t["cycles"] = r.cycles;
  t["seconds_simulated"] = r.seconds_simulated;
  t["simulated_cycles"] = r.simulated_cycles;
  t["dram_read_bytes"] = r.dram_read_bytes;
  t["dram_write_bytes"] = r.dram_write_bytes;
  t["energy_pj"] = r.energy_pj;
  t["energy_breakdown_pj"] = {
      {"mac", r.energy_mac_pj}, {"sram", r.energy_sram_pj}, {"dram", r.energy_dram_pj}};
  t["device"] = {{"busy_cycles", r.device_busy_cycles},
                 {"macs", r.device_macs},
                 {"dram_read_bytes", r.device_dram_read_bytes},
                 {"dram_write_bytes", r.device_dram_write_bytes}};
  if (r.has_dram) {
    t["dram_energy_pj"] = r.dram_energy.total;
    t["dram_energy_breakdown_pj"] = parts_json(r.dram_energy);
  } else {
    t["dram_energy_pj"] = nullptr;
    t["dram_energy_breakdown_pj"] = nullptr;
  }
  t["host_seconds"] = r.host_seconds;
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [name, seconds] : r.phases)
    phases[name] = seconds;
  t["host_phase_seconds"] = phases;
  t["simulated_cycles_per_host_second"] = r.simulated_cycles_per_host_second;
  if (r.checked)
    t["bit_exact"] = r.bit_exact;
  else
    t["bit_exact"] = nullptr;
  if (!r.error.empty())
    t["error"] = r.error;
  j["total"] = t;
  return j;
}

void write_json(const std::string& path, const config& cfg, const run_report& r) {
  write_output(path, "JSON report", to_json(cfg, r).dump(2) + "\n");
}

void write_csv(const std::string& path, const run_report& r) {
  output_file file(path, "CSV report");
  std::ostream& out = file.stream();
  out << "name,type,mapping,dataflow,engine,shape,macs,cycles,compute_cycles,"
         "dma_stall_cycles,utilization,dram_read_bytes,dram_write_bytes,row_hit_rate,"
         "sram_reads,sram_writes,tiles,energy_pj,energy_dram_pj,dram_activate_pj,"
         "dram_read_pj,dram_write_pj,dram_refresh_pj,dram_background_pj,bit_exact\n";
  for (const auto& l : r.layers) {
    out << std::setprecision(6) << l.name << "," << l.type << "," << l.mapping << ","
        << l.dataflow << "," << l.engine << ",\"" << l.shape << "\"," << l.macs << ","
        << l.cycles << "," << l.compute_cycles << "," << l.dma_stall_cycles << ","
        << l.utilization << "," << l.dram_read_bytes << "," << l.dram_write_bytes << ","
        << l.row_hit_rate << "," << l.sram_reads << "," << l.sram_writes << ","
        << l.tiles;
    // Energies with 12 significant digits, so that the parts add up to the totals.
    const dram_energy_parts& e = l.dram_energy;
    out << std::setprecision(12);
    for (double v :
         {l.energy_pj, e.total, e.activate, e.read, e.write, e.refresh, e.background})
      out << "," << v;
    out << "," << (l.checked ? (l.bit_exact ? "yes" : "no") : "") << "\n";
  }
  file.commit();
}

void write_scalesim_report(const std::string& dir, const run_report& r) {
  {
    // SCALE-Sim v2's COMPUTE_REPORT.csv: Overall Util over all cycles, Compute Util
    // over the compute cycles, the mapping efficiency of the folds (empty for a layer
    // not folded onto the array).
    output_file file(dir + "/COMPUTE_REPORT.csv", "SCALE-Sim compute report");
    std::ostream& out = file.stream();
    out << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, "
           "Compute Util %,\n";
    for (size_t i = 0; i < r.layers.size(); ++i) {
      const layer_report& l = r.layers[i];
      const double overall =
          l.cycles ? 100.0 * l.utilization * double(l.compute_cycles) / double(l.cycles)
                   : 0;
      out << std::setprecision(6) << i << ", " << l.cycles << ", " << l.dma_stall_cycles
          << ", " << overall << ", ";
      if (l.mapping_efficiency >= 0)
        out << 100.0 * l.mapping_efficiency;
      out << ", " << 100.0 * l.utilization << ",\n";
    }
    file.commit();
  }
  // Accesses: the platform counts on-chip buffer words and DRAM bytes per layer, all
  // operands together (SCALE-Sim splits them into IFMAP, Filter and OFMAP).
  output_file file(dir + "/DETAILED_ACCESS_REPORT.csv", "SCALE-Sim access report");
  std::ostream& out = file.stream();
  out << "LayerID, SRAM Reads, SRAM Writes, DRAM Reads, DRAM Writes,\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const layer_report& l = r.layers[i];
    out << i << ", " << l.sram_reads << ", " << l.sram_writes << ", " << l.dram_read_bytes
        << ", " << l.dram_write_bytes << ",\n";
  }
  file.commit();
}

void print_report_table(std::ostream& out, const run_report& r) {
  // Text columns as wide as their longest entry (never cut), plus one space.
  auto width = [&](const char* header, std::string layer_report::*field) {
    size_t w = std::strlen(header);
    for (const auto& l : r.layers)
      w = std::max(w, (l.*field).size());
    return static_cast<int>(w + 1);
  };
  const int name_w = width("layer", &layer_report::name);
  const int type_w = width("type", &layer_report::type);
  const int mapping_w = width("mapping", &layer_report::mapping);
  const int dataflow_w = width("dataflow", &layer_report::dataflow);
  const int shape_w = width("shape", &layer_report::shape);
  out << std::left << std::setw(name_w) << "layer" << std::setw(type_w) << "type"
      << std::setw(mapping_w) << "mapping" << std::setw(dataflow_w) << "dataflow"
      << std::setw(shape_w) << "shape" << std::right << std::setw(11) << "MACs"
      << std::setw(10) << "cycles" << std::setw(10) << "compute" << std::setw(9)
      << "stall" << std::setw(7) << "util%" << std::setw(10) << "DRAM KiB" << std::setw(6)
      << "hit%" << std::setw(6) << "exact"
      << "\n";
  uint64_t macs = 0;
  for (const auto& l : r.layers) {
    macs += l.macs;
    out << std::left << std::setw(name_w) << l.name << std::setw(type_w) << l.type
        << std::setw(mapping_w) << l.mapping << std::setw(dataflow_w) << l.dataflow
        << std::setw(shape_w) << l.shape << std::right << std::setw(11) << l.macs
        << std::setw(10) << l.cycles << std::setw(10) << l.compute_cycles << std::setw(9)
        << l.dma_stall_cycles << std::setw(7) << std::fixed << std::setprecision(1)
        << 100 * l.utilization << std::setw(10)
        << (l.dram_read_bytes + l.dram_write_bytes) / 1024 << std::setw(6)
        << 100 * l.row_hit_rate << std::setw(6)
        << (l.checked ? (l.bit_exact ? "yes" : "NO") : "-") << "\n";
  }
  out << std::left << std::setw(name_w) << "total"
      << std::setw(type_w + mapping_w + dataflow_w + shape_w) << "" << std::right
      << std::setw(11) << macs << std::setw(10) << r.cycles << "\n";
}

void print_summary(std::ostream& out, const network_run& run, const run_report& r) {
  out << std::fixed << std::setprecision(3);
  out << "simulated time    " << r.seconds_simulated * 1e6 << " us ("
      << r.simulated_cycles << " accelerator cycles)\n";
  out << "layers            " << r.cycles << " cycles, " << r.macs << " MACs, DRAM read "
      << r.dram_read_bytes << " B, written " << r.dram_write_bytes << " B\n";
  out << "layer energy      " << r.energy_pj / 1e6 << " uJ = MAC "
      << r.energy_mac_pj / 1e6 << " + SRAM " << r.energy_sram_pj / 1e6 << " + DRAM "
      << r.energy_dram_pj / 1e6 << " uJ\n";
  out << "device counters   busy " << r.device_busy_cycles << " cycles, " << r.device_macs
      << " MACs, DRAM read " << r.device_dram_read_bytes << " B, written "
      << r.device_dram_write_bytes
      << " B (descriptors and statistics records included)\n";
  print_run_details(out, run);
}

} // namespace dwvp::scenarios
