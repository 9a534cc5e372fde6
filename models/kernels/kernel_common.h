// What the layer kernels share (internal to models/kernels): argument checks, strides,
// the output stages (per-channel requantisation, the clamp-and-LUT table), and the
// kernels' entry points, which execute_layer (layer_kernels.cpp) dispatches to.
// weighted_kernels.cpp: pointwise / FC, conv2d, depthwise; elementwise_kernels.cpp:
// average pool, add, channel multiply. Speed notes: layer_kernels.cpp.
#pragma once

#include "kernel_simd.h"
#include "layer_kernels.h"
#include "requant_fast.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dwvp::kernels::detail {

constexpr int kBlock = 16; // depthwise channels per register block

[[noreturn]] inline void fail(const dwvp_desc& d, const std::string& what) {
  throw std::invalid_argument("execute_layer (layer " + std::to_string(d.layer_id) +
                              ", opcode " + std::to_string(d.opcode) + "): " + what);
}

inline void require(const dwvp_desc& d, const void* p, const char* name) {
  if (!p)
    fail(d, std::string(name) + " operand missing");
}

inline int64_t in_stride(const dwvp_desc& d) {
  return d.in_pixel_stride ? d.in_pixel_stride : d.in_c;
}
inline int64_t out_stride(const dwvp_desc& d) {
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
inline void check_common(const dwvp_desc& d, const layer_operands& ops,
                         const int8_t* output) {
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
inline void check_window(const dwvp_desc& d) {
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

inline void check_same_spatial(const dwvp_desc& d) {
  if (d.out_h != d.in_h || d.out_w != d.in_w)
    fail(d, "output spatial size differs from the input's");
}

inline void check_same_channels(const dwvp_desc& d) {
  if (d.out_c != d.in_c)
    fail(d, "out_c differs from in_c");
}

inline bool onnx_numerics(const dwvp_desc& d) {
  return (d.flags & DWVP_FLAG_ONNX) != 0;
}

// DWVP_FLAG_ONNX: the multiplier words are binary32 scales.
inline const float* onnx_scales(const dwvp_desc& d, const layer_operands& ops) {
  return onnx_numerics(d) ? reinterpret_cast<const float*>(ops.multiplier) : nullptr;
}

// The requantisation terms per output channel (none with ONNX numerics, whose scales
// are checked here instead).
inline std::vector<fast_requant> channel_requant(const dwvp_desc& d,
                                                 const layer_operands& ops) {
  require(d, ops.weights, "weights");
  require(d, ops.multiplier, "multiplier");
  require(d, ops.shift, "shift");
  if (const float* scale = onnx_scales(d, ops)) {
    for (int o = 0; o < d.out_c; ++o)
      if (!(scale[o] >= 0.0f && scale[o] <= 3.4028234e38f))
        fail(d, "scale of channel " + std::to_string(o) + " not finite and >= 0");
    return {};
  }
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
// fast_requant terms sit in arrays so the main loop is branch-free straight-line code;
// rows() hands them to the vector paths (kernel_simd.h) where the CPU has them.
class channel_output {
public:
  channel_output(const dwvp_desc& d, const layer_operands& ops,
                 std::vector<fast_requant> rq)
      : channel_output(std::move(rq), d.out_c, onnx_scales(d, ops), d.output_zp,
                       d.act_min, d.act_max,
                       d.activation == DWVP_ACT_LUT ? ops.lut : nullptr) {}
  // The pointwise kernel's parameters (pointwise.h): ONNX scales, or a multiplier and a
  // shift in [-31, 30] per channel (fast_requant::make throws for another shift).
  channel_output(const requant_params& q, int n)
      : channel_output(terms_of(q, n), n, q.scale, q.output_zp, q.act_min, q.act_max,
                       q.lut) {}

  void operator()(const int32_t* acc, int8_t* out) const {
    if (m_scale) {
      for (int c = 0; c < m_n; ++c)
        out[c] = clamp(requantize_float(acc[c], m_scale[c]));
    } else if (m_saturating) {
      for (int c = 0; c < m_n; ++c)
        out[c] = clamp(m_rq[c].apply(acc[c]));
    } else {
      for (int c = 0; c < m_n; ++c)
        out[c] = clamp(static_cast<int32_t>(
            fast_requant::apply_terms(acc[c], m_left[c], m_mult[c], m_add[c], m_neg[c],
                                      static_cast<int>(m_total[c]))));
    }
    if (m_lut)
      for (int c = 0; c < m_n; ++c)
        out[c] = m_lut[out[c] + 128];
  }

  // `pixels` rows of sums, acc_stride apart, each plus `bias` (wrapping int32), to
  // rows of y, y_stride apart: the vector form at `level` where there is one.
  void rows(simd_level level, const int32_t* acc, int64_t pixels, int64_t acc_stride,
            const int32_t* bias, int8_t* y, int64_t y_stride) const {
#if defined(DWVP_KERNELS_X86_SIMD)
    simd::requant_terms t;
    if (level != simd_level::generic && terms(t)) {
      t.bias = bias;
      if (level == simd_level::avx512)
        simd::requantize_avx512(acc, pixels, acc_stride, m_n, t, y, y_stride);
      else
        simd::requantize_avx2(acc, pixels, acc_stride, m_n, t, y, y_stride);
      apply_lut(y, pixels, y_stride);
      return;
    }
#endif
    (void)level;
    std::vector<int32_t> row(m_n);
    for (int64_t p = 0; p < pixels; ++p) {
      for (int c = 0; c < m_n; ++c)
        row[c] = static_cast<int32_t>(static_cast<uint32_t>(acc[p * acc_stride + c]) +
                                      static_cast<uint32_t>(bias[c]));
      (*this)(row.data(), y + p * y_stride);
    }
  }

  // The terms of the vector output stage (simd::requant_terms, bias left null), or
  // false where the scalar forms are needed (ONNX scales, a saturating channel).
  bool terms(simd::requant_terms& t) const {
    if (m_scale || m_saturating)
      return false;
    t = simd::requant_terms{nullptr,      m_left.data(), m_mult.data(),
                            m_add.data(), m_neg.data(),  m_total.data(),
                            m_lo,         m_hi,          m_zp};
    return true;
  }
  // The LUT over rows the vector output stage wrote (it stops at the clamp).
  void apply_lut(int8_t* y, int64_t pixels, int64_t y_stride) const {
    if (m_lut)
      for (int64_t p = 0; p < pixels; ++p)
        for (int c = 0; c < m_n; ++c)
          y[p * y_stride + c] = m_lut[y[p * y_stride + c] + 128];
  }

private:
  channel_output(std::vector<fast_requant> rq, int n, const float* scale, int32_t zp,
                 int32_t act_min, int32_t act_max, const int8_t* lut)
      : m_rq(std::move(rq)), m_n(n), m_scale(scale), m_zp(zp), m_lo(act_min - zp),
        m_hi(act_max - zp), m_lut(lut) {
    for (const fast_requant& f : m_rq) {
      m_saturating = m_saturating || f.saturating;
      m_left.push_back(f.left);
      m_total.push_back(f.total);
      m_mult.push_back(f.multiplier);
      m_add.push_back(f.add);
      m_neg.push_back(f.neg);
    }
  }
  static std::vector<fast_requant> terms_of(const requant_params& q, int n) {
    std::vector<fast_requant> rq;
    if (!q.scale)
      for (int o = 0; o < n; ++o)
        rq.push_back(fast_requant::make(q.multiplier[o], q.shift[o]));
    return rq;
  }
  // clamp(v + zp, act_min, act_max) as clamp(v, act_min - zp, act_max - zp) + zp: no
  // overflow, and branch-free (min/max become conditional moves).
  int8_t clamp(int32_t v) const {
    return static_cast<int8_t>(std::min(std::max(v, m_lo), m_hi) + m_zp);
  }

  std::vector<fast_requant> m_rq;
  int m_n;
  const float* m_scale;     // ONNX numerics
  int32_t m_zp, m_lo, m_hi; // m_lo, m_hi: act bounds minus output_zp
  const int8_t* m_lut;
  bool m_saturating = false;
  std::vector<int32_t> m_left;
  std::vector<int64_t> m_total, m_mult, m_add, m_neg;
};

inline requant_params pointwise_params(const dwvp_desc& d, const layer_operands& ops) {
  requant_params q;
  q.bias = ops.bias;
  q.multiplier = ops.multiplier;
  q.shift = ops.shift;
  q.input_zp = d.input_zp;
  q.output_zp = d.output_zp;
  q.act_min = d.act_min;
  q.act_max = d.act_max;
  q.lut = d.activation == DWVP_ACT_LUT ? ops.lut : nullptr;
  q.scale = onnx_scales(d, ops);
  q.weight_zp = onnx_numerics(d) ? d.aux_zp : 0;
  return q;
}

// The kernels, one per opcode family; each checks what it relies on.
void pointwise_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);
void conv2d_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);
void depthwise_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);
void avg_pool_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);
void add_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);
void channel_mul_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);

} // namespace dwvp::kernels::detail
