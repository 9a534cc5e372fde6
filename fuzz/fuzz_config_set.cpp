// --set: each input line is one "key=value" assignment; every key accepted must then
// read back through its typed getter, as the models read it.
#include "fuzz_target.h"

#include "config.h"

#include <string>

DWVP_FUZZ_TARGET(config_set) {
  // One configuration for every input (building or copying the key table per input
  // would cost more than the parse): set() depends only on the key's type and range,
  // never on earlier values, so an input behaves the same whatever ran before it.
  static dwvp::config c;
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos)
      end = text.size();
    try {
      c.set_assignment(text.substr(begin, end - begin));
    } catch (const dwvp::config_error&) {
    }
    begin = end + 1;
  }
  for (const dwvp::config_entry& e : c.entries()) {
    try {
      switch (e.type) {
      case dwvp::config_type::integer:
        c.get_int(e.key);
        c.get_uint(e.key);
        break;
      case dwvp::config_type::real:
        c.get_real(e.key);
        break;
      case dwvp::config_type::boolean:
        c.get_bool(e.key);
        break;
      case dwvp::config_type::string:
        c.get_string(e.key);
        break;
      }
    } catch (const dwvp::config_error&) { // get_uint of a negative value
    }
  }
  return 0;
}
