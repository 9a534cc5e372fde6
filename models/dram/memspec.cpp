// Memory specification files (docs/dram.md): the structured JSON form of a dram_spec
// with its address mapping; reader, writer and errors naming the key path.
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
