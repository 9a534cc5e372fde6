#include "model_zoo.h"

#include "calibrate.h"
#include "zoo_blocks.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>

namespace dwvp::networks {
namespace {

using zoo::fuse;
using zoo::maker;
using zoo::mnasnet_b1;
using zoo::mobilenet_v1;
using zoo::mobilenet_v2;
using zoo::mobilenet_v3_large;
using zoo::mobilenet_v3_large_fuseconv;
using zoo::mobilenet_v3_small;
using zoo::mobilenet_v3_small_fuseconv;

// ---------------------------------------------------------------------------------
struct base_network {
  const char* name;
  const char* description;
  const char* reference;
  uint64_t published; // MACs at 224, original paper (*_fuseconv: the FuSeConv table)
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
    // The FuSeConv authors' own MobileNet-v3 definitions, the networks their published
    // v3 rows were measured on (zoo_mobilenet_v3.cpp lists how they differ from the
    // paper's). No pure MAC count is published for them: `published` is their table's
    // base figure, MACs plus their profiler's batch-norm and pooling operations.
    {"mobilenet_v3_small_fuseconv",
     "MobileNet-v3 as the FuSeConv authors' code builds it: v3-Small 1.0, 224, 11 "
     "bottlenecks each with its 1x1 expansion, SE (squeeze C/4) before the activation, "
     "head 576 -> 1280 -> 1000",
     "github.com/iitm-sysdl/FuSeConv, models/mobilenetv3.py (MobileNetV3, mode "
     "'small'); 66M in their table (MACs + batch-norm and pooling operations)",
     66'000'000,
     11,
     mobilenet_v3_small_fuseconv,
     {66, 84, 61, 73, 63}},
    {"mobilenet_v3_large_fuseconv",
     "MobileNet-v3 as the FuSeConv authors' code builds it: v3-Large 1.0, 224, 15 "
     "bottlenecks each with its 1x1 expansion, SE (squeeze C/4) before the activation, "
     "head 960 -> 1280 -> 1000",
     "github.com/iitm-sysdl/FuSeConv, models/mobilenetv3.py (MobileNetV3, mode "
     "'large'); 238M in their table (MACs + batch-norm and pooling operations)",
     238'000'000,
     15,
     mobilenet_v3_large_fuseconv,
     {238, 322, 225, 264, 230}},
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

bool parse_gemm_dataflow(const std::string& name, int& dataflow) {
  if (name != "os" && name != "ws")
    return false;
  dataflow = name == "os" ? DWVP_DF_OS : DWVP_DF_WS;
  return true;
}

bool takes_gemm_dataflow(int opcode, int mapping, int dataflow) {
  switch (opcode) {
  case DWVP_OP_CONV2D:
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    return true;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    return dataflow != DWVP_DF_ST_OS &&
           (mapping == DWVP_MAP_DEFAULT || mapping == DWVP_MAP_GEMM_NAIVE);
  default:
    return false;
  }
}

void set_gemm_dataflow(runtime::network& net, int dataflow) {
  if (dataflow != DWVP_DF_OS && dataflow != DWVP_DF_WS)
    throw std::invalid_argument("set_gemm_dataflow: dataflow must be DWVP_DF_OS or "
                                "DWVP_DF_WS, got " +
                                std::to_string(dataflow));
  for (auto& l : net.layers)
    if (takes_gemm_dataflow(l.desc.opcode, l.desc.mapping, l.desc.dataflow))
      l.desc.dataflow = static_cast<uint8_t>(dataflow);
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
                                    uint32_t seed, int resolution, bool with_data) {
  const int blocks = r.base->depthwise_blocks;
  const int fused = r.variant->hybrid ? blocks / 2 : blocks;
  maker m(name, resolution, seed, p, r.variant->f, fused, with_data);
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
                               int resolution, int dataflow, constants c,
                               calibration_record* record) {
  resolved r{};
  if (!resolve(name, r))
    throw std::invalid_argument("unknown network '" + name +
                                "'; known: " + known_names());
  if (resolution < 32 || resolution > 1024)
    throw std::invalid_argument(name + ": resolution " + std::to_string(resolution) +
                                " outside 32..1024");
  runtime::network net =
      build_uncalibrated(name, r, p, seed, resolution, c != constants::none);
  if (c != constants::calibrated) {
    // The requantisation values do not change a descriptor or a time.
  } else if (resolution <= k_calibration_resolution) {
    calibrate(net, record);
  } else {
    const auto start = std::chrono::steady_clock::now();
    runtime::network small =
        build_uncalibrated(name, r, p, seed, k_calibration_resolution, true);
    apply_calibration(net, calibrate(small, record));
    if (record)
      record->seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  set_gemm_dataflow(net, dataflow);
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
