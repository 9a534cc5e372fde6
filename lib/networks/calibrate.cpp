#include "calibrate.h"

#include "golden.h"
#include "networks.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dwvp::networks {
namespace {

// The input RMS (|x - zp| in quantisation steps) network_builder assumes: uniform int8.
constexpr double k_assumed_rms = 74.0;
constexpr double k_min_factor = 1.0 / 64, k_max_factor = 256.0;

bool has_weights(int op) {
  return op == DWVP_OP_CONV2D || op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK ||
         op == DWVP_OP_DW_KX1 || op == DWVP_OP_POINTWISE || op == DWVP_OP_FC;
}

void scale_multipliers(runtime::layer& l, double factor) {
  for (size_t o = 0; o < l.multiplier.size(); ++o) {
    const double real = std::ldexp(double(l.multiplier[o]), l.shift[o] - 31) * factor;
    int32_t m = 0;
    int sh = 0;
    golden::quantize_multiplier(real, &m, &sh);
    l.multiplier[o] = m;
    l.shift[o] = sh;
  }
}

size_t tensor_channels(const runtime::layer& l) {
  return l.out_channels_total ? size_t(l.out_channels_total) : size_t(l.desc.out_c);
}

} // namespace

std::map<std::string, double> calibrate(runtime::network& net) {
  std::map<std::string, double> factors;
  // Tensors by owning layer (a layer with output_into writes its owner's tensor).
  std::vector<std::vector<int8_t>> tensors(net.layers.size());
  auto owner_of = [&](int i) {
    return net.layers[i].output_into >= 0 ? net.layers[i].output_into : i;
  };
  for (size_t i = 0; i < net.layers.size(); ++i) {
    runtime::layer& l = net.layers[i];
    const dwvp_desc& d = l.desc;
    const std::vector<int8_t>& producer =
        l.input < 0 ? net.input : tensors[owner_of(l.input)];
    std::vector<int8_t> in;
    const size_t pixels = size_t(d.in_h) * d.in_w;
    const size_t stride = d.in_pixel_stride ? d.in_pixel_stride : d.in_c;
    in.resize(pixels * d.in_c);
    for (size_t px = 0; px < pixels; ++px)
      for (size_t c = 0; c < d.in_c; ++c)
        in[px * d.in_c + c] = producer[px * stride + l.input_channel_offset + c];
    if (has_weights(d.opcode)) {
      double sum = 0;
      for (int8_t x : in)
        sum += double(x - d.input_zp) * double(x - d.input_zp);
      const double rms = std::sqrt(sum / std::max<size_t>(in.size(), 1));
      const double f =
          std::clamp(k_assumed_rms / std::max(rms, 1.0), k_min_factor, k_max_factor);
      scale_multipliers(l, f);
      factors[l.name] = f;
    }
    const std::vector<int8_t>* aux = nullptr;
    if (l.aux_input != runtime::layer::k_no_aux)
      aux = l.aux_input < 0 ? &net.input : &tensors[owner_of(l.aux_input)];
    const std::vector<int8_t> out = scenarios::golden_layer(l, in, aux);
    // Place the output in its tensor (own, possibly wider, or its owner's).
    const int owner = owner_of(int(i));
    const size_t total = tensor_channels(net.layers[owner]);
    const size_t offset = l.output_into >= 0 ? size_t(l.output_channel_offset) : 0;
    std::vector<int8_t>& t = tensors[owner];
    const size_t out_pixels = size_t(d.out_h) * d.out_w;
    t.resize(out_pixels * total);
    for (size_t px = 0; px < out_pixels; ++px)
      for (size_t c = 0; c < d.out_c; ++c)
        t[px * total + offset + c] = out[px * d.out_c + c];
  }
  return factors;
}

void apply_calibration(runtime::network& net, const std::map<std::string, double>& f) {
  for (auto& l : net.layers) {
    auto it = f.find(l.name);
    if (it != f.end() && has_weights(l.desc.opcode))
      scale_multipliers(l, it->second);
  }
}

} // namespace dwvp::networks
