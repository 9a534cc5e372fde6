// Platform configuration: every tunable is a named key with a type, a default and a
// description. Values come from the defaults, then a YAML file, then --set overrides.
// Models read typed values; nothing timing-related is a constant in code.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace dwvp {

// A configuration file larger than this is refused before it is parsed.
constexpr uint64_t k_max_config_bytes = 1 << 20;

// Bad configuration input; the message names the origin (file or option) and key.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class config_type { integer, real, boolean, string };

struct config_entry {
  std::string key;
  config_type type;
  std::string default_value;
  std::string description;
  std::string value;  // current value, canonical text
  std::string origin; // "default", a file name, or "--set"
  // Integer and real keys: the valid values min..max (and 0 when zero_too); range is
  // their text ("1..1024"). Strings and booleans have max < min and no text.
  double min = 0, max = -1;
  bool zero_too = false;
  std::string range;
};

class config {
public:
  config(); // every key at its default

  // Sets a key from text. Throws config_error naming `origin` and the key when the
  // key is unknown, the value does not parse as the key's type (integers are decimal
  // or 0x hexadecimal) or lies outside the key's range.
  void set(const std::string& key, const std::string& value,
           const std::string& origin = "--set");
  // Parses "key=value" as given on the command line.
  void set_assignment(const std::string& assignment);
  // Loads a YAML file of nested maps; nested keys are joined with '.'. Refuses files
  // over k_max_config_bytes, maps that are no section of a key, and aliases that
  // refer back to an enclosing map, naming the file, line and key.
  void load_yaml(const std::string& path);
  // The same for YAML text already read (at most k_max_config_bytes); `source` names
  // it in messages as the path does. load_yaml reads the file and calls this.
  void load_yaml_text(std::string text, const std::string& source);

  int64_t get_int(const std::string& key) const;
  uint64_t get_uint(const std::string& key) const; // throws if negative
  double get_real(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;

  const std::vector<config_entry>& entries() const { return m_entries; }
  // Prints every key with its value, default and description.
  void dump(std::ostream& out) const;

private:
  bool is_section(const std::string& prefix) const; // some key starts with prefix + "."
  void load_yaml_map(const YAML::Node& map, const std::string& prefix,
                     const std::string& path, std::vector<YAML::Node>& enclosing);
  const config_entry& find(const std::string& key, config_type expected) const;
  std::vector<config_entry> m_entries;
  std::map<std::string, size_t> m_index;
};

} // namespace dwvp
