// One --weights .npy file. The first two input bytes (little-endian) are the element
// count the layer expects; the rest is the file, parsed as int8 and as int32.
#include "fuzz_target.h"

#include "tensor_load.h"

#include <stdexcept>
#include <string_view>

DWVP_FUZZ_TARGET(npy) {
  if (size < 2)
    return 0;
  const size_t expected = data[0] | size_t{data[1]} << 8;
  const std::string_view file(reinterpret_cast<const char*>(data) + 2, size - 2);
  namespace sc = dwvp::scenarios;
  try {
    sc::parse_npy<int8_t>(file, file.size(), "fuzz.npy", expected);
  } catch (const std::invalid_argument&) {
  }
  try {
    sc::parse_npy<int32_t>(file, file.size(), "fuzz.npy", expected);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
