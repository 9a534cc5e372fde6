// Writes the ONNX files the command-line tests run (tests/onnx/CMakeLists.txt): a small
// QDQ network with a depthwise layer and a residual, its input as a TensorProto, and
// malformed variants (truncated, a cycle, a missing initializer, huge dims, weights of
// the wrong type). Built in C++ through the protobuf classes: no Python at test time.
#include "qdq_model.h"

#include <fstream>
#include <iostream>

namespace {

dwvp::test::qdq_model tiny() {
  dwvp::test::qdq_model m(16, 16, 3, 11);
  auto x = m.conv(m.input, 16, 3, 2, false, "relu6", "conv1");
  auto y = m.conv(x, 16, 3, 1, true, "relu6", "dw1");
  y = m.conv(y, 16, 1, 1, false, "", "pw1");
  x = m.add(y, x, "add1");
  x = m.global_pool(x, "pool");
  x = m.fc(x, 10, "fc");
  m.output(x);
  return m;
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

::onnx::NodeProto* node(::onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name)
      return &n;
  return nullptr;
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc != 2) {
    std::cerr << "usage: make_onnx_fixtures DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::string good = tiny().bytes();
  write(dir + "/tiny.onnx", good);
  write(dir + "/truncated.onnx", good.substr(0, good.size() * 2 / 3));
  {
    ::onnx::TensorProto t; // the float input [1, 3, 16, 16]
    t.set_name("input");
    t.set_data_type(::onnx::TensorProto::FLOAT);
    for (int d : {1, 3, 16, 16})
      t.add_dims(d);
    for (int i = 0; i < 3 * 16 * 16; ++i)
      t.add_float_data(static_cast<float>((i * 37 % 101) - 50) / 25.0f);
    write(dir + "/input.pb", t.SerializeAsString());
  }
  {
    auto m = tiny();
    node(m.model(), "conv1")->set_input(0, "pw1.q");
    write(dir + "/cyclic.onnx", m.bytes());
  }
  {
    auto m = tiny();
    auto* init = m.model().mutable_graph()->mutable_initializer();
    for (int i = 0; i < init->size(); ++i)
      if (init->Get(i).name() == "pw1.w")
        init->DeleteSubrange(i, 1);
    write(dir + "/missing_initializer.onnx", m.bytes());
  }
  {
    auto m = tiny();
    m.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
        ->mutable_shape()->mutable_dim(3)->set_dim_value(int64_t{1} << 33);
    write(dir + "/huge_dims.onnx", m.bytes());
  }
  {
    auto m = tiny();
    for (auto& t : *m.model().mutable_graph()->mutable_initializer())
      if (t.name() == "dw1.w")
        t.set_data_type(::onnx::TensorProto::INT32);
    write(dir + "/wrong_type.onnx", m.bytes());
  }
  return 0;
}
