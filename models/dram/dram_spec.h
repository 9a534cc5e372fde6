// DRAM device/channel specification and address mapping (plain C++, no SystemC).
//
// A dram_spec is the typed equivalent of a DRAMSys memspec: geometry, JEDEC timings in
// clock cycles and IDD currents for a DRAMPower-style energy estimate. Presets are
// built in (see dram_spec.cpp for the datasheet sources); any field can be overridden
// by name so that a platform config file can describe another part.
//
// The address mapping says which physical-address bits select the byte offset, column,
// bank group, bank, row and rank. It is written least significant field first, e.g.
//   "offset column:3 bank_group column:7 bank row rank"
// (see docs/dram.md for the full syntax).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dwvp::dram {

struct dram_spec {
  std::string standard = "ddr4_2400_x64"; // preset name or a free label

  // Geometry of one channel.
  uint32_t tck_ps = 833;          // clock period (data moves on both edges)
  uint32_t bus_width_bits = 64;   // channel data bus width
  uint32_t device_width_bits = 8; // width of one device (devices per rank = bus / this)
  uint32_t burst_length = 8;      // beats per column command
  uint32_t ranks = 1;
  uint32_t bank_groups = 4; // 1 for standards without bank groups
  uint32_t banks_per_group = 4;
  uint32_t rows = 65536;
  uint32_t columns = 1024; // per device row; one column = one beat

  // Timings in clock cycles.
  uint32_t cl = 16;     // read latency, RD to first data beat
  uint32_t cwl = 12;    // write latency, WR to first data beat
  uint32_t rcd = 16;    // ACT to RD/WR
  uint32_t rp = 16;     // PRE to ACT
  uint32_t ras = 39;    // ACT to PRE
  uint32_t rc = 55;     // ACT to ACT, same bank
  uint32_t ccd_s = 4;   // RD/WR to RD/WR, different bank group
  uint32_t ccd_l = 6;   // RD/WR to RD/WR, same bank group
  uint32_t rrd_s = 4;   // ACT to ACT, different bank group
  uint32_t rrd_l = 6;   // ACT to ACT, same bank group
  uint32_t faw = 26;    // window holding at most four ACTs (per rank)
  uint32_t wr = 18;     // end of write data to PRE (write recovery)
  uint32_t wtr_s = 3;   // end of write data to RD, different bank group
  uint32_t wtr_l = 9;   // end of write data to RD, same bank group
  uint32_t rtp = 9;     // RD to PRE
  uint32_t rtw = 10;    // RD to WR command spacing (bus turnaround)
  uint32_t refi = 9360; // average refresh interval (all-bank, per rank)
  uint32_t rfc = 421;   // all-bank refresh cycle time
  uint32_t rtrs = 1;    // rank-to-rank switch: idle clocks on the data bus
  uint32_t xp = 8;      // power-down exit to the next command
  uint32_t cke = 6;     // minimum power-down residency (CKE low)
  uint32_t refi_pb = 0; // per-bank refresh interval (0: no per-bank refresh)
  uint32_t rfc_pb = 0;  // per-bank refresh cycle time

  // Currents (mA) per device and supply (V), as DRAMPower uses them.
  double idd0 = 48.0;   // one bank ACT-PRE cycling at tRC
  double idd2n = 34.0;  // precharge standby
  double idd3n = 43.0;  // active standby
  double idd4r = 135.0; // burst read
  double idd4w = 123.0; // burst write
  double idd5b = 250.0; // burst (all-bank) refresh
  double idd2p = 25.0;  // precharge power-down
  double idd3p = 37.0;  // active power-down
  double idd5pb = 0.0;  // per-bank refresh (0 when the standard has none)
  double vdd = 1.2;

  // Derived values.
  uint32_t bus_bytes() const { return bus_width_bits / 8; }
  uint32_t burst_bytes() const { return bus_bytes() * burst_length; }
  uint32_t burst_cycles() const { return burst_length / 2; } // double data rate
  uint32_t devices_per_rank() const { return bus_width_bits / device_width_bits; }
  uint32_t banks_per_rank() const { return bank_groups * banks_per_group; }
  uint64_t capacity_bytes() const;
  // Peak data bandwidth in GB/s (1e9 bytes/s) for this tck_ps.
  double peak_bandwidth_gbps() const;
};

// Controller parameters: the scheduler in front of the device (docs/dram.md).
enum class refresh_mode : uint8_t { all_bank, per_bank };
struct controller_params {
  uint32_t read_queue = 32;  // read request entries (bursts)
  uint32_t write_queue = 32; // write request entries (bursts)
  uint32_t write_high = 24;  // switch to writes when this many are queued ...
  uint32_t write_low = 8;    // ... and back to reads when this few remain
  uint32_t latency = 1;      // controller pipeline, clocks before the first command
  refresh_mode refresh = refresh_mode::all_bank;
  uint32_t powerdown_idle = 0; // clocks idle before a rank powers down (0: never)
};

// A field of a dram_spec or controller_params that is out of range or inconsistent.
// what() is the whole message ("dram spec field 'rc' must be >= ras"); field() the
// member name ("rc") and reason() the rest ("must be >= ras"), so that a loader can
// name the field in its own terms (a memspec path, a config key).
class field_error : public std::invalid_argument {
public:
  field_error(const std::string& message, std::string field, std::string reason)
      : std::invalid_argument(message), m_field(std::move(field)),
        m_reason(std::move(reason)) {}
  const std::string& field() const { return m_field; }
  const std::string& reason() const { return m_reason; }

private:
  std::string m_field, m_reason;
};

// "all_bank" / "per_bank"; parse returns false for anything else.
const char* to_string(refresh_mode mode);
bool parse_refresh_mode(std::string_view text, refresh_mode& out);
// One line: "read queue 32, write queue 32 (drain 24 -> 8), latency 1 clock, refresh
// all_bank, power-down off".
std::string describe(const controller_params& params);

// Throws field_error naming the first inconsistent field.
void validate(const dram_spec& spec);
// Throws field_error naming the field ("read_queue", ...) that is out of range for this
// spec (per-bank refresh needs refi_pb and rfc_pb).
void validate(const controller_params& params, const dram_spec& spec);

// Built-in presets: "ddr4_2400_x64" (default) and "lpddr4_3200".
std::vector<std::string> preset_names();
dram_spec preset(std::string_view name); // throws std::invalid_argument if unknown

// Sets one field by its member name ("tck_ps", "cl", "idd0", ...; "standard" is not
// numeric and not accepted here). Throws std::invalid_argument naming an unknown field
// or a value that does not fit.
void set_field(dram_spec& spec, std::string_view name, double value);

// Spec from a JSON object: {"preset": "lpddr4_3200", "cl": 30, ...}. Starts from the
// named preset (default ddr4_2400_x64), applies every other key with set_field and
// validates. Unknown keys are errors.
dram_spec spec_from_json(const nlohmann::json& j);
nlohmann::json spec_to_json(const dram_spec& spec);

// ---------------------------------------------------------------------------------
// Memory specification files (docs/dram.md, "Memory specification files"):
//   {"memspec": {"name": ..., "standard": "DDR4", "organisation": {...},
//                "timing": {...}, "power": {...}, "mapping": "offset column:3 ..."}}
// Every numeric field of dram_spec is in exactly one of the three sections and every
// one is required; unknown keys, wrong types and out-of-range values are errors naming
// the key path ("memspec.timing.rcd: missing").

struct memspec {
  dram_spec spec;      // spec.standard holds memspec.name
  std::string family;  // memspec.standard: "DDR4", "LPDDR4", ... (a label)
  std::string mapping; // address mapping text; empty for the flat form (default)
};

// The section ("organisation", "timing" or "power") a numeric field belongs to;
// nullptr for a name that is not a numeric dram_spec field.
const char* memspec_section(std::string_view field);

// Parses the structured form (the whole document, {"memspec": {...}}) and validates
// the spec and the mapping. Throws std::invalid_argument "<key path>: <problem>".
memspec memspec_from_json(const nlohmann::json& document);

// Reads a spec file in the structured form or, when the top level has no "memspec"
// key, in the flat form of spec_from_json (mapping left empty). Throws
// std::invalid_argument prefixed with the path: "x.json: memspec.timing.rcd: missing",
// "x.json: cannot open", "x.json: JSON parse error at line 3, column 5: ...".
memspec load_memspec_file(const std::string& path);

// The structured form of a spec and a mapping text (parsed against the spec to check
// it). `family` defaults to the upper-cased part of spec.standard before its first
// '_' ("ddr4_2400_x64" -> "DDR4").
nlohmann::ordered_json memspec_to_json(const dram_spec& spec,
                                       const std::string& mapping_text,
                                       const std::string& family = "");

// ---------------------------------------------------------------------------------
// Address mapping

enum class addr_field : uint8_t { offset, column, bank_group, bank, row, rank };
constexpr int addr_field_count = 6;
const char* to_string(addr_field f);

// A run of `width` address bits starting at `addr_lsb` that carries bits
// [field_lsb, field_lsb + width) of `field`.
struct mapping_piece {
  addr_field field;
  uint8_t addr_lsb;
  uint8_t field_lsb;
  uint8_t width;
};

struct dram_address {
  uint32_t rank = 0;
  uint32_t bank_group = 0;
  uint32_t bank = 0; // within its bank group
  uint32_t row = 0;
  uint32_t column = 0;
  uint32_t offset = 0;
};

class address_mapping {
public:
  // Parses the textual form against the spec's field sizes. Throws
  // std::invalid_argument naming the offending field or token.
  static address_mapping parse(std::string_view text, const dram_spec& spec);
  // Sequential streams stay in one row per bank and rotate bank groups per burst.
  static address_mapping default_for(const dram_spec& spec);
  static std::string default_text(const dram_spec& spec);

  dram_address decode(uint64_t address) const {
    uint32_t f[addr_field_count] = {};
    for (const mapping_piece& p : m_pieces) {
      const uint32_t bits = static_cast<uint32_t>(address >> p.addr_lsb) & mask(p.width);
      f[static_cast<int>(p.field)] |= bits << p.field_lsb;
    }
    return {f[5], f[2], f[3], f[4], f[1], f[0]};
  }

  const std::vector<mapping_piece>& pieces() const { return m_pieces; }
  uint32_t address_bits() const { return m_address_bits; }
  // Canonical text (every piece with its width), parseable again.
  std::string to_string() const;

private:
  static uint32_t mask(uint32_t width) {
    return width >= 32 ? 0xffffffffu : (1u << width) - 1u;
  }
  std::vector<mapping_piece> m_pieces;
  uint32_t m_address_bits = 0;
};

} // namespace dwvp::dram
