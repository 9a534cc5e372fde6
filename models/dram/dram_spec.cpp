#include "dram_spec.h"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dwvp::dram {
namespace {

bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

uint32_t log2_exact(uint64_t v) {
  uint32_t n = 0;
  while ((uint64_t{1} << n) < v) {
    ++n;
  }
  return n;
}

[[noreturn]] void fail(const std::string& field, const std::string& why) {
  throw field_error("dram spec field '" + field + "' " + why, field, why);
}

[[noreturn]] void controller_fail(const std::string& field, const std::string& why) {
  throw field_error("dram controller field '" + field + "' " + why, field, why);
}

// DDR4-2400R (16-16-16), x64 channel of eight 8 Gb x8 devices, one rank.
// Timings: JEDEC JESD79-4 speed bin DDR4-2400R and the 8 Gb / 1 KB-page columns,
// converted at tCK = 0.833 ns and rounded up:
//   tRCD = tRP = 13.32 ns -> 16, CL 16, CWL 12 (1 tCK write preamble),
//   tRAS = 32 ns -> 39, tRC = 45.32 ns -> 55, tCCD_S = 4, tCCD_L = max(5 nCK, 5 ns) = 6,
//   tRRD_S = max(4 nCK, 3.3 ns) = 4, tRRD_L = max(4 nCK, 4.9 ns) = 6,
//   tFAW (1 KB page) = max(20 nCK, 21 ns) = 26, tWR = 15 ns -> 18,
//   tWTR_S = max(2 nCK, 2.5 ns) = 3, tWTR_L = max(4 nCK, 7.5 ns) = 9,
//   tRTP = max(4 nCK, 7.5 ns) = 9, RD->WR = CL + BL/2 + 2 - CWL = 10,
//   tREFI = 7.8 us -> 9360 (same as DRAMSys' DDR4-2400 memspec), tRFC1 (8 Gb) = 350 ns ->
//   421. tRTRS = 1 (DRAMSys' DDR4 memspecs), tXP = max(4 nCK, 6 ns) = 8,
//   tCKE = max(3 nCK, 5 ns) = 6. DDR4 has no per-bank refresh (refi_pb = rfc_pb = 0).
// Geometry (Micron MT40A1G8, 8 Gb x8): 4 bank groups x 4 banks, 64 K rows, 1 K columns.
// Currents: Micron MT40A1G8 DDR4-2400 datasheet values as carried by gem5's
// DDR4_2400_8x8 (src/mem/DRAMInterface.py): IDD0 48, IDD2N 34, IDD3N 43, IDD4R 135,
// IDD4W 123, IDD5B 250, IDD2P1 25, IDD3P1 37 mA at VDD 1.2 V. The VPP (2.5 V) rail is not
// modelled. Peak: 64 bit x 2 x 1200 MHz = 19.2 GB/s (19.208 GB/s at the integer 833 ps).
dram_spec make_ddr4_2400_x64() {
  dram_spec s; // the struct defaults are this preset
  s.standard = "ddr4_2400_x64";
  return s;
}

// LPDDR4-3200 (JEDEC JESD209-4), presented as one x32 channel made of two x16
// channels run in lockstep (the common 2x16 arrangement of an LPDDR4 package), so that
// one BL16 burst moves 64 bytes. Peak: 32 bit x 3200 MT/s = 12.8 GB/s.
// Geometry and timings: DRAMSys configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json
// (8 Gb per x16 channel, 8 banks, 64 K rows, 1 K columns, tCK 625 ps): RL 28, WL 14,
// tRCD 29, tRPpb 29, tRAS 68, tRCpb 97, tCCD 8, tRRD 16, tFAW 64, tWR 29, tWTR 16,
// tRTP 12, tREFI 6246 (3.9 us), tRFCab 448 (280 ns), tREFIpb 780, tRFCpb 224, tXP 12,
// tCKE 12, tRTRS 1. LPDDR4 has no bank groups, so the
// _S and _L variants are equal. RD->WR = RL + RU(tDQSCKmax/tCK) + BL/2 - WL + tWPRE
// = 28 + 6 + 8 - 14 + 2 = 30 (JESD209-4, tRPST 0.5 rounds down to 0).
// Currents: the same memspec (JEDEC typical; IDD2P / IDD3P / IDD5PB from its idd2p,
// idd3p and idd5pb pairs). LPDDR4 has two core rails (VDD1 1.8 V,
// VDD2 1.1 V); this model has one, so each current is folded into an equivalent VDD2
// current: I = I_vdd2 + I_vdd1 * VDD1 / VDD2. IDD5B uses the burst-refresh IDD5 pair.
dram_spec make_lpddr4_3200() {
  constexpr double vdd1 = 1.8;
  constexpr double vdd2 = 1.1;
  auto fold = [](double i_vdd2, double i_vdd1) { return i_vdd2 + i_vdd1 * vdd1 / vdd2; };
  dram_spec s;
  s.standard = "lpddr4_3200";
  s.tck_ps = 625;
  s.bus_width_bits = 32;
  s.device_width_bits = 16;
  s.burst_length = 16;
  s.ranks = 1;
  s.bank_groups = 1;
  s.banks_per_group = 8;
  s.rows = 65536;
  s.columns = 1024;
  s.cl = 28;
  s.cwl = 14;
  s.rcd = 29;
  s.rp = 29;
  s.ras = 68;
  s.rc = 97;
  s.ccd_s = 8;
  s.ccd_l = 8;
  s.rrd_s = 16;
  s.rrd_l = 16;
  s.faw = 64;
  s.wr = 29;
  s.wtr_s = 16;
  s.wtr_l = 16;
  s.rtp = 12;
  s.rtw = 30;
  s.refi = 6246;
  s.rfc = 448;
  s.rtrs = 1;
  s.xp = 12;
  s.cke = 12;
  s.refi_pb = 780;
  s.rfc_pb = 224;
  s.idd0 = fold(45.0, 3.5);
  s.idd2n = fold(27.0, 2.0);
  s.idd3n = fold(30.0, 2.25);
  s.idd4r = fold(275.0, 2.25);
  s.idd4w = fold(210.0, 2.25);
  s.idd5b = fold(90.0, 10.0);
  s.idd2p = fold(3.0, 1.2);
  s.idd3p = fold(9.0, 1.2);
  s.idd5pb = fold(30.0, 2.5);
  s.vdd = vdd2;
  return s;
}

// Field table for set_field / spec_to_json / the memspec format: one entry per numeric
// member, with the memspec section it lives in.
constexpr const char* k_org = "organisation";
constexpr const char* k_timing = "timing";
constexpr const char* k_power = "power";
struct u32_field {
  const char* name;
  uint32_t dram_spec::*member;
  const char* section;
};
struct f64_field {
  const char* name;
  double dram_spec::*member;
  const char* section;
};

constexpr u32_field k_u32_fields[] = {
    {"tck_ps", &dram_spec::tck_ps, k_timing},
    {"bus_width_bits", &dram_spec::bus_width_bits, k_org},
    {"device_width_bits", &dram_spec::device_width_bits, k_org},
    {"burst_length", &dram_spec::burst_length, k_org},
    {"ranks", &dram_spec::ranks, k_org},
    {"bank_groups", &dram_spec::bank_groups, k_org},
    {"banks_per_group", &dram_spec::banks_per_group, k_org},
    {"rows", &dram_spec::rows, k_org},
    {"columns", &dram_spec::columns, k_org},
    {"cl", &dram_spec::cl, k_timing},
    {"cwl", &dram_spec::cwl, k_timing},
    {"rcd", &dram_spec::rcd, k_timing},
    {"rp", &dram_spec::rp, k_timing},
    {"ras", &dram_spec::ras, k_timing},
    {"rc", &dram_spec::rc, k_timing},
    {"ccd_s", &dram_spec::ccd_s, k_timing},
    {"ccd_l", &dram_spec::ccd_l, k_timing},
    {"rrd_s", &dram_spec::rrd_s, k_timing},
    {"rrd_l", &dram_spec::rrd_l, k_timing},
    {"faw", &dram_spec::faw, k_timing},
    {"wr", &dram_spec::wr, k_timing},
    {"wtr_s", &dram_spec::wtr_s, k_timing},
    {"wtr_l", &dram_spec::wtr_l, k_timing},
    {"rtp", &dram_spec::rtp, k_timing},
    {"rtw", &dram_spec::rtw, k_timing},
    {"refi", &dram_spec::refi, k_timing},
    {"rfc", &dram_spec::rfc, k_timing},
    {"rtrs", &dram_spec::rtrs, k_timing},
    {"xp", &dram_spec::xp, k_timing},
    {"cke", &dram_spec::cke, k_timing},
    {"refi_pb", &dram_spec::refi_pb, k_timing},
    {"rfc_pb", &dram_spec::rfc_pb, k_timing},
};

constexpr f64_field k_f64_fields[] = {
    {"idd0", &dram_spec::idd0, k_power},     {"idd2n", &dram_spec::idd2n, k_power},
    {"idd3n", &dram_spec::idd3n, k_power},   {"idd4r", &dram_spec::idd4r, k_power},
    {"idd4w", &dram_spec::idd4w, k_power},   {"idd5b", &dram_spec::idd5b, k_power},
    {"idd2p", &dram_spec::idd2p, k_power},   {"idd3p", &dram_spec::idd3p, k_power},
    {"idd5pb", &dram_spec::idd5pb, k_power}, {"vdd", &dram_spec::vdd, k_power},
};

} // namespace

uint64_t dram_spec::capacity_bytes() const {
  return uint64_t{ranks} * banks_per_rank() * rows * columns * bus_bytes();
}

double dram_spec::peak_bandwidth_gbps() const {
  // Bytes per burst over the burst's bus time, in bytes/ps -> GB/s.
  return static_cast<double>(burst_bytes()) / (burst_cycles() * double(tck_ps)) * 1000.0;
}

void validate(const dram_spec& s) {
  for (const auto& f : k_u32_fields) {
    const std::string_view n = f.name;
    if (s.*f.member == 0 && n != "rtw" && n != "rtrs" && n != "refi_pb" &&
        n != "rfc_pb") {
      fail(f.name, "must be > 0");
    }
  }
  for (const auto& f : k_f64_fields) {
    if (!(s.*f.member >= 0.0) || !std::isfinite(s.*f.member)) {
      fail(f.name, "must be a finite value >= 0");
    }
  }
  if (s.vdd <= 0.0) {
    fail("vdd", "must be > 0");
  }
  if (s.bus_width_bits % 8 != 0 || !is_pow2(s.bus_width_bits)) {
    fail("bus_width_bits", "must be a power of two multiple of 8");
  }
  if (s.device_width_bits > s.bus_width_bits ||
      s.bus_width_bits % s.device_width_bits != 0) {
    fail("device_width_bits", "must divide bus_width_bits");
  }
  if (s.burst_length % 2 != 0 || !is_pow2(s.burst_length)) {
    fail("burst_length", "must be an even power of two");
  }
  const std::pair<const char*, uint32_t> pow2_fields[] = {
      {"ranks", s.ranks},
      {"bank_groups", s.bank_groups},
      {"banks_per_group", s.banks_per_group},
      {"rows", s.rows},
      {"columns", s.columns}};
  for (const auto& [name, v] : pow2_fields) {
    if (!is_pow2(v)) {
      fail(name, "must be a power of two (got " + std::to_string(v) + ")");
    }
  }
  if (s.columns < s.burst_length) {
    fail("columns", "must be >= burst_length");
  }
  if (s.banks_per_rank() > 256 || s.ranks > 16) {
    fail("banks_per_group", "gives more banks than the model supports (256 per rank)");
  }
  if (s.rc < s.ras) {
    fail("rc", "must be >= ras");
  }
  if (s.ccd_l < s.ccd_s) {
    fail("ccd_l", "must be >= ccd_s");
  }
  if (s.rrd_l < s.rrd_s) {
    fail("rrd_l", "must be >= rrd_s");
  }
  if (s.wtr_l < s.wtr_s) {
    fail("wtr_l", "must be >= wtr_s");
  }
  if (s.refi <= s.rfc + s.rp) {
    fail("refi", "must be larger than rfc + rp");
  }
  if ((s.refi_pb == 0) != (s.rfc_pb == 0)) {
    fail(s.refi_pb ? "rfc_pb" : "refi_pb",
         "must be set together with the other (or both 0)");
  }
  if (s.refi_pb && s.refi_pb <= s.rfc_pb) {
    fail("refi_pb", "must be larger than rfc_pb");
  }
  const uint32_t addr_bits = log2_exact(s.capacity_bytes());
  if (addr_bits > 48) {
    fail("rows", "gives a capacity above 2^48 bytes");
  }
}

void validate(const controller_params& c, const dram_spec& s) {
  if (c.read_queue == 0 || c.read_queue > 1024)
    controller_fail("read_queue", "must be 1..1024");
  if (c.write_queue == 0 || c.write_queue > 1024)
    controller_fail("write_queue", "must be 1..1024");
  if (c.write_high == 0 || c.write_high > c.write_queue)
    controller_fail("write_high", "must be 1..write_queue");
  if (c.write_low >= c.write_high)
    controller_fail("write_low", "must be < write_high");
  if (c.latency > 1000)
    controller_fail("latency", "must be <= 1000 clocks");
  if (c.refresh == refresh_mode::per_bank && s.refi_pb == 0)
    controller_fail("refresh", "must be all_bank: per_bank needs a spec with refi_pb and "
                               "rfc_pb (" +
                                   s.standard + " has none)");
}

const char* to_string(refresh_mode mode) {
  return mode == refresh_mode::per_bank ? "per_bank" : "all_bank";
}

bool parse_refresh_mode(std::string_view text, refresh_mode& out) {
  for (const refresh_mode m : {refresh_mode::all_bank, refresh_mode::per_bank}) {
    if (text == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

std::string describe(const controller_params& c) {
  std::ostringstream os;
  os << "read queue " << c.read_queue << ", write queue " << c.write_queue << " (drain "
     << c.write_high << " -> " << c.write_low << "), latency " << c.latency
     << (c.latency == 1 ? " clock" : " clocks") << ", refresh " << to_string(c.refresh)
     << ", power-down ";
  if (c.powerdown_idle == 0) {
    os << "off";
  } else {
    os << "after " << c.powerdown_idle << " idle clocks";
  }
  return os.str();
}

std::vector<std::string> preset_names() {
  return {"ddr4_2400_x64", "lpddr4_3200"};
}

dram_spec preset(std::string_view name) {
  if (name == "ddr4_2400_x64") {
    return make_ddr4_2400_x64();
  }
  if (name == "lpddr4_3200") {
    return make_lpddr4_3200();
  }
  throw std::invalid_argument("unknown DRAM standard '" + std::string(name) +
                              "' (known: ddr4_2400_x64, lpddr4_3200)");
}

void set_field(dram_spec& s, std::string_view name, double value) {
  for (const auto& f : k_u32_fields) {
    if (name == f.name) {
      if (!(value >= 0.0) || value > double(std::numeric_limits<uint32_t>::max()) ||
          value != std::floor(value)) {
        fail(f.name, "must be a non-negative integer");
      }
      s.*f.member = static_cast<uint32_t>(value);
      return;
    }
  }
  for (const auto& f : k_f64_fields) {
    if (name == f.name) {
      s.*f.member = value;
      return;
    }
  }
  throw std::invalid_argument("unknown dram spec field '" + std::string(name) + "'");
}

dram_spec spec_from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument("dram spec must be a JSON object");
  }
  if (j.contains("preset") && !j.at("preset").is_string()) {
    throw std::invalid_argument("dram spec key 'preset' must be a string");
  }
  dram_spec s = preset(j.value("preset", std::string("ddr4_2400_x64")));
  for (const auto& [key, v] : j.items()) {
    if (key == "preset") {
      continue;
    }
    if (key == "standard") {
      if (!v.is_string()) {
        fail(key, "must be a string");
      }
      s.standard = v.get<std::string>();
      continue;
    }
    if (!v.is_number()) {
      fail(key, "must be a number");
    }
    set_field(s, key, v.get<double>());
  }
  validate(s);
  return s;
}

nlohmann::json spec_to_json(const dram_spec& s) {
  nlohmann::json j;
  j["standard"] = s.standard;
  for (const auto& f : k_u32_fields) {
    j[f.name] = s.*f.member;
  }
  for (const auto& f : k_f64_fields) {
    j[f.name] = s.*f.member;
  }
  return j;
}

// ---------------------------------------------------------------------------------

const char* to_string(addr_field f) {
  switch (f) {
  case addr_field::offset:
    return "offset";
  case addr_field::column:
    return "column";
  case addr_field::bank_group:
    return "bank_group";
  case addr_field::bank:
    return "bank";
  case addr_field::row:
    return "row";
  case addr_field::rank:
    return "rank";
  }
  return "?";
}

namespace {

bool field_from_name(std::string_view name, addr_field& out) {
  for (int i = 0; i < addr_field_count; ++i) {
    if (name == to_string(static_cast<addr_field>(i))) {
      out = static_cast<addr_field>(i);
      return true;
    }
  }
  return false;
}

[[noreturn]] void mapping_fail(const std::string& why) {
  throw std::invalid_argument("address mapping: " + why);
}

} // namespace

address_mapping address_mapping::parse(std::string_view text, const dram_spec& spec) {
  validate(spec);
  uint32_t need[addr_field_count];
  need[int(addr_field::offset)] = log2_exact(spec.bus_bytes());
  need[int(addr_field::column)] = log2_exact(spec.columns);
  need[int(addr_field::bank_group)] = log2_exact(spec.bank_groups);
  need[int(addr_field::bank)] = log2_exact(spec.banks_per_group);
  need[int(addr_field::row)] = log2_exact(spec.rows);
  need[int(addr_field::rank)] = log2_exact(spec.ranks);
  uint32_t used[addr_field_count] = {};
  bool seen[addr_field_count] = {};

  address_mapping m;
  uint32_t addr_lsb = 0;
  size_t pos = 0;
  bool any_token = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
      ++pos;
      continue;
    }
    size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' &&
           text[end] != ',' && text[end] != '\n' && text[end] != '\r') {
      ++end;
    }
    const std::string_view token = text.substr(pos, end - pos);
    pos = end;
    any_token = true;

    const size_t colon = token.find(':');
    const std::string_view name = token.substr(0, colon);
    addr_field field;
    if (!field_from_name(name, field)) {
      mapping_fail("unknown field '" + std::string(name) +
                   "' (fields: offset column bank_group bank row rank)");
    }
    const int fi = static_cast<int>(field);
    const std::string fname(name);
    uint32_t width;
    if (colon == std::string_view::npos) {
      if (used[fi] >= need[fi] && seen[fi]) {
        mapping_fail("field '" + fname + "' appears more than once");
      }
      width = need[fi] - used[fi]; // the rest of the field
    } else {
      const std::string_view digits = token.substr(colon + 1);
      if (digits.empty() || digits.size() > 2 ||
          digits.find_first_not_of("0123456789") != std::string_view::npos) {
        mapping_fail("field '" + fname + "' has a bad bit count '" + std::string(digits) +
                     "'");
      }
      width = static_cast<uint32_t>(std::stoul(std::string(digits)));
      if (width == 0) {
        mapping_fail("field '" + fname + "' has a zero bit count");
      }
      if (used[fi] + width > need[fi]) {
        mapping_fail("field '" + fname + "' maps " + std::to_string(used[fi] + width) +
                     " bits but the spec has " + std::to_string(need[fi]));
      }
    }
    seen[fi] = true;
    if (width > 0) {
      if (addr_lsb + width > 63) {
        mapping_fail("field '" + fname + "' lies above address bit 63");
      }
      mapping_piece* last = m.m_pieces.empty() ? nullptr : &m.m_pieces.back();
      if (last && last->field == field && last->field_lsb + last->width == used[fi]) {
        last->width = static_cast<uint8_t>(last->width + width); // contiguous: one piece
      } else {
        m.m_pieces.push_back({field, static_cast<uint8_t>(addr_lsb),
                              static_cast<uint8_t>(used[fi]),
                              static_cast<uint8_t>(width)});
      }
      addr_lsb += width;
      used[fi] += width;
    }
  }
  if (!any_token) {
    mapping_fail("empty mapping string");
  }
  for (int i = 0; i < addr_field_count; ++i) {
    if (used[i] != need[i]) {
      const std::string fname = dram::to_string(static_cast<addr_field>(i));
      if (!seen[i]) {
        mapping_fail("field '" + fname + "' is missing (the spec needs " +
                     std::to_string(need[i]) + " bits)");
      }
      mapping_fail("field '" + fname + "' maps " + std::to_string(used[i]) +
                   " bits but the spec has " + std::to_string(need[i]));
    }
  }
  // One burst must be a naturally aligned block of consecutive addresses: the offset
  // bits, then the column bits that count the beats of one burst.
  const uint32_t off_bits = need[int(addr_field::offset)];
  const uint32_t beat_bits = log2_exact(spec.burst_length);
  uint32_t covered = 0; // low address bits that are offset, then low column bits
  uint32_t next_col = 0;
  for (const mapping_piece& p : m.m_pieces) {
    if (covered < off_bits) {
      if (p.field != addr_field::offset) {
        mapping_fail("field 'offset' must occupy the lowest " + std::to_string(off_bits) +
                     " address bits");
      }
      covered += p.width;
      continue;
    }
    if (next_col >= beat_bits) {
      break;
    }
    if (p.field != addr_field::column || p.field_lsb != next_col) {
      mapping_fail("field 'column' must have its lowest " + std::to_string(beat_bits) +
                   " bits right above 'offset' (one burst of " +
                   std::to_string(spec.burst_bytes()) + " bytes is contiguous)");
    }
    next_col += p.width;
  }
  if (next_col < beat_bits) {
    mapping_fail("field 'column' must have its lowest " + std::to_string(beat_bits) +
                 " bits right above 'offset'");
  }
  m.m_address_bits = addr_lsb;
  return m;
}

std::string address_mapping::default_text(const dram_spec& spec) {
  // Beats of one burst, then bank group (consecutive bursts alternate bank groups, so
  // back-to-back bursts pay tCCD_S, not tCCD_L), then the rest of the row, then bank,
  // rank, row: a sequential stream keeps one open row per bank group for a whole row,
  // and a span of a few banks' rows already covers every rank.
  const uint32_t beat_bits = log2_exact(spec.burst_length);
  return "offset column:" + std::to_string(beat_bits) +
         " bank_group column bank rank row";
}

address_mapping address_mapping::default_for(const dram_spec& spec) {
  return parse(default_text(spec), spec);
}

std::string address_mapping::to_string() const {
  std::ostringstream os;
  for (size_t i = 0; i < m_pieces.size(); ++i) {
    os << (i ? " " : "") << dram::to_string(m_pieces[i].field) << ':'
       << int(m_pieces[i].width);
  }
  return os.str();
}

// ---------------------------------------------------------------------------------
// Memory specification files

namespace {

// "memspec.timing" + "rcd" -> "memspec.timing.rcd".
std::string key_path(const std::string& parent, const std::string& key) {
  return parent + "." + key;
}

[[noreturn]] void memspec_fail(const std::string& path, const std::string& why) {
  throw std::invalid_argument(path + ": " + why);
}

std::string json_kind(const nlohmann::json& v) {
  return v.is_null() ? "null" : std::string(v.type_name()) + " " + v.dump();
}

// The object at `path`; every key must be in `allowed`, every `required` key present.
const nlohmann::json& object_at(const nlohmann::json& j, const std::string& path,
                                const std::vector<std::string>& allowed,
                                const std::vector<std::string>& required) {
  if (!j.is_object()) {
    memspec_fail(path, "must be an object (got " + json_kind(j) + ")");
  }
  for (const auto& [key, v] : j.items()) {
    (void)v;
    bool known = false;
    for (const auto& a : allowed) {
      known = known || a == key;
    }
    if (!known) {
      memspec_fail(key_path(path, key), "unknown key");
    }
  }
  for (const auto& r : required) {
    if (!j.contains(r)) {
      memspec_fail(key_path(path, r), "missing");
    }
  }
  return j;
}

std::string string_at(const nlohmann::json& j, const std::string& path) {
  if (!j.is_string() || j.get<std::string>().empty()) {
    memspec_fail(path, "must be a non-empty string (got " + json_kind(j) + ")");
  }
  return j.get<std::string>();
}

// Calls on_u32(field) / on_f64(field) for every numeric field of a memspec section.
template <class U32, class F64>
void for_each_field(std::string_view section, U32 on_u32, F64 on_f64) {
  for (const auto& f : k_u32_fields) {
    if (section == f.section) {
      on_u32(f);
    }
  }
  for (const auto& f : k_f64_fields) {
    if (section == f.section) {
      on_f64(f);
    }
  }
}

void read_section(const nlohmann::json& memspec_obj, const char* section, dram_spec& s) {
  const std::string path = key_path("memspec", section);
  std::vector<std::string> names;
  for_each_field(
      section, [&](const u32_field& f) { names.push_back(f.name); },
      [&](const f64_field& f) { names.push_back(f.name); });
  const nlohmann::json& obj = object_at(memspec_obj.at(section), path, names, names);
  for_each_field(
      section,
      [&](const u32_field& f) {
        const nlohmann::json& v = obj.at(f.name);
        const bool in_range = v.is_number_integer() &&
                              (v.is_number_unsigned() || v.get<int64_t>() >= 0) &&
                              v.get<uint64_t>() <= std::numeric_limits<uint32_t>::max();
        if (!in_range) {
          memspec_fail(key_path(path, f.name),
                       "must be an integer 0..4294967295 (got " + json_kind(v) + ")");
        }
        s.*f.member = v.get<uint32_t>();
      },
      [&](const f64_field& f) {
        const nlohmann::json& v = obj.at(f.name);
        if (!v.is_number()) {
          memspec_fail(key_path(path, f.name),
                       "must be a number (got " + json_kind(v) + ")");
        }
        s.*f.member = v.get<double>();
      });
}

std::string default_family(const std::string& name) {
  std::string family = name.substr(0, name.find('_'));
  for (char& c : family) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return family;
}

} // namespace

const char* memspec_section(std::string_view field) {
  for (const auto& f : k_u32_fields) {
    if (field == f.name) {
      return f.section;
    }
  }
  for (const auto& f : k_f64_fields) {
    if (field == f.name) {
      return f.section;
    }
  }
  return nullptr;
}

memspec memspec_from_json(const nlohmann::json& document) {
  if (!document.is_object()) {
    memspec_fail("(top level)", "must be an object with the key 'memspec'");
  }
  for (const auto& [key, v] : document.items()) {
    (void)v;
    if (key != "memspec") {
      memspec_fail(key, "unknown key (the top level holds only 'memspec')");
    }
  }
  const nlohmann::json& m = object_at(
      document.at("memspec"), "memspec",
      {"name", "standard", "description", "organisation", "timing", "power", "mapping"},
      {"name", "standard", "organisation", "timing", "power", "mapping"});
  memspec out;
  out.spec.standard = string_at(m.at("name"), "memspec.name");
  out.family = string_at(m.at("standard"), "memspec.standard");
  if (m.contains("description") && !m.at("description").is_string()) {
    memspec_fail("memspec.description",
                 "must be a string (got " + json_kind(m.at("description")) + ")");
  }
  for (const char* section : {k_org, k_timing, k_power}) {
    read_section(m, section, out.spec);
  }
  try {
    validate(out.spec);
  } catch (const field_error& e) {
    const char* section = memspec_section(e.field());
    memspec_fail(section ? key_path(key_path("memspec", section), e.field()) : "memspec",
                 e.reason());
  }
  out.mapping = string_at(m.at("mapping"), "memspec.mapping");
  try {
    address_mapping::parse(out.mapping, out.spec);
  } catch (const std::invalid_argument& e) {
    memspec_fail("memspec.mapping", e.what());
  }
  return out;
}

memspec load_memspec_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::invalid_argument(path + ": cannot open");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    const std::string what = e.what();
    const size_t at = what.find("] ");
    throw std::invalid_argument(path + ": JSON " +
                                (at == std::string::npos ? what : what.substr(at + 2)));
  }
  try {
    if (j.is_object() && j.contains("memspec")) {
      return memspec_from_json(j);
    }
    memspec out;
    out.spec = spec_from_json(j);
    return out;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

nlohmann::ordered_json memspec_to_json(const dram_spec& spec,
                                       const std::string& mapping_text,
                                       const std::string& family) {
  address_mapping::parse(mapping_text, spec); // validates both
  nlohmann::ordered_json m;
  m["name"] = spec.standard;
  m["standard"] = family.empty() ? default_family(spec.standard) : family;
  for (const char* section : {k_org, k_timing, k_power}) {
    nlohmann::ordered_json sec = nlohmann::ordered_json::object();
    for_each_field(
        section, [&](const u32_field& f) { sec[f.name] = spec.*f.member; },
        [&](const f64_field& f) { sec[f.name] = spec.*f.member; });
    m[section] = sec;
  }
  m["mapping"] = mapping_text;
  nlohmann::ordered_json doc;
  doc["memspec"] = m;
  return doc;
}

} // namespace dwvp::dram
