// The --weights index.json, applied to lib/networks/examples/tiny.csv built with seeded
// constants (so every layer with weights or a table names its files).
#include "fuzz_target.h"

#include "input_file.h"
#include "tensor_load.h"
#include "topology_csv.h"

#include <stdexcept>
#include <string>

namespace {
const dwvp::runtime::network& tiny() {
  namespace net = dwvp::networks;
  static const dwvp::runtime::network n = net::parse_topology_csv(
      dwvp::read_input_file(DWVP_TINY_CSV, net::k_max_topology_bytes, "topology file"),
      "tiny", net::policy::gemm_dwc, 1, DWVP_DF_OS, net::constants::uncalibrated);
  return n;
}
} // namespace

DWVP_FUZZ_TARGET(index_json) {
  dwvp::runtime::network n = tiny();
  try {
    dwvp::scenarios::apply_tensor_index(
        std::string(reinterpret_cast<const char*>(data), size), "dir/index.json", "dir",
        n);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
