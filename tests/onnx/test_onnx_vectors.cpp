// ONNX's own operator test vectors (Debian's libonnx-testdata) through the importer:
// every node test is imported with its extra inputs given as constants; what imports
// must reproduce the vector's output exactly (golden reference, and the whole platform
// for the QLinear operators), what does not must be refused with an error naming the
// node and its op type. Q/DQ vectors go through the host conversions.
#include "harness.h"
#include "logging.h"
#include "networks.h"
#include "onnx_import.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

using namespace dwvp;
namespace oi = dwvp::onnx_import;
namespace fs = std::filesystem;

namespace {

const std::string k_node_dir = "/usr/share/libonnx-testdata/data/node";

struct vector_case {
  std::string dir;
  oi::options opt;
  oi::tensor data_input; // input_0.pb, the one data input
  oi::tensor expected;   // output_0.pb
};

// Inputs 1..n of data set 0 bound as constants; input 0 is the data input.
vector_case load(const std::string& name) {
  vector_case c;
  c.dir = k_node_dir + "/" + name;
  const std::vector<std::string> inputs = oi::graph_inputs(c.dir + "/model.onnx");
  const std::string set = c.dir + "/test_data_set_0/";
  REQUIRE(!inputs.empty());
  for (size_t i = 1; i < inputs.size(); ++i)
    c.opt.constants[inputs[i]] =
        oi::read_tensor_file(set + "input_" + std::to_string(i) + ".pb");
  c.data_input = oi::read_tensor_file(set + "input_0.pb");
  c.expected = oi::read_tensor_file(set + "output_0.pb");
  return c;
}

oi::model import_case(const vector_case& c) {
  oi::model m = oi::import_file(c.dir + "/model.onnx", c.opt);
  m.net.input = oi::device_input(m, c.data_input);
  return m;
}

void check_equal(const oi::tensor& got, const oi::tensor& want) {
  CHECK(got.type == want.type);
  CHECK(got.dims == want.dims);
  REQUIRE(got.values.size() == want.values.size());
  size_t diffs = 0;
  for (size_t i = 0; i < got.values.size(); ++i)
    diffs += got.values[i] != want.values[i];
  CHECK(diffs == 0);
}

// The vectors the importer maps, and why each other QLinear / integer / Q-DQ vector
// is refused (the message must name the node's op type and the reason).
const std::set<std::string> k_mapped = {"test_qlinearconv", "test_qlinearmatmul_2D"};
const std::map<std::string, std::string> k_refused = {
    {"test_qlinearmatmul_3D",
     "input 'a': dims [2, 2, 4]; the platform takes [1, C, H, W] or [N, K]"},
    {"test_convinteger_with_padding", "(ConvInteger): its output is int32"},
    {"test_convinteger_without_padding", "(ConvInteger): its output is int32"},
    {"test_basic_convinteger", "(ConvInteger): its output is int32"},
    {"test_matmulinteger", "(MatMulInteger): its output is int32"},
    {"test_dynamicquantizelinear", "input 'x': dims [6]; the platform takes"},
    {"test_quantizelinear",
     "input 'x': dims [6]; the platform takes [1, C, H, W] or [N, K]"},
    {"test_dequantizelinear",
     "input 'x': dims [4]; the platform takes [1, C, H, W] or [N, K]"},
    {"test_quantizelinear_axis",
     "node #0 (QuantizeLinear): y_scale must be one float (a per-tensor scale), got 3"},
    {"test_dequantizelinear_axis",
     "node #0 (DequantizeLinear): x_zero_point must be one uint8 or int8 value"},
};

} // namespace

TEST_CASE("every ONNX node test vector imports bit-exact or is refused by name",
          "[onnx][vectors]") {
  REQUIRE(fs::is_directory(k_node_dir));
  std::set<std::string> mapped;
  std::map<std::string, std::string> refused;
  size_t total = 0;
  for (const auto& e : fs::directory_iterator(k_node_dir)) {
    const std::string name = e.path().filename().string();
    if (!fs::exists(e.path() / "test_data_set_0" / "input_0.pb") ||
        !fs::exists(e.path() / "test_data_set_0" / "output_0.pb"))
      continue;
    ++total;
    INFO(name);
    try {
      const vector_case c = load(name);
      const oi::model m = import_case(c);
      // Imported: the golden reference must reproduce the vector exactly.
      const auto outs = scenarios::golden_outputs(m.net);
      check_equal(oi::onnx_output(m, 0, outs[static_cast<size_t>(m.outputs[0].layer)]),
                  c.expected);
      mapped.insert(name);
    } catch (const std::invalid_argument& err) {
      refused[name] = err.what();
    }
  }
  INFO(total << " vectors, " << mapped.size() << " mapped");
  CHECK(total > 900);
  CHECK(mapped == k_mapped);
  for (const auto& [name, why] : k_refused) {
    INFO(name << ": " << refused[name]);
    CHECK(refused.count(name) == 1);
    CHECK(refused[name].find(why) != std::string::npos);
  }
  // Every refusal names a node (with its op type), an input, an output or, for the
  // vectors whose own files hold types the importer does not read, that file.
  for (const auto& [name, why] : refused) {
    INFO(name << ": " << why);
    CHECK((why.find("node '") != std::string::npos ||
           why.find("node #") != std::string::npos ||
           why.find("input '") != std::string::npos ||
           why.find("output '") != std::string::npos ||
           why.find("initializer '") != std::string::npos ||
           why.find("the graph has") != std::string::npos ||
           why.find(".pb: ") != std::string::npos));
  }
}

TEST_CASE("QuantizeLinear and DequantizeLinear vectors through the host conversions",
          "[onnx][vectors]") {
  for (const std::string name : {"test_quantizelinear", "test_quantizelinear_axis",
                                 "test_dequantizelinear", "test_dequantizelinear_axis"}) {
    INFO(name);
    const std::string set = k_node_dir + "/" + name + "/test_data_set_0/";
    const oi::tensor x = oi::read_tensor_file(set + "input_0.pb");
    const oi::tensor s = oi::read_tensor_file(set + "input_1.pb");
    const oi::tensor z = oi::read_tensor_file(set + "input_2.pb");
    const oi::tensor want = oi::read_tensor_file(set + "output_0.pb");
    const bool q = name.find("dequantize") == std::string::npos;
    // The _axis vectors quantise along axis 1 (the default).
    check_equal(q ? oi::quantize_linear(x, s, &z) : oi::dequantize_linear(x, s, &z),
                want);
  }
}

namespace {

// The whole platform (firmware, command ring, accelerator) on a mapped vector.
void run_on_platform(const std::string& name) {
  logging::configure("off", "");
  const vector_case c = load(name);
  const oi::model m = import_case(c);
  config cfg;
  const scenarios::network_run r = scenarios::simulate_network(cfg, m.net, "");
  INFO(r.result.error << r.first_mismatch << r.firmware_failure);
  REQUIRE(r.result.driver_status == DWVP_OK);
  REQUIRE(r.bit_exact); // device against golden
  const int layer = m.outputs[0].layer;
  check_equal(oi::onnx_output(m, 0, r.result.layers[static_cast<size_t>(layer)].output),
              c.expected); // device against ONNX
}

} // namespace

TEST_CASE("QLinearConv vector on the platform", "[onnx][vectors][platform]") {
  run_on_platform("test_qlinearconv");
}

TEST_CASE("QLinearMatMul vector on the platform", "[onnx][vectors][platform]") {
  run_on_platform("test_qlinearmatmul_2D");
}
