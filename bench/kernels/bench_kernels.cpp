// Host time of execute_layer() on MobileNet-v1 (224x224) shapes: the depthwise
// 112x112x64 3x3 s1 and pointwise 56x56x128->128 layers alone, a few other layer
// types, then the whole network (27 conv/depthwise/pointwise layers, average pool, FC).
// Random data; the values are irrelevant to the time. Usage: bench_kernels [repetitions]
#include "layer_kernels.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using dwvp::kernels::execute_layer;
using dwvp::kernels::layer_operands;

struct layer {
  std::string name;
  dwvp_desc d{};
  std::vector<int8_t> input, weights, aux, output;
  std::vector<int32_t> bias, mult, shift;
  layer_operands ops;
};

layer make_layer(std::mt19937& rng, const std::string& name, uint8_t opcode, int in_h,
                 int in_w, int in_c, int out_c, int k, int s) {
  layer l;
  l.name = name;
  dwvp_desc& d = l.d;
  d.magic = DWVP_DESC_MAGIC;
  d.opcode = opcode;
  d.kernel_h = d.kernel_w = static_cast<uint8_t>(k);
  d.stride_h = d.stride_w = static_cast<uint8_t>(s);
  if (k > 1) { // TF SAME padding
    const int out = (in_h + s - 1) / s;
    const int total = std::max((out - 1) * s + k - in_h, 0);
    d.pad_top = d.pad_left = static_cast<uint8_t>(total / 2);
    d.pad_bottom = d.pad_right = static_cast<uint8_t>(total - total / 2);
  }
  d.in_h = static_cast<uint16_t>(in_h);
  d.in_w = static_cast<uint16_t>(in_w);
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.out_h = static_cast<uint16_t>((in_h + d.pad_top + d.pad_bottom - k) / s + 1);
  d.out_w = static_cast<uint16_t>((in_w + d.pad_left + d.pad_right - k) / s + 1);
  d.input_zp = -3;
  d.output_zp = 5;
  d.act_min = 5;
  d.act_max = 120;
  d.activation = DWVP_ACT_RELU6;
  std::uniform_int_distribution<int> byte(-128, 127);
  l.input.resize(size_t{d.in_h} * d.in_w * d.in_c);
  for (auto& x : l.input)
    x = static_cast<int8_t>(byte(rng));
  size_t weights = 0;
  if (opcode == DWVP_OP_CONV2D)
    weights = size_t{d.out_c} * k * k * in_c;
  else if (opcode == DWVP_OP_DEPTHWISE)
    weights = size_t(k) * k * in_c;
  else if (opcode == DWVP_OP_POINTWISE || opcode == DWVP_OP_FC)
    weights = size_t{d.out_c} * in_c;
  l.weights.resize(weights);
  for (auto& x : l.weights)
    x = static_cast<int8_t>(byte(rng));
  l.aux.resize(opcode == DWVP_OP_ADD ? l.input.size() : size_t{d.in_c});
  for (auto& x : l.aux)
    x = static_cast<int8_t>(byte(rng));
  d.add_left_shift = opcode == DWVP_OP_ADD ? 20 : 0;
  d.input_mult = d.aux_mult = 1 << 30;
  d.input_shift = d.aux_shift = -1;
  d.output_mult = 1518500250;
  d.output_shift = opcode == DWVP_OP_ADD ? -19 : -7;
  l.bias.assign(out_c, 100);
  l.mult.assign(out_c, 1518500250);
  l.shift.assign(out_c, -9);
  l.output.resize(size_t{d.out_h} * d.out_w * d.out_c);
  l.ops.input = l.input.data();
  l.ops.weights = l.weights.data();
  l.ops.bias = l.bias.data();
  l.ops.multiplier = l.mult.data();
  l.ops.shift = l.shift.data();
  l.ops.aux = l.aux.data();
  return l;
}

double ms_per_call(layer& l, int reps) {
  execute_layer(l.d, l.ops, l.output.data()); // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i)
    execute_layer(l.d, l.ops, l.output.data());
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / reps;
}

} // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  std::mt19937 rng(7);

  layer dw = make_layer(rng, "depthwise 112x112x64 3x3 s1", DWVP_OP_DEPTHWISE, 112, 112,
                        64, 64, 3, 1);
  layer pw = make_layer(rng, "pointwise 56x56x128->128", DWVP_OP_POINTWISE, 56, 56, 128,
                        128, 1, 1);
  std::printf("%-36s %8.3f ms/call\n", dw.name.c_str(), ms_per_call(dw, reps));
  std::printf("%-36s %8.3f ms/call\n", pw.name.c_str(), ms_per_call(pw, reps));
  layer extra[] = {
      make_layer(rng, "conv 224x224x3->32 3x3 s2", DWVP_OP_CONV2D, 224, 224, 3, 32, 3, 2),
      make_layer(rng, "add 56x56x128", DWVP_OP_ADD, 56, 56, 128, 128, 1, 1),
      make_layer(rng, "channel mul 28x28x120", DWVP_OP_CHANNEL_MUL, 28, 28, 120, 120, 1,
                 1),
      make_layer(rng, "avg pool 28x28x128 3x3 s1", DWVP_OP_AVG_POOL, 28, 28, 128, 128, 3,
                 1),
  };
  for (layer& l : extra)
    std::printf("%-36s %8.3f ms/call\n", l.name.c_str(), ms_per_call(l, reps));

  // MobileNet-v1 1.0 224.
  std::vector<layer> net;
  net.push_back(make_layer(rng, "conv 3x3 s2", DWVP_OP_CONV2D, 224, 224, 3, 32, 3, 2));
  struct block {
    int c_in, c_out, s;
  };
  int hw = 112;
  const block blocks[] = {{32, 64, 1},    {64, 128, 2},  {128, 128, 1}, {128, 256, 2},
                          {256, 256, 1},  {256, 512, 2}, {512, 512, 1}, {512, 512, 1},
                          {512, 512, 1},  {512, 512, 1}, {512, 512, 1}, {512, 1024, 2},
                          {1024, 1024, 1}};
  for (const block& b : blocks) {
    net.push_back(
        make_layer(rng, "dw", DWVP_OP_DEPTHWISE, hw, hw, b.c_in, b.c_in, 3, b.s));
    hw = (hw + b.s - 1) / b.s;
    net.push_back(
        make_layer(rng, "pw", DWVP_OP_POINTWISE, hw, hw, b.c_in, b.c_out, 1, 1));
  }
  net.push_back(make_layer(rng, "avg pool", DWVP_OP_AVG_POOL, 7, 7, 1024, 1024, 7, 1));
  net.push_back(make_layer(rng, "fc", DWVP_OP_FC, 1, 1, 1024, 1000, 1, 1));
  double conv = 0, dws = 0, pws = 0, other = 0;
  const int net_reps = std::max(1, reps / 10);
  for (layer& l : net) {
    const double t = ms_per_call(l, net_reps);
    (l.d.opcode == DWVP_OP_CONV2D      ? conv
     : l.d.opcode == DWVP_OP_DEPTHWISE ? dws
     : l.d.opcode == DWVP_OP_POINTWISE ? pws
                                       : other) += t;
  }
  std::printf("MobileNet-v1 224: %.1f ms (conv %.1f, depthwise %.1f, pointwise %.1f, "
              "pool+fc %.1f)\n",
              conv + dws + pws + other, conv, dws, pws, other);
  return 0;
}
