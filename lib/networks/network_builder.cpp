#include "network_builder.h"

#include "golden.h"
#include "input_file.h"
#include "model_zoo.h"
#include "splitmix64.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dwvp::scenarios {
namespace {

constexpr double k_scale = 0.05; // every activation tensor's nominal scale

// Bulk constants (weights, the input) come from SplitMix64 words seeded by the network's
// generator: a few words per kilobyte instead of one distribution call per byte.
uint64_t seed_from(std::mt19937& rng) {
  const uint64_t hi = rng();
  return hi << 32 | rng();
}

// Uniform int8 in [-128, 127], eight per word.
void fill_bytes(std::vector<int8_t>& v, std::mt19937& rng) {
  splitmix64 g{seed_from(rng)};
  // Through a local pointer and size: int8 stores may alias the vector's own members,
  // which the compiler would otherwise reload after every byte.
  int8_t* out = v.data();
  const size_t n = v.size();
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t w = g.next();
    for (size_t k = 0; k < 8 && i + k < n; ++k)
      out[i + k] = static_cast<int8_t>(static_cast<uint8_t>(w >> (8 * k)));
  }
}

// Weights in [-127, 127] (symmetric int8), four per word from 16-bit pieces (the
// modulo's bias is below 1 / 256 of a value's probability).
void fill_weights(std::vector<int8_t>& v, std::mt19937& rng) {
  splitmix64 g{seed_from(rng)};
  int8_t* out = v.data(); // as in fill_bytes
  const size_t n = v.size();
  for (size_t i = 0; i < n; i += 4) {
    const uint64_t w = g.next();
    for (size_t k = 0; k < 4 && i + k < n; ++k)
      out[i + k] = static_cast<int8_t>(int((w >> (16 * k)) & 0xffff) % 255 - 127);
  }
}

// The device's window limits (docs/descriptor.md, "Validation"): filters 1..15, pools
// 1..255 (so a pool may be global), strides 1..8.
constexpr int k_max_kernel = 15, k_max_pool = 255, k_max_stride = 8;

// Checks that `v` lies in lo..hi (what the descriptor field holds and the device
// accepts), then narrows it: no field is filled by silent truncation.
template <class T>
T checked(int64_t v, int64_t lo, int64_t hi, const char* field, const std::string& what,
          const char* why) {
  if (v < lo || v > hi)
    throw layer_error(what + ": " + field + " " + std::to_string(v) + " is outside " +
                          std::to_string(lo) + ".." + std::to_string(hi) + " (" + why +
                          ")",
                      field);
  return static_cast<T>(v);
}

// A tensor side or channel count: a 16-bit descriptor field, at least 1.
uint16_t side(int64_t v, const char* field, const std::string& what) {
  return checked<uint16_t>(v, 1, 65535, field, what, "a 16-bit descriptor field");
}

void check_limit(uint64_t value, uint64_t limit, const std::string& what,
                 const std::string& subject, const char* limit_name) {
  if (value > limit)
    throw layer_error(what + ": " + subject + ": " + std::to_string(value) +
                          " bytes, more than the " + format_bytes(limit) + " " +
                          limit_name + " (docs/networks.md, Limits)",
                      "");
}

// The runtime places every buffer at a 64-byte boundary.
uint64_t placed(uint64_t bytes) {
  return (bytes + 63) & ~uint64_t{63};
}

std::string shape(int64_t h, int64_t w, int64_t c) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

bool is_depthwise(int op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1;
}

// TF SAME / VALID output size and padding along one axis.
void axis(int in, int k, int s, bool same, int& out, int& pad_a, int& pad_b) {
  if (same) {
    out = (in + s - 1) / s;
    const int total = std::max((out - 1) * s + k - in, 0);
    pad_a = total / 2;
    pad_b = total - pad_a;
  } else {
    out = (in - k) / s + 1;
    pad_a = pad_b = 0;
  }
}

} // namespace

network_builder::network_builder(std::string name, int h, int w, int c, uint32_t seed,
                                 bool with_data)
    : m_input{h, w, c, k_scale, 0}, m_rng(seed), m_with_data(with_data) {
  const std::string what = "network input";
  side(h, "in_h", what);
  side(w, "in_w", what);
  side(c, "in_c", what);
  const uint64_t bytes = uint64_t(h) * w * c;
  check_limit(bytes, k_max_tensor_bytes, what, shape(h, w, c) + " tensor",
              "a tensor may hold");
  m_dram_bytes = placed(bytes);
  m_net.name = std::move(name);
  m_net.timing_only = !with_data;
  std::uniform_int_distribution<int> zp(-20, 20);
  m_input.zp = zp(m_rng);
  m_net.input.resize(static_cast<size_t>(h) * w * c);
  if (with_data) {
    fill_bytes(m_net.input, m_rng);
  } else {
    seed_from(m_rng); // the draw fill_bytes makes, so later parameters stay the same
  }
}

int network_builder::add(const std::string& name, const layer_spec& s) {
  const int index = static_cast<int>(m_net.layers.size());
  const std::string what = "layer " + std::to_string(index) + " (" + name + ")";
  if (index >= k_max_layers)
    throw layer_error(what + ": a network holds at most " + std::to_string(k_max_layers) +
                          " layers (docs/networks.md, Limits)",
                      "");
  if (s.input < -1 || s.input >= index)
    throw std::invalid_argument(what + ": input must be -1 or an earlier layer");
  tensor in = output(s.input);
  if (s.input < 0 && s.input_h > 0) {
    if (uint64_t(s.input_h) * s.input_w * s.input_c > m_net.input.size())
      throw layer_error(what + ": a " + shape(s.input_h, s.input_w, s.input_c) +
                            " input is larger than the network input",
                        "in_h");
    in.h = s.input_h;
    in.w = s.input_w;
    in.c = s.input_c;
  }
  if (s.channels) {
    if (s.channel_offset < 0 || s.channel_offset + s.channels > in.c)
      throw std::invalid_argument(what + ": channel slice outside the producer");
    in.c = s.channels;
  }
  const int producer_channels = s.input < 0 && s.input_h > 0 ? in.c : output(s.input).c;
  std::uniform_int_distribution<int> bias(-2000, 2000), zp(-20, 20);
  std::uniform_real_distribution<double> spread(0.5, 1.5);

  runtime::layer l;
  l.name = name;
  l.input = s.input;
  l.aux_input = s.aux_input;
  if (s.channels)
    l.input_channel_offset = s.channel_offset;
  // Every descriptor field is range-checked before it is narrowed.
  dwvp_desc& d = l.desc;
  d.opcode = checked<uint8_t>(s.op, 1, DWVP_OP_COUNT - 1, "opcode", what, "dwvp_opcode");
  d.mapping =
      checked<uint8_t>(s.mapping, 0, DWVP_MAP_COUNT - 1, "mapping", what, "dwvp_mapping");
  d.dataflow = checked<uint8_t>(s.dataflow, 0, DWVP_DF_COUNT - 1, "dataflow", what,
                                "dwvp_dataflow");
  d.activation = checked<uint8_t>(s.activation, 0, DWVP_ACT_COUNT - 1, "activation", what,
                                  "dwvp_activation");
  d.in_h = side(in.h, "in_h", what);
  d.in_w = side(in.w, "in_w", what);
  d.in_c = side(in.c, "in_c", what);
  d.input_zp = in.zp;
  if (s.channels)
    d.in_pixel_stride = side(producer_channels, "in_pixel_stride", what);

  int kh = s.kernel_h, kw = s.kernel_w, stride = s.stride;
  if (s.op == DWVP_OP_AVG_POOL && s.global_pool) {
    kh = in.h;
    kw = in.w;
    stride = 1;
  }
  const bool windowed =
      s.op == DWVP_OP_CONV2D || is_depthwise(s.op) || s.op == DWVP_OP_AVG_POOL;
  if (!windowed)
    kh = kw = stride = 1;
  const bool pool = s.op == DWVP_OP_AVG_POOL;
  const char* window_limit =
      pool ? "the device's pool window; a global pool spans its input"
           : "the device's filter size";
  d.kernel_h = checked<uint8_t>(kh, 1, pool ? k_max_pool : k_max_kernel, "kernel_h", what,
                                window_limit);
  d.kernel_w = checked<uint8_t>(kw, 1, pool ? k_max_pool : k_max_kernel, "kernel_w", what,
                                window_limit);
  d.stride_h = d.stride_w =
      checked<uint8_t>(stride, 1, k_max_stride, "stride", what, "the device's stride");
  int out_h, out_w, pt, pb, pl, pr;
  const bool same = s.same_padding && windowed && !s.global_pool; // global: one output
  axis(in.h, kh, stride, same, out_h, pt, pb);
  axis(in.w, kw, stride, same, out_w, pl, pr);
  if (out_h < 1 || out_w < 1)
    throw std::invalid_argument(what + ": kernel larger than input");
  const char* pad_limit = "an 8-bit descriptor field, below the kernel";
  d.pad_top = checked<uint8_t>(pt, 0, kh - 1, "pad_top", what, pad_limit);
  d.pad_bottom = checked<uint8_t>(pb, 0, kh - 1, "pad_bottom", what, pad_limit);
  d.pad_left = checked<uint8_t>(pl, 0, kw - 1, "pad_left", what, pad_limit);
  d.pad_right = checked<uint8_t>(pr, 0, kw - 1, "pad_right", what, pad_limit);
  const bool channel_change =
      s.op == DWVP_OP_CONV2D || s.op == DWVP_OP_POINTWISE || s.op == DWVP_OP_FC;
  const int out_c = channel_change ? s.out_c : in.c;
  d.out_h = side(out_h, "out_h", what);
  d.out_w = side(out_w, "out_w", what);
  d.out_c = side(out_c, "out_c", what);
  if (s.out_channels_total)
    side(s.out_channels_total, "out_c", what);

  // Output quantisation; average pool keeps its input's scale and zero point.
  tensor out{out_h, out_w, out_c, k_scale, zp(m_rng)};
  if (s.op == DWVP_OP_AVG_POOL)
    out.zp = in.zp;
  // The parts of a concatenation share their tensor's zero point.
  if (s.output_into >= 0) {
    if (s.output_into >= index)
      throw std::invalid_argument(what + ": output_into must name an earlier layer");
    out.zp = m_tensors[s.output_into].zp;
    l.output_into = s.output_into;
    l.output_channel_offset = s.output_channel_offset;
  } else if (s.out_channels_total) {
    l.out_channels_total = s.out_channels_total;
  }
  d.output_zp = out.zp;
  d.act_min = -128;
  d.act_max = 127;
  if (s.activation == DWVP_ACT_RELU || s.activation == DWVP_ACT_RELU6)
    d.act_min = out.zp;
  if (s.activation == DWVP_ACT_RELU6)
    d.act_max =
        std::min<int32_t>(127, out.zp + static_cast<int32_t>(std::lround(6.0 / k_scale)));
  if (s.activation == DWVP_ACT_LUT) {
    const auto table =
        s.lut == 0 ? golden::make_hard_swish_lut(k_scale, out.zp, k_scale, out.zp)
                   : golden::make_hard_sigmoid_lut(k_scale, out.zp, 1.0 / 256, -128);
    l.lut.assign(table.begin(), table.end());
    if (s.lut == 1)
      out = {out_h, out_w, out_c, 1.0 / 256, -128};
  }

  // Constants of the layers with weights.
  int reduction = 0;
  size_t weights = 0;
  switch (s.op) {
  case DWVP_OP_CONV2D:
    reduction = kh * kw * in.c;
    weights = size_t(out_c) * reduction;
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    reduction = in.c;
    weights = size_t(out_c) * in.c;
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    reduction = kh * kw;
    weights = size_t(kh) * kw * in.c;
    break;
  default:
    break;
  }
  // Sizes before anything is allocated: the output tensor, the weights, and the
  // network's totals.
  const uint64_t out_bytes =
      uint64_t(out_h) * out_w * (s.out_channels_total ? s.out_channels_total : out_c);
  if (s.output_into < 0)
    check_limit(out_bytes, k_max_tensor_bytes, what,
                "output " + shape(out_h, out_w, out_bytes / (uint64_t(out_h) * out_w)) +
                    " tensor",
                "a tensor may hold");
  check_limit(weights, k_max_tensor_bytes, what, "weights", "a tensor may hold");
  const uint64_t params = weights ? 12 * uint64_t(out_c) : 0; // bias, multiplier, shift
  const uint64_t lut = s.activation == DWVP_ACT_LUT ? 256 : 0;
  m_constant_bytes += weights + params + lut;
  check_limit(m_constant_bytes, k_max_constant_bytes, what, "constants up to this layer",
              "a network's constants may hold");
  m_dram_bytes +=
      placed(weights) +
      (params ? placed(4 * uint64_t(out_c)) + placed(8 * uint64_t(out_c)) : 0) +
      placed(lut) + (s.output_into < 0 ? placed(out_bytes) : 0) +
      placed(DWVP_LAYER_STATS_SIZE);
  check_limit(m_dram_bytes, k_max_dram_bytes, what,
              "tensors and constants up to this layer", "of the platform's DRAM");
  m_operations +=
      networks::layer_macs(l) + (pool ? uint64_t(out_h) * out_w * out_c * kh * kw : 0);
  if (m_operations > k_max_operations)
    throw layer_error(what +
                          ": multiply-accumulates and pooled elements up to this "
                          "layer: " +
                          std::to_string(m_operations) + ", more than the limit of " +
                          std::to_string(k_max_operations) +
                          " (docs/networks.md, Limits)",
                      "");
  if (weights) {
    if (m_with_data) {
      l.weights.resize(weights);
      fill_weights(l.weights, m_rng);
    } else {
      seed_from(m_rng); // as fill_weights draws
    }
    // Accumulators of `reduction` products of uniform int8 values have a standard
    // deviation near 74 * 73 * sqrt(reduction); map that to about 40 output steps.
    const double base = 40.0 / (74.0 * 73.0 * std::sqrt(double(reduction)));
    for (int o = 0; o < out_c; ++o) {
      int32_t m = 0;
      int sh = 0;
      golden::quantize_multiplier(base * spread(m_rng), &m, &sh);
      l.multiplier.push_back(m);
      l.shift.push_back(sh);
      l.bias.push_back(bias(m_rng));
    }
  }
  if (s.op == DWVP_OP_ADD) {
    const tensor b = output(s.aux_input);
    if (b.h != in.h || b.w != in.w || b.c != in.c)
      throw std::invalid_argument(what + ": ADD operands differ in shape");
    golden::add_params p =
        golden::make_add_params(in.scale, in.zp, b.scale, b.zp, out.scale, out.zp);
    d.aux_zp = b.zp;
    d.add_left_shift = checked<uint8_t>(p.left_shift, 0, 22, "add_left_shift", what,
                                        "the device's ADD input shift");
    d.input_mult = p.a_multiplier;
    d.input_shift = p.a_shift;
    d.aux_mult = p.b_multiplier;
    d.aux_shift = p.b_shift;
    d.output_mult = p.output_multiplier;
    d.output_shift = p.output_shift;
  }
  if (s.op == DWVP_OP_CHANNEL_MUL) {
    const tensor sc = output(s.aux_input);
    if (sc.h != 1 || sc.w != 1 || sc.c != in.c)
      throw std::invalid_argument(what + ": the scale must be 1x1x" +
                                  std::to_string(in.c));
    d.aux_zp = sc.zp;
    int32_t m = 0;
    int sh = 0;
    golden::quantize_multiplier(in.scale * sc.scale / out.scale, &m, &sh);
    d.output_mult = m;
    d.output_shift = sh;
  }
  if (s.output_into >= 0)
    out = m_tensors[s.output_into]; // consumers see the whole concatenated tensor
  else if (s.out_channels_total)
    out.c = s.out_channels_total;
  m_tensors.push_back(out);
  m_net.layers.push_back(std::move(l));
  return index;
}

} // namespace dwvp::scenarios
