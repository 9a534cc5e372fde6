// Plain SCALE-Sim topology files (no Type column): the shipped example in SCALE-Sim's
// own format, type inference, independent layers with VALID windows, and the run
// through the platform.
#include "harness.h"
#include "logging.h"
#include "networks.h"
#include "topology_csv.h"

#include <catch2/catch.hpp>

using namespace dwvp;
using namespace dwvp::networks;

namespace {

const std::string k_scalesim =
    std::string(DWVP_NETWORKS_EXAMPLES) + "/mobilenet_v1_scalesim.csv";
const std::string k_plain_header =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, "
    "Filter Width, Channels, Num Filter, Strides,\n";

std::string error_of(const std::string& text) {
  try {
    parse_topology_csv(text, "plain.csv", policy::gemm_dwc, 1);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("a plain SCALE-Sim topology reads as independent layers", "[csv][scalesim]") {
  const auto net = read_topology_csv(k_scalesim, policy::conventional, 3);
  REQUIRE(net.layers.size() == 28);
  // Conv1: 224x224x3, 3x3 stride 2, no padding: SCALE-Sim's (224 - 3) / 2 + 1 = 111.
  const dwvp_desc& c1 = net.layers[0].desc;
  CHECK(c1.opcode == DWVP_OP_CONV2D);
  CHECK((c1.out_h == 111 && c1.out_w == 111 && c1.out_c == 32));
  CHECK((c1.pad_top == 0 && c1.pad_bottom == 0 && c1.pad_left == 0 && c1.pad_right == 0));
  // Conv2_dw (Channels 1, Num Filter 1 after 32 filters): depthwise over 32 channels.
  const dwvp_desc& dw = net.layers[1].desc;
  CHECK(dw.opcode == DWVP_OP_DEPTHWISE);
  CHECK(dw.mapping == DWVP_MAP_VECTOR);
  CHECK((dw.in_h == 112 && dw.in_c == 32 && dw.out_h == 110 && dw.out_c == 32));
  CHECK(net.layers[2].desc.opcode == DWVP_OP_POINTWISE);
  CHECK(net.layers[27].desc.opcode == DWVP_OP_FC);
  CHECK(net.layers[27].desc.out_c == 1000);
  // Every row reads its own IFMAP from the network input, as large as the largest.
  for (const auto& l : net.layers)
    CHECK(l.input == -1);
  CHECK(net.input.size() == 112u * 112 * 64); // Conv4_dw: 112x112 over 64 channels
  CHECK(net.layers[1].desc.activation == DWVP_ACT_NONE);
}

TEST_CASE("plain SCALE-Sim inference rules and refusals", "[csv][scalesim]") {
  const auto net =
      parse_topology_csv(k_plain_header + "a, 16, 16, 3, 3, 8, 8, 1,\n"    // conv
                                          "b_dw, 16, 16, 3, 3, 8, 8, 2,\n" // named dw
                                          "c, 8, 8, 1, 3, 1, 1, 1,\n"      // 1x3 dw of 8
                                          "d, 8, 8, 1, 1, 8, 4, 2,\n"      // strided 1x1
                                          "e, 1, 1, 1, 1, 16, 10, 1,\n",   // fc
                         "plain.csv", policy::gemm_naive, 1);
  REQUIRE(net.layers.size() == 5);
  CHECK(net.layers[0].desc.opcode == DWVP_OP_CONV2D);
  CHECK(net.layers[1].desc.opcode == DWVP_OP_DEPTHWISE);
  CHECK(net.layers[1].desc.mapping == DWVP_MAP_GEMM_NAIVE);
  CHECK(net.layers[2].desc.opcode == DWVP_OP_DW_1XK);
  CHECK(net.layers[2].desc.in_c == 8);
  CHECK(net.layers[3].desc.opcode == DWVP_OP_CONV2D);
  CHECK(net.layers[4].desc.opcode == DWVP_OP_FC);
  // Columns of the extended format need its Type column.
  CHECK(
      error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
               "Channels, Num Filter, Strides, Input\na, 8, 8, 1, 1, 8, 8, 1, input\n") ==
      "plain.csv:1: column 9 (Input): needs a Type column (without one the file is plain "
      "SCALE-Sim: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
      "Channels, Num Filter, Strides, Type)");
  CHECK(error_of(k_plain_header + "a, 8, 8, 3, 3, 4, 4, 9,\n") ==
        "plain.csv:2: column 8 (Strides): must be at most 8 (the accelerator's limit), "
        "got 9");
  CHECK(error_of(k_plain_header + "a, 2, 2, 3, 3, 4, 4, 1,\n").find("plain.csv:2:") == 0);
}

TEST_CASE("the SCALE-Sim example runs bit-exact on the platform",
          "[csv][scalesim][e2e]") {
  logging::configure("off", "");
  const auto net = read_topology_csv(k_scalesim, policy::gemm_dwc, 3);
  config cfg;
  const scenarios::network_run r = scenarios::simulate_network(cfg, net, "");
  INFO(r.result.error << r.first_mismatch << r.firmware_failure);
  REQUIRE(r.result.driver_status == DWVP_OK);
  CHECK(r.bit_exact);
  CHECK(r.result.perf[DWVP_PERF_MACS] == count_macs(net));
}
