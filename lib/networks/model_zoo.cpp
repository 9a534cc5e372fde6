#include "model_zoo.h"

#include "calibrate.h"
#include "network_builder.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace dwvp::networks {
namespace {

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

// TF's make_divisible (MobileNet-v2/v3 reference implementations).
int make_divisible(double v, int divisor = 8) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v)
    n += divisor;
  return n;
}

// Builds one network on network_builder: the layer kinds of the zoo, each depthwise
// block replaced by its FuSe form when the variant asks for it.
class maker {
public:
  maker(const std::string& name, int resolution, uint32_t seed, policy p, fuse f,
        int fuse_blocks)
      : m_b(name, resolution, resolution, 3, seed), m_policy(p), m_fuse(f),
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
  int depthwise(const std::string& name, int in, int k, int stride, act a) {
    const int block = m_dw_blocks++;
    layer_spec s;
    s.input = in;
    s.stride = stride;
    s.activation = a.fn;
    s.lut = a.lut;
    if (m_fuse == fuse::none || block >= m_fuse_blocks) {
      s.op = DWVP_OP_DEPTHWISE;
      s.kernel_h = s.kernel_w = k;
      s.mapping = depthwise_mapping(m_policy);
      s.dataflow = DWVP_DF_OS;
      return m_b.add(name, s);
    }
    const int c = channels(in);
    const std::string ks = std::to_string(k);
    s.dataflow = DWVP_DF_ST_OS;
    s.mapping = DWVP_MAP_DEFAULT;
    layer_spec row = s, col = s;
    row.op = DWVP_OP_DW_1XK;
    row.kernel_h = 1;
    row.kernel_w = k;
    col.op = DWVP_OP_DW_KX1;
    col.kernel_h = k;
    col.kernel_w = 1;
    if (m_fuse == fuse::half) {
      // Channels [0, C/2) get the row filter, [C/2, C) the column filter.
      const int first = c / 2;
      row.channels = first;
      row.out_channels_total = c;
      col.channel_offset = first;
      col.channels = c - first;
      col.output_channel_offset = first;
    } else {
      // Every channel gets both: rows into [0, C), columns into [C, 2C).
      row.out_channels_total = 2 * c;
      col.output_channel_offset = c;
    }
    const int owner = m_b.add(name + "_1x" + ks, row);
    col.output_into = owner;
    m_b.add(name + "_" + ks + "x1", col);
    return owner;
  }

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
  int global_pool(const std::string& name, int in) {
    int h = out(in).h;
    int stage = 0;
    while (h > k_max_window || out(in).w > k_max_window) {
      if (out(in).w != h)
        throw std::invalid_argument(name + ": cannot split a " + std::to_string(h) + "x" +
                                    std::to_string(out(in).w) +
                                    " global pool (not square)");
      int d = 0;
      for (int f = k_max_stride; f >= 2 && !d; --f)
        if (h % f == 0)
          d = f;
      if (!d)
        throw std::invalid_argument(
            name + ": cannot split a " + std::to_string(h) + "x" + std::to_string(h) +
            " global pool into exact windows of at most " + std::to_string(k_max_stride) +
            " (choose another resolution)");
      layer_spec s;
      s.op = DWVP_OP_AVG_POOL;
      s.input = in;
      s.kernel_h = s.kernel_w = d;
      s.stride = d;
      s.same_padding = false;
      s.activation = DWVP_ACT_NONE;
      in = m_b.add(name + "_part" + std::to_string(stage++), s);
      h = out(in).h;
    }
    layer_spec s;
    s.op = DWVP_OP_AVG_POOL;
    s.input = in;
    s.global_pool = true;
    s.activation = DWVP_ACT_NONE;
    return m_b.add(name, s);
  }

  // Squeeze-and-excite (MobileNet-v3): global pool -> FC(C/4 rounded to 8, ReLU) ->
  // FC(C, hard-sigmoid) -> channel-wise multiply of the input.
  int squeeze_excite(const std::string& name, int in) {
    const int c = channels(in);
    const int pooled = global_pool(name + "_pool", in);
    const int reduced = fc(name + "_fc1", pooled, make_divisible(c / 4.0), k_relu);
    const int scale = fc(name + "_fc2", reduced, c, k_hsigmoid);
    layer_spec s;
    s.op = DWVP_OP_CHANNEL_MUL;
    s.input = in;
    s.aux_input = scale;
    s.activation = DWVP_ACT_NONE;
    return m_b.add(name + "_scale", s);
  }

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

std::string block_name(int i) {
  return "b" + std::to_string(i);
}

// ---------------------------------------------------------------------------------
// MobileNet-v1 1.0 (Howard et al. 2017, Table 1). ReLU6 as in the TF reference.
void mobilenet_v1(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu6);
  const int cfg[13][2] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                          {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                          {512, 1}, {1024, 2}, {1024, 1}};
  int i = 1;
  for (const auto& c : cfg) {
    const std::string b = block_name(i++);
    x = m.depthwise(b + "_dw", x, 3, c[1], k_relu6);
    x = m.pointwise(b + "_pw", x, c[0], k_relu6);
  }
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

// ---------------------------------------------------------------------------------
// MobileNet-v2 1.0 (Sandler et al. 2018, Table 2): inverted residuals, linear
// bottlenecks, residual ADD when stride 1 and in == out; the t = 1 block has no
// expansion layer (as in the TF reference).
void mobilenet_v2(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu6);
  const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                         {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int in_c = 32, i = 1;
  for (const auto& c : cfg) {
    for (int r = 0; r < c[2]; ++r) {
      const std::string b = block_name(i++);
      const int stride = r == 0 ? c[3] : 1;
      int y = x;
      if (c[0] != 1)
        y = m.pointwise(b + "_expand", y, in_c * c[0], k_relu6);
      y = m.depthwise(b + "_dw", y, 3, stride, k_relu6);
      y = m.pointwise(b + "_project", y, c[1], k_none);
      if (stride == 1 && in_c == c[1])
        y = m.add(b + "_add", y, x);
      x = y;
      in_c = c[1];
    }
  }
  x = m.pointwise("conv_last", x, 1280, k_relu6);
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

// ---------------------------------------------------------------------------------
// MobileNet-v3 (Howard et al. 2019, Table 1 Large, Table 2 Small), as the TF-slim and
// torchvision references build it: no expansion layer when exp == in; SE after the
// depthwise activation, squeeze to make_divisible(exp / 4, 8); the head 1x1 conv ->
// global pool -> FC (1280 / 1024, hard-swish) -> FC 1000. The Small table's SE on the
// last 1x1 conv is not in either reference implementation and is left out.
struct v3_block {
  int k, exp, out;
  bool se, hswish;
  int stride;
};

void mobilenet_v3(maker& m, const std::vector<v3_block>& blocks, int last_conv,
                  int last_fc) {
  int x = m.conv("conv1", -1, 16, 3, 2, k_hswish);
  int in_c = 16, i = 1;
  for (const v3_block& blk : blocks) {
    const std::string b = block_name(i++);
    const act a = blk.hswish ? k_hswish : k_relu;
    int y = x;
    if (blk.exp != in_c)
      y = m.pointwise(b + "_expand", y, blk.exp, a);
    y = m.depthwise(b + "_dw", y, blk.k, blk.stride, a);
    if (blk.se)
      y = m.squeeze_excite(b + "_se", y); // follows the FuSe concatenation
    y = m.pointwise(b + "_project", y, blk.out, k_none);
    if (blk.stride == 1 && in_c == blk.out)
      y = m.add(b + "_add", y, x);
    x = y;
    in_c = blk.out;
  }
  x = m.pointwise("conv_last", x, last_conv, k_hswish);
  x = m.global_pool("pool", x);
  x = m.fc("fc1", x, last_fc, k_hswish);
  m.fc("fc2", x, 1000, k_none);
}

void mobilenet_v3_large(maker& m) {
  mobilenet_v3(m,
               {{3, 16, 16, false, false, 1},
                {3, 64, 24, false, false, 2},
                {3, 72, 24, false, false, 1},
                {5, 72, 40, true, false, 2},
                {5, 120, 40, true, false, 1},
                {5, 120, 40, true, false, 1},
                {3, 240, 80, false, true, 2},
                {3, 200, 80, false, true, 1},
                {3, 184, 80, false, true, 1},
                {3, 184, 80, false, true, 1},
                {3, 480, 112, true, true, 1},
                {3, 672, 112, true, true, 1},
                {5, 672, 160, true, true, 2},
                {5, 960, 160, true, true, 1},
                {5, 960, 160, true, true, 1}},
               960, 1280);
}

void mobilenet_v3_small(maker& m) {
  mobilenet_v3(m,
               {{3, 16, 16, true, false, 2},
                {3, 72, 24, false, false, 2},
                {3, 88, 24, false, false, 1},
                {5, 96, 40, true, true, 2},
                {5, 240, 40, true, true, 1},
                {5, 240, 40, true, true, 1},
                {5, 120, 48, true, true, 1},
                {5, 144, 48, true, true, 1},
                {5, 288, 96, true, true, 2},
                {5, 576, 96, true, true, 1},
                {5, 576, 96, true, true, 1}},
               576, 1024);
}

// ---------------------------------------------------------------------------------
// MnasNet-B1 1.0 (Tan et al. 2019; the TF reference mnasnet_b1 and torchvision's
// mnasnet1_0): conv 3x3 s2 32, a separable conv (dw 3x3 32 + linear pw 16, no skip),
// then MBConv stacks (expansion t, out c, repeats n, stride s, kernel k), head 1x1 1280,
// global pool, FC 1000. ReLU throughout.
void mnasnet_b1(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu);
  x = m.depthwise("sep_dw", x, 3, 1, k_relu);
  x = m.pointwise("sep_pw", x, 16, k_none);
  const int cfg[6][5] = {{3, 24, 3, 2, 3}, {3, 40, 3, 2, 5},  {6, 80, 3, 2, 5},
                         {6, 96, 2, 1, 3}, {6, 192, 4, 2, 5}, {6, 320, 1, 1, 3}};
  int in_c = 16, i = 1;
  for (const auto& c : cfg) {
    for (int r = 0; r < c[2]; ++r) {
      const std::string b = block_name(i++);
      const int stride = r == 0 ? c[3] : 1;
      int y = m.pointwise(b + "_expand", x, in_c * c[0], k_relu);
      y = m.depthwise(b + "_dw", y, c[4], stride, k_relu);
      y = m.pointwise(b + "_project", y, c[1], k_none);
      if (stride == 1 && in_c == c[1])
        y = m.add(b + "_add", y, x);
      x = y;
      in_c = c[1];
    }
  }
  x = m.pointwise("conv_last", x, 1280, k_relu);
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

// ---------------------------------------------------------------------------------
struct base_network {
  const char* name;
  const char* description;
  const char* reference;
  uint64_t published; // MACs at 224, original paper
  int depthwise_blocks;
  void (*define)(maker&);
  // FuSeConv authors' table (their README / DATE 2021 Table): base, Full, Half,
  // 50% Full, 50% Half, in millions.
  int fuseconv[5];
};

const base_network k_bases[] = {
    {"mobilenet_v1",
     "MobileNet-v1 1.0, 224: 13 depthwise-separable blocks, ReLU6",
     "Howard et al., MobileNets, arXiv 1704.04861 (2017), Table 1; 569M Mult-Adds",
     569'000'000,
     13,
     mobilenet_v1,
     {589, 1122, 573, 764, 578}},
    {"mobilenet_v2",
     "MobileNet-v2 1.0, 224: 17 inverted residual blocks, ReLU6",
     "Sandler et al., MobileNetV2, CVPR 2018, Table 2; 300M MAdds (Table 4)",
     300'000'000,
     17,
     mobilenet_v2,
     {315, 430, 300, 361, 305}},
    {"mobilenet_v3_small",
     "MobileNet-v3-Small 1.0, 224: 11 bottlenecks, SE, hard-swish (LUT)",
     "Howard et al., Searching for MobileNetV3, ICCV 2019, Table 2; 56M MAdds (Table 3)",
     56'000'000,
     11,
     mobilenet_v3_small,
     {66, 84, 61, 73, 63}},
    {"mobilenet_v3_large",
     "MobileNet-v3-Large 1.0, 224: 15 bottlenecks, SE, hard-swish (LUT)",
     "Howard et al., Searching for MobileNetV3, ICCV 2019, Table 1; 219M MAdds (Table 3)",
     219'000'000,
     15,
     mobilenet_v3_large,
     {238, 322, 225, 264, 230}},
    {"mnasnet_b1",
     "MnasNet-B1 1.0, 224: separable conv + 16 MBConv blocks, ReLU",
     "Tan et al., MnasNet, CVPR 2019 (arXiv 1807.11626 v1 model; TF mnasnet_b1, "
     "torchvision mnasnet1_0); ~315M MACs",
     315'000'000,
     17,
     mnasnet_b1,
     {325, 440, 305, 361, 312}},
};

struct variant_kind {
  const char* suffix;
  fuse f;
  bool hybrid;
  int table_column; // into base_network::fuseconv
  const char* what;
};

const variant_kind k_variants[] = {
    {"", fuse::none, false, 0, ""},
    {"_fuse_full", fuse::full, false, 1,
     "FuSe-Full: every channel 1xK and Kx1 (2C into the pointwise layer)"},
    {"_fuse_half", fuse::half, false, 2,
     "FuSe-Half: 1xK on half the channels, Kx1 on the other half (C channels)"},
    {"_fuse_full_50", fuse::full, true, 3,
     "50% FuSe-Full: the first half of the depthwise blocks replaced (Full)"},
    {"_fuse_half_50", fuse::half, true, 4,
     "50% FuSe-Half: the first half of the depthwise blocks replaced (Half)"},
};

const char* k_fuseconv_reference =
    "Selvam, Ganesan, Kumar, FuSeConv, DATE 2021 (arXiv 2105.13434), results table "
    "(also github.com/iitm-sysdl/FuSeConv README)";

struct resolved {
  const base_network* base;
  const variant_kind* variant;
};

bool resolve(const std::string& name, resolved& r) {
  for (const auto& b : k_bases)
    for (const auto& v : k_variants)
      if (name == std::string(b.name) + v.suffix) {
        r = {&b, &v};
        return true;
      }
  return false;
}

std::string known_names() {
  std::string s;
  for (const auto& n : network_names())
    s += (s.empty() ? "" : ", ") + n;
  return s;
}

} // namespace

const char* policy_name(policy p) {
  switch (p) {
  case policy::conventional:
    return "conventional";
  case policy::gemm_naive:
    return "gemm_naive";
  case policy::gemm_dwc:
    return "gemm_dwc";
  }
  return "unknown";
}

policy parse_policy(const std::string& name) {
  for (policy p : all_policies())
    if (name == policy_name(p))
      return p;
  throw std::invalid_argument("unknown policy '" + name +
                              "'; known: conventional, gemm_naive, gemm_dwc");
}

int depthwise_mapping(policy p) {
  switch (p) {
  case policy::conventional:
    return DWVP_MAP_VECTOR;
  case policy::gemm_naive:
    return DWVP_MAP_GEMM_NAIVE;
  case policy::gemm_dwc:
    return DWVP_MAP_CHANNEL_MVM;
  }
  throw std::invalid_argument("unknown policy");
}

std::vector<policy> all_policies() {
  return {policy::conventional, policy::gemm_naive, policy::gemm_dwc};
}

std::vector<network_info> network_infos() {
  std::vector<network_info> out;
  for (const auto& v : k_variants) {
    for (const auto& b : k_bases) {
      network_info i;
      i.name = std::string(b.name) + v.suffix;
      const uint64_t table = uint64_t(b.fuseconv[v.table_column]) * 1'000'000;
      i.fuseconv_table = table;
      if (v.f == fuse::none) {
        i.description = b.description;
        i.reference = b.reference;
        i.published_macs = b.published;
      } else {
        i.description = std::string(b.description) + "; " + v.what;
        i.reference = k_fuseconv_reference;
        i.published_macs = table;
      }
      out.push_back(std::move(i));
    }
  }
  return out;
}

std::vector<std::string> network_names() {
  std::vector<std::string> out;
  for (const auto& i : network_infos())
    out.push_back(i.name);
  return out;
}

network_info find_network(const std::string& name) {
  for (auto& i : network_infos())
    if (i.name == name)
      return i;
  throw std::invalid_argument("unknown network '" + name + "'; known: " + known_names());
}

namespace {

// The network as network_builder makes it, before calibration.
runtime::network build_uncalibrated(const std::string& name, const resolved& r, policy p,
                                    uint32_t seed, int resolution) {
  const int blocks = r.base->depthwise_blocks;
  const int fused = r.variant->hybrid ? blocks / 2 : blocks;
  maker m(name, resolution, seed, p, r.variant->f, fused);
  r.base->define(m);
  if (m.depthwise_blocks() != blocks)
    throw std::logic_error(name + ": definition has " +
                           std::to_string(m.depthwise_blocks()) +
                           " depthwise blocks, the table says " + std::to_string(blocks));
  return m.take();
}

// Calibration (calibrate.h) runs the golden kernels once; above this resolution the
// factors found on a build at this resolution are applied instead, which keeps
// building a 224x224 network cheap.
constexpr int k_calibration_resolution = 96;

} // namespace

runtime::network build_network(const std::string& name, policy p, uint32_t seed,
                               int resolution) {
  resolved r{};
  if (!resolve(name, r))
    throw std::invalid_argument("unknown network '" + name +
                                "'; known: " + known_names());
  if (resolution < 32 || resolution > 1024)
    throw std::invalid_argument(name + ": resolution " + std::to_string(resolution) +
                                " outside 32..1024");
  runtime::network net = build_uncalibrated(name, r, p, seed, resolution);
  if (resolution <= k_calibration_resolution) {
    calibrate(net);
  } else {
    runtime::network small =
        build_uncalibrated(name, r, p, seed, k_calibration_resolution);
    apply_calibration(net, calibrate(small));
  }
  return net;
}

uint64_t layer_macs(const runtime::layer& l) {
  const dwvp_desc& d = l.desc;
  const uint64_t out = uint64_t{d.out_h} * d.out_w * d.out_c;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    return out * d.kernel_h * d.kernel_w * d.in_c;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    return out * d.in_c;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    return out * d.kernel_h * d.kernel_w;
  default:
    return 0;
  }
}

uint64_t count_macs(const runtime::network& net) {
  uint64_t total = 0;
  for (const auto& l : net.layers)
    total += layer_macs(l);
  return total;
}

op_count count_fuseconv_ops(const runtime::network& net) {
  op_count c;
  for (const auto& l : net.layers) {
    const dwvp_desc& d = l.desc;
    const uint64_t out = uint64_t{d.out_h} * d.out_w * d.out_c;
    c.macs += layer_macs(l);
    switch (d.opcode) {
    case DWVP_OP_CONV2D:
    case DWVP_OP_POINTWISE:
    case DWVP_OP_DEPTHWISE:
    case DWVP_OP_DW_1XK:
    case DWVP_OP_DW_KX1:
      c.batch_norm_elements += out;
      break;
    case DWVP_OP_AVG_POOL:
      // A global pool split into stages (maker::global_pool) is one pool to them.
      if (l.input < 0 || net.layers[l.input].desc.opcode != DWVP_OP_AVG_POOL)
        c.pool_input_elements += uint64_t{d.in_h} * d.in_w * d.in_c;
      break;
    default:
      break;
    }
  }
  return c;
}

} // namespace dwvp::networks
