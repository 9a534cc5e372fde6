// Internal to lib/networks: the layer-building helpers the zoo's network families share
// (model_zoo.cpp, zoo_blocks.cpp and the zoo_*.cpp family files). Not part of the
// model_zoo.h API.
#pragma once

#include "model_zoo.h"
#include "network_builder.h"

#include <string>

namespace dwvp::networks::zoo {

using scenarios::layer_spec;
using scenarios::network_builder;

// An activation as the builder takes it.
struct act {
  int fn;
  int lut;
};
constexpr act k_none{DWVP_ACT_NONE, 0};
constexpr act k_relu{DWVP_ACT_RELU, 0};
constexpr act k_relu6{DWVP_ACT_RELU6, 0};
constexpr act k_hswish{DWVP_ACT_LUT, 0};
constexpr act k_hsigmoid{DWVP_ACT_LUT, 1};

enum class fuse { none, half, full };

// Builds one network on network_builder: the layer kinds of the zoo, each depthwise
// block replaced by its FuSe form when the variant asks for it.
class maker {
public:
  maker(const std::string& name, int resolution, uint32_t seed, policy p, fuse f,
        int fuse_blocks, bool with_data)
      : m_b(name, resolution, resolution, 3, seed, with_data), m_policy(p), m_fuse(f),
        m_fuse_blocks(fuse_blocks) {}

  const network_builder::tensor& out(int index) const { return m_b.output(index); }
  int channels(int index) const { return out(index).c; }
  int depthwise_blocks() const { return m_dw_blocks; }
  runtime::network take() const { return m_b.network(); }

  int conv(const std::string& name, int in, int out_c, int k, int stride, act a) {
    layer_spec s = gemm(in, DWVP_OP_CONV2D, out_c, a);
    s.kernel_h = s.kernel_w = k;
    s.stride = stride;
    return m_b.add(name, s);
  }
  int pointwise(const std::string& name, int in, int out_c, act a) {
    return m_b.add(name, gemm(in, DWVP_OP_POINTWISE, out_c, a));
  }
  int fc(const std::string& name, int in, int out_c, act a) {
    return m_b.add(name, gemm(in, DWVP_OP_FC, out_c, a));
  }

  // A KxK depthwise layer, or its FuSe replacement (1xK and Kx1 filters with the same
  // stride, concatenated into one tensor) for the first m_fuse_blocks blocks. Returns
  // the layer that owns the output tensor: C channels, or 2C for FuSe-Full.
  int depthwise(const std::string& name, int in, int k, int stride, act a);

  int add(const std::string& name, int a, int b) {
    layer_spec s;
    s.op = DWVP_OP_ADD;
    s.input = a;
    s.aux_input = b;
    s.activation = DWVP_ACT_NONE;
    return m_b.add(name, s);
  }

  // Global average pool. The accelerator takes pooling windows of at most 15x15 and
  // strides of at most 8 (docs/descriptor.md), so a larger map is first reduced by
  // exact, non-overlapping VALID pools (56x56 -> 8x8 windows, stride 8 -> 7x7 ->
  // global). Averages of equal windows average to the global mean (up to rounding).
  int global_pool(const std::string& name, int in);

  // Squeeze-and-excite (MobileNet-v3): global pool -> FC(squeeze, ReLU) ->
  // FC(C, hard-sigmoid) -> channel-wise multiply of the input, activated by `gate_out`
  // (k_none unless the block's activation follows the SE, as in the FuSeConv authors'
  // MobileNet-v3). The squeeze is C/4 rounded to 8 (TF / torchvision) or floor(C / 4)
  // (the FuSeConv authors' SEModule).
  enum class squeeze { quarter_to_8, quarter };
  int squeeze_excite(const std::string& name, int in, squeeze sq = squeeze::quarter_to_8,
                     act gate_out = k_none);

private:
  static constexpr int k_max_window = 15; // descriptor limits: kernel 1..15,
  static constexpr int k_max_stride = 8;  // stride 1..8

  layer_spec gemm(int in, int op, int out_c, act a) const {
    layer_spec s;
    s.op = op;
    s.input = in;
    s.out_c = out_c;
    s.activation = a.fn;
    s.lut = a.lut;
    s.mapping = DWVP_MAP_DEFAULT;
    s.dataflow = DWVP_DF_OS;
    return s;
  }

  network_builder m_b;
  policy m_policy;
  fuse m_fuse;
  int m_fuse_blocks;
  int m_dw_blocks = 0;
};

inline std::string block_name(int i) {
  return "b" + std::to_string(i);
}

// The network definitions, one per base network (zoo_mobilenet_v1_v2.cpp,
// zoo_mobilenet_v3.cpp, zoo_mnasnet.cpp); model_zoo.cpp's registry refers to them.
void mobilenet_v1(maker& m);
void mobilenet_v2(maker& m);
void mobilenet_v3_small(maker& m);
void mobilenet_v3_large(maker& m);
void mobilenet_v3_small_fuseconv(maker& m);
void mobilenet_v3_large_fuseconv(maker& m);
void mnasnet_b1(maker& m);

} // namespace dwvp::networks::zoo
