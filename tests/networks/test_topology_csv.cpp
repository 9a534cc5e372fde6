// The SCALE-Sim-style topology CSV reader: the shipped example, and every error path
// naming the file, line and column.
#include "networks.h"
#include "topology_csv.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace dwvp;
using namespace dwvp::networks;

namespace {

const std::string k_example = std::string(DWVP_NETWORKS_EXAMPLES) + "/tiny.csv";

const std::string k_header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, "
                             "Filter Width, Channels, Num Filter, Strides, Type, Input, "
                             "Aux, Activation,\n";

// The message parse() throws for `rows`.
std::string error_of(const std::string& text) {
  try {
    parse_topology_csv(text, "net.csv", policy::gemm_dwc, 1);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
std::string row_error(const std::string& rows) {
  return error_of(k_header + rows);
}

const char* k_conv = "conv1, 16, 16, 3, 3, 3, 8, 2, conv, , , relu,\n";

} // namespace

TEST_CASE("the example topology reads into the network it describes", "[csv]") {
  const auto net = read_topology_csv(k_example, policy::conventional, 7);
  CHECK(net.name == "tiny");
  REQUIRE(net.layers.size() == 13);
  CHECK(net.input.size() == 32u * 32 * 3);
  auto at = [&](const std::string& name) -> const runtime::layer& {
    for (const auto& l : net.layers)
      if (l.name == name)
        return l;
    FAIL("no layer " << name);
    throw std::logic_error("unreachable");
  };
  const auto& conv = at("conv1").desc;
  CHECK(conv.opcode == DWVP_OP_CONV2D);
  CHECK((conv.out_h == 16 && conv.out_w == 16 && conv.out_c == 16));
  CHECK(conv.activation == DWVP_ACT_LUT); // hswish
  CHECK(at("dw1").desc.mapping == DWVP_MAP_VECTOR);
  CHECK(at("dw1").desc.activation == DWVP_ACT_RELU);
  CHECK(at("res1").desc.opcode == DWVP_OP_ADD);
  CHECK(net.layers[at("res1").input].name == "pw1");
  CHECK(net.layers[at("res1").aux_input].name == "conv1");
  CHECK(at("row2").desc.opcode == DWVP_OP_DW_1XK);
  CHECK(at("row2").desc.dataflow == DWVP_DF_ST_OS);
  CHECK(at("row2").desc.out_h == 8);
  CHECK(at("col2").desc.opcode == DWVP_OP_DW_KX1);
  CHECK(at("se_pool").desc.kernel_h == 8);
  CHECK(at("se_fc2").lut.size() == 256); // hsigmoid
  CHECK(at("se_mul").desc.opcode == DWVP_OP_CHANNEL_MUL);
  CHECK(net.layers[at("se_mul").aux_input].name == "se_fc2");
  CHECK(net.layers[at("pool").input].name == "se_mul");
  CHECK(at("fc").desc.out_c == 10);
  // 16*16*16*27 + 16*16*16*9 + 16*16*16*16 + 8*8*16*3 * 2 + 8*8*32*16 + 32*8 + 8*32
  // + 32*10.
  CHECK(count_macs(net) == 110592 + 36864 + 65536 + 6144 + 32768 + 256 + 256 + 320);
  const auto outs = scenarios::golden_outputs(net);
  CHECK(outs.back().size() == 10);
  // The policy sets the KxK depthwise mapping only.
  CHECK(read_topology_csv(k_example, policy::gemm_naive, 7).layers[1].desc.mapping ==
        DWVP_MAP_GEMM_NAIVE);
  CHECK(read_topology_csv(k_example, policy::gemm_dwc, 7).layers[1].desc.mapping ==
        DWVP_MAP_CHANNEL_MVM);
}

TEST_CASE("SCALE-Sim's own columns with a Type column are enough", "[csv]") {
  // No Input/Aux/Activation columns, no trailing comma, any column order and case;
  // layers with weights default to relu6, padding to TF SAME.
  const auto net = parse_topology_csv(
      "type, layer name, ifmap height, ifmap width, filter height, filter width, "
      "channels, num filter, strides\n"
      "conv, c1, 9, 9, 3, 3, 4, 6, 2\n"
      "dw, d1, 5, 5, 5, 5, 6, 6, 1\n"
      "pw, p1, 5, 5, 1, 1, 6, 3, 1\n"
      "avgpool, gp, 5, 5, 5, 5, 3, 3, 1\n",
      "plain.csv", policy::gemm_naive, 3);
  REQUIRE(net.layers.size() == 4);
  CHECK(net.layers[0].desc.out_h == 5);
  CHECK(net.layers[0].desc.activation == DWVP_ACT_RELU6);
  CHECK(net.layers[1].desc.pad_top == 2);
  CHECK(net.layers[3].desc.activation == DWVP_ACT_NONE);
  CHECK(net.layers[3].desc.out_h == 1);
  CHECK(scenarios::golden_outputs(net).size() == 4);
  // Padding column: valid.
  const auto valid = parse_topology_csv(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
      "Num Filter, Strides, Type, Padding\n"
      "c1, 9, 9, 3, 3, 4, 6, 2, conv, valid\n",
      "valid.csv", policy::gemm_naive, 3);
  CHECK(valid.layers[0].desc.out_h == 4);
}

TEST_CASE("the Dataflow column sets a layer's dataflow over the run's", "[csv]") {
  const std::string text =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
      "Num Filter, Strides, Type, Dataflow\n"
      "c1, 16, 16, 3, 3, 3, 8, 2, conv, WS\n" // case-insensitive
      "d1, 8, 8, 3, 3, 8, 8, 1, dw,\n"
      "p1, 8, 8, 1, 1, 8, 16, 1, pw, os\n"
      "p2, 8, 8, 1, 1, 16, 16, 1, pw\n" // a short row: no Dataflow cell
      "r1, 8, 8, 1, 3, 16, 16, 1, dw1xk,\n"
      "gp, 8, 8, 8, 8, 16, 16, 1, avgpool,\n";
  for (int run : {DWVP_DF_OS, DWVP_DF_WS}) {
    INFO("run dataflow " << run);
    const auto naive = parse_topology_csv(text, "df.csv", policy::gemm_naive, 1, run);
    REQUIRE(naive.layers.size() == 6);
    CHECK(naive.layers[0].desc.dataflow == DWVP_DF_WS); // explicit
    CHECK(naive.layers[1].desc.dataflow == run);        // gemm_naive dw: the run's
    CHECK(naive.layers[2].desc.dataflow == DWVP_DF_OS); // explicit
    CHECK(naive.layers[3].desc.dataflow == run);
    CHECK(naive.layers[4].desc.dataflow == DWVP_DF_ST_OS);
    CHECK(naive.layers[5].desc.dataflow == DWVP_DF_OS); // PPU: untouched
    // channel_mvm and vector depthwise layers keep theirs.
    for (policy p : {policy::gemm_dwc, policy::conventional})
      CHECK(parse_topology_csv(text, "df.csv", p, 1, run).layers[1].desc.dataflow ==
            DWVP_DF_OS);
  }
  // Without the column every GEMM-core layer takes the run's (os by default).
  CHECK(read_topology_csv(k_example, policy::gemm_naive, 7).layers[0].desc.dataflow ==
        DWVP_DF_OS);
  CHECK(read_topology_csv(k_example, policy::gemm_naive, 7, DWVP_DF_WS)
            .layers[0]
            .desc.dataflow == DWVP_DF_WS);
}

TEST_CASE("header errors name the file, line and column", "[csv][errors]") {
  CHECK(error_of("") == "net.csv: no header row (expected Layer name, IFMAP Height, "
                        "IFMAP Width, Filter Height, Filter Width, Channels, Num "
                        "Filter, Strides, Type)");
  CHECK(error_of("# only a comment\n" + k_header) ==
        "net.csv: no layers after the header row");
  // Without a Type column the file is plain SCALE-Sim (test_topology_scalesim.cpp).
  CHECK(error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
                 "Width, Channels, Num Filter, Strides,\n") ==
        "net.csv: no layers after the header row");
  CHECK_THAT(error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
                      "Width, Channels, Strides, Type\n"),
             Catch::StartsWith("net.csv:1: header row has no 'Num Filter' column"));
  CHECK_THAT(error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
                      "Width, Channels, Num Filters, Strides, Type\n"),
             Catch::StartsWith("net.csv:1: column 7 (Num Filters): unknown column"));
  CHECK_THAT(error_of("\n\nLayer name, Layer name\n"),
             Catch::StartsWith("net.csv:3: column 2 (Layer name): duplicate column"));
  // A data row before any header is read as the header.
  CHECK_THAT(error_of(std::string(k_conv)),
             Catch::StartsWith("net.csv:1: column 1 (conv1): unknown column"));
}

TEST_CASE("row errors name the file, line and column", "[csv][errors]") {
  // Line numbers count the header as line 1.
  CHECK(row_error(std::string(k_conv) + "x, 8, 8, 3, 3, 8, 8, 1, depthwise, , , ,\n") ==
        "net.csv:3: column 9 (Type): unknown type 'depthwise'; known: conv, dw, dw1xk, "
        "dwkx1, pw, fc, add, avgpool, mul");
  CHECK(row_error("conv1, 16, 16, 3, three, 3, 8, 2, conv, , , ,\n") ==
        "net.csv:2: column 5 (Filter Width): 'three' is not a number");
  CHECK(row_error("conv1, 16, 16, 3, 3, 3, 8, 2.5, conv, , , ,\n") ==
        "net.csv:2: column 8 (Strides): '2.5' is not a number");
  CHECK(row_error("conv1, 16, 16, 3, 3, 3, 0, 2, conv, , , ,\n") ==
        "net.csv:2: column 7 (Num Filter): must be at least 1, got 0");
  CHECK(row_error("conv1, 16, 16, 3, 3, 3\n") ==
        "net.csv:2: expected at least 9 fields, got 6");
  // Shape mismatches with the producer.
  CHECK(row_error(std::string(k_conv) + "dw1, 16, 8, 3, 3, 8, 8, 1, dw, , , ,\n") ==
        "net.csv:3: column 2 (IFMAP Height): 16 does not match the height of the output "
        "of producer 'conv1' (8)");
  CHECK(row_error(std::string(k_conv) + "dw1, 8, 8, 3, 3, 16, 16, 1, dw, , , ,\n") ==
        "net.csv:3: column 6 (Channels): 16 does not match the channels of the output "
        "of producer 'conv1' (8)");
  CHECK(row_error(std::string(k_conv) + "dw1, 8, 8, 3, 3, 3, 3, 1, dw, input, , ,\n") ==
        "net.csv:3: column 2 (IFMAP Height): 8 does not match the height of the network "
        "input (16)");
  // Unknown producers, by Input and by Aux.
  CHECK(row_error(std::string(k_conv) + "pw1, 8, 8, 1, 1, 8, 4, 1, pw, conv2, , ,\n") ==
        "net.csv:3: column 10 (Input): unknown producer layer 'conv2' (names an earlier "
        "row, or 'input')");
  CHECK(row_error(std::string(k_conv) + "a1, 8, 8, 1, 1, 8, 8, 1, add, , skip, ,\n") ==
        "net.csv:3: column 11 (Aux): unknown producer layer 'skip' (names an earlier "
        "row, or 'input')");
  CHECK(row_error("conv1, 16, 16, 3, 3, 3, 8, 2, conv, stem, , ,\n") ==
        "net.csv:2: column 10 (Input): unknown producer layer 'stem' (names an earlier "
        "row, or 'input')");
  // Operands.
  CHECK(row_error(std::string(k_conv) + "a1, 8, 8, 1, 1, 8, 8, 1, add, , , ,\n") ==
        "net.csv:3: column 11 (Aux): a add layer needs an Aux operand");
  CHECK(row_error(std::string(k_conv) + "p1, 8, 8, 1, 1, 8, 4, 1, pw, , , ,\n" +
                  "a1, 8, 8, 1, 1, 4, 4, 1, add, , conv1, ,\n") ==
        "net.csv:4: column 11 (Aux): the add operand 'conv1': shape 8x8x8 differs from "
        "the input's 8x8x4");
  CHECK(row_error(std::string(k_conv) + "m1, 8, 8, 1, 1, 8, 8, 1, mul, , conv1, ,\n") ==
        "net.csv:3: column 11 (Aux): the mul operand 'conv1': shape 8x8x8 is not 1x1x8");
  CHECK(row_error(std::string(k_conv) + "p1, 8, 8, 1, 1, 8, 4, 1, pw, , conv1, ,\n") ==
        "net.csv:3: column 11 (Aux): a pw layer takes no Aux operand");
  // Layer-type rules.
  CHECK(row_error(std::string(k_conv) + "dw1, 8, 8, 3, 3, 8, 16, 1, dw, , , ,\n") ==
        "net.csv:3: column 7 (Num Filter): 16 does not match Channels (a dw layer keeps "
        "them) (8)");
  CHECK(row_error(std::string(k_conv) + "r1, 8, 8, 3, 3, 8, 8, 1, dw1xk, , , ,\n") ==
        "net.csv:3: column 4 (Filter Height): 3 does not match the filter height of a "
        "dw1xk layer (1)");
  CHECK(row_error(std::string(k_conv) + "c1, 8, 8, 3, 3, 8, 8, 1, dwkx1, , , ,\n") ==
        "net.csv:3: column 5 (Filter Width): 3 does not match the filter width of a "
        "dwkx1 layer (1)");
  CHECK(row_error(std::string(k_conv) + "fc1, 8, 8, 1, 1, 8, 10, 1, fc, , , ,\n") ==
        "net.csv:3: column 2 (IFMAP Height): 8 does not match the input height of a fc "
        "layer (1)");
  CHECK(row_error(std::string(k_conv) + "p1, 8, 8, 3, 3, 8, 4, 1, pw, , , ,\n") ==
        "net.csv:3: column 4 (Filter Height): 3 does not match the filter height of a "
        "pw layer (1)");
  CHECK(row_error(std::string(k_conv) + "p1, 8, 8, 1, 1, 8, 4, 1, pw, , , gelu,\n") ==
        "net.csv:3: column 12 (Activation): unknown activation 'gelu'; known: none, "
        "relu, relu6, hswish, hsigmoid");
  CHECK(row_error(std::string(k_conv) + "conv1, 8, 8, 1, 1, 8, 4, 1, pw, , , ,\n") ==
        "net.csv:3: column 1 (Layer name): duplicate layer name 'conv1'");
  CHECK(row_error("input, 16, 16, 3, 3, 3, 8, 2, conv, , , ,\n") ==
        "net.csv:2: column 1 (Layer name): 'input' is reserved for the network input");
  CHECK(row_error(" , 16, 16, 3, 3, 3, 8, 2, conv, , , ,\n") ==
        "net.csv:2: column 1 (Layer name): empty layer name");
  // The accelerator's window limits (docs/descriptor.md).
  CHECK(row_error(std::string(k_conv) + "big, 8, 8, 3, 16, 8, 8, 1, conv, , , , \n") ==
        "net.csv:3: column 5 (Filter Width): must be at most 15 (the accelerator's "
        "limit), got 16");
  CHECK(row_error(std::string(k_conv) + "s9, 8, 8, 3, 3, 8, 8, 9, conv, , , , \n") ==
        "net.csv:3: column 8 (Strides): must be at most 8 (the accelerator's limit), "
        "got 9");
  // What the network builder refuses is reported on the row's line.
  CHECK(error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                 "Channels, Num Filter, Strides, Type, Padding\n"
                 "c1, 4, 4, 5, 5, 3, 8, 1, conv, valid\n") ==
        "net.csv:2: layer 0 (c1): kernel larger than input");
  CHECK(error_of("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                 "Channels, Num Filter, Strides, Type, Padding\n"
                 "c1, 4, 4, 3, 3, 3, 8, 1, conv, full\n") ==
        "net.csv:2: column 10 (Padding): unknown padding 'full'; known: same, valid");
}

TEST_CASE("Dataflow errors name the file, line and column", "[csv][errors]") {
  const std::string header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, "
                             "Filter Width, Channels, Num Filter, Strides, Type, Input, "
                             "Aux, Dataflow\n"
                             "conv1, 16, 16, 3, 3, 3, 8, 2, conv, , , ws\n";
  CHECK(error_of(header + "p1, 8, 8, 1, 1, 8, 4, 1, pw, , , xs\n") ==
        "net.csv:3: column 12 (Dataflow): unknown dataflow 'xs'; known: os, ws");
  CHECK(error_of(header + "r1, 8, 8, 1, 3, 8, 8, 1, dw1xk, , , ws\n") ==
        "net.csv:3: column 12 (Dataflow): a dw1xk layer runs on ST-OS; leave Dataflow "
        "empty");
  CHECK(error_of(header + "a1, 8, 8, 1, 1, 8, 8, 1, add, conv1, conv1, os\n") ==
        "net.csv:3: column 12 (Dataflow): a add layer has no os | ws dataflow (conv, "
        "dw, pw and fc have); leave Dataflow empty");
}

TEST_CASE("file errors name the file", "[csv][errors]") {
  CHECK_THROWS_WITH(read_topology_csv("/nonexistent/net.csv", policy::gemm_dwc, 1),
                    "/nonexistent/net.csv: cannot open the topology file");
  const auto path = std::filesystem::temp_directory_path() / "dwvp_bad_topology.csv";
  {
    std::ofstream out(path);
    out << k_header << k_conv << "p1, 8, 8, 1, 1, 8, x, 1, pw, , , ,\n";
  }
  CHECK_THROWS_WITH(read_topology_csv(path.string(), policy::gemm_dwc, 1),
                    path.string() + ":3: column 7 (Num Filter): 'x' is not a number");
  std::filesystem::remove(path);
}
