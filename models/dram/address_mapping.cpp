// Address mapping: the textual bit-field form, its parser, the default mapping.
#include "dram_spec.h"
#include "dram_spec_fields.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dwvp::dram {
using namespace detail;

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

} // namespace dwvp::dram
