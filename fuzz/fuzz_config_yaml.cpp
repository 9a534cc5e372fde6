// The --config YAML reader: the input is a whole file's text.
#include "fuzz_target.h"

#include "config.h"

#include <sstream>
#include <string>

DWVP_FUZZ_TARGET(config_yaml) {
  // One configuration for every input (building or copying the key table per input
  // would cost more than the parse): set() depends only on the key's type and range,
  // never on earlier values, so an input behaves the same whatever ran before it.
  static dwvp::config c;
  try {
    c.load_yaml_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const dwvp::config_error&) {
    return 0;
  }
  // Whatever was accepted must print as --dump-config prints it.
  std::ostringstream out;
  c.dump(out);
  return 0;
}
