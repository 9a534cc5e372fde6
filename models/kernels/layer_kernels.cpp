// Every layer type of the accelerator, TFLite int8 numerics (docs/numerics.md).
//
// Speed notes (this runs in the simulator's hot path):
// - Weighted layers fold the input zero point into the bias: sum((x - zp) * w) =
//   sum(x * w) - zp * sum(w), so inner loops are plain int8 products accumulated in
//   32 bits. Padding is materialised as bytes equal to input_zp, whose contribution
//   (zp - zp) * w is exactly the zero of a skipped tap, so windows need no bounds
//   checks.
// - Depthwise loops over output pixels with channels innermost, in fixed blocks of
//   kBlock channels kept in registers.
// - Conv2d gathers patches (im2col, OHWI order) and runs the pointwise GEMM kernel.
// - Requantisation uses fast_requant (one int64 multiply-add-shift, bit-exact with
//   requant.h) with branch-free clamps; pool, add and multiply clamp and apply the LUT
//   through one 256-entry table.
// Accumulation is 32-bit two's complement (done in uint32_t so a wrap is defined
// behaviour; the result is exact whenever the true accumulator fits int32, which the
// numerics contract requires).
#include "layer_kernels.h"

#include "requant_fast.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dwvp::kernels {
namespace {

constexpr int kBlock = 16; // depthwise channels per register block

[[noreturn]] void fail(const dwvp_desc& d, const std::string& what) {
  throw std::invalid_argument("execute_layer (layer " + std::to_string(d.layer_id) +
                              ", opcode " + std::to_string(d.opcode) + "): " + what);
}

void require(const dwvp_desc& d, const void* p, const char* name) {
  if (!p)
    fail(d, std::string(name) + " operand missing");
}

int64_t in_stride(const dwvp_desc& d) {
  return d.in_pixel_stride ? d.in_pixel_stride : d.in_c;
}
int64_t out_stride(const dwvp_desc& d) {
  return d.out_pixel_stride ? d.out_pixel_stride : d.out_c;
}

// v + zp clamped to [act_min, act_max], then the LUT when activation == LUT, as one
// table indexed by the value saturated to int8 (act bounds lie within int8). v is
// saturated to +-256 first, so v + zp cannot overflow; min/max keep it branch-free.
class output_table {
public:
  output_table(const dwvp_desc& d, const int8_t* lut) {
    for (int i = 0; i < 256; ++i) {
      const int32_t v = std::min(std::max(i - 128, d.act_min), d.act_max);
      m_table[i] = lut ? lut[v + 128] : static_cast<int8_t>(v);
    }
  }
  int8_t operator()(int32_t v, int32_t zp = 0) const {
    v = std::min(std::max(v, -256), 256) + zp;
    return m_table[std::min(std::max(v, -128), 127) + 128];
  }

private:
  int8_t m_table[256];
};

// Checks shared by every opcode: what the kernels rely on for memory safety and for
// the numerics to be defined. check_descriptor() has normally refused all of it.
void check_common(const dwvp_desc& d, const layer_operands& ops, const int8_t* output) {
  if (!d.in_h || !d.in_w || !d.in_c || !d.out_h || !d.out_w || !d.out_c)
    fail(d, "zero dimension");
  if (d.in_pixel_stride && d.in_pixel_stride < d.in_c)
    fail(d, "in_pixel_stride smaller than in_c");
  if (d.out_pixel_stride && d.out_pixel_stride < d.out_c)
    fail(d, "out_pixel_stride smaller than out_c");
  for (int32_t zp : {d.input_zp, d.aux_zp, d.output_zp})
    if (zp < -128 || zp > 127)
      fail(d, "zero point " + std::to_string(zp) + " outside [-128, 127]");
  if (d.act_min < -128 || d.act_max > 127 || d.act_min > d.act_max)
    fail(d, "bad clamp bounds");
  if (d.activation >= DWVP_ACT_COUNT)
    fail(d, "unknown activation " + std::to_string(d.activation));
  if (d.activation == DWVP_ACT_LUT)
    require(d, ops.lut, "lut");
  require(d, ops.input, "input");
  require(d, output, "output");
}

// Window geometry of conv2d, depthwise and pool: out = (in + pads - k) / s + 1.
void check_window(const dwvp_desc& d) {
  if (!d.kernel_h || !d.kernel_w || !d.stride_h || !d.stride_w)
    fail(d, "zero kernel or stride");
  const int ph = d.in_h + d.pad_top + d.pad_bottom;
  const int pw = d.in_w + d.pad_left + d.pad_right;
  if (ph < d.kernel_h || pw < d.kernel_w)
    fail(d, "kernel larger than the padded input");
  if (d.out_h != (ph - d.kernel_h) / d.stride_h + 1 ||
      d.out_w != (pw - d.kernel_w) / d.stride_w + 1)
    fail(d, "output size does not match the window geometry");
}

void check_same_spatial(const dwvp_desc& d) {
  if (d.out_h != d.in_h || d.out_w != d.in_w)
    fail(d, "output spatial size differs from the input's");
}

void check_same_channels(const dwvp_desc& d) {
  if (d.out_c != d.in_c)
    fail(d, "out_c differs from in_c");
}

std::vector<fast_requant> channel_requant(const dwvp_desc& d, const layer_operands& ops) {
  require(d, ops.weights, "weights");
  require(d, ops.multiplier, "multiplier");
  require(d, ops.shift, "shift");
  std::vector<fast_requant> rq(d.out_c);
  for (int o = 0; o < d.out_c; ++o) {
    if (ops.shift[o] < -31 || ops.shift[o] > 30)
      fail(d, "shift of channel " + std::to_string(o) + " outside [-31, 30]");
    rq[o] = fast_requant::make(ops.multiplier[o], ops.shift[o]);
  }
  return rq;
}

// Output stage of the weighted layers: per-channel requantisation of the int32
// accumulators, + output_zp, clamp to [act_min, act_max], then the LUT. The
// fast_requant terms sit in arrays so the main loop is branch-free straight-line code.
class channel_output {
public:
  channel_output(const dwvp_desc& d, const layer_operands& ops,
                 std::vector<fast_requant> rq)
      : m_rq(std::move(rq)), m_n(static_cast<int>(m_rq.size())), m_zp(d.output_zp),
        m_lo(d.act_min - d.output_zp), m_hi(d.act_max - d.output_zp),
        m_lut(d.activation == DWVP_ACT_LUT ? ops.lut : nullptr) {
    for (const fast_requant& f : m_rq) {
      m_saturating = m_saturating || f.saturating;
      m_left.push_back(f.left);
      m_total.push_back(f.total);
      m_mult.push_back(f.multiplier);
      m_add.push_back(f.add);
      m_neg.push_back(f.neg);
    }
  }

  void operator()(const int32_t* acc, int8_t* out) const {
    if (m_saturating) {
      for (int c = 0; c < m_n; ++c)
        out[c] = clamp(m_rq[c].apply(acc[c]));
    } else {
      for (int c = 0; c < m_n; ++c)
        out[c] = clamp(static_cast<int32_t>(fast_requant::apply_terms(
            acc[c], m_left[c], m_mult[c], m_add[c], m_neg[c], m_total[c])));
    }
    if (m_lut)
      for (int c = 0; c < m_n; ++c)
        out[c] = m_lut[out[c] + 128];
  }

private:
  // clamp(v + zp, act_min, act_max) as clamp(v, act_min - zp, act_max - zp) + zp: no
  // overflow, and branch-free (min/max become conditional moves).
  int8_t clamp(int32_t v) const {
    return static_cast<int8_t>(std::min(std::max(v, m_lo), m_hi) + m_zp);
  }

  std::vector<fast_requant> m_rq;
  int m_n;
  int32_t m_zp, m_lo, m_hi; // m_lo, m_hi: act bounds minus output_zp
  const int8_t* m_lut;
  bool m_saturating = false;
  std::vector<int> m_left, m_total;
  std::vector<int64_t> m_mult, m_add, m_neg;
};

requant_params pointwise_params(const dwvp_desc& d, const layer_operands& ops) {
  requant_params q;
  q.bias = ops.bias;
  q.multiplier = ops.multiplier;
  q.shift = ops.shift;
  q.input_zp = d.input_zp;
  q.output_zp = d.output_zp;
  q.act_min = d.act_min;
  q.act_max = d.act_max;
  q.lut = d.activation == DWVP_ACT_LUT ? ops.lut : nullptr;
  return q;
}

// ---------------------------------------------------------------------------------
// POINTWISE, FC

void pointwise_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_same_spatial(d);
  if (d.opcode == DWVP_OP_FC && (d.in_h != 1 || d.in_w != 1))
    fail(d, "FC input must be 1x1");
  channel_requant(d, ops); // validates the quant data pointwise_int8 relies on
  pointwise_int8(ops.input, int64_t{d.in_h} * d.in_w, d.in_c,
                 static_cast<int>(in_stride(d)), ops.weights, d.out_c,
                 pointwise_params(d, ops), output, static_cast<int>(out_stride(d)));
}

// ---------------------------------------------------------------------------------
// CONV2D: im2col into [pixel][kh][kw][in_c] (padding = input_zp), then the GEMM.

void conv2d_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_window(d);
  channel_requant(d, ops);
  const requant_params q = pointwise_params(d, ops);
  const int C = d.in_c, KH = d.kernel_h, KW = d.kernel_w;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);
  const bool padded = d.pad_top || d.pad_left || d.pad_bottom || d.pad_right;
  if (KH == 1 && KW == 1 && d.stride_h == 1 && d.stride_w == 1 && !padded) {
    pointwise_int8(ops.input, int64_t{d.in_h} * d.in_w, C, static_cast<int>(ips),
                   ops.weights, d.out_c, q, output, static_cast<int>(ops_));
    return;
  }
  const int64_t patch = int64_t{KH} * KW * C;
  const int64_t row_bytes = patch * d.out_w;
  const int rows_per_chunk = static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(d.out_h, (256 << 10) / row_bytes)));
  std::vector<int8_t> cols(static_cast<size_t>(row_bytes * rows_per_chunk));
  const int8_t zp = static_cast<int8_t>(d.input_zp);
  const bool packed = ips == C;

  for (int oy0 = 0; oy0 < d.out_h; oy0 += rows_per_chunk) {
    const int rows = std::min(rows_per_chunk, d.out_h - oy0);
    int8_t* dst = cols.data();
    for (int oy = oy0; oy < oy0 + rows; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        const int ix0 = ox * d.stride_w - d.pad_left;
        const bool full_row = ix0 >= 0 && ix0 + KW <= d.in_w;
        for (int ky = 0; ky < KH; ++ky, dst += int64_t{KW} * C) {
          const int iy = oy * d.stride_h - d.pad_top + ky;
          if (iy < 0 || iy >= d.in_h) {
            std::memset(dst, zp, static_cast<size_t>(KW) * C);
            continue;
          }
          const int8_t* src = ops.input + int64_t{iy} * d.in_w * ips;
          if (full_row && packed) {
            std::memcpy(dst, src + ix0 * ips, static_cast<size_t>(KW) * C);
            continue;
          }
          for (int kx = 0; kx < KW; ++kx) {
            const int ix = ix0 + kx;
            if (ix < 0 || ix >= d.in_w)
              std::memset(dst + kx * C, zp, C);
            else
              std::memcpy(dst + kx * C, src + ix * ips, C);
          }
        }
      }
    }
    pointwise_int8(cols.data(), int64_t{rows} * d.out_w, static_cast<int>(patch),
                   static_cast<int>(patch), ops.weights, d.out_c, q,
                   output + int64_t{oy0} * d.out_w * ops_, static_cast<int>(ops_));
  }
}

// ---------------------------------------------------------------------------------
// DEPTHWISE, DW_1XK, DW_KX1

// acc[j] = fb[j] + sum over the window of x[j] * w[j], for kBlock channels. `win`
// points at the window's first pixel, pixels ps bytes apart, rows rs; weights are
// [kh][kw][C].
inline void dw_block(const int8_t* win, int64_t ps, int64_t rs, const int8_t* w, int C,
                     int KH, int KW, const int32_t* fb, int32_t* acc) {
  uint32_t a[kBlock];
  for (int j = 0; j < kBlock; ++j)
    a[j] = static_cast<uint32_t>(fb[j]);
  for (int ky = 0; ky < KH; ++ky) {
    const int8_t* xr = win + ky * rs;
    const int8_t* wr = w + int64_t{ky} * KW * C;
    for (int kx = 0; kx < KW; ++kx) {
      const int8_t* x = xr + kx * ps;
      const int8_t* wk = wr + int64_t{kx} * C;
      for (int j = 0; j < kBlock; ++j)
        a[j] += static_cast<uint32_t>(x[j] * wk[j]);
    }
  }
  for (int j = 0; j < kBlock; ++j)
    acc[j] = static_cast<int32_t>(a[j]);
}

// The same for the last n < kBlock channels.
inline void dw_tail(const int8_t* win, int64_t ps, int64_t rs, const int8_t* w, int C,
                    int KH, int KW, const int32_t* fb, int32_t* acc, int n) {
  uint32_t a[kBlock];
  for (int j = 0; j < n; ++j)
    a[j] = static_cast<uint32_t>(fb[j]);
  for (int ky = 0; ky < KH; ++ky) {
    for (int kx = 0; kx < KW; ++kx) {
      const int8_t* x = win + ky * rs + kx * ps;
      const int8_t* wk = w + (int64_t{ky} * KW + kx) * C;
      for (int j = 0; j < n; ++j)
        a[j] += static_cast<uint32_t>(x[j] * wk[j]);
    }
  }
  for (int j = 0; j < n; ++j)
    acc[j] = static_cast<int32_t>(a[j]);
}

void depthwise_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_window(d);
  check_same_channels(d);
  if (d.opcode == DWVP_OP_DW_1XK && d.kernel_h != 1)
    fail(d, "1xK depthwise needs kernel_h = 1");
  if (d.opcode == DWVP_OP_DW_KX1 && d.kernel_w != 1)
    fail(d, "Kx1 depthwise needs kernel_w = 1");
  const channel_output emit(d, ops, channel_requant(d, ops));
  const int C = d.in_c, KH = d.kernel_h, KW = d.kernel_w;
  const int64_t taps = int64_t{KH} * KW;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);

  // Input view without bounds: the input itself, or a packed copy framed by input_zp.
  const int8_t* base = ops.input;
  int64_t ps = ips, rs = ips * d.in_w;
  std::vector<int8_t> framed;
  if (d.pad_top || d.pad_left || d.pad_bottom || d.pad_right) {
    const int64_t fw = int64_t{d.in_w} + d.pad_left + d.pad_right;
    const int64_t fh = int64_t{d.in_h} + d.pad_top + d.pad_bottom;
    framed.assign(static_cast<size_t>(fh * fw * C), static_cast<int8_t>(d.input_zp));
    for (int y = 0; y < d.in_h; ++y) {
      int8_t* dst = framed.data() + ((y + d.pad_top) * fw + d.pad_left) * C;
      const int8_t* src = ops.input + int64_t{y} * d.in_w * ips;
      if (ips == C) {
        std::memcpy(dst, src, static_cast<size_t>(d.in_w) * C);
      } else {
        for (int x = 0; x < d.in_w; ++x)
          std::memcpy(dst + int64_t{x} * C, src + x * ips, C);
      }
    }
    base = framed.data();
    ps = C;
    rs = fw * C;
  }

  // Folded bias: bias - input_zp * sum of the channel's weights (wrapping int32).
  std::vector<int32_t> fb(C);
  for (int c = 0; c < C; ++c) {
    int32_t wsum = 0;
    for (int64_t t = 0; t < taps; ++t)
      wsum += ops.weights[t * C + c];
    fb[c] = static_cast<int32_t>(static_cast<uint32_t>(ops.bias ? ops.bias[c] : 0) -
                                 static_cast<uint32_t>(d.input_zp * wsum));
  }

  std::vector<int32_t> acc(C);
  const int full = C - C % kBlock;
  for (int oy = 0; oy < d.out_h; ++oy) {
    const int8_t* row = base + int64_t{oy} * d.stride_h * rs;
    int8_t* out_row = output + int64_t{oy} * d.out_w * ops_;
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int8_t* win = row + int64_t{ox} * d.stride_w * ps;
      for (int c = 0; c < full; c += kBlock)
        dw_block(win + c, ps, rs, ops.weights + c, C, KH, KW, fb.data() + c,
                 acc.data() + c);
      if (full < C)
        dw_tail(win + full, ps, rs, ops.weights + full, C, KH, KW, fb.data() + full,
                acc.data() + full, C - full);
      emit(acc.data(), out_row + ox * ops_);
    }
  }
}

// ---------------------------------------------------------------------------------
// AVG_POOL: rounded average over the in-bounds part of each window.

void avg_pool_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_window(d);
  check_same_channels(d);
  const output_table out_table(d, d.activation == DWVP_ACT_LUT ? ops.lut : nullptr);
  const int C = d.in_c;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);
  std::vector<int32_t> sum(C);
  for (int oy = 0; oy < d.out_h; ++oy) {
    const int y0 = oy * d.stride_h - d.pad_top;
    const int ya = std::max(y0, 0), yb = std::min(y0 + d.kernel_h, int{d.in_h});
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int x0 = ox * d.stride_w - d.pad_left;
      const int xa = std::max(x0, 0), xb = std::min(x0 + d.kernel_w, int{d.in_w});
      if (ya >= yb || xa >= xb)
        fail(d, "pool window without an input element");
      const int32_t count = (yb - ya) * (xb - xa);
      std::fill(sum.begin(), sum.end(), 0);
      for (int y = ya; y < yb; ++y) {
        for (int x = xa; x < xb; ++x) {
          const int8_t* px = ops.input + (int64_t{y} * d.in_w + x) * ips;
          for (int c = 0; c < C; ++c)
            sum[c] += px[c];
        }
      }
      // avg = (|sum| + count/2) / count with the sign of sum (half away from zero).
      // Division by multiplying with ceil(2^32 / count): exact while
      // (|sum| + count/2) * count < 2^32, i.e. for count <= 4096 (|sum| <= 128 count).
      const int32_t half = count / 2;
      int8_t* out = output + (int64_t{oy} * d.out_w + ox) * ops_;
      if (count <= 4096) {
        const uint64_t inv = ((uint64_t{1} << 32) + count - 1) / count;
        for (int c = 0; c < C; ++c) {
          const int32_t s = sum[c];
          const uint32_t n = static_cast<uint32_t>((s > 0 ? s : -s) + half);
          const int32_t q = static_cast<int32_t>((n * inv) >> 32);
          out[c] = out_table(s > 0 ? q : -q);
        }
      } else {
        for (int c = 0; c < C; ++c) {
          const int32_t s = sum[c];
          out[c] = out_table(s > 0 ? (s + half) / count : (s - half) / count);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------
// ADD: TFLite int8 ADD. Each input's rescaled value depends on its int8 value only:
// two 256-entry tables.

void add_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_same_spatial(d);
  check_same_channels(d);
  require(d, ops.aux, "aux");
  if (d.add_left_shift > 31)
    fail(d, "add_left_shift above 31");
  const fast_requant rq_a = fast_requant::make(d.input_mult, d.input_shift);
  const fast_requant rq_b = fast_requant::make(d.aux_mult, d.aux_shift);
  const fast_requant rq_out = fast_requant::make(d.output_mult, d.output_shift);
  int32_t ta[256], tb[256];
  for (int i = 0; i < 256; ++i) {
    // (v - zp) * 2^left_shift, wrapping where TFLite would overflow.
    const auto scaled = [&](int32_t zp) {
      return static_cast<int32_t>(static_cast<uint32_t>(i - 128 - zp)
                                  << d.add_left_shift);
    };
    ta[i] = rq_a.apply(scaled(d.input_zp));
    tb[i] = rq_b.apply(scaled(d.aux_zp));
  }
  const output_table out_table(d, d.activation == DWVP_ACT_LUT ? ops.lut : nullptr);
  const int C = d.in_c;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);
  const int64_t pixels = int64_t{d.in_h} * d.in_w;
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* a = ops.input + p * ips;
    const int8_t* b = ops.aux + p * C;
    int8_t* out = output + p * ops_;
    for (int c = 0; c < C; ++c) {
      const int32_t s = static_cast<int32_t>(static_cast<uint32_t>(ta[a[c] + 128]) +
                                             static_cast<uint32_t>(tb[b[c] + 128]));
      out[c] = out_table(rq_out.apply(s), d.output_zp);
    }
  }
}

// ---------------------------------------------------------------------------------
// CHANNEL_MUL: TFLite int8 MUL, the [c] vector in aux broadcast over h and w.

void channel_mul_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_same_spatial(d);
  check_same_channels(d);
  require(d, ops.aux, "aux");
  const fast_requant rq = fast_requant::make(d.output_mult, d.output_shift);
  const output_table out_table(d, d.activation == DWVP_ACT_LUT ? ops.lut : nullptr);
  const int C = d.in_c;
  std::vector<int32_t> scale(C);
  for (int c = 0; c < C; ++c)
    scale[c] = ops.aux[c] - d.aux_zp;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);
  const int64_t pixels = int64_t{d.in_h} * d.in_w;
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* x = ops.input + p * ips;
    int8_t* out = output + p * ops_;
    for (int c = 0; c < C; ++c)
      out[c] = out_table(rq.apply((x[c] - d.input_zp) * scale[c]), d.output_zp);
  }
}

} // namespace

void execute_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  void (*kernel)(const dwvp_desc&, const layer_operands&, int8_t*) = nullptr;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    kernel = conv2d_layer;
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    kernel = depthwise_layer;
    break;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    kernel = pointwise_layer;
    break;
  case DWVP_OP_ADD:
    kernel = add_layer;
    break;
  case DWVP_OP_AVG_POOL:
    kernel = avg_pool_layer;
    break;
  case DWVP_OP_CHANNEL_MUL:
    kernel = channel_mul_layer;
    break;
  default:
    throw std::invalid_argument("execute_layer: unsupported opcode " +
                                std::to_string(d.opcode));
  }
  check_common(d, ops, output);
  kernel(d, ops, output);
}

} // namespace dwvp::kernels
