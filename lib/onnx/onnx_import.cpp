// The ONNX graph as the platform's layers. Nodes are visited in dependency order;
// every ONNX tensor name gets a value:
//   - a constant (initializer, Constant node, or a graph input given as a constant),
//   - a quantised activation (a layer's output, or the network input),
//   - a dequantised view of either (DequantizeLinear: the QDQ form's float tensors),
//   - a pending float operation (Conv, Gemm, MatMul, Add, Mul, pooling, with any
//     Relu / Clip after it) that becomes a layer when a QuantizeLinear gives its
//     output quantisation.
// QOperator nodes (QLinearConv, ...) build the same pending operation and emit it at
// once with their own output quantisation. docs/networks.md, "ONNX models".
#include "onnx_importer.h"

#include "network_builder.h"
#include "splitmix64.h"

namespace dwvp::onnx_import {
namespace detail {

model importer::run(const pb::ModelProto& mp) {
  for (const pb::OperatorSetIdProto& o : mp.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      m_model.opset = o.version();
  if (!mp.has_graph())
    fail("no graph (not an ONNX model, or a truncated one)");
  const pb::GraphProto& g = mp.graph();
  if (g.node_size() == 0)
    fail("the graph has no nodes");
  // Constants: initializers, then graph inputs given as constants.
  for (const pb::TensorProto& t : g.initializer()) {
    value v;
    v.t = from_proto(t, m_src + ": initializer '" + t.name() + "'");
    m_values[t.name()] = std::move(v);
  }
  for (const auto& [name, t] : m_opt.constants) {
    value v;
    v.t = t;
    m_values[name] = std::move(v);
  }
  // The one data input: [1, C, H, W] or [N, K], 8-bit or float (quantised on the host).
  std::vector<const pb::ValueInfoProto*> data;
  for (const pb::ValueInfoProto& in : g.input())
    if (!m_values.count(in.name()))
      data.push_back(&in);
  if (data.size() != 1) {
    std::string names;
    for (const auto* d : data)
      names += (names.empty() ? "" : ", ") + d->name();
    fail("the graph has " + std::to_string(data.size()) + " data inputs" +
         (names.empty() ? "" : " (" + names + ")") +
         "; the platform runs one (the others must be initializers)");
  }
  const pb::ValueInfoProto& in = *data[0];
  if (!in.type().has_tensor_type())
    fail("input '" + in.name() + "' is not a tensor");
  const pb::TypeProto::Tensor& tt = in.type().tensor_type();
  io_tensor& io = m_model.input;
  io.name = in.name();
  io.type = tt.elem_type();
  if (io.type != k_float && io.type != k_uint8 && io.type != k_int8)
    fail("input '" + in.name() + "' is " + elem_type_name(io.type) +
         "; the platform takes uint8, int8 or float (quantised by a QuantizeLinear)");
  io.quant_type = io.type == k_float ? k_uint8 : io.type;
  for (const pb::TensorShapeProto::Dimension& d : tt.shape().dim()) {
    if (!d.has_dim_value())
      fail("input '" + in.name() + "': dimension '" + d.dim_param() +
           "' has no fixed size (batch must be 1, sizes fixed)");
    io.dims.push_back(d.dim_value());
  }
  for (int64_t d : io.dims)
    if (d < 1 || d > 65535)
      fail("input '" + in.name() + "': dims " + dims_text(io.dims) + " outside 1..65535");
  qact a;
  a.layer = -1;
  a.type = io.quant_type;
  a.quantised = io.type != k_float;
  if (io.dims.size() == 4 && io.dims[0] == 1) {
    a.c = static_cast<int>(io.dims[1]);
    a.h = static_cast<int>(io.dims[2]);
    a.w = static_cast<int>(io.dims[3]);
  } else if (io.dims.size() == 2) {
    a.rank = 2;
    a.w = static_cast<int>(io.dims[0]);
    a.c = static_cast<int>(io.dims[1]);
  } else {
    fail("input '" + in.name() + "': dims " + dims_text(io.dims) +
         "; the platform takes [1, C, H, W] or [N, K]");
  }
  io.h = a.h;
  io.w = a.w;
  io.c = a.c;
  if (uint64_t(a.h) * a.w * a.c > scenarios::k_max_tensor_bytes)
    fail("input '" + in.name() + "': more than the 64 MiB a tensor may hold");
  {
    value v;
    v.kind = value::act;
    v.a = a;
    m_values[in.name()] = v;
  }

  // Dependency order (Kahn), refusing missing producers, duplicates and cycles.
  const int count = g.node_size();
  for (int i = 0; i < count; ++i)
    m_node_index[&g.node(i)] = i;
  std::map<std::string, int> producer;
  for (int i = 0; i < count; ++i)
    for (const std::string& o : g.node(i).output()) {
      if (o.empty())
        continue;
      if (m_values.count(o) || !producer.emplace(o, i).second)
        node_fail(g.node(i), "output '" + o + "' is written twice");
    }
  std::vector<int> pending_inputs(static_cast<size_t>(count), 0);
  std::vector<std::vector<int>> readers(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const pb::NodeProto& n = g.node(i);
    for (const std::string& name : n.input()) {
      if (name.empty())
        continue;
      m_uses[name]++;
      const auto it = producer.find(name);
      if (it != producer.end()) {
        pending_inputs[static_cast<size_t>(i)]++;
        readers[static_cast<size_t>(it->second)].push_back(i);
      } else if (!m_values.count(name)) {
        node_fail(n, "input '" + name +
                         "' is neither an initializer, a graph input nor a node's output "
                         "(missing initializer?)");
      }
    }
  }
  for (const pb::ValueInfoProto& o : g.output())
    m_uses[o.name()]++;
  std::deque<int> ready;
  for (int i = 0; i < count; ++i)
    if (pending_inputs[static_cast<size_t>(i)] == 0)
      ready.push_back(i);
  int visited = 0;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    visit(g.node(i));
    ++visited;
    for (int r : readers[static_cast<size_t>(i)])
      if (--pending_inputs[static_cast<size_t>(r)] == 0)
        ready.push_back(r);
  }
  if (visited != count)
    for (int i = 0; i < count; ++i)
      if (pending_inputs[static_cast<size_t>(i)] > 0)
        node_fail(g.node(i), "the graph has a cycle through this node");

  // Outputs: 8-bit activations, or their DequantizeLinear (dequantised on the host).
  if (g.output_size() == 0)
    fail("the graph has no outputs");
  for (const pb::ValueInfoProto& o : g.output()) {
    const auto it = m_values.find(o.name());
    if (it == m_values.end())
      fail("output '" + o.name() + "' is not computed by the graph");
    const value& v = it->second;
    io_tensor out;
    out.name = o.name();
    qact q;
    if (v.kind == value::act && v.a.quantised) {
      q = v.a;
      out.type = out.quant_type = q.type;
    } else if (v.kind == value::dq && m_values.at(v.d.source).kind == value::act) {
      q = m_values.at(v.d.source).a;
      out.type = k_float;
      out.quant_type = q.type;
    } else {
      fail("output '" + o.name() +
           "' is not an 8-bit tensor or its DequantizeLinear (the layers it needs are "
           "not quantised)");
    }
    if (q.layer < 0)
      fail("output '" + o.name() + "' is the network input: no layer computes it");
    out.scale = q.scale;
    out.zero_point = q.type == k_uint8 ? q.zp + 128 : q.zp;
    out.h = q.h;
    out.w = q.w;
    out.c = q.c;
    out.layer = q.layer;
    out.dims = q.rank == 4 ? std::vector<int64_t>{1, q.c, q.h, q.w}
                           : std::vector<int64_t>{q.w, q.c};
    m_model.outputs.push_back(out);
  }
  if (m_model.net.layers.empty())
    fail("no node maps to a layer of the accelerator");
  networks::set_gemm_dataflow(m_model.net, m_opt.dataflow);
  runtime::network& net = m_model.net;
  net.timing_only = !m_opt.with_data;
  net.input.assign(static_cast<size_t>(io.h) * io.w * io.c, 0);
  if (m_opt.with_data) { // seeded values until the caller gives its own
    splitmix64 rng{m_opt.seed};
    for (size_t i = 0; i < net.input.size(); i += 8) {
      const uint64_t word = rng.next();
      for (size_t k = 0; k < 8 && i + k < net.input.size(); ++k)
        net.input[i + k] = static_cast<int8_t>(word >> (8 * k));
    }
  }
  return m_model;
}

} // namespace detail

using namespace detail;

model import_bytes(const std::string& bytes, const std::string& source,
                   const options& opt) {
  if (bytes.size() > k_max_model_bytes)
    throw std::invalid_argument(source + ": larger than " +
                                std::to_string(k_max_model_bytes >> 20) + " MiB");
  pb::ModelProto mp;
  if (!mp.ParseFromString(bytes))
    throw std::invalid_argument(source +
                                ": not an ONNX model (the protobuf does not parse: "
                                "truncated, or another kind of file)");
  importer imp(source, opt);
  model m = imp.run(mp);
  std::string stem = source;
  const size_t slash = stem.find_last_of('/');
  if (slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".onnx") == 0)
    stem.resize(stem.size() - 5);
  m.net.name = stem;
  return m;
}

model import_file(const std::string& path, const options& opt) {
  return import_bytes(read_limited(path, k_max_model_bytes, "ONNX model"), path, opt);
}

std::vector<std::string> graph_inputs(const std::string& path) {
  pb::ModelProto mp;
  if (!mp.ParseFromString(read_limited(path, k_max_model_bytes, "ONNX model")))
    throw std::invalid_argument(path + ": not an ONNX model");
  std::vector<std::string> names;
  for (const pb::ValueInfoProto& in : mp.graph().input())
    names.push_back(in.name());
  return names;
}

void print_layers(std::ostream& out, const model& m) {
  static const char* const ops[] = {"?",        "conv2d",     "depthwise", "dw_1xk",
                                    "dw_kx1",   "pointwise",  "fc",        "add",
                                    "avg_pool", "channel_mul"};
  static const char* const maps[] = {"default", "gemm_naive", "vector", "channel_mvm"};
  out << "ONNX model " << m.net.name << " (opset " << m.opset << "): input "
      << m.input.name << " " << dims_text(m.input.dims) << " "
      << elem_type_name(m.input.type) << ", " << m.net.layers.size() << " layers, "
      << networks::count_macs(m.net) << " MACs\n";
  out << std::left << std::setw(4) << "#" << std::setw(24) << "layer" << std::setw(12)
      << "opcode" << std::setw(12) << "mapping" << std::setw(16) << "in (HxWxC)"
      << std::setw(16) << "out (HxWxC)" << std::setw(14) << "kernel/stride" << std::right
      << std::setw(12) << "MACs"
      << "  from\n";
  for (size_t i = 0; i < m.net.layers.size(); ++i) {
    const runtime::layer& l = m.net.layers[i];
    const dwvp_desc& d = l.desc;
    auto hwc = [](int h, int w, int c) {
      return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
    };
    out << std::left << std::setw(4) << i << std::setw(24) << l.name << std::setw(12)
        << (d.opcode < 10 ? ops[d.opcode] : "?") << std::setw(12)
        << (d.mapping < 4 ? maps[d.mapping] : "?") << std::setw(16)
        << hwc(d.in_h, d.in_w, d.in_c) << std::setw(16) << hwc(d.out_h, d.out_w, d.out_c)
        << std::setw(14)
        << (std::to_string(d.kernel_h) + "x" + std::to_string(d.kernel_w) + "/" +
            std::to_string(d.stride_h))
        << std::right << std::setw(12) << networks::layer_macs(l) << "  " << m.origin[i]
        << "\n";
  }
  for (const io_tensor& o : m.outputs)
    out << "output " << o.name << " " << dims_text(o.dims) << " "
        << elem_type_name(o.type) << " <- layer " << o.layer << " ("
        << m.net.layers[static_cast<size_t>(o.layer)].name << ")\n";
}

} // namespace dwvp::onnx_import
