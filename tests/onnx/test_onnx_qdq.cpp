// QDQ-form models built in C++ (qdq_model.h): the mapping of a MobileNet-v2, its run
// through the whole platform under each depthwise policy and timing only, and
// malformed files: named errors for truncated files, wrong types, missing
// initializers, cycles, huge dims, and a fuzz-style pass over mutated files.
#include "qdq_model.h"

#include "harness.h"
#include "logging.h"
#include "model_zoo.h"
#include "networks.h"
#include "onnx_import.h"

#include <catch2/catch.hpp>

#include <random>

using namespace dwvp;
namespace oi = dwvp::onnx_import;

namespace {

test::qdq_model small_v2() {
  return test::mobilenet_v2(32, 0.25, 10, 7);
}

std::string error_of(const std::string& bytes, const oi::options& opt = {}) {
  try {
    oi::import_bytes(bytes, "m.onnx", opt);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

::onnx::NodeProto* find_node(::onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name)
      return &n;
  FAIL("no node " << name);
  return nullptr;
}

void run_policy(networks::policy p, bool with_data) {
  logging::configure("off", "");
  oi::options opt;
  opt.policy = p;
  opt.with_data = with_data;
  const oi::model m = oi::import_bytes(small_v2().bytes(), "v2.onnx", opt);
  config cfg;
  if (!with_data)
    cfg.set("sim.functional", "false", "test");
  const scenarios::network_run r = scenarios::simulate_network(cfg, m.net, "");
  INFO(r.result.error << r.first_mismatch << r.firmware_failure);
  REQUIRE(r.result.driver_status == DWVP_OK);
  REQUIRE(r.result.layers.size() == m.net.layers.size());
  CHECK(r.result.perf[DWVP_PERF_MACS] == networks::count_macs(m.net));
  CHECK(r.simulated_cycles > 0);
  if (with_data)
    CHECK(r.bit_exact);
  // Depthwise layers run on the vector unit only under the conventional policy.
  CHECK((r.result.perf[DWVP_PERF_VECTOR_BUSY] > 0) ==
        (p == networks::policy::conventional));
}

} // namespace

TEST_CASE("a QDQ MobileNet-v2 maps onto the platform's layers", "[onnx][qdq]") {
  const oi::model m = oi::import_bytes(small_v2().bytes(), "v2.onnx", {});
  // 52 conv / dw / pw layers, 11 adds (at width 0.25 block 1 keeps its 8 channels, so
  // it has a residual too), the pool and the classifier.
  REQUIRE(m.net.layers.size() == 65);
  int convs = 0, dws = 0, pws = 0, adds = 0, pools = 0, fcs = 0;
  for (const auto& l : m.net.layers) {
    const dwvp_desc& d = l.desc;
    convs += d.opcode == DWVP_OP_CONV2D;
    dws += d.opcode == DWVP_OP_DEPTHWISE;
    pws += d.opcode == DWVP_OP_POINTWISE;
    adds += d.opcode == DWVP_OP_ADD;
    pools += d.opcode == DWVP_OP_AVG_POOL;
    fcs += d.opcode == DWVP_OP_FC;
    if (d.opcode != DWVP_OP_AVG_POOL)
      CHECK(d.flags == DWVP_FLAG_ONNX);
    if (d.opcode == DWVP_OP_DEPTHWISE)
      CHECK(d.mapping == DWVP_MAP_CHANNEL_MVM);
  }
  CHECK(convs == 1);
  CHECK(dws == 17);
  // Expansions, projections, conv_last and the classifier: pointwise, or FC where the
  // map is 1x1 (the last stages at 32x32).
  CHECK(pws + fcs == 16 + 17 + 1 + 1);
  CHECK(adds == 11);
  CHECK(pools == 1);
  CHECK(fcs == 9);
  // ReLU6 as a clamp: act_min = the output zero point, act_max = quantised 6.
  const dwvp_desc& c1 = m.net.layers[0].desc;
  CHECK(c1.act_min == -100);
  CHECK(c1.pad_top == 1);
  CHECK((c1.out_h == 16 && c1.out_c == 8));
  CHECK(m.input.type == oi::k_float);
  CHECK(m.outputs.size() == 1);
  CHECK(m.outputs[0].dims == std::vector<int64_t>{1, 10});
  // The golden reference runs the whole network.
  CHECK(scenarios::golden_outputs(m.net).size() == 65);
}

TEST_CASE("QDQ MobileNet-v2 under conventional", "[onnx][qdq][platform]") {
  run_policy(networks::policy::conventional, true);
}
TEST_CASE("QDQ MobileNet-v2 under gemm_naive", "[onnx][qdq][platform]") {
  run_policy(networks::policy::gemm_naive, true);
}
TEST_CASE("QDQ MobileNet-v2 under gemm_dwc", "[onnx][qdq][platform]") {
  run_policy(networks::policy::gemm_dwc, true);
}
TEST_CASE("QDQ MobileNet-v2 timing only", "[onnx][qdq][platform]") {
  run_policy(networks::policy::gemm_dwc, false);
}

TEST_CASE("malformed ONNX files are refused with the culprit named", "[onnx][errors]") {
  const std::string good = small_v2().bytes();
  SECTION("truncated") {
    CHECK(error_of(good.substr(0, good.size() / 2)).find("m.onnx: ") == 0);
    CHECK(error_of("") == "m.onnx: no graph (not an ONNX model, or a truncated one)");
    CHECK(error_of("not a model at all\n") ==
          "m.onnx: not an ONNX model (the protobuf does not parse: truncated, or another "
          "kind of file)");
  }
  SECTION("wrong types") {
    auto v2 = small_v2();
    auto* init = v2.model().mutable_graph()->mutable_initializer();
    for (auto& t : *init)
      if (t.name() == "b2_dw.w") { // weights as floats
        t.set_data_type(::onnx::TensorProto::FLOAT);
        std::vector<float> f(t.int32_data().begin(), t.int32_data().end());
        t.clear_int32_data();
        for (float x : f)
          t.add_float_data(x);
      }
    CHECK(error_of(v2.bytes()) ==
          "m.onnx: node 'b2_dw' (Conv): weights must be int8 or uint8, got float");
    auto v3 = small_v2();
    auto* a = find_node(v3.model(), "b2_dw")->mutable_attribute(0);
    a->set_type(::onnx::AttributeProto::FLOAT); // kernel_shape
    CHECK(error_of(v3.bytes()) ==
          "m.onnx: node 'b2_dw' (Conv): attribute 'kernel_shape' must be a list of ints");
  }
  SECTION("missing initializer") {
    auto v2 = small_v2();
    auto* init = v2.model().mutable_graph()->mutable_initializer();
    for (int i = 0; i < init->size(); ++i)
      if (init->Get(i).name() == "b3_project.w") {
        init->DeleteSubrange(i, 1);
        break;
      }
    CHECK(error_of(v2.bytes()) ==
          "m.onnx: node 'b3_project.w_dq' (DequantizeLinear): input 'b3_project.w' is "
          "neither an initializer, a graph input nor a node's output (missing "
          "initializer?)");
  }
  SECTION("cyclic graph") {
    auto v2 = small_v2();
    // conv1's input becomes the output of a later node.
    find_node(v2.model(), "conv1")->set_input(0, "b1_dw.q");
    CHECK(error_of(v2.bytes()).find("the graph has a cycle through this node") !=
          std::string::npos);
  }
  SECTION("huge dims") {
    auto v2 = small_v2();
    auto* dim = v2.model()
                    .mutable_graph()
                    ->mutable_input(0)
                    ->mutable_type()
                    ->mutable_tensor_type()
                    ->mutable_shape()
                    ->mutable_dim(2);
    dim->set_dim_value(int64_t{1} << 40);
    CHECK(error_of(v2.bytes()) ==
          "m.onnx: input 'input': dims [1, 3, 1099511627776, 32] outside 1..65535");
    dim->set_dim_value(16384); // 16384 x 32 x 3 fits, the conv's output tensor too
    auto v3 = small_v2();
    for (auto& t : *v3.model().mutable_graph()->mutable_initializer())
      if (t.name() == "fc.w") {
        t.set_dims(0, int64_t{1} << 30);
      }
    CHECK(error_of(v3.bytes()) ==
          "m.onnx: initializer 'fc.w': dimension 1073741824 outside 0..268435456");
    dim->set_dim_value(-5);
    CHECK(error_of(v2.bytes()).find("outside 1..65535") != std::string::npos);
  }
  SECTION("operators and forms the accelerator cannot run") {
    auto v2 = small_v2();
    find_node(v2.model(), "pool")->set_op_type("GlobalMaxPool");
    CHECK(error_of(v2.bytes()) ==
          "m.onnx: node 'pool' (GlobalMaxPool): operator not supported; docs/networks.md "
          "lists those the platform runs");
    auto v3 = small_v2();
    auto* g = find_node(v3.model(), "b2_dw")->add_attribute();
    g->set_name("dilations");
    g->set_type(::onnx::AttributeProto::INTS);
    g->add_ints(2);
    g->add_ints(2);
    CHECK(error_of(v3.bytes()) ==
          "m.onnx: node 'b2_dw' (Conv): dilations other than 1 are not supported");
    auto v4 = small_v2();
    find_node(v4.model(), "b2_dw")->mutable_attribute(3)->set_i(2); // group
    CHECK(error_of(v4.bytes())
              .find("(Conv): group 2: grouped convolution is not supported") !=
          std::string::npos);
  }
}

TEST_CASE("mutated ONNX files import or are refused, never crash",
          "[onnx][errors][fuzz]") {
  // A smaller model than v2 keeps the pass quick; every mutant must either import (and
  // then run through the golden reference) or throw std::invalid_argument.
  test::qdq_model m(12, 12, 3, 5);
  auto x = m.conv(m.input, 8, 3, 2, false, "relu6", "c1");
  x = m.conv(x, 8, 3, 1, true, "relu", "dw");
  auto y = m.conv(x, 8, 1, 1, false, "", "pw");
  x = m.add(y, x, "add");
  x = m.global_pool(x, "pool");
  x = m.fc(x, 4, "fc");
  m.output(x);
  const std::string good = m.bytes();
  REQUIRE(oi::import_bytes(good, "good.onnx", {}).net.layers.size() == 6);
  std::mt19937 rng(99);
  int imported = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = good;
    const int kind = i % 4;
    const size_t at = std::uniform_int_distribution<size_t>(0, b.size() - 1)(rng);
    if (kind == 0) {
      b[at] = static_cast<char>(b[at] ^ (1 << (i % 8))); // flip a bit
    } else if (kind == 1) {
      b[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    } else if (kind == 2) {
      b.resize(at); // truncate
    } else {
      b.insert(at, 1 + i % 7, static_cast<char>(i)); // insert bytes
    }
    try {
      const oi::model mm = oi::import_bytes(b, "mutant.onnx", {});
      if (networks::count_macs(mm.net) < 50'000'000)
        scenarios::golden_outputs(mm.net);
      ++imported;
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("mutant.onnx") != std::string::npos);
      ++refused;
    }
  }
  INFO(imported << " imported, " << refused << " refused");
  CHECK(imported + refused == 3000);
  CHECK(refused > 1000);
}

namespace {

// A QOperator-form (uint8) graph with the com.microsoft contrib operators onnxruntime's
// quantiser emits: QLinearConv, QLinearGlobalAveragePool, QLinearSigmoid, QLinearMul
// (squeeze-and-excite), QLinearAdd, QLinearAveragePool.
std::string qoperator_model() {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* ms = m.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(::onnx::TensorProto::UINT8);
  for (int d : {1, 8, 6, 6})
    tt->mutable_shape()->add_dim()->set_dim_value(d);
  auto scalar = [&](const std::string& name, int type, double v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    if (type == ::onnx::TensorProto::FLOAT)
      t->add_float_data(static_cast<float>(v));
    else
      t->add_int32_data(static_cast<int32_t>(v));
    return name;
  };
  const int f = ::onnx::TensorProto::FLOAT, u8 = ::onnx::TensorProto::UINT8;
  // Tensors: scale and zero point of each (t.s, t.z).
  auto q = [&](const std::string& t, double s, int z) {
    scalar(t + ".s", f, s);
    scalar(t + ".z", u8, z);
  };
  q("x", 0.05, 128);
  q("y1", 0.08, 120);
  q("y3", 0.1, 128);
  q("y4", 1.0 / 256, 0);
  q("y5", 0.06, 125);
  q("y6", 0.1, 128);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> wd(0, 255);
  auto weights = [&](const std::string& name, int out, int in_c) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(u8);
    for (int d : {out, in_c, 1, 1})
      t->add_dims(d);
    for (int i = 0; i < out * in_c; ++i)
      t->add_int32_data(wd(rng));
    scalar(name + ".s", f, 0.01);
    scalar(name + ".z", u8, 131);
  };
  weights("w1", 8, 8);
  weights("w2", 8, 8);
  auto node = [&](const std::string& op, const std::string& name,
                  const std::vector<std::string>& ins, bool contrib) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    if (contrib)
      n->set_domain("com.microsoft");
    for (const auto& s : ins)
      n->add_input(s);
    n->add_output(name);
    return n;
  };
  auto qt = [](const std::string& t) {
    return std::vector<std::string>{t, t + ".s", t + ".z"};
  };
  auto cat = [](std::vector<std::vector<std::string>> parts) {
    std::vector<std::string> all;
    for (auto& p : parts)
      all.insert(all.end(), p.begin(), p.end());
    return all;
  };
  node("QLinearConv", "y1", cat({qt("x"), qt("w1"), {"y1.s", "y1.z"}}), false);
  node("QLinearGlobalAveragePool", "y2", cat({qt("y1"), {"y1.s", "y1.z"}}), true);
  scalar("y2.s", f, 0.08);
  scalar("y2.z", u8, 120);
  node("QLinearConv", "y3", cat({qt("y2"), qt("w2"), {"y3.s", "y3.z"}}), false);
  node("QLinearSigmoid", "y4", cat({qt("y3"), {"y4.s", "y4.z"}}), true);
  node("QLinearMul", "y5", cat({qt("y1"), qt("y4"), {"y5.s", "y5.z"}}), true);
  node("QLinearAdd", "y6", cat({qt("y5"), qt("y1"), {"y6.s", "y6.z"}}), true);
  auto* p = node("QLinearAveragePool", "y7", cat({qt("y6"), {"y6.s", "y6.z"}}), true);
  for (const char* a : {"kernel_shape", "strides"}) {
    auto* at = p->add_attribute();
    at->set_name(a);
    at->set_type(::onnx::AttributeProto::INTS);
    at->add_ints(2);
    at->add_ints(2);
  }
  auto* out = g->add_output();
  out->set_name("y7");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(u8);
  return m.SerializeAsString();
}

} // namespace

TEST_CASE("the QOperator contrib operators map and run bit-exact on the platform",
          "[onnx][qoperator][platform]") {
  logging::configure("off", "");
  const oi::model m = oi::import_bytes(qoperator_model(), "qop.onnx", {});
  REQUIRE(m.net.layers.size() == 6);
  const int ops[] = {DWVP_OP_POINTWISE,   DWVP_OP_AVG_POOL, DWVP_OP_FC,
                     DWVP_OP_CHANNEL_MUL, DWVP_OP_ADD,      DWVP_OP_AVG_POOL};
  for (size_t i = 0; i < 6; ++i)
    CHECK(m.net.layers[i].desc.opcode == ops[i]);
  CHECK(m.net.layers[0].desc.aux_zp == 3);   // uint8 weight zero point 131 - 128
  CHECK(m.net.layers[0].desc.input_zp == 0); // uint8 zero point 128 - 128
  CHECK(m.net.layers[2].desc.activation == DWVP_ACT_LUT); // QLinearSigmoid folded
  CHECK(m.net.layers[2].lut.size() == 256);
  CHECK(m.net.layers[5].desc.kernel_h == 2);
  CHECK(m.outputs[0].dims == std::vector<int64_t>{1, 8, 3, 3});
  config cfg;
  const scenarios::network_run r = scenarios::simulate_network(cfg, m.net, "");
  INFO(r.result.error << r.first_mismatch << r.firmware_failure);
  REQUIRE(r.result.driver_status == DWVP_OK);
  CHECK(r.bit_exact);
}
