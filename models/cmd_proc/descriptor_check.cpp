#include "descriptor_check.h"

#include "dwvp/stripe_chain.h"

#include <cstring>

namespace dwvp::models {
namespace {

constexpr int k_max_kernel = 15;
constexpr int k_max_stride = 8;

check_result fail(dwvp_error e, dwvp_desc_field f, std::string msg) {
  return {e, f, std::move(msg)};
}

bool is_depthwise(uint8_t op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1;
}
bool has_weights(uint8_t op) {
  return op == DWVP_OP_CONV2D || is_depthwise(op) || op == DWVP_OP_POINTWISE ||
         op == DWVP_OP_FC;
}
bool has_window(uint8_t op) {
  return op == DWVP_OP_CONV2D || is_depthwise(op) || op == DWVP_OP_AVG_POOL;
}

uint64_t strided_bytes(uint64_t pixels, uint32_t stride, uint32_t channels) {
  return (pixels - 1) * stride + channels;
}

check_result check_spatial(const dwvp_desc& d) {
  // Pools may span the whole input (global average pool); filters stay small.
  const int max_kernel = d.opcode == DWVP_OP_AVG_POOL ? 255 : k_max_kernel;
  if (d.kernel_h < 1 || d.kernel_h > max_kernel)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_H,
                "kernel_h must be 1..15 (1..255 for pools)");
  if (d.kernel_w < 1 || d.kernel_w > max_kernel)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_W,
                "kernel_w must be 1..15 (1..255 for pools)");
  if (d.stride_h < 1 || d.stride_h > k_max_stride)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_H, "stride_h must be 1..8");
  if (d.stride_w < 1 || d.stride_w > k_max_stride)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_W, "stride_w must be 1..8");
  if (d.pad_top >= d.kernel_h)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_TOP, "pad_top must be < kernel_h");
  if (d.pad_bottom >= d.kernel_h)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_BOTTOM,
                "pad_bottom must be < kernel_h");
  if (d.pad_left >= d.kernel_w)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_LEFT, "pad_left must be < kernel_w");
  if (d.pad_right >= d.kernel_w)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_RIGHT, "pad_right must be < kernel_w");
  int padded_h = d.in_h + d.pad_top + d.pad_bottom;
  int padded_w = d.in_w + d.pad_left + d.pad_right;
  if (padded_h < d.kernel_h)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_KERNEL_H, "kernel_h exceeds padded input");
  if (padded_w < d.kernel_w)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_KERNEL_W, "kernel_w exceeds padded input");
  if (d.out_h != (padded_h - d.kernel_h) / d.stride_h + 1)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H,
                "out_h must be (in_h + pads - kernel_h) / stride_h + 1 = " +
                    std::to_string((padded_h - d.kernel_h) / d.stride_h + 1));
  if (d.out_w != (padded_w - d.kernel_w) / d.stride_w + 1)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_W,
                "out_w must be (in_w + pads - kernel_w) / stride_w + 1 = " +
                    std::to_string((padded_w - d.kernel_w) / d.stride_w + 1));
  return {};
}

check_result check_no_window(const dwvp_desc& d) {
  if (d.kernel_h != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_H, "must be 1");
  if (d.kernel_w != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_W, "must be 1");
  if (d.stride_h != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_H, "must be 1");
  if (d.stride_w != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_STRIDE_W, "must be 1");
  if (d.pad_top)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_TOP, "must be 0");
  if (d.pad_left)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_LEFT, "must be 0");
  if (d.pad_bottom)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_BOTTOM, "must be 0");
  if (d.pad_right)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_PAD_RIGHT, "must be 0");
  if (d.out_h != d.in_h)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_H, "out_h must equal in_h");
  if (d.out_w != d.in_w)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_W, "out_w must equal in_w");
  return {};
}

bool valid_shift(int32_t s) {
  return s >= -31 && s <= 30;
}

} // namespace

bool inside_windows(const dma_windows& windows, uint32_t addr, uint64_t bytes) {
  for (const auto& w : windows) {
    if (w.size == 0)
      continue;
    uint64_t lo = w.base, hi = uint64_t{w.base} + w.size;
    if (addr >= lo && uint64_t{addr} + bytes <= hi)
      return true;
  }
  return false;
}

std::vector<tensor_extent> tensor_extents(const dwvp_desc& d) {
  std::vector<tensor_extent> out;
  const uint64_t in_pixels = uint64_t{d.in_h} * d.in_w;
  const uint64_t out_pixels = uint64_t{d.out_h} * d.out_w;
  out.push_back({DWVP_FIELD_INPUT_ADDR, d.input_addr,
                 strided_bytes(in_pixels, input_pixel_stride(d), d.in_c), false});
  uint64_t weights = 0;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    weights = uint64_t{d.out_c} * d.kernel_h * d.kernel_w * d.in_c;
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    weights = uint64_t{d.kernel_h} * d.kernel_w * d.in_c;
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    weights = uint64_t{d.out_c} * d.in_c;
    break;
  default:
    break;
  }
  if (has_weights(d.opcode)) {
    out.push_back({DWVP_FIELD_WEIGHT_ADDR, d.weight_addr, weights, false});
    out.push_back({DWVP_FIELD_BIAS_ADDR, d.bias_addr, 4ull * d.out_c, false});
    out.push_back({DWVP_FIELD_QUANT_ADDR, d.quant_addr, 8ull * d.out_c, false});
  }
  if (d.opcode == DWVP_OP_ADD)
    out.push_back({DWVP_FIELD_AUX_ADDR, d.aux_addr, in_pixels * d.in_c, false});
  if (d.opcode == DWVP_OP_CHANNEL_MUL)
    out.push_back({DWVP_FIELD_AUX_ADDR, d.aux_addr, d.in_c, false});
  if (d.activation == DWVP_ACT_LUT)
    out.push_back({DWVP_FIELD_LUT_ADDR, d.lut_addr, 256, false});
  out.push_back({DWVP_FIELD_OUTPUT_ADDR, d.output_addr,
                 strided_bytes(out_pixels, output_pixel_stride(d), d.out_c), true});
  if (d.stats_addr)
    out.push_back({DWVP_FIELD_STATS_ADDR, d.stats_addr, DWVP_LAYER_STATS_SIZE, true});
  return out;
}

check_result check_descriptor(const dwvp_desc& d, const dma_windows& windows,
                              const ring_region& ring) {
  if (d.magic != DWVP_DESC_MAGIC)
    return fail(DWVP_ERR_BAD_MAGIC, DWVP_FIELD_MAGIC, "magic is not 0xD35C");
  if (d.opcode < 1 || d.opcode >= DWVP_OP_COUNT)
    return fail(DWVP_ERR_BAD_OPCODE, DWVP_FIELD_OPCODE, "unknown opcode");
  if (d.mapping >= DWVP_MAP_COUNT)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING, "unknown mapping");
  if (d.mapping != DWVP_MAP_DEFAULT && !is_depthwise(d.opcode))
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING,
                "mappings other than default apply to depthwise layers only");
  if (d.dataflow >= DWVP_DF_COUNT)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_DATAFLOW, "unknown dataflow");
  if (d.dataflow == DWVP_DF_ST_OS && d.opcode != DWVP_OP_DW_1XK &&
      d.opcode != DWVP_OP_DW_KX1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_DATAFLOW,
                "st_os applies to 1xK/Kx1 layers");
  if (d.dataflow == DWVP_DF_ST_OS && d.mapping != DWVP_MAP_DEFAULT)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_MAPPING,
                "st_os runs the 1D convolutions itself: mapping must be default");
  if (d.activation >= DWVP_ACT_COUNT)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACTIVATION, "unknown activation");
  if (d.loop_order >= DWVP_ORDER_COUNT)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_LOOP_ORDER, "unknown loop order");
  if (d.flags & ~DWVP_FLAG_ALL)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS, "unknown flag bits");
  if ((d.flags & DWVP_FLAG_STRIPE) &&
      (d.flags & (DWVP_FLAG_FUSE_OUT | DWVP_FLAG_FUSE_IN)))
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS,
                "STRIPE does not combine with FUSE_OUT or FUSE_IN");
  if ((d.flags & DWVP_FLAG_ONNX) && !has_weights(d.opcode) && d.opcode != DWVP_OP_ADD)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS,
                "ONNX numerics apply to conv2d, depthwise, pointwise, FC and add only");
  for (uint8_t b : d.reserved0)
    if (b)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_RESERVED, "reserved bytes must be 0");
  for (uint8_t b : d.reserved1)
    if (b)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_RESERVED, "reserved bytes must be 0");

  const struct {
    uint16_t v;
    dwvp_desc_field f;
    const char* name;
  } dims[] = {{d.in_h, DWVP_FIELD_IN_H, "in_h"},    {d.in_w, DWVP_FIELD_IN_W, "in_w"},
              {d.in_c, DWVP_FIELD_IN_C, "in_c"},    {d.out_h, DWVP_FIELD_OUT_H, "out_h"},
              {d.out_w, DWVP_FIELD_OUT_W, "out_w"}, {d.out_c, DWVP_FIELD_OUT_C, "out_c"}};
  for (const auto& dim : dims)
    if (dim.v == 0)
      return fail(DWVP_ERR_BAD_SHAPE, dim.f, std::string(dim.name) + " is 0");

  check_result r = has_window(d.opcode) ? check_spatial(d) : check_no_window(d);
  if (!r.ok())
    return r;
  if (d.opcode == DWVP_OP_DW_1XK && d.kernel_h != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_H, "1xK layer needs kernel_h = 1");
  if (d.opcode == DWVP_OP_DW_KX1 && d.kernel_w != 1)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_KERNEL_W, "Kx1 layer needs kernel_w = 1");
  if (d.opcode == DWVP_OP_FC && (d.in_h != 1 || d.in_w != 1))
    return fail(DWVP_ERR_BAD_SHAPE, d.in_h != 1 ? DWVP_FIELD_IN_H : DWVP_FIELD_IN_W,
                "fully connected input must be 1x1 spatially");
  const bool same_channels = is_depthwise(d.opcode) || d.opcode == DWVP_OP_AVG_POOL ||
                             d.opcode == DWVP_OP_ADD || d.opcode == DWVP_OP_CHANNEL_MUL;
  if (same_channels && d.out_c != d.in_c)
    return fail(DWVP_ERR_BAD_SHAPE, DWVP_FIELD_OUT_C, "out_c must equal in_c");
  if (d.in_pixel_stride && d.in_pixel_stride < d.in_c)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_IN_PIXEL_STRIDE, "smaller than in_c");
  if (d.out_pixel_stride && d.out_pixel_stride < d.out_c)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUT_PIXEL_STRIDE, "smaller than out_c");
  if (d.tile_h > d.out_h)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_H, "tile_h larger than out_h");
  if (d.tile_w > d.out_w)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_W, "tile_w larger than out_w");
  if (d.tile_c > d.out_c)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_C, "tile_c larger than out_c");
  if (d.tile_k > d.in_c)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_TILE_K, "tile_k larger than in_c");

  if (d.input_zp < -128 || d.input_zp > 127)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_INPUT_ZP, "must be in -128..127");
  if (d.aux_zp < -128 || d.aux_zp > 127)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_AUX_ZP, "must be in -128..127");
  if (d.output_zp < -128 || d.output_zp > 127)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_ZP, "must be in -128..127");
  if (d.act_min < -128 || d.act_min > 127)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MIN, "must be in -128..127");
  if (d.act_max < d.act_min || d.act_max > 127)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_ACT_MAX, "must be in act_min..127");
  if (d.opcode == DWVP_OP_ADD) {
    if (d.add_left_shift > 22)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_ADD_LEFT_SHIFT,
                  "must be 0..22 (255 << 22 still fits int32)");
    if (d.input_mult <= 0)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_INPUT_MULT, "must be positive");
    if (!valid_shift(d.input_shift))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_INPUT_SHIFT, "must be in -31..30");
    if (d.aux_mult <= 0)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_AUX_MULT, "must be positive");
    if (!valid_shift(d.aux_shift))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_AUX_SHIFT, "must be in -31..30");
  } else if (d.add_left_shift) {
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_ADD_LEFT_SHIFT, "used by ADD only");
  }
  if (d.opcode == DWVP_OP_ADD || d.opcode == DWVP_OP_CHANNEL_MUL) {
    if (d.output_mult <= 0)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_MULT, "must be positive");
    if (!valid_shift(d.output_shift))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_OUTPUT_SHIFT, "must be in -31..30");
  }
  if (d.stats_addr & 7u)
    return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_STATS_ADDR, "must be 8-byte aligned");

  const std::vector<tensor_extent> extents = tensor_extents(d);
  for (const tensor_extent& t : extents) {
    if (!inside_windows(windows, t.addr, t.bytes))
      return fail(DWVP_ERR_ADDR_WINDOW, t.field,
                  std::string(dwvp_desc_field_name(t.field)) +
                      " range outside every DMA window");
  }
  // Entries after this one may be pending in the ring: a write there would turn them
  // into garbage the device only notices by their magic.
  const uint64_t ring_end = uint64_t{ring.base} + ring.bytes;
  for (const tensor_extent& t : extents) {
    if (t.written && ring.bytes && t.bytes && t.addr < ring_end &&
        ring.base < uint64_t{t.addr} + t.bytes)
      return fail(DWVP_ERR_RING_OVERLAP, t.field,
                  std::string(dwvp_desc_field_name(t.field)) +
                      " range overlaps the command ring");
  }
  return {};
}

check_result check_quant_data(const int32_t* multipliers, const int32_t* shifts,
                              int count, bool onnx_scales) {
  for (int c = 0; c < count && onnx_scales; ++c) {
    // A binary32 scale: finite and not negative (0 allowed, as a zero multiplier).
    float scale;
    std::memcpy(&scale, &multipliers[c], sizeof scale);
    if (!(scale >= 0.0f && scale <= 3.4028234e38f))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_QUANT_DATA,
                  "scale of channel " + std::to_string(c) +
                      " is not a finite non-negative float");
    if (shifts[c] != 0)
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_QUANT_DATA,
                  "shift of channel " + std::to_string(c) +
                      " must be 0 with ONNX numerics");
  }
  for (int c = 0; c < count && !onnx_scales; ++c) {
    // 0 (a zero scale) or a normalised Q31 value in [2^30, 2^31), as
    // QuantizeMultiplier produces (docs/numerics.md).
    if (multipliers[c] != 0 && multipliers[c] < (int32_t{1} << 30))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_QUANT_DATA,
                  "multiplier of channel " + std::to_string(c) +
                      " is neither 0 nor in [2^30, 2^31)");
    if (!valid_shift(shifts[c]))
      return fail(DWVP_ERR_BAD_FIELD, DWVP_FIELD_QUANT_DATA,
                  "shift of channel " + std::to_string(c) + " outside -31..30");
  }
  return {};
}

check_result check_chain_layer(const dwvp_desc& d) {
  auto no = [](dwvp_desc_field f, const std::string& why) {
    return check_result{DWVP_ERR_UNSUPPORTED, f, "stripe chain: " + why};
  };
  const bool depthwise = d.opcode == DWVP_OP_DEPTHWISE || d.opcode == DWVP_OP_DW_1XK ||
                         d.opcode == DWVP_OP_DW_KX1;
  if (!depthwise && d.opcode != DWVP_OP_CONV2D && d.opcode != DWVP_OP_POINTWISE)
    return no(DWVP_FIELD_OPCODE, "conv2d, depthwise, 1xK, Kx1 and pointwise layers only");
  if (depthwise && d.mapping == DWVP_MAP_VECTOR)
    return no(DWVP_FIELD_MAPPING, "the vector unit has its own memory, not the chain's");
  if (d.activation == DWVP_ACT_LUT)
    return no(DWVP_FIELD_ACTIVATION, "the PPU holds one activation table");
  if (d.flags & (DWVP_FLAG_FUSE_OUT | DWVP_FLAG_FUSE_IN))
    return no(DWVP_FIELD_FLAGS, "not with layer-level fusion (FUSE_OUT, FUSE_IN)");
  if (d.tile_h || d.tile_w || d.tile_c || d.tile_k)
    return no(d.tile_h   ? DWVP_FIELD_TILE_H
              : d.tile_w ? DWVP_FIELD_TILE_W
              : d.tile_c ? DWVP_FIELD_TILE_C
                         : DWVP_FIELD_TILE_K,
              "the stripes are the accelerator's: tile sizes must be 0");
  if (input_pixel_stride(d) != d.in_c)
    return no(DWVP_FIELD_IN_PIXEL_STRIDE, "packed tensors only");
  if (output_pixel_stride(d) != d.out_c)
    return no(DWVP_FIELD_OUT_PIXEL_STRIDE, "packed tensors only");
  if (!dwvp_chain_layer_ok(&d)) // the shared rule; the checks above name its field
    return no(DWVP_FIELD_FLAGS, "layer cannot be chained");
  return {};
}

check_result check_chain_link(const dwvp_desc& prev, const dwvp_desc& next) {
  auto no = [](dwvp_desc_field f, const std::string& why) {
    return check_result{DWVP_ERR_BAD_SHAPE, f, "stripe chain: " + why};
  };
  if (next.input_addr != prev.output_addr)
    return no(DWVP_FIELD_INPUT_ADDR,
              "input_addr is not the previous layer's output_addr");
  if (next.in_h != prev.out_h)
    return no(DWVP_FIELD_IN_H, "in_h is not the previous layer's out_h");
  if (next.in_w != prev.out_w)
    return no(DWVP_FIELD_IN_W, "in_w is not the previous layer's out_w");
  if (next.in_c != prev.out_c)
    return no(DWVP_FIELD_IN_C, "in_c is not the previous layer's out_c");
  if (next.kernel_h < next.stride_h)
    return no(DWVP_FIELD_STRIDE_H, "stride_h above kernel_h skips rows of the input");
  if (!dwvp_chain_linked(&prev, &next))
    return no(DWVP_FIELD_FLAGS, "layers not linked");
  return {};
}

} // namespace dwvp::models
