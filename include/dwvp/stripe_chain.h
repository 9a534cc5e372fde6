/* Block-level tile fusion: a chain of layers run stripe by stripe through on-chip line
 * buffers (DWVP_FLAG_STRIPE, docs/memory.md "Block fusion").
 *
 * Shared by the accelerator model (which plans and checks a chain) and the firmware
 * runtime (which decides what to chain), so both apply the same rules. Plain C,
 * freestanding: no libc. */
#ifndef DWVP_STRIPE_CHAIN_H
#define DWVP_STRIPE_CHAIN_H

#include "dwvp/descriptor.h"

#include <stdint.h>

#define DWVP_CHAIN_MAX_LAYERS 4u

/* Capacity, in entries, of one ping-pong half of each buffer. */
typedef struct dwvp_chain_budget {
  uint64_t input_half, weight_half, output_half;
} dwvp_chain_budget;

/* Output rows [out0, out1) one layer computes in a stripe and the input rows
 * [in0, in1) they read (clipped to the input). out0 == out1: nothing this stripe. */
typedef struct dwvp_chain_rows {
  uint32_t out0, out1, in0, in1;
} dwvp_chain_rows;

/* Weights, int32 bias, multiplier and shift of output channels [0, n): bytes. */
static inline uint64_t dwvp_weight_bytes(const dwvp_desc* d, uint32_t n) {
  uint64_t per_channel;
  switch (d->opcode) {
  case DWVP_OP_CONV2D:
    per_channel = (uint64_t)d->kernel_h * d->kernel_w * d->in_c;
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    per_channel = d->in_c;
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    per_channel = (uint64_t)d->kernel_h * d->kernel_w;
    break;
  case DWVP_OP_CHANNEL_MUL:
    return n; /* the scale vector slice */
  default:
    return 0;
  }
  return (uint64_t)n * (per_channel + 12u);
}

/* A layer a chain can hold: a convolution on the GEMM core or the DwC datapath (not
 * the vector unit), packed tensors, accelerator-chosen tiles, no activation table
 * (the PPU has one), no layer-level fusion. */
static inline int dwvp_chain_layer_ok(const dwvp_desc* d) {
  const int depthwise = d->opcode == DWVP_OP_DEPTHWISE || d->opcode == DWVP_OP_DW_1XK ||
                        d->opcode == DWVP_OP_DW_KX1;
  if (!depthwise && d->opcode != DWVP_OP_CONV2D && d->opcode != DWVP_OP_POINTWISE)
    return 0;
  if (depthwise && d->mapping == DWVP_MAP_VECTOR)
    return 0;
  return d->activation != DWVP_ACT_LUT &&
         !(d->flags & (DWVP_FLAG_FUSE_OUT | DWVP_FLAG_FUSE_IN)) && !d->tile_h &&
         !d->tile_w && !d->tile_c && !d->tile_k &&
         (!d->in_pixel_stride || d->in_pixel_stride == d->in_c) &&
         (!d->out_pixel_stride || d->out_pixel_stride == d->out_c);
}

/* b reads exactly what a writes: a's whole output is b's whole input, and b's windows
 * leave no row of it unread (kernel_h >= stride_h), so every row a computes is one b
 * needs and the line buffer's rows stay contiguous. */
static inline int dwvp_chain_linked(const dwvp_desc* a, const dwvp_desc* b) {
  return b->input_addr == a->output_addr && b->in_h == a->out_h && b->in_w == a->out_w &&
         b->in_c == a->out_c && b->kernel_h >= b->stride_h;
}

/* Input rows [i0, i1) that output rows [o0, o1) of d read, clipped to the input. */
static inline void dwvp_chain_input_rows(const dwvp_desc* d, uint32_t o0, uint32_t o1,
                                         uint32_t* i0, uint32_t* i1) {
  const int64_t first = (int64_t)o0 * d->stride_h - d->pad_top;
  const int64_t end = (int64_t)(o1 - 1) * d->stride_h - d->pad_top + d->kernel_h;
  *i0 = first < 0 ? 0u : (uint32_t)first;
  *i1 = end > (int64_t)d->in_h ? d->in_h : (uint32_t)end;
}

/* Stripe s at S output rows of the last layer: the rows each of the k layers computes,
 * walking back from the last. done[j] holds the rows of layer j's output computed by
 * earlier stripes (0 before stripe 0) and is advanced. A layer computes only the rows
 * the next one needs beyond those it kept: its line buffer holds the next layer's
 * input window. (Written through locals: with the stores made through pointers into
 * rows[], GCC 12 at -O2 left the first layer's input rows 0 in dwvp_chain_fits, found by
 * tests/e2e/test_block_fusion_e2e.cpp; the cause was not established.) */
static inline void dwvp_chain_stripe(const dwvp_desc* c, uint32_t k, uint32_t S,
                                     uint32_t s, uint32_t* done, dwvp_chain_rows* rows) {
  uint32_t j = k;
  uint32_t need_end = (s + 1) * S < c[k - 1].out_h ? (s + 1) * S : c[k - 1].out_h;
  while (j-- > 0) {
    dwvp_chain_rows r;
    uint32_t in0 = 0, in1 = 0;
    r.out0 = done[j];
    r.out1 = need_end > done[j] ? need_end : done[j];
    if (r.out1 > r.out0)
      dwvp_chain_input_rows(&c[j], r.out0, r.out1, &in0, &in1);
    r.in0 = in0;
    r.in1 = in1;
    rows[j] = r;
    done[j] = r.out1;
    need_end = in1;
  }
}

/* Number of stripes at S rows of the last layer's output. */
static inline uint32_t dwvp_chain_stripes(const dwvp_desc* c, uint32_t k, uint32_t S) {
  return (c[k - 1].out_h + S - 1) / S;
}

/* Rows of layer j's output its line buffer holds at stripe s: from the first row the
 * next layer reads to the last one computed. */
static inline uint32_t dwvp_chain_held_rows(const dwvp_chain_rows* next_layer,
                                            uint32_t done_rows) {
  return next_layer->out1 > next_layer->out0 ? done_rows - next_layer->in0 : 0;
}

/* Column strips: where a whole-width stripe does not fit, the chain runs strip by strip
 * of T columns of the last layer's output, top to bottom within each strip. Each layer
 * computes the columns the next one reads (the overlap of adjacent strips is computed
 * twice); the line buffers are a strip wide. */
typedef struct dwvp_chain_cols {
  uint32_t out0, out1, in0, in1;
} dwvp_chain_cols;

static inline uint32_t dwvp_chain_strips(const dwvp_desc* c, uint32_t k, uint32_t T) {
  return (c[k - 1].out_w + T - 1) / T;
}

/* Strip t of T columns: the output and input columns of each layer. */
static inline void dwvp_chain_strip(const dwvp_desc* c, uint32_t k, uint32_t T,
                                    uint32_t t, dwvp_chain_cols* cols) {
  uint32_t j = k;
  uint32_t b = t * T;
  uint32_t e = (t + 1) * T < c[k - 1].out_w ? (t + 1) * T : c[k - 1].out_w;
  while (j-- > 0) {
    const dwvp_desc* d = &c[j];
    dwvp_chain_cols x;
    const int64_t first = (int64_t)b * d->stride_w - d->pad_left;
    const int64_t end = (int64_t)(e - 1) * d->stride_w - d->pad_left + d->kernel_w;
    x.out0 = b;
    x.out1 = e;
    x.in0 = first < 0 ? 0u : (uint32_t)first;
    x.in1 = end > (int64_t)d->in_w ? d->in_w : (uint32_t)end;
    cols[j] = x;
    b = x.in0;
    e = x.in1;
  }
}

/* Whether a chain of k layers runs at stripe height S and strip width T within the
 * budget, in entries:
 * - the input buffer: the first layer's input window of a stripe in each half;
 * - the weight buffer: every layer's weights, bias and quantisation data, resident for
 *   the whole chain (both halves);
 * - the output buffer (both halves): the last layer's output stripe in each of two
 *   halves, then one line buffer per intermediate, each holding the rows the next layer
 *   reads in a stripe, a strip wide.
 * *need receives the three figures (may be 0). */
static inline int dwvp_chain_fits(const dwvp_desc* c, uint32_t k, uint32_t S, uint32_t T,
                                  const dwvp_chain_budget* b, uint64_t* need) {
  uint64_t line_max[DWVP_CHAIN_MAX_LAYERS] = {0, 0, 0, 0};
  dwvp_chain_rows rows[DWVP_CHAIN_MAX_LAYERS] = {
      {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  dwvp_chain_cols cols[DWVP_CHAIN_MAX_LAYERS] = {
      {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  uint64_t input = 0, weights = 0, stripe_out = 0, output;
  uint32_t s, t, j, n, strips;
  if (k < 2 || k > DWVP_CHAIN_MAX_LAYERS || S == 0 || T == 0)
    return 0;
  n = dwvp_chain_stripes(c, k, S);
  strips = dwvp_chain_strips(c, k, T);
  for (j = 0; j < k; ++j)
    weights += dwvp_weight_bytes(&c[j], c[j].out_c);
  for (t = 0; t < strips; ++t) {
    uint32_t done[DWVP_CHAIN_MAX_LAYERS] = {0, 0, 0, 0};
    /* Only strips near an edge differ (clipped windows, at most 4 x 14 columns of
     * padding); the ones between have the widths of strip 64: skip them. */
    if (strips > 128 && t == 64)
      t = strips - 64;
    dwvp_chain_strip(c, k, T, t, cols);
    for (s = 0; s < n; ++s) {
      uint64_t bytes;
      dwvp_chain_stripe(c, k, S, s, done, rows);
      bytes =
          (uint64_t)(rows[0].in1 - rows[0].in0) * (cols[0].in1 - cols[0].in0) * c[0].in_c;
      if (bytes > input)
        input = bytes;
      for (j = 0; j + 1 < k; ++j) {
        const uint64_t held = (uint64_t)dwvp_chain_held_rows(&rows[j + 1], done[j]) *
                              (cols[j].out1 - cols[j].out0) * c[j].out_c;
        if (held > line_max[j])
          line_max[j] = held;
      }
      bytes = (uint64_t)(rows[k - 1].out1 - rows[k - 1].out0) *
              (cols[k - 1].out1 - cols[k - 1].out0) * c[k - 1].out_c;
      if (bytes > stripe_out)
        stripe_out = bytes;
    }
  }
  output = 2 * stripe_out;
  for (j = 0; j + 1 < k; ++j)
    output += line_max[j];
  if (need) {
    need[0] = input;
    need[1] = weights;
    need[2] = output;
  }
  return input <= b->input_half && weights <= 2 * b->weight_half &&
         output <= 2 * b->output_half;
}

/* The stripe height and strip width the accelerator runs a chain at: the widest strip
 * (the whole width first, then halving) at which some stripe height fits, and at that
 * width the largest height that fits and gives at least four stripes where the output
 * has four rows (so loads, compute and stores overlap). 0 if one row of one column
 * does not fit. */
static inline int dwvp_chain_shape(const dwvp_desc* c, uint32_t k,
                                   const dwvp_chain_budget* b, uint32_t* S_out,
                                   uint32_t* T_out) {
  const uint32_t quarter = (c[k - 1].out_h + 3) / 4;
  uint32_t T = c[k - 1].out_w, S;
  for (;;) {
    if (quarter <= 256) {
      for (S = quarter; S > 0; --S)
        if (dwvp_chain_fits(c, k, S, T, b, 0)) {
          *S_out = S;
          *T_out = T;
          return 1;
        }
    } else if (dwvp_chain_fits(c, k, 1, T, b, 0)) {
      /* Tall outputs: a binary search (the needs grow with S) bounds the work a
       * descriptor can cause. */
      uint32_t lo = 1, hi = quarter;
      while (lo < hi) {
        const uint32_t mid = lo + (hi - lo + 1) / 2;
        if (dwvp_chain_fits(c, k, mid, T, b, 0))
          lo = mid;
        else
          hi = mid - 1;
      }
      *S_out = lo;
      *T_out = T;
      return 1;
    }
    if (T == 1)
      return 0;
    T = (T + 1) / 2;
  }
}

#endif
