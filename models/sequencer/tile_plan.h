// Tiling of one layer for the on-chip buffers (plain C++, no SystemC): which output
// tiles, in which order, and which input, weight and output bytes each one needs.
// The layer sequencer (models/accel) runs the plan as a DMA-in / compute / DMA-out
// pipeline over ping-pong buffer halves. docs/memory.md states the rules.
#pragma once

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"
#include "dwvp/stripe_chain.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::sequencer {

// Capacity of one ping-pong half of each buffer, bytes.
struct buffer_sizes {
  uint64_t input = 128 * 1024;
  uint64_t weight = 128 * 1024;
  uint64_t output = 64 * 1024;
};

// Array dimensions a layer's tiles should fill: output pixels of a tile in multiples
// of `pixels` (array rows), output channels in multiples of `channels` (array
// columns). 1 = no preference (vector unit, PPU).
struct tile_alignment {
  int pixels = 1;
  int channels = 1;
};

struct tile {
  int oy0, oy1, ox0, ox1; // output rows/cols [0, 1)
  int c0, c1;             // output channels
  int iy0, iy1, ix0, ix1; // input rows/cols needed (clipped to the tensor)
  int ic0, ic1;           // input channels needed
  bool load_input;        // false: the same input region is already resident
  bool load_weights;      // false: the same weight slice is already resident
  // K tiling: input channels [ic0, ic1) are one slice of the output tile's sum; the
  // first slice starts the int32 partial sums, the last one requantises them.
  bool k_first = true, k_last = true;
  uint64_t input_bytes, weight_bytes, output_bytes;
};

struct plan {
  int tile_h = 0, tile_w = 0, tile_c = 0;
  int tile_k = 0;          // input channels per slice when K tiled, else 0
  std::vector<tile> tiles; // in execution order
  // Set when the layer cannot be tiled into the buffers.
  dwvp_error error = DWVP_ERR_NONE;
  dwvp_desc_field field = DWVP_FIELD_NONE;
  std::string message;
  bool ok() const { return error == DWVP_ERR_NONE; }
};

// Plans the tiles of a validated descriptor. Tile sizes of 0 are chosen: the whole
// layer if it fits, else fewer output rows, then fewer channels, then fewer columns.
// The loop order is the descriptor's: row-major walks channel tiles outermost (weights
// stay resident across a channel tile's spatial tiles); Scan walks spatial tiles
// outermost and the channel tiles in a serpentine, so the input region stays resident
// across channel tiles and the last weight slice is reused by the next position.
// Tiles the buffers force to be smaller than the layer are then cut to fill the array:
// channel tiles are rounded down to a multiple of `align.channels` and grown by that
// step while they fit; row tiles (whole output rows) likewise so that their pixels are
// a multiple of `align.pixels` where the row width allows it. docs/memory.md.
// DWVP_ORDER_AUTO plans both orders and keeps Scan only where dram_bytes is smaller.
// K tiling (conv2d, pointwise, FC): with tile_k below in_c, or when no tile over all
// input channels fits, each output tile is computed in slices of tile_k input channels
// (the fewest slices, halving, that fit), its int32 partial sums kept in the output
// half (4 bytes per output) until the last slice requantises them. Every slice loads
// its input channels and weights; bias and requantisation data come with the last.
plan plan_layer(const dwvp_desc& d, const buffer_sizes& buffers,
                const tile_alignment& align = {});

// DRAM bytes the plan's tiles move: the loads it does not skip and every output.
uint64_t dram_bytes(const plan& p);

// No reuse across tiles (the layer-by-layer baseline of the data-locality study,
// sequencer.reuse=false): every tile loads its input region and its weight slice.
void load_every_tile(plan& p);

// Bytes of weights, bias and quantisation data for output channels [c0, c1).
uint64_t weight_slice_bytes(const dwvp_desc& d, int c0, int c1);

// Tile t of layer d as a layer of its own: its output and input extents, the padding
// that falls inside it, packed operands (pixel strides 0). The engines compute and time
// each tile from this descriptor.
dwvp_desc tile_descriptor(const dwvp_desc& d, const tile& t);

// What a tile may hold in buffers of these halves (bytes), in values: a single-buffered
// memory gives a tile both halves; values of more than a byte (sram.entry_bits, the
// vector unit's operands) fit fewer. The sequencer (planning_for) and the analytical
// model plan with it.
buffer_sizes tile_capacity(buffer_sizes halves, bool single_buffered,
                           uint32_t bytes_per_value);

// Layer d's tile at one step of a stripe chain (stripe_chain.h): the output rows and
// columns it computes, every channel, and the input rows and columns they read.
tile chain_tile(const dwvp_desc& d, const dwvp_chain_rows& rows,
                const dwvp_chain_cols& cols);

} // namespace dwvp::sequencer
