// Regions the tile sequencer's DMA commands and tile commands name: windows of NHWC
// tensors in DRAM or on chip, and the weight slices a layer's channels need. Shared by
// the per-layer pipeline (tile_sequencer.cpp) and the stripe chain
// (stripe_chain_run.cpp).
#pragma once

#include "accel_protocol.h"

#include <vector>

namespace dwvp::models {

// The window rows [y0, y1) x columns [x0, x1) x channels [c0, c1) of an NHWC tensor at
// `base`, `width` pixels wide, pixels `stride` bytes apart: a row per pixel, a plane per
// image row. The same helper describes a tensor in DRAM, a whole fused activation on
// chip (laid out as in DRAM) and a tile's packed copy in a buffer half.
inline strided_region tensor_window(uint64_t base, int width, uint32_t stride, int y0,
                                    int y1, int x0, int x1, int c0, int c1) {
  strided_region r;
  r.addr = base + (uint64_t(y0) * width + x0) * stride + c0;
  r.row_bytes = static_cast<uint32_t>(c1 - c0);
  r.rows = static_cast<uint32_t>(x1 - x0);
  r.planes = static_cast<uint32_t>(y1 - y0);
  r.row_stride = stride;
  r.plane_stride = uint64_t(width) * stride;
  return r;
}

// A tile's window packed at `base` (its copy in a buffer half).
inline strided_region packed_window(uint64_t base, int rows, int cols, int channels) {
  return tensor_window(base, cols, static_cast<uint32_t>(channels), 0, rows, 0, cols, 0,
                       channels);
}

// One DMA load of a layer's constants: from `external` in DRAM to `local`.
struct constant_load {
  dwvp_desc_field field;
  strided_region external;
  uint64_t local;
  uint32_t element_bytes; // bytes per value in DRAM (wider entries; int32 data: 1)
};

// The loads that bring output channels [c0, c1) of d's constants to `local`: the
// weights (or the channel-multiply scales), then int32 bias, multipliers and shifts,
// packed in that order (tile_command's weight, bias and quant addresses). A K slice
// (k1 > 0) brings input channels [k0, k1) of each filter, and the int32 data only with
// the last slice (`requant`).
std::vector<constant_load> constant_loads(const dwvp_desc& d, int c0, int c1,
                                          uint64_t local, uint32_t element_bytes,
                                          int k0 = 0, int k1 = 0, bool requant = true);

} // namespace dwvp::models
