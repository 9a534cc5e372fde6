#include "config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <ostream>

namespace dwvp {
namespace {

struct default_entry {
  const char* key;
  config_type type;
  const char* value;
  const char* description;
};

// The one table of platform defaults (DESIGN.md section 5: every figure in config).
const default_entry k_defaults[] = {
    {"clock.accel_mhz", config_type::real, "1000", "accelerator clock frequency in MHz"},
    {"sim.quantum_ns", config_type::integer, "1000",
     "global quantum for temporal decoupling, ns"},
    {"sim.max_time_ms", config_type::integer, "10000",
     "simulated time limit, ms (0..1000000000, 0 = none): a firmware still running "
     "then (e.g. spinning on a register) is reported as not finished"},
    {"bus.latency_ns", config_type::integer, "2",
     "interconnect latency per transaction, ns"},
    {"host.mmio_latency_ns", config_type::integer, "10",
     "host CPU cost of one register access beyond the bus, ns"},
    {"host.copy_bytes_per_ns", config_type::real, "8",
     "host CPU memory copy speed into or out of DRAM, bytes per ns"},
    {"dram.base", config_type::integer, "0x80000000", "DRAM base address"},
    {"dram.size_mb", config_type::integer, "512", "DRAM size in MiB"},
    {"dram.model", config_type::string, "ddr4_2400_x64",
     "DRAM timing: ddr4_2400_x64, lpddr4_3200 (channel model with banks and refresh) "
     "or fixed (dram.latency_ns + bytes / dram.bandwidth_gbps)"},
    {"dram.spec", config_type::string, "",
     "DRAM memory specification file (JSON, docs/dram.md), relative to the working "
     "directory; replaces the dram.model preset; empty = use dram.model"},
    {"dram.mapping", config_type::string, "",
     "DRAM address mapping, fields from bit 0 up (docs/dram.md); empty = the preset's "
     "or the dram.spec file's"},
    {"dram.read_queue", config_type::integer, "32",
     "DRAM controller read queue entries (bursts), 1..1024"},
    {"dram.write_queue", config_type::integer, "32",
     "DRAM controller write queue entries (bursts), 1..1024"},
    {"dram.write_high", config_type::integer, "24",
     "DRAM controller: drain writes once this many are queued (1..dram.write_queue)"},
    {"dram.write_low", config_type::integer, "8",
     "DRAM controller: stop draining writes at this many (< dram.write_high)"},
    {"dram.ctrl_latency", config_type::integer, "1",
     "DRAM controller pipeline latency, DRAM clocks (0..1000)"},
    {"dram.refresh", config_type::string, "all_bank",
     "DRAM refresh: all_bank or per_bank (needs a spec with refi_pb/rfc_pb, e.g. "
     "lpddr4_3200)"},
    {"dram.powerdown_idle", config_type::integer, "0",
     "DRAM clocks a rank stays idle before it powers down (0 = never)"},
    {"dram.latency_ns", config_type::integer, "50",
     "fixed-latency memory: access latency per transaction, ns"},
    {"dram.bandwidth_gbps", config_type::real, "19.2",
     "fixed-latency memory: transfer bandwidth, GB/s (0 = unlimited)"},
    {"accel.regs_base", config_type::integer, "0x40000000",
     "accelerator register block base"},
    {"accel.watchdog_cycles", config_type::integer, "1000000000",
     "device watchdog: accelerator cycles one descriptor may take, fetch to stats "
     "record, before it is abandoned with DWVP_ERR_TIMEOUT (0..2^48, 0 = off)"},
    {"gemm.rows", config_type::integer, "32", "systolic array rows (R)"},
    {"gemm.cols", config_type::integer, "32", "systolic array columns (C)"},
    {"gemm.schedule", config_type::string, "pipelined",
     "fold schedule: pipelined (second accumulator/weight bank, drains overlap the next "
     "fold), serial_drain (one bank), scalesim (SCALE-Sim v2's closed form)"},
    {"gemm.dataflow", config_type::string, "os",
     "dataflow of conv2d, pointwise, FC and gemm_naive depthwise layers: os or ws "
     "(a topology CSV's Dataflow column overrides it per layer)"},
    {"timing.model", config_type::string, "physical",
     "compute timing: physical (the hardware under gemm.schedule) or fuse_paper (the "
     "FuSeConv authors' latency accounting, docs/timing.md)"},
    {"vector.lanes", config_type::integer, "32",
     "vector (SIMD) unit lanes: MACs per cycle, one channel per lane"},
    {"vector.buffer_kb", config_type::integer, "32",
     "vector unit's own memory per operand (input, weights, output), KiB, two halves"},
    {"vector.pipeline", config_type::integer, "4",
     "vector unit pipeline depth: cycles from first operand to first result"},
    {"sram.input_kb", config_type::integer, "256",
     "input buffer, KiB (two ping-pong halves)"},
    {"sram.weight_kb", config_type::integer, "256",
     "weight buffer (weights, bias, requantisation), KiB (two halves)"},
    {"sram.output_kb", config_type::integer, "128", "output buffer, KiB (two halves)"},
    {"sram.port_bytes", config_type::integer, "32",
     "bytes per SRAM access per bank (energy counts, feed bandwidth)"},
    {"sram.banks", config_type::integer, "16",
     "SRAM banks accessed in parallel: the buffers feed banks x port_bytes per cycle"},
    {"dma.burst_bytes", config_type::integer, "256", "largest DMA burst, bytes"},
    {"dma.outstanding", config_type::integer, "8",
     "DMA bursts in flight per engine and direction (reads, writes), across transfers"},
    {"ppu.lanes", config_type::integer, "32",
     "post-processing unit lanes (outputs requantised per cycle)"},
    {"sim.functional", config_type::boolean, "true",
     "compute values (false: timing only, outputs are zero; --no-data)"},
    {"fault.tile_input_offset", config_type::integer, "0",
     "fault injection for testing checkers: bytes added to the DRAM input address of "
     "every tile but a layer's first (a tile-address bug); 0 = none"},
    {"energy.mac_pj", config_type::real, "0.25", "energy of one int8 MAC, pJ"},
    {"energy.sram_access_pj", config_type::real, "6",
     "energy of one SRAM access of sram.port_bytes, pJ"},
    {"log.level", config_type::string, "warn",
     "default log level: trace, debug, info, warn, error, off"},
    {"log.modules", config_type::string, "",
     "per-module levels, e.g. 'cmd_proc=info,dma=debug,bus=trace'"},
};

const char* type_name(config_type t) {
  switch (t) {
  case config_type::integer:
    return "integer";
  case config_type::real:
    return "real";
  case config_type::boolean:
    return "boolean";
  case config_type::string:
    return "string";
  }
  return "?";
}

// Returns the canonical text of `text` as type `t`, or throws with a reason.
std::string canonical(config_type t, const std::string& text) {
  switch (t) {
  case config_type::integer: {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 0);
    if (text.empty() || *end != '\0' || errno == ERANGE)
      throw std::invalid_argument("expected an integer, got '" + text + "'");
    return std::to_string(v);
  }
  case config_type::real: {
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
      throw std::invalid_argument("expected a number, got '" + text + "'");
    return text;
  }
  case config_type::boolean:
    if (text == "true" || text == "1" || text == "yes" || text == "on")
      return "true";
    if (text == "false" || text == "0" || text == "no" || text == "off")
      return "false";
    throw std::invalid_argument("expected true or false, got '" + text + "'");
  case config_type::string:
    return text;
  }
  return text;
}

void flatten(const YAML::Node& node, const std::string& prefix,
             std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else {
    out.emplace_back(prefix, node);
  }
}

} // namespace

config::config() {
  for (const auto& d : k_defaults) {
    m_index[d.key] = m_entries.size();
    m_entries.push_back({d.key, d.type, canonical(d.type, d.value), d.description,
                         canonical(d.type, d.value), "default"});
  }
}

void config::set(const std::string& key, const std::string& value,
                 const std::string& origin) {
  auto it = m_index.find(key);
  if (it == m_index.end())
    throw config_error(origin + ": unknown configuration key '" + key +
                       "' (dwvp --dump-config lists the keys)");
  config_entry& e = m_entries[it->second];
  try {
    e.value = canonical(e.type, value);
  } catch (const std::invalid_argument& ex) {
    throw config_error(origin + ": key '" + key + "': " + ex.what());
  }
  e.origin = origin;
}

void config::set_assignment(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error("--set: expected key=value, got '" + assignment + "'");
  set(assignment.substr(0, eq), assignment.substr(eq + 1), "--set");
}

void config::load_yaml(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw config_error(path + ": cannot open configuration file");
  } catch (const YAML::Exception& ex) {
    throw config_error(path + ":" + std::to_string(ex.mark.line + 1) + ": " + ex.msg);
  }
  if (root.IsNull())
    return;
  if (!root.IsMap())
    throw config_error(path + ": top level must be a map of keys");
  std::vector<std::pair<std::string, YAML::Node>> flat;
  flatten(root, "", flat);
  for (const auto& [key, node] : flat) {
    std::string where = path + ":" + std::to_string(node.Mark().line + 1);
    if (!node.IsScalar())
      throw config_error(where + ": key '" + key + "' must have a scalar value");
    set(key, node.Scalar(), where);
  }
}

const config_entry& config::find(const std::string& key, config_type expected) const {
  auto it = m_index.find(key);
  if (it == m_index.end())
    throw config_error("unknown configuration key '" + key + "'");
  const config_entry& e = m_entries[it->second];
  if (e.type != expected)
    throw config_error("configuration key '" + key + "' is " + type_name(e.type) +
                       ", read as " + type_name(expected));
  return e;
}

int64_t config::get_int(const std::string& key) const {
  return std::stoll(find(key, config_type::integer).value);
}

uint64_t config::get_uint(const std::string& key) const {
  const config_entry& e = find(key, config_type::integer);
  int64_t v = std::stoll(e.value);
  if (v < 0)
    throw config_error(e.origin + ": key '" + key + "' must not be negative, got " +
                       e.value);
  return static_cast<uint64_t>(v);
}

double config::get_real(const std::string& key) const {
  return std::stod(find(key, config_type::real).value);
}

bool config::get_bool(const std::string& key) const {
  return find(key, config_type::boolean).value == "true";
}

const std::string& config::get_string(const std::string& key) const {
  return find(key, config_type::string).value;
}

void config::dump(std::ostream& out) const {
  for (const auto& e : m_entries) {
    out << std::left << std::setw(26) << e.key << " = " << std::setw(12)
        << (e.type == config_type::string ? "'" + e.value + "'" : e.value) << " # "
        << type_name(e.type) << ", default " << e.default_value << ": " << e.description
        << "\n";
  }
}

} // namespace dwvp
