// Strict reader for Value Change Dump files (IEEE 1364 section 18), used by tests to
// check the traces SystemC writes. Plain C++17, no SystemC dependency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::test {

// Malformed input. what() is "[source: ]line N: message"; line() is 0 when the error
// has no position (e.g. the file cannot be opened).
class vcd_error : public std::runtime_error {
public:
  vcd_error(std::size_t line, const std::string& message, const std::string& source = "");
  std::size_t line() const { return m_line; }
  const std::string& message() const { return m_message; }

private:
  std::size_t m_line;
  std::string m_message;
};

struct vcd_variable {
  std::string type; // "wire", "real", "reg", ...
  int width = 0;
  std::string id_code;
  std::string scope; // dotted full scope path, empty if declared outside any scope
  std::string name;  // reference without the [msb:lsb] token
  std::string range; // the separate "[msb:lsb]" / "[bit]" token, empty if absent
  std::string full_name() const { return scope.empty() ? name : scope + "." + name; }
};

struct vcd_change {
  std::uint64_t time; // in timescale units
  // "0","1","x","z" for scalars; binary digits for vectors, b prefix stripped and
  // x/z lower-cased but NOT left-extended (SystemC strips leading zeros: 5 -> "101");
  // real values as written, r prefix stripped.
  std::string value;
};

struct vcd_file {
  std::string date, version;       // header sections, trimmed (inner spacing kept)
  std::uint64_t timescale_fs = 0;  // 0 if the file has no $timescale
  std::vector<std::string> scopes; // dotted paths, declaration order, no duplicates
  std::vector<vcd_variable> variables;
  // By id_code, in time order; every declared id has an entry, maybe empty. Several
  // variables may share one id code (aliases), as the standard allows.
  std::map<std::string, std::vector<vcd_change>> changes;
  std::uint64_t end_time = 0; // last #timestamp in the file (SystemC writes one at close)

  // Exact dotted full name ("SystemC.top.sub.flag"), else a unique dotted suffix of
  // one ("top.sub.flag", "flag"); nullptr if absent or ambiguous.
  const vcd_variable* find(const std::string& full_name) const;
  // Throws std::out_of_range if find() fails.
  const std::vector<vcd_change>& changes_of(const std::string& full_name) const;
  // Last value at or before time; nullopt before the first change. Throws like
  // changes_of for unknown names.
  std::optional<std::string> value_at(const std::string& full_name,
                                      std::uint64_t time) const;
  // Binary digit string to integer; throws std::invalid_argument on x/z or non-binary
  // text and std::out_of_range above 64 significant bits.
  static std::uint64_t value_as_uint(const std::string& value);
};

vcd_file parse_vcd(std::istream& in);
vcd_file parse_vcd_file(const std::string& path); // vcd_error messages carry the path

} // namespace dwvp::test
