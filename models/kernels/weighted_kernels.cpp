// Weighted layers: pointwise / FC, conv2d (im2col + the pointwise GEMM), depthwise
// (channel blocks in registers). Speed notes: layer_kernels.cpp.
#include "kernel_common.h"

namespace dwvp::kernels::detail {

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
// [kh][kw][C]: int8, or int16 w - weight_zp with ONNX numerics.
template <typename W>
inline void dw_block(const int8_t* win, int64_t ps, int64_t rs, const W* w, int C, int KH,
                     int KW, const int32_t* fb, int32_t* acc) {
  uint32_t a[kBlock];
  for (int j = 0; j < kBlock; ++j)
    a[j] = static_cast<uint32_t>(fb[j]);
  for (int ky = 0; ky < KH; ++ky) {
    const int8_t* xr = win + ky * rs;
    const W* wr = w + int64_t{ky} * KW * C;
    for (int kx = 0; kx < KW; ++kx) {
      const int8_t* x = xr + kx * ps;
      const W* wk = wr + int64_t{kx} * C;
      for (int j = 0; j < kBlock; ++j)
        a[j] += static_cast<uint32_t>(x[j] * wk[j]);
    }
  }
  for (int j = 0; j < kBlock; ++j)
    acc[j] = static_cast<int32_t>(a[j]);
}

// The same for the last n < kBlock channels.
template <typename W>
inline void dw_tail(const int8_t* win, int64_t ps, int64_t rs, const W* w, int C, int KH,
                    int KW, const int32_t* fb, int32_t* acc, int n) {
  uint32_t a[kBlock];
  for (int j = 0; j < n; ++j)
    a[j] = static_cast<uint32_t>(fb[j]);
  for (int ky = 0; ky < KH; ++ky) {
    for (int kx = 0; kx < KW; ++kx) {
      const int8_t* x = win + ky * rs + kx * ps;
      const W* wk = w + (int64_t{ky} * KW + kx) * C;
      for (int j = 0; j < n; ++j)
        a[j] += static_cast<uint32_t>(x[j] * wk[j]);
    }
  }
  for (int j = 0; j < n; ++j)
    acc[j] = static_cast<int32_t>(a[j]);
}

// Folded bias: bias - input_zp * sum of the channel's weights (wrapping int32).
template <typename W>
std::vector<int32_t> folded_depthwise_bias(const dwvp_desc& d, const W* weights,
                                           const int32_t* bias) {
  const int C = d.in_c;
  const int64_t taps = int64_t{d.kernel_h} * d.kernel_w;
  std::vector<int32_t> fb(C);
  for (int c = 0; c < C; ++c) {
    uint32_t wsum = 0;
    for (int64_t t = 0; t < taps; ++t)
      wsum += static_cast<uint32_t>(weights[t * C + c]);
    fb[c] = static_cast<int32_t>(static_cast<uint32_t>(bias ? bias[c] : 0) -
                                 static_cast<uint32_t>(d.input_zp) * wsum);
  }
  return fb;
}

// The output rows of a depthwise layer over the (framed) input `base`, weights of type
// W (int8, or int16 w - weight_zp).
template <typename W>
void depthwise_rows(const dwvp_desc& d, const int8_t* base, int64_t ps, int64_t rs,
                    const W* weights, const int32_t* bias, const channel_output& emit,
                    int8_t* output) {
  const int C = d.in_c, KH = d.kernel_h, KW = d.kernel_w;
  const int64_t ops_ = out_stride(d);
  const std::vector<int32_t> fb = folded_depthwise_bias(d, weights, bias);

  std::vector<int32_t> acc(C);
  const int full = C - C % kBlock;
  for (int oy = 0; oy < d.out_h; ++oy) {
    const int8_t* row = base + int64_t{oy} * d.stride_h * rs;
    int8_t* out_row = output + int64_t{oy} * d.out_w * ops_;
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int8_t* win = row + int64_t{ox} * d.stride_w * ps;
      for (int c = 0; c < full; c += kBlock)
        dw_block(win + c, ps, rs, weights + c, C, KH, KW, fb.data() + c, acc.data() + c);
      if (full < C)
        dw_tail(win + full, ps, rs, weights + full, C, KH, KW, fb.data() + full,
                acc.data() + full, C - full);
      emit(acc.data(), out_row + ox * ops_);
    }
  }
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
  const int64_t ips = in_stride(d);

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

  const requant_params q = pointwise_params(d, ops);
#if defined(DWVP_KERNELS_X86_SIMD)
  simd::requant_terms t;
  const simd_level level = active_simd_level();
  if (q.weight_zp == 0 && level != simd_level::generic && emit.terms(t)) {
    const std::vector<int32_t> fb = folded_depthwise_bias(d, ops.weights, ops.bias);
    const int64_t ops_ = out_stride(d);
    const simd::depthwise_shape shape{C,       KH,      KW, d.stride_h, d.stride_w,
                                      d.out_h, d.out_w, ps, rs,         ops_};
    if (level == simd_level::avx512)
      simd::depthwise_avx512(base, ops.weights, fb.data(), shape, t, output);
    else
      simd::depthwise_avx2(base, ops.weights, fb.data(), shape, t, output);
    emit.apply_lut(output, int64_t{d.out_h} * d.out_w, ops_);
    return;
  }
#endif
  if (q.weight_zp == 0) {
    depthwise_rows(d, base, ps, rs, ops.weights, ops.bias, emit, output);
    return;
  }
  std::vector<int16_t> w16(static_cast<size_t>(taps) * C);
  for (size_t k = 0; k < w16.size(); ++k)
    w16[k] = static_cast<int16_t>(ops.weights[k] - q.weight_zp);
  depthwise_rows(d, base, ps, rs, w16.data(), ops.bias, emit, output);
}

} // namespace dwvp::kernels::detail
