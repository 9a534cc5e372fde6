#include "tile_plan.h"

#include "dwvp/stripe_chain.h"

#include <algorithm>
#include <numeric>

namespace dwvp::sequencer {
namespace {

bool channel_wise(uint8_t op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1 ||
         op == DWVP_OP_AVG_POOL || op == DWVP_OP_ADD || op == DWVP_OP_CHANNEL_MUL;
}

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

// Input rows (or columns) that output rows [o0, o1) read, clipped to [0, in).
void input_span(int o0, int o1, int stride, int pad, int kernel, int in, int& i0,
                int& i1) {
  i0 = std::max(0, o0 * stride - pad);
  i1 = std::min(in, (o1 - 1) * stride - pad + kernel);
}

struct sizes {
  uint64_t input, weight, output;
};

sizes tile_sizes(const dwvp_desc& d, int th, int tw, int tc) {
  int iy0, iy1, ix0, ix1;
  input_span(0, th, d.stride_h, 0, d.kernel_h, 1 << 30, iy0, iy1);
  input_span(0, tw, d.stride_w, 0, d.kernel_w, 1 << 30, ix0, ix1);
  const uint64_t in_c = channel_wise(d.opcode) ? tc : d.in_c;
  uint64_t input = uint64_t(iy1 - iy0) * (ix1 - ix0) * in_c;
  if (d.opcode == DWVP_OP_ADD)
    input *= 2; // both operands
  return {input, weight_slice_bytes(d, 0, tc), uint64_t(th) * tw * tc};
}

bool fits(const sizes& s, const buffer_sizes& b) {
  return s.input <= b.input && s.weight <= b.weight && s.output <= b.output;
}

} // namespace

uint64_t weight_slice_bytes(const dwvp_desc& d, int c0, int c1) {
  return dwvp_weight_bytes(&d, static_cast<uint32_t>(c1 - c0));
}

void load_every_tile(plan& p) {
  for (tile& t : p.tiles) {
    t.load_input = true;
    t.load_weights = t.weight_bytes != 0;
  }
}

dwvp_desc tile_descriptor(const dwvp_desc& d, const tile& t) {
  dwvp_desc td = d;
  td.out_h = static_cast<uint16_t>(t.oy1 - t.oy0);
  td.out_w = static_cast<uint16_t>(t.ox1 - t.ox0);
  td.out_c = static_cast<uint16_t>(t.c1 - t.c0);
  td.in_h = static_cast<uint16_t>(t.iy1 - t.iy0);
  td.in_w = static_cast<uint16_t>(t.ix1 - t.ix0);
  td.in_c = static_cast<uint16_t>(t.ic1 - t.ic0);
  td.in_pixel_stride = td.out_pixel_stride = 0;
  // Padding inside the tile: what its first output needs before the first input it
  // has, and the rest of the last window beyond the last input it has.
  const bool windowed = d.opcode != DWVP_OP_ADD && d.opcode != DWVP_OP_CHANNEL_MUL;
  if (windowed) {
    const int top = t.iy0 - (t.oy0 * d.stride_h - d.pad_top);
    const int left = t.ix0 - (t.ox0 * d.stride_w - d.pad_left);
    const int bottom = (td.out_h - 1) * d.stride_h + d.kernel_h - td.in_h - top;
    const int right = (td.out_w - 1) * d.stride_w + d.kernel_w - td.in_w - left;
    td.pad_top = static_cast<uint8_t>(top);
    td.pad_left = static_cast<uint8_t>(left);
    td.pad_bottom = static_cast<uint8_t>(std::max(bottom, 0));
    td.pad_right = static_cast<uint8_t>(std::max(right, 0));
  }
  return td;
}

buffer_sizes tile_capacity(buffer_sizes halves, bool single_buffered,
                           uint32_t bytes_per_value) {
  const uint64_t k = single_buffered ? 2 : 1, per = std::max(1u, bytes_per_value);
  return {k * halves.input / per, k * halves.weight / per, k * halves.output / per};
}

tile chain_tile(const dwvp_desc& d, const dwvp_chain_rows& rows,
                const dwvp_chain_cols& cols) {
  tile t{};
  t.oy0 = int(rows.out0);
  t.oy1 = int(rows.out1);
  t.ox0 = int(cols.out0);
  t.ox1 = int(cols.out1);
  t.c1 = d.out_c;
  t.iy0 = int(rows.in0);
  t.iy1 = int(rows.in1);
  t.ix0 = int(cols.in0);
  t.ix1 = int(cols.in1);
  t.ic1 = d.in_c;
  return t;
}

uint64_t dram_bytes(const plan& p) {
  uint64_t bytes = 0;
  for (const tile& t : p.tiles)
    bytes += (t.load_input ? t.input_bytes : 0) + (t.load_weights ? t.weight_bytes : 0) +
             t.output_bytes;
  return bytes;
}

namespace {
plan plan_all_channels(const dwvp_desc& d, const buffer_sizes& buffers,
                       const tile_alignment& align);

// The plan is held in host memory (about 80 bytes a tile): a bound keeps a hostile
// descriptor with tiny buffers from exhausting it. MobileNet-v1 at 224x224 with 1 KiB
// buffers needs under 200,000.
constexpr uint64_t k_max_tiles = uint64_t{1} << 20;

plan too_many(uint64_t tiles, dwvp_desc_field field) {
  plan p;
  p.error = DWVP_ERR_BUFFER_FIT;
  p.field = field;
  p.message = std::to_string(tiles) + " tiles exceed the sequencer's limit of " +
              std::to_string(k_max_tiles);
  return p;
}

bool k_tileable(uint8_t op) {
  return op == DWVP_OP_CONV2D || op == DWVP_OP_POINTWISE || op == DWVP_OP_FC;
}

// The output tiles of d planned as if it had tk input channels (int32 partial sums in
// the output half), each then split into its input-channel slices.
plan plan_k_tiled(const dwvp_desc& d, int tk, const buffer_sizes& buffers,
                  const tile_alignment& align) {
  dwvp_desc slice = d;
  slice.in_c = static_cast<uint16_t>(tk);
  slice.tile_k = 0;
  buffer_sizes b = buffers;
  b.output = buffers.output / 4;
  const plan outputs = plan_all_channels(slice, b, align);
  if (!outputs.ok())
    return outputs;
  plan p;
  p.tile_h = outputs.tile_h;
  p.tile_w = outputs.tile_w;
  p.tile_c = outputs.tile_c;
  p.tile_k = tk;
  const int nk = ceil_div(d.in_c, tk);
  if (outputs.tiles.size() * nk > k_max_tiles)
    return too_many(outputs.tiles.size() * nk, DWVP_FIELD_TILE_K);
  for (const tile& t : outputs.tiles)
    for (int k = 0; k < nk; ++k) {
      tile x = t;
      x.ic0 = k * tk;
      x.ic1 = std::min<int>(d.in_c, x.ic0 + tk);
      x.k_first = k == 0;
      x.k_last = k + 1 == nk;
      const uint64_t channels = x.c1 - x.c0, slice_c = x.ic1 - x.ic0;
      x.input_bytes = uint64_t(x.iy1 - x.iy0) * (x.ix1 - x.ix0) * slice_c;
      x.weight_bytes = channels * uint64_t(d.kernel_h) * d.kernel_w * slice_c +
                       (x.k_last ? 12 * channels : 0);
      x.load_input = x.load_weights = true;
      p.tiles.push_back(x);
    }
  return p;
}
} // namespace

plan plan_layer(const dwvp_desc& d, const buffer_sizes& buffers,
                const tile_alignment& align) {
  if (k_tileable(d.opcode) && d.loop_order != DWVP_ORDER_AUTO) {
    if (d.tile_k && d.tile_k < d.in_c)
      return plan_k_tiled(d, d.tile_k, buffers, align);
    plan whole = plan_all_channels(d, buffers, align);
    if (whole.ok() || d.tile_k)
      return whole;
    for (int tk = ceil_div(d.in_c, 2);; tk = ceil_div(tk, 2)) {
      plan k = plan_k_tiled(d, tk, buffers, align);
      if (k.ok())
        return k;
      if (tk == 1)
        return whole; // the refusal of the layer over all its channels
    }
  }
  return plan_all_channels(d, buffers, align);
}

namespace {
plan plan_all_channels(const dwvp_desc& d, const buffer_sizes& buffers,
                       const tile_alignment& align) {
  if (d.loop_order == DWVP_ORDER_AUTO) {
    // Both walks over the same tiles; Scan only where it moves strictly less.
    dwvp_desc ordered = d;
    ordered.loop_order = DWVP_ORDER_ROW_MAJOR;
    plan row_major = plan_layer(ordered, buffers, align);
    if (!row_major.ok())
      return row_major;
    ordered.loop_order = DWVP_ORDER_SCAN;
    plan scan = plan_layer(ordered, buffers, align);
    return dram_bytes(scan) < dram_bytes(row_major) ? scan : row_major;
  }
  plan p;
  int th = d.tile_h ? d.tile_h : d.out_h;
  int tw = d.tile_w ? d.tile_w : d.out_w;
  int tc = d.tile_c ? d.tile_c : d.out_c;
  // Shrink what was left to the accelerator until a tile fits one buffer half.
  while (!fits(tile_sizes(d, th, tw, tc), buffers)) {
    const sizes s = tile_sizes(d, th, tw, tc);
    if (s.weight > buffers.weight && !d.tile_c && tc > 1)
      tc = ceil_div(tc, 2);
    else if ((s.input > buffers.input || s.output > buffers.output) && !d.tile_h &&
             th > 1)
      th = ceil_div(th, 2);
    else if ((s.input > buffers.input || s.output > buffers.output) && !d.tile_c &&
             tc > 1 && channel_wise(d.opcode))
      tc = ceil_div(tc, 2);
    else if ((s.input > buffers.input || s.output > buffers.output) && !d.tile_w &&
             tw > 1)
      tw = ceil_div(tw, 2);
    else if (s.output > buffers.output && !d.tile_c && tc > 1)
      tc = ceil_div(tc, 2);
    else {
      p.error = DWVP_ERR_BUFFER_FIT;
      p.field = s.weight > buffers.weight ? DWVP_FIELD_TILE_C
                : d.tile_h                ? DWVP_FIELD_TILE_H
                                          : DWVP_FIELD_TILE_W;
      p.message = "tile " + std::to_string(th) + "x" + std::to_string(tw) + "x" +
                  std::to_string(tc) + " needs input " + std::to_string(s.input) +
                  " B, weights " + std::to_string(s.weight) + " B, output " +
                  std::to_string(s.output) + " B; buffer halves hold " +
                  std::to_string(buffers.input) + ", " + std::to_string(buffers.weight) +
                  ", " + std::to_string(buffers.output) + " B";
      return p;
    }
  }
  // Fill the array: a tile the buffers cut is rounded to whole array widths (fewer
  // partial folds), then grown by whole widths while it still fits.
  auto aligned = [&](int size, int full, int step, auto fits_with) {
    if (step <= 1 || size >= full)
      return size;
    if (size < step) {
      // Below one array width: one width if it fits, else as much of one as the
      // buffers allow (halving may have cut 63 fitting channels down to 32).
      if (step > full || !fits_with(step)) {
        const int cap = std::min(full, step - 1);
        while (size < cap && fits_with(size + 1))
          ++size;
        return size;
      }
      size = step;
    }
    size = size / step * step;
    while (size < full) {
      const int next = std::min(full, size + step);
      if (!fits_with(next))
        break;
      size = next;
    }
    return size;
  };
  if (!d.tile_c)
    tc = aligned(tc, d.out_c, align.channels,
                 [&](int c) { return fits(tile_sizes(d, th, tw, c), buffers); });
  if (!d.tile_h && tw == d.out_w && align.pixels > 1) {
    // Output rows per tile such that rows x width is a multiple of the array rows.
    const int step = align.pixels / std::gcd(align.pixels, int(d.out_w));
    th = aligned(th, d.out_h, step,
                 [&](int h) { return fits(tile_sizes(d, h, tw, tc), buffers); });
  }
  p.tile_h = th;
  p.tile_w = tw;
  p.tile_c = tc;

  const int ny = ceil_div(d.out_h, th), nx = ceil_div(d.out_w, tw),
            nc = ceil_div(d.out_c, tc);
  if (uint64_t(ny) * nx * nc > k_max_tiles)
    return too_many(uint64_t(ny) * nx * nc, DWVP_FIELD_TILE_H);
  auto make = [&](int y, int x, int c) {
    tile t{};
    t.oy0 = y * th;
    t.oy1 = std::min<int>(d.out_h, t.oy0 + th);
    t.ox0 = x * tw;
    t.ox1 = std::min<int>(d.out_w, t.ox0 + tw);
    t.c0 = c * tc;
    t.c1 = std::min<int>(d.out_c, t.c0 + tc);
    input_span(t.oy0, t.oy1, d.stride_h, d.pad_top, d.kernel_h, d.in_h, t.iy0, t.iy1);
    input_span(t.ox0, t.ox1, d.stride_w, d.pad_left, d.kernel_w, d.in_w, t.ix0, t.ix1);
    t.ic0 = channel_wise(d.opcode) ? t.c0 : 0;
    t.ic1 = channel_wise(d.opcode) ? t.c1 : d.in_c;
    t.input_bytes = uint64_t(t.iy1 - t.iy0) * (t.ix1 - t.ix0) * (t.ic1 - t.ic0) *
                    (d.opcode == DWVP_OP_ADD ? 2 : 1);
    t.weight_bytes = weight_slice_bytes(d, t.c0, t.c1);
    t.output_bytes = uint64_t(t.oy1 - t.oy0) * (t.ox1 - t.ox0) * (t.c1 - t.c0);
    return t;
  };
  if (d.loop_order == DWVP_ORDER_SCAN) {
    // Spatial outer, channel tiles inner and serpentine: the input region stays
    // resident across the channel tiles, and the weight slice at each turn is reused.
    int k = 0;
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x, ++k)
        for (int i = 0; i < nc; ++i)
          p.tiles.push_back(make(y, x, k % 2 ? nc - 1 - i : i));
  } else {
    for (int c = 0; c < nc; ++c)
      for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x)
          p.tiles.push_back(make(y, x, c));
  }
  // Residency: one region of each kind is kept from the previous tile.
  for (size_t i = 0; i < p.tiles.size(); ++i) {
    tile& t = p.tiles[i];
    const tile* prev = i ? &p.tiles[i - 1] : nullptr;
    t.load_input = !prev || prev->iy0 != t.iy0 || prev->iy1 != t.iy1 ||
                   prev->ix0 != t.ix0 || prev->ix1 != t.ix1 || prev->ic0 != t.ic0 ||
                   prev->ic1 != t.ic1;
    t.load_weights = t.weight_bytes && (!prev || prev->c0 != t.c0 || prev->c1 != t.c1);
  }
  return p;
}

} // namespace

} // namespace dwvp::sequencer
