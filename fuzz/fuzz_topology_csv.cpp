// The --topology CSV reader and the network builder behind it, timing only
// (constants::none: no weights are generated, so no calibration runs).
#include "fuzz_target.h"

#include "topology_csv.h"

#include <stdexcept>
#include <string>

DWVP_FUZZ_TARGET(topology_csv) {
  namespace net = dwvp::networks;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    net::parse_topology_csv(text, "fuzz.csv", net::policy::gemm_dwc, 1, DWVP_DF_OS,
                            net::constants::none);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
