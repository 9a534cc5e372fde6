// Simulator speed per compute path: what the accelerator model does for one layer
// (int8 kernel for the values + analytical schedule for the time), on MobileNet-v1
// sized layers. Reports MACs simulated per host second and simulated cycles per host
// second for each path. Run: build/bench/datapaths/bench_datapaths [repeats]
#include "layer_kernels.h"
#include "layer_timing.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

struct path {
  std::string name;
  dwvp_desc d;
};

dwvp_desc base(uint8_t op, int h, int w, int in_c, int out_c, int k_h, int k_w) {
  dwvp_desc d{};
  d.opcode = op;
  d.in_h = d.out_h = static_cast<uint16_t>(h);
  d.in_w = d.out_w = static_cast<uint16_t>(w);
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.kernel_h = static_cast<uint8_t>(k_h);
  d.kernel_w = static_cast<uint8_t>(k_w);
  d.stride_h = d.stride_w = 1;
  d.pad_top = d.pad_bottom = static_cast<uint8_t>(k_h / 2);
  d.pad_left = d.pad_right = static_cast<uint8_t>(k_w / 2);
  d.act_min = -128;
  d.act_max = 127;
  return d;
}

} // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<path> paths;
  auto dw = base(DWVP_OP_DEPTHWISE, 112, 112, 64, 64, 3, 3);
  for (auto [m, name] : {std::pair{DWVP_MAP_GEMM_NAIVE, "dw gemm_naive"},
                         std::pair{DWVP_MAP_VECTOR, "dw vector"},
                         std::pair{DWVP_MAP_CHANNEL_MVM, "dw channel_mvm"}}) {
    dw.mapping = static_cast<uint8_t>(m);
    paths.push_back({name, dw});
  }
  auto fuse = base(DWVP_OP_DW_1XK, 112, 112, 64, 64, 1, 3);
  fuse.dataflow = DWVP_DF_ST_OS;
  paths.push_back({"1x3 st_os", fuse});
  auto pw = base(DWVP_OP_POINTWISE, 56, 56, 128, 128, 1, 1);
  paths.push_back({"pointwise os", pw});
  pw.dataflow = DWVP_DF_WS;
  paths.push_back({"pointwise ws", pw});
  auto conv = base(DWVP_OP_CONV2D, 112, 112, 3, 32, 3, 3);
  paths.push_back({"conv2d 3x3", conv});

  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::printf("%-16s %14s %14s %10s %16s %18s\n", "path", "MACs", "cycles", "ms/layer",
              "MACs/host s", "sim cycles/host s");
  for (const auto& p : paths) {
    const auto& d = p.d;
    std::vector<int8_t> input(size_t(d.in_h) * d.in_w * d.in_c),
        output(size_t(d.out_h) * d.out_w * d.out_c);
    std::vector<int8_t> weights(size_t(d.out_c) * d.kernel_h * d.kernel_w * d.in_c);
    for (auto& v : input)
      v = static_cast<int8_t>(byte(rng));
    for (auto& v : weights)
      v = static_cast<int8_t>(byte(rng));
    std::vector<int32_t> bias(d.out_c, 100), mult(d.out_c, 1 << 30), shift(d.out_c, -8);
    dwvp::kernels::layer_operands ops;
    ops.input = input.data();
    ops.weights = weights.data();
    ops.bias = bias.data();
    ops.multiplier = mult.data();
    ops.shift = shift.data();
    dwvp::timing::compute_config cc;
    dwvp::timing::compute_timing t{};
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) {
      dwvp::kernels::execute_layer(d, ops, output.data());
      t = dwvp::timing::layer_compute(d, cc);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
        repeats;
    std::printf("%-16s %14llu %14llu %10.2f %16.3g %18.3g\n", p.name.c_str(),
                static_cast<unsigned long long>(t.macs),
                static_cast<unsigned long long>(t.cycles), seconds * 1e3,
                t.macs / seconds, t.cycles / seconds);
  }
  return 0;
}
