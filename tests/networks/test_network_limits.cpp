// Hostile network sizes (issue 13, item 3): every descriptor field the builder fills is
// range-checked before it is narrowed, networks that cannot be placed or would take
// too long are refused before anything large is allocated, and the topology reader
// names the file, line and column.
#include "network_builder.h"
#include "networks.h"
#include "topology_csv.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using Catch::Contains;
using namespace dwvp;
using namespace dwvp::networks;
using scenarios::layer_error;
using scenarios::layer_spec;
using scenarios::network_builder;

namespace {

const std::string k_header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, "
                             "Filter Width, Channels, Num Filter, Strides, Type\n";

std::string error_of(const std::string& rows) {
  try {
    parse_topology_csv(k_header + rows, "net.csv", policy::gemm_dwc, 1);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

// The field a builder error names, or "(no error)".
template <class F> std::string field_of(F&& build) {
  try {
    build();
  } catch (const layer_error& e) {
    return e.field() + ": " + e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("topology sizes beyond the descriptor's fields are refused at their column",
          "[csv][hostile]") {
  // Issue 13: these reached golden::conv2d with truncated descriptor fields.
  CHECK(error_of("c1, 8, 8, 3, 3, 3, 100000, 1, conv\n") ==
        "net.csv:2: column 7 (Num Filter): must be at most 65535 (a 16-bit descriptor "
        "field), got 100000");
  CHECK(error_of("c1, 65537, 1, 1, 1, 3, 8, 1, conv\n") ==
        "net.csv:2: column 2 (IFMAP Height): must be at most 65535 (a 16-bit descriptor "
        "field), got 65537");
  CHECK(error_of("c1, 8, 8, 3, 3, 3, 99999999999, 1, conv\n") ==
        "net.csv:2: column 7 (Num Filter): must be at most 65535 (a 16-bit descriptor "
        "field), got 99999999999");
  CHECK(error_of("c1, 8, 8, 3, 3, 3, 010, 1, conv\n") == "(no error)"); // decimal ten
  // Pools take the device's 1..255 window, filters 1..15.
  CHECK(error_of("p1, 300, 300, 300, 300, 4, 4, 1, avgpool\n") ==
        "net.csv:2: column 4 (Filter Height): must be at most 255 (the accelerator's "
        "limit), got 300");
  const auto net = parse_topology_csv(k_header + "c1, 64, 64, 3, 3, 3, 8, 1, conv\n" +
                                          "p1, 64, 64, 64, 64, 8, 8, 1, avgpool\n",
                                      "net.csv", policy::gemm_dwc, 1);
  CHECK(net.layers[1].desc.kernel_h == 64);
  CHECK(net.layers[1].desc.out_h == 1);
}

TEST_CASE("networks too large to place or to run are refused before allocating",
          "[csv][hostile]") {
  // Issue 13: 2.7 GB of input, 4 GiB of FC weights.
  CHECK(error_of("c1, 30000, 30000, 3, 3, 3, 8, 1, conv\n") ==
        "net.csv:2: network input: 30000x30000x3 tensor: 2700000000 bytes, more than the "
        "64 MiB a tensor may hold (docs/networks.md, Limits)");
  CHECK(error_of("fc1, 1, 1, 1, 1, 65535, 65535, 1, fc\n") ==
        "net.csv:2: layer 0 (fc1): weights: 4294836225 bytes, more than the 64 MiB a "
        "tensor may hold (docs/networks.md, Limits)");
  CHECK(error_of("c1, 4096, 4096, 1, 1, 4, 64, 1, pw\n") ==
        "net.csv:2: layer 0 (c1): output 4096x4096x64 tensor: 1073741824 bytes, more "
        "than the 64 MiB a tensor may hold (docs/networks.md, Limits)");
  // Nine 64 MiB tensors do not fit the 512 MiB DRAM.
  std::string rows;
  for (int i = 0; i < 9; ++i)
    rows += "c" + std::to_string(i) + ", 2048, 2048, 1, 1, 16, 16, 1, pw\n";
  CHECK_THAT(error_of(rows),
             Contains("net.csv:8: layer 6 (c6): tensors and constants up "
                      "to this layer: ") &&
                 Contains("more than the 512 MiB of the platform's DRAM"));
  // 241 G multiply-accumulates; a 255x255 pool over a 4096x4096 map, 3.8 T reads.
  CHECK_THAT(
      error_of("c1, 512, 512, 15, 15, 64, 64, 1, conv\n"),
      Contains("net.csv:2: layer 0 (c1): multiply-accumulates and pooled elements "
               "up to this layer: 241591910400, more than the limit of 68719476736"));
  CHECK_THAT(
      error_of("p1, 4096, 4096, 255, 255, 4, 4, 1, avgpool\n"),
      Contains("net.csv:2: layer 0 (p1): multiply-accumulates and pooled elements"));
  std::string many;
  for (int i = 0; i <= scenarios::k_max_layers; ++i)
    many += "p" + std::to_string(i) + ", 1, 1, 1, 1, 1, 1, 1, pw\n";
  CHECK(error_of(many) ==
        "net.csv:4098: layer 4096 (p4096): a network holds at most 4096 "
        "layers (docs/networks.md, Limits)");
}

TEST_CASE("topology files: a byte order mark is skipped, size is capped",
          "[csv][hostile]") {
  const auto net =
      parse_topology_csv("\xEF\xBB\xBF" + k_header + "c1, 8, 8, 3, 3, 3, 8, 1, conv\n",
                         "net.csv", policy::gemm_dwc, 1);
  CHECK(net.layers.size() == 1);
  const auto path = std::filesystem::temp_directory_path() / "dwvp_huge_topology.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "# " << std::string(k_max_topology_bytes, 'x') << "\n";
  }
  CHECK_THROWS_WITH(read_topology_csv(path.string(), policy::gemm_dwc, 1),
                    path.string() +
                        ": the topology file is larger than 16 MiB (the limit)");
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(read_topology_csv("/dev/zero", policy::gemm_dwc, 1),
                    "/dev/zero: the topology file is larger than 16 MiB (the limit)");
}

TEST_CASE("the builder checks every descriptor field before narrowing it", "[hostile]") {
  CHECK(
      field_of([] { network_builder("n", 65536, 1, 1, 1); }) ==
      "in_h: network input: in_h 65536 is outside 1..65535 (a 16-bit descriptor field)");
  CHECK(field_of([] { network_builder("n", 8, 8, 0, 1); }) ==
        "in_c: network input: in_c 0 is outside 1..65535 (a 16-bit descriptor field)");
  auto add = [](int h, int w, int c, layer_spec s) {
    return [=] {
      network_builder b("n", h, w, c, 1, false);
      b.add("x", s);
    };
  };
  layer_spec pw;
  pw.out_c = 70000;
  CHECK(
      field_of(add(4, 4, 3, pw)) ==
      "out_c: layer 0 (x): out_c 70000 is outside 1..65535 (a 16-bit descriptor field)");
  layer_spec conv;
  conv.op = DWVP_OP_CONV2D;
  conv.out_c = 8;
  conv.kernel_h = conv.kernel_w = 16;
  CHECK(field_of(add(32, 32, 3, conv)) == "kernel_h: layer 0 (x): kernel_h 16 is outside "
                                          "1..15 (the device's filter size)");
  conv.kernel_h = conv.kernel_w = 3;
  conv.stride = 9;
  CHECK(field_of(add(32, 32, 3, conv)) ==
        "stride: layer 0 (x): stride 9 is outside 1..8 (the device's stride)");
  layer_spec pool;
  pool.op = DWVP_OP_AVG_POOL;
  pool.global_pool = true;
  CHECK(field_of(add(300, 1, 4, pool)) ==
        "kernel_h: layer 0 (x): kernel_h 300 is outside 1..255 (the device's pool "
        "window; a global pool spans its input)");
  CHECK(field_of(add(255, 255, 4, pool)) == "(no error)");
  layer_spec odd;
  odd.out_c = 8;
  odd.op = 42;
  CHECK(field_of(add(4, 4, 3, odd)) ==
        "opcode: layer 0 (x): opcode 42 is outside 1..9 (dwvp_opcode)");
  odd.op = DWVP_OP_POINTWISE;
  odd.activation = 7;
  CHECK(field_of(add(4, 4, 3, odd)) ==
        "activation: layer 0 (x): activation 7 is outside 0..3 (dwvp_activation)");
}

TEST_CASE("golden reference errors name the layer", "[hostile]") {
  network_builder b("n", 8, 8, 3, 1);
  layer_spec conv;
  conv.op = DWVP_OP_CONV2D;
  conv.out_c = 4;
  conv.kernel_h = conv.kernel_w = 3;
  b.add("stem", conv);
  runtime::network net = b.network();
  net.layers[0].weights.resize(5); // as a bad --weights file might leave it
  CHECK_THROWS_WITH(
      scenarios::golden_outputs(net),
      Contains("layer stem: golden reference: golden::conv2d: weights has 5 "
               "elements"));
}
