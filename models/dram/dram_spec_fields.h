// Internal to models/dram (not part of the library's interface): the numeric fields of
// dram_spec with their memspec sections, shared by set_field / spec_to_json
// (dram_spec.cpp) and the memspec reader and writer (memspec.cpp), and two bit helpers.
#pragma once

#include "dram_spec.h"

#include <cstdint>

namespace dwvp::dram::detail {

inline bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

inline uint32_t log2_exact(uint64_t v) {
  uint32_t n = 0;
  while ((uint64_t{1} << n) < v) {
    ++n;
  }
  return n;
}

// Field table for set_field / spec_to_json / the memspec format: one entry per numeric
// member, with the memspec section it lives in.
inline constexpr const char* k_org = "organisation";
inline constexpr const char* k_timing = "timing";
inline constexpr const char* k_power = "power";
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

inline constexpr u32_field k_u32_fields[] = {
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

inline constexpr f64_field k_f64_fields[] = {
    {"idd0", &dram_spec::idd0, k_power},     {"idd2n", &dram_spec::idd2n, k_power},
    {"idd3n", &dram_spec::idd3n, k_power},   {"idd4r", &dram_spec::idd4r, k_power},
    {"idd4w", &dram_spec::idd4w, k_power},   {"idd5b", &dram_spec::idd5b, k_power},
    {"idd2p", &dram_spec::idd2p, k_power},   {"idd3p", &dram_spec::idd3p, k_power},
    {"idd5pb", &dram_spec::idd5pb, k_power}, {"vdd", &dram_spec::vdd, k_power},
};

} // namespace dwvp::dram::detail
