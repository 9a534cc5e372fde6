#include "dram_spec.h"
#include "dram_spec_fields.h"

#include <cctype>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dwvp::dram {
using namespace detail;
namespace {

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

// Each timing field's bound: with tck_ps at most 1 us, a timing is at most 1 s.
constexpr uint32_t k_max_timing = 1000000;

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
    // Each timing stays far inside sc_time over a run: at most 1 s (10^6 clocks of at
    // most 1 us), as the configuration's latencies are bounded (platform/config.cpp).
    if (f.section == k_timing && s.*f.member > k_max_timing) {
      fail(f.name, "must be at most " + std::to_string(k_max_timing) +
                       (n == "tck_ps" ? " ps" : " clocks"));
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
  // One row access (activate, read or write, precharge) must fit between two
  // refreshes, or the scheduler can never serve it.
  const uint64_t access = std::max<uint64_t>(
      s.ras, uint64_t{s.rcd} +
                 std::max<uint64_t>(s.rtp, uint64_t{s.cwl} + s.burst_cycles() + s.wr));
  if (access + s.rp + s.rfc >= s.refi) {
    fail("refi", "must be larger than a row access (max(ras, rcd + max(rtp, cwl + burst "
                 "+ wr))) + rp + rfc = " +
                     std::to_string(access + s.rp + s.rfc) + " clocks");
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

} // namespace dwvp::dram
