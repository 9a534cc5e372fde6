// Every network of the zoo end to end through the whole platform (firmware, command
// ring, accelerator) at 96x96 under each depthwise policy, checked bit for bit against
// the golden reference and every layer's MACs against count_macs. One TEST_CASE per
// (network, policy): each elaborates its own SoC and CTest runs every case in its own
// process.
#include "harness.h"
#include "logging.h"
#include "model_zoo.h"
#include "topology_csv.h"

#include <catch2/catch.hpp>

using namespace dwvp;
using namespace dwvp::networks;

namespace {

void check_run(const runtime::network& net, policy p) {
  logging::configure("off", "");
  config cfg;
  const scenarios::network_run r = scenarios::simulate_network(cfg, net, "");
  INFO(net.name << " under " << policy_name(p) << ": " << r.result.error << " "
                << r.first_mismatch << r.firmware_failure);
  REQUIRE(r.result.driver_status == DWVP_OK);
  REQUIRE(r.result.layers.size() == net.layers.size());
  REQUIRE(r.bit_exact);
  CHECK(r.result.perf[DWVP_PERF_LAYERS_DONE] == net.layers.size());
  CHECK(r.result.perf[DWVP_PERF_MACS] == count_macs(net));
  bool kxk = false;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    INFO("layer " << l.name);
    const auto& st = r.result.layers[i].stats;
    CHECK(st.macs == layer_macs(l));
    CHECK(st.compute_cycles > 0);
    kxk = kxk || l.desc.opcode == DWVP_OP_DEPTHWISE;
  }
  // KxK depthwise layers run on the vector unit only under the conventional policy.
  CHECK((r.result.perf[DWVP_PERF_VECTOR_BUSY] > 0) == (kxk && p == policy::conventional));
}

void run_zoo(const std::string& name, policy p, int resolution = 96) {
  check_run(build_network(name, p, 11, resolution), p);
}

} // namespace

// One test case per (network, policy) pair.
#define DWVP_E2E(net, pol)                                                               \
  TEST_CASE(net " under " #pol " is bit-exact end to end", "[e2e][networks]") {          \
    run_zoo(net, policy::pol);                                                           \
  }
#define DWVP_E2E_ALL_POLICIES(net)                                                       \
  DWVP_E2E(net, conventional)                                                            \
  DWVP_E2E(net, gemm_naive)                                                              \
  DWVP_E2E(net, gemm_dwc)

DWVP_E2E_ALL_POLICIES("mobilenet_v1")
DWVP_E2E_ALL_POLICIES("mobilenet_v2")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large")
DWVP_E2E_ALL_POLICIES("mnasnet_b1")
DWVP_E2E_ALL_POLICIES("mobilenet_v1_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v1_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v1_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v1_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v2_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v2_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v2_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v2_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mnasnet_b1_fuse_full")
DWVP_E2E_ALL_POLICIES("mnasnet_b1_fuse_half")
DWVP_E2E_ALL_POLICIES("mnasnet_b1_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mnasnet_b1_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuseconv")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuseconv")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuseconv_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuseconv_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuseconv_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_small_fuseconv_fuse_half_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuseconv_fuse_full")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuseconv_fuse_half")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuseconv_fuse_full_50")
DWVP_E2E_ALL_POLICIES("mobilenet_v3_large_fuseconv_fuse_half_50")

TEST_CASE("mobilenet_v1 at 224x224 under gemm_dwc is bit-exact end to end",
          "[e2e][networks]") {
  run_zoo("mobilenet_v1", policy::gemm_dwc, 224);
}

TEST_CASE("mobilenet_v3_large at 224x224 under conventional is bit-exact end to end",
          "[e2e][networks]") {
  run_zoo("mobilenet_v3_large", policy::conventional, 224);
}

#define DWVP_E2E_CSV(pol)                                                                \
  TEST_CASE("the example topology CSV under " #pol " is bit-exact end to end",           \
            "[e2e][csv]") {                                                              \
    check_run(read_topology_csv(std::string(DWVP_NETWORKS_EXAMPLES) + "/tiny.csv",       \
                                policy::pol, 5),                                         \
              policy::pol);                                                              \
  }
DWVP_E2E_CSV(conventional)
DWVP_E2E_CSV(gemm_naive)
DWVP_E2E_CSV(gemm_dwc)
