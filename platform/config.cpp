#include "config.h"

#include <yaml-cpp/yaml.h>

#include "input_file.h"

#include <charconv>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <utility>

namespace dwvp {
namespace {

// A numeric key's valid values: lo..hi, and 0 as well when zero_too (0 = off).
struct value_range {
  double lo = 0, hi = -1; // hi < lo: no range (strings, booleans)
  bool zero_too = false;
};
constexpr value_range k_no_range{};
constexpr value_range between(double lo, double hi) {
  return {lo, hi, false};
}
constexpr value_range zero_or(double lo, double hi) {
  return {lo, hi, true};
}

struct default_entry {
  const char* key;
  config_type type;
  const char* value;
  value_range range;
  const char* description;
};

// Bounds of timing keys: latencies of at most 1 ms per transaction and rates of at least
// 0.001 bytes per ns (a 64 KiB burst then takes 66 ms) keep every time of a run far
// inside sc_time (2^64 ps, about 213 days): 2.8e8 transactions of the slowest kind fit,
// more than any run makes.
constexpr double k_max_latency_ns = 1e6;
constexpr double k_min_rate = 1e-3, k_max_rate = 1e6;
constexpr value_range k_latency = between(0, k_max_latency_ns);
constexpr value_range k_energy = between(0, 1e6);
constexpr value_range k_kib = between(1, 65536); // up to 64 MiB: buffers are allocated

// The one table of platform defaults (DESIGN.md section 5: every figure in config).
// Every integer and real key has its valid range here; set() refuses values outside it.
const default_entry k_defaults[] = {
    {"clock.accel_mhz", config_type::real, "1000", between(1, 10000),
     "accelerator clock frequency in MHz"},
    {"sim.quantum_ns", config_type::integer, "1000", between(1, 1e9),
     "global quantum for temporal decoupling, ns"},
    {"sim.max_time_ms", config_type::integer, "10000", between(0, 1e9),
     "simulated time limit, ms (0 = none): a firmware still running then (e.g. spinning "
     "on a register) is reported as not finished"},
    {"bus.latency_ns", config_type::integer, "2", k_latency,
     "interconnect latency per transaction, ns"},
    {"host.mmio_latency_ns", config_type::integer, "10", k_latency,
     "host CPU cost of one register access beyond the bus, ns"},
    {"host.copy_bytes_per_ns", config_type::real, "8", between(k_min_rate, k_max_rate),
     "host CPU memory copy speed into or out of DRAM, bytes per ns"},
    {"host.clock_mhz", config_type::real, "1000", between(1, 10000),
     "host CPU clock frequency in MHz: the time of the cycles firmware charges with "
     "hal_charge_cycles"},
    {"dram.base", config_type::integer, "0x80000000", between(0, 4294967295.0),
     "DRAM base address (dram.base + dram.size_mb must stay below 4 GiB)"},
    {"dram.size_mb", config_type::integer, "512", between(1, 2048), "DRAM size in MiB"},
    {"dram.model", config_type::string, "ddr4_2400_x64", k_no_range,
     "DRAM timing: ddr4_2400_x64, lpddr4_3200 (channel model with banks and refresh) "
     "or fixed (dram.latency_ns + bytes / dram.bandwidth_gbps)"},
    {"dram.spec", config_type::string, "", k_no_range,
     "DRAM memory specification file (JSON, docs/dram.md), relative to the working "
     "directory; replaces the dram.model preset; empty = use dram.model"},
    {"dram.mapping", config_type::string, "", k_no_range,
     "DRAM address mapping, fields from bit 0 up (docs/dram.md); empty = the preset's "
     "or the dram.spec file's"},
    {"dram.read_queue", config_type::integer, "32", between(1, 1024),
     "DRAM controller read queue entries (bursts)"},
    {"dram.write_queue", config_type::integer, "32", between(1, 1024),
     "DRAM controller write queue entries (bursts)"},
    {"dram.write_high", config_type::integer, "24", between(1, 1024),
     "DRAM controller: drain writes once this many are queued (at most "
     "dram.write_queue)"},
    {"dram.write_low", config_type::integer, "8", between(0, 1023),
     "DRAM controller: stop draining writes at this many (< dram.write_high)"},
    {"dram.ctrl_latency", config_type::integer, "1", between(0, 1000),
     "DRAM controller pipeline latency, DRAM clocks"},
    {"dram.refresh", config_type::string, "all_bank", k_no_range,
     "DRAM refresh: all_bank or per_bank (needs a spec with refi_pb/rfc_pb, e.g. "
     "lpddr4_3200)"},
    {"dram.powerdown_idle", config_type::integer, "0", between(0, 1e9),
     "DRAM clocks a rank stays idle before it powers down (0 = never)"},
    {"dram.latency_ns", config_type::integer, "50", k_latency,
     "fixed-latency memory: access latency per transaction, ns"},
    {"dram.bandwidth_gbps", config_type::real, "19.2", zero_or(k_min_rate, k_max_rate),
     "fixed-latency memory: transfer bandwidth, GB/s (0 = unlimited)"},
    {"accel.regs_base", config_type::integer, "0x40000000", between(0, 4294963200.0),
     "accelerator register block base (the 4 KiB block lies below 4 GiB, outside DRAM)"},
    {"accel.watchdog_cycles", config_type::integer, "1000000000",
     between(0, 281474976710656.0),
     "device watchdog: accelerator cycles one descriptor may take, fetch to stats "
     "record, before it is abandoned with DWVP_ERR_TIMEOUT (up to 2^48, 0 = off)"},
    {"gemm.rows", config_type::integer, "32", between(1, 1024),
     "systolic array rows (R)"},
    {"gemm.cols", config_type::integer, "32", between(1, 1024),
     "systolic array columns (C)"},
    {"gemm.schedule", config_type::string, "pipelined", k_no_range,
     "fold schedule: pipelined (second accumulator/weight bank, drains overlap the next "
     "fold), serial_drain (one bank), scalesim (SCALE-Sim v2's closed form)"},
    {"gemm.dataflow", config_type::string, "os", k_no_range,
     "dataflow of conv2d, pointwise, FC and gemm_naive depthwise layers: os or ws "
     "(a topology CSV's Dataflow column overrides it per layer)"},
    {"timing.model", config_type::string, "physical", k_no_range,
     "compute timing: physical (the hardware under gemm.schedule) or fuse_paper (the "
     "FuSeConv authors' latency accounting, docs/timing.md)"},
    {"vector.lanes", config_type::integer, "32", between(1, 4096),
     "vector (SIMD) unit lanes: MACs per cycle, one channel per lane"},
    {"vector.buffer_kb", config_type::integer, "32", k_kib,
     "vector unit's own memory per operand (input, weights, output), KiB: two halves, "
     "or one buffer when vector.double_buffer=false"},
    {"vector.pipeline", config_type::integer, "4", between(0, 1000),
     "vector unit pipeline depth: cycles from first operand to first result"},
    {"vector.issue_interval", config_type::integer, "1", between(1, 1000),
     "vector unit: cycles from an instruction to the next that reads its result (the "
     "MACs into one accumulator); 1 = back to back (forwarding), 3 = two NOPs between "
     "(GeneSys, no forwarding)"},
    {"vector.requant_ops", config_type::integer, "0", between(0, 1000),
     "vector unit: requantisation instructions per output run on the unit in the MACs' "
     "dependent chain (GeneSys: 6); 0 = requantised on the PPU, overlapped"},
    {"vector.operand_bits", config_type::integer, "8", between(8, 32),
     "vector unit: bits per operand in its vector memory (8, 16 or 32): wider operands "
     "make its tiles smaller; values stay int8"},
    {"vector.dram_input_bits", config_type::integer, "8", between(8, 32),
     "vector unit: bits per input activation and weight in DRAM (8, 16 or 32): DRAM "
     "traffic of its layers' inputs; values stay int8"},
    {"vector.dram_output_bits", config_type::integer, "8", between(8, 32),
     "vector unit: bits per output activation written to DRAM (8, 16 or 32); values "
     "stay int8"},
    {"vector.double_buffer", config_type::boolean, "true", k_no_range,
     "vector memory in ping-pong halves (false: one buffer per operand, tiles one at a "
     "time)"},
    {"vector.dma_overlap", config_type::boolean, "true", k_no_range,
     "vector unit: the DMA loads the next tile and stores the previous one while a tile "
     "computes (false: load, compute, store in turn; needs vector.double_buffer for "
     "true)"},
    {"sram.input_kb", config_type::integer, "256", k_kib,
     "input buffer, KiB (two ping-pong halves)"},
    {"sram.weight_kb", config_type::integer, "256", k_kib,
     "weight buffer (weights, bias, requantisation), KiB (two halves)"},
    {"sram.output_kb", config_type::integer, "128", k_kib,
     "output buffer, KiB (two halves)"},
    {"sram.entry_bits", config_type::integer, "8", between(8, 16),
     "bits per activation and weight entry (8 or 16), on chip and in DRAM, for every "
     "engine: 16 halves the values a buffer holds and doubles their DRAM bytes; values "
     "stay int8"},
    {"sequencer.reuse", config_type::boolean, "true", k_no_range,
     "keep a tile's input region or weight slice for the next tile that needs the same "
     "one (false: every tile loads both: the layer-by-layer baseline without reuse "
     "across tiles)"},
    {"sram.port_bytes", config_type::integer, "32", between(1, 4096),
     "bytes per SRAM access per bank (energy counts, feed bandwidth)"},
    {"sram.banks", config_type::integer, "16", between(1, 1024),
     "SRAM banks accessed in parallel: the buffers feed banks x port_bytes per cycle"},
    {"dma.burst_bytes", config_type::integer, "256", between(1, 65536),
     "largest DMA burst, bytes"},
    {"dma.outstanding", config_type::integer, "8", between(1, 1024),
     "DMA bursts in flight per engine and direction (reads, writes), across transfers"},
    {"ppu.lanes", config_type::integer, "32", between(1, 4096),
     "post-processing unit lanes (outputs requantised per cycle)"},
    {"sim.functional", config_type::boolean, "true", k_no_range,
     "compute values (false: timing only, outputs are zero; --no-data)"},
    {"fault.tile_input_offset", config_type::integer, "0", between(-65536, 65536),
     "fault injection for testing checkers: bytes added to the DRAM input address of "
     "every tile but a layer's first (a tile-address bug); 0 = none"},
    {"energy.mac_pj", config_type::real, "0.25", k_energy, "energy of one int8 MAC, pJ"},
    {"energy.sram_access_pj", config_type::real, "6", k_energy,
     "energy of one SRAM access of sram.port_bytes, pJ"},
    {"log.level", config_type::string, "warn", k_no_range,
     "default log level: trace, debug, info, warn, error, off"},
    {"log.modules", config_type::string, "", k_no_range,
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

// Integers are decimal ("010" is ten) or hexadecimal with 0x, with an optional sign,
// and nothing after the digits.
long long parse_integer(const std::string& text) {
  const char* p = text.data();
  const char* end = p + text.size();
  const bool negative = p != end && *p == '-';
  if (p != end && (*p == '-' || *p == '+'))
    ++p;
  int base = 10;
  if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  unsigned long long magnitude = 0;
  const auto r = std::from_chars(p, end, magnitude, base);
  if (p == end || r.ptr != end ||
      (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
    throw std::invalid_argument("expected an integer, got '" + text +
                                "' (decimal, or hexadecimal with 0x)");
  const unsigned long long limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (r.ec == std::errc::result_out_of_range || magnitude > limit)
    throw std::invalid_argument("integer '" + text + "' is out of range");
  return negative ? static_cast<long long>(0 - magnitude)
                  : static_cast<long long>(magnitude);
}

double parse_real(const std::string& text) {
  const char* p = text.data();
  const char* end = p + text.size();
  if (p != end && *p == '+')
    ++p; // from_chars takes '-' only
  double v = 0;
  const auto r = std::from_chars(p, end, v);
  if (p == end || r.ec != std::errc() || r.ptr != end || !std::isfinite(v))
    throw std::invalid_argument("expected a number, got '" + text + "'");
  return v;
}

// Returns the canonical text of `text` as type `t`, or throws with a reason.
std::string canonical(config_type t, const std::string& text) {
  switch (t) {
  case config_type::integer:
    return std::to_string(parse_integer(text));
  case config_type::real:
    parse_real(text);
    return text;
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

std::string bound_text(double v, bool hex) {
  std::ostringstream s;
  if (hex)
    s << "0x" << std::hex << static_cast<uint64_t>(v);
  else
    s << std::setprecision(12) << v;
  return s.str();
}

// "1..1024", "0 or 0.001..1e+06", "0x0..0xffffffff"; empty without a range.
std::string range_text(const default_entry& d) {
  const value_range& r = d.range;
  if (r.hi < r.lo)
    return {};
  const bool hex = std::string(d.value).rfind("0x", 0) == 0;
  return (r.zero_too ? "0 or " : "") + bound_text(r.lo, hex) + ".." +
         bound_text(r.hi, hex);
}

bool in_range(const config_entry& e) {
  if (e.max < e.min)
    return true;
  if (e.type == config_type::integer) {
    const long long v = std::stoll(e.value);
    return (e.zero_too && v == 0) ||
           (v >= static_cast<long long>(e.min) && v <= static_cast<long long>(e.max));
  }
  const double v = parse_real(e.value);
  return (e.zero_too && v == 0) || (v >= e.min && v <= e.max);
}

// Configuration keys have two levels; deeper nesting is an error long before this cap.
constexpr int k_max_yaml_depth = 8;

} // namespace

config::config() {
  for (const auto& d : k_defaults) {
    m_index[d.key] = m_entries.size();
    const std::string value = canonical(d.type, d.value);
    const config_entry e{
        d.key,     d.type,     value,      d.description,    value,
        "default", d.range.lo, d.range.hi, d.range.zero_too, range_text(d)};
    if (!in_range(e))
      throw std::logic_error("config default of '" + e.key + "' is outside its range");
    m_entries.push_back(e);
  }
}

void config::set(const std::string& key, const std::string& value,
                 const std::string& origin) {
  auto it = m_index.find(key);
  if (it == m_index.end())
    throw config_error(origin + ": unknown configuration key '" + key +
                       "' (dwvp run --dump-config lists the keys)");
  config_entry& e = m_entries[it->second];
  config_entry next = e;
  try {
    next.value = canonical(e.type, value);
  } catch (const std::invalid_argument& ex) {
    throw config_error(origin + ": key '" + key + "': " + ex.what());
  }
  if (!in_range(next))
    throw config_error(origin + ": key '" + key + "' must be " + e.range + ", got " +
                       value);
  e.value = next.value;
  e.origin = origin;
}

void config::set_assignment(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error("--set: expected key=value, got '" + assignment + "'");
  set(assignment.substr(0, eq), assignment.substr(eq + 1), "--set");
}

bool config::is_section(const std::string& prefix) const {
  const auto it = m_index.lower_bound(prefix + ".");
  return it != m_index.end() &&
         it->first.compare(0, prefix.size() + 1, prefix + ".") == 0;
}

void config::load_yaml_map(const YAML::Node& map, const std::string& prefix,
                           const std::string& path, std::vector<YAML::Node>& enclosing) {
  enclosing.push_back(map);
  for (const auto& kv : map) {
    const std::string where = path + ":" + std::to_string(kv.first.Mark().line + 1);
    if (!kv.first.IsScalar())
      throw config_error(where + ": keys must be plain names");
    const std::string key =
        prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (!value.IsMap()) {
      if (!value.IsScalar())
        throw config_error(where + ": key '" + key + "' must have a scalar value");
      set(key, value.Scalar(), where);
      continue;
    }
    // An alias back to an enclosing map would nest without end.
    for (const YAML::Node& outer : enclosing)
      if (outer.is(value))
        throw config_error(where + ": key '" + key +
                           "': an alias refers back to an enclosing map (a cycle)");
    if (static_cast<int>(enclosing.size()) >= k_max_yaml_depth)
      throw config_error(where + ": key '" + key + "' is nested deeper than " +
                         std::to_string(k_max_yaml_depth) + " levels");
    // Only sections of known keys are walked: aliases cannot multiply the work.
    if (!is_section(key))
      throw config_error(
          where + ": '" + key +
          "' is no configuration section (dwvp run --dump-config lists the "
          "keys)");
    load_yaml_map(value, key, path, enclosing);
  }
  enclosing.pop_back();
}

void config::load_yaml(const std::string& path) {
  std::string text;
  try {
    text = read_input_file(path, k_max_config_bytes, "configuration file");
  } catch (const std::invalid_argument& e) {
    throw config_error(e.what());
  }
  load_yaml_text(std::move(text), path);
}

void config::load_yaml_text(std::string text, const std::string& source) {
  if (text.size() > k_max_config_bytes)
    throw config_error(source + ": the configuration file is larger than " +
                       format_bytes(k_max_config_bytes) + " (the limit)");
  strip_utf8_bom(text);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& ex) {
    throw config_error(source + ":" + std::to_string(ex.mark.line + 1) + ": " + ex.msg);
  }
  if (root.IsNull())
    return;
  if (!root.IsMap())
    throw config_error(source + ": top level must be a map of keys");
  std::vector<YAML::Node> enclosing;
  load_yaml_map(root, "", source, enclosing);
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
  return parse_real(find(key, config_type::real).value);
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
        << type_name(e.type) << (e.range.empty() ? "" : " " + e.range) << ", default "
        << e.default_value << ": " << e.description << "\n";
  }
}

} // namespace dwvp
