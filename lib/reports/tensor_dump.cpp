#include "tensor_dump.h"

#include "layer_timing.h"
#include "output_file.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace dwvp::scenarios {
namespace {

// NPY format 1.0: magic, version, little-endian header length, a Python dict literal
// padded with spaces to a multiple of 64 bytes, then the raw C-order data.
template <typename T>
void write_npy(const std::string& path, const std::vector<T>& data,
               const std::vector<size_t>& shape, const char* dtype) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims +=
        std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string header = "{'descr': '" + std::string(dtype) +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  output_file file(path, "tensor file", true);
  std::ostream& out = file.stream();
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.put(static_cast<char>(len & 0xFF));
  out.put(static_cast<char>(len >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(T)));
  file.commit();
}

const char* activation_name(unsigned activation) {
  switch (activation) {
  case DWVP_ACT_NONE:
    return "none";
  case DWVP_ACT_RELU:
    return "relu";
  case DWVP_ACT_RELU6:
    return "relu6";
  case DWVP_ACT_LUT:
    return "lut"; // the table is the "lut" file
  default:
    return "unknown";
  }
}

std::string safe(const std::string& name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return s;
}

} // namespace

void dump_tensors(const std::string& dir, const runtime::network& net,
                  const network_run& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw output_error(dir + ": cannot create the tensor dump folder: " + ec.message());
  nlohmann::ordered_json index;
  index["network"] = net.name;
  index["layout"] =
      "activations NHWC int8 batch 1; conv weights OHWI; depthwise [kh][kw][c]; "
      "pointwise/FC [out][in]; see docs/numerics.md";
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  write_npy(
      dir + "/network_input.npy", net.input,
      {net.layers.empty() ? 0 : size_t(net.layers[0].desc.in_h),
       net.layers.empty() ? 0 : size_t(net.layers[0].desc.in_w),
       net.input.size() / std::max<size_t>(1, net.layers.empty()
                                                  ? 1
                                                  : size_t(net.layers[0].desc.in_h) *
                                                        net.layers[0].desc.in_w)},
      "|i1");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const runtime::layer& l = net.layers[i];
    const dwvp_desc& d = l.desc;
    const std::string base = std::to_string(i) + "_" + safe(l.name);
    nlohmann::ordered_json e;
    e["index"] = i;
    e["name"] = l.name;
    e["opcode"] = d.opcode;
    e["op"] = timing::opcode_name(d.opcode);
    e["activation"] = activation_name(d.activation);
    e["input_layer"] = l.input;
    e["input_channel_offset"] = l.input_channel_offset;
    e["aux_layer"] = l.aux_input == runtime::layer::k_no_aux
                         ? nlohmann::ordered_json()
                         : nlohmann::ordered_json(l.aux_input);
    e["in_shape"] = {d.in_h, d.in_w, d.in_c};
    e["out_shape"] = {d.out_h, d.out_w, d.out_c};
    e["kernel"] = {d.kernel_h, d.kernel_w};
    e["stride"] = {d.stride_h, d.stride_w};
    e["padding"] = {d.pad_top, d.pad_left, d.pad_bottom, d.pad_right};
    e["input_zp"] = d.input_zp;
    e["output_zp"] = d.output_zp;
    e["aux_zp"] = d.aux_zp;
    e["act_min"] = d.act_min;
    e["act_max"] = d.act_max;
    e["input_multiplier"] = d.input_mult;
    e["input_shift"] = d.input_shift;
    e["aux_multiplier"] = d.aux_mult;
    e["aux_shift"] = d.aux_shift;
    e["add_left_shift"] = d.add_left_shift;
    e["output_multiplier"] = d.output_mult;
    e["output_shift"] = d.output_shift;
    // Where the output goes: its own tensor of `channels` channels, or channels
    // [channel_offset, + out_c) of an earlier layer's (concatenations, FuSe-Half).
    const int owner = l.output_into >= 0 ? l.output_into : static_cast<int>(i);
    const runtime::layer& o = net.layers[static_cast<size_t>(owner)];
    e["output_tensor"] = {
        {"owner_layer", owner},
        {"channels", o.out_channels_total ? o.out_channels_total : int(o.desc.out_c)},
        {"channel_offset", l.output_into >= 0 ? l.output_channel_offset : 0}};
    if (!l.multiplier.empty())
      e["requantisation"] =
          "per output channel: acc + bias, MultiplyByQuantizedMultiplier(multiplier, "
          "shift), + output_zp, clamp [act_min, act_max] (docs/numerics.md); multipliers "
          "from the tensors' scales, rescaled by calibration (docs/networks.md)";
    nlohmann::ordered_json files;
    auto put = [&](const char* what, const std::string& file) { files[what] = file; };
    if (!l.weights.empty()) {
      std::vector<size_t> shape;
      if (d.opcode == DWVP_OP_CONV2D)
        shape = {d.out_c, d.kernel_h, d.kernel_w, d.in_c};
      else if (d.opcode == DWVP_OP_POINTWISE || d.opcode == DWVP_OP_FC)
        shape = {d.out_c, d.in_c};
      else
        shape = {d.kernel_h, d.kernel_w, d.in_c};
      write_npy(dir + "/" + base + "_weights.npy", l.weights, shape, "|i1");
      put("weights", base + "_weights.npy");
      write_npy(dir + "/" + base + "_bias.npy", l.bias, {l.bias.size()}, "<i4");
      put("bias", base + "_bias.npy");
      write_npy(dir + "/" + base + "_multiplier.npy", l.multiplier, {l.multiplier.size()},
                "<i4");
      put("multiplier", base + "_multiplier.npy");
      write_npy(dir + "/" + base + "_shift.npy", l.shift, {l.shift.size()}, "<i4");
      put("shift", base + "_shift.npy");
    }
    if (!l.lut.empty()) {
      write_npy(dir + "/" + base + "_lut.npy", l.lut, {l.lut.size()}, "|i1");
      put("lut", base + "_lut.npy");
    }
    if (i < run.result.layers.size()) {
      const auto& out = run.result.layers[i].output;
      const size_t pixels = size_t(d.out_h) * d.out_w;
      write_npy(dir + "/" + base + "_output.npy", out,
                {d.out_h, d.out_w, out.size() / pixels}, "|i1");
      put("output", base + "_output.npy");
    }
    e["files"] = files;
    layers.push_back(e);
  }
  index["input"] = "network_input.npy";
  index["layers"] = layers;
  // Last, so that an index always describes files that are complete.
  write_output(dir + "/index.json", "tensor index", index.dump(2) + "\n");
}

} // namespace dwvp::scenarios
