#include "pointwise.h"

#include "kernel_simd.h"
#include "requant.h"
#include "requant_fast.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::kernels {
namespace {

simd_level detect() {
#if defined(DWVP_KERNELS_X86_SIMD)
  __builtin_cpu_init();
  simd_level level = simd_level::generic;
  if (__builtin_cpu_supports("avx2"))
    level = simd_level::avx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
    level = simd_level::avx512;
  return level;
#else
  return simd_level::generic;
#endif
}

// The best level, capped by DWVP_KERNEL_SIMD (a value naming no level is ignored).
simd_level initial_level() {
  const simd_level best = best_simd_level();
  const char* cap = std::getenv("DWVP_KERNEL_SIMD");
  if (!cap)
    return best;
  for (simd_level l : {simd_level::generic, simd_level::avx2, simd_level::avx512})
    if (std::strcmp(cap, simd_level_name(l)) == 0)
      return l < best ? l : best;
  return best;
}

simd_level& current_level() {
  static simd_level level = initial_level();
  return level;
}

// The output stage of one pixel's sums: bias folded in, requantised, clamped, the LUT.
// Multiplier-and-shift requantisation goes through fast_requant's branch-free terms
// (bit-exact with requantize()) unless a channel needs its saturating case or its shift
// lies outside fast_requant's range.
class output_stage {
public:
  output_stage(const requant_params& q, const std::vector<int32_t>& folded_bias,
               int out_c)
      : m_q(q), m_bias(folded_bias), m_n(out_c) {
    m_fast = !q.scale;
    for (int o = 0; m_fast && o < out_c; ++o)
      m_fast = q.shift[o] >= -31 && q.shift[o] <= 30 &&
               q.multiplier[o] != std::numeric_limits<int32_t>::min();
    if (!m_fast)
      return;
    m_left.resize(out_c);
    m_total.resize(out_c);
    m_mult.resize(out_c);
    m_add.resize(out_c);
    m_neg.resize(out_c);
    for (int o = 0; o < out_c; ++o) {
      const fast_requant f = fast_requant::make(q.multiplier[o], q.shift[o]);
      m_left[o] = f.left;
      m_total[o] = f.total;
      m_mult[o] = f.multiplier;
      m_add[o] = f.add;
      m_neg[o] = f.neg;
    }
  }

  void operator()(const int32_t* acc, int8_t* y) const {
    const requant_params& q = m_q;
    if (m_fast) {
      const int32_t lo = q.act_min - q.output_zp, hi = q.act_max - q.output_zp;
      for (int o = 0; o < m_n; ++o) {
        const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc[o]) +
                                               static_cast<uint32_t>(m_bias[o]));
        const int32_t v = static_cast<int32_t>(fast_requant::apply_terms(
            a, m_left[o], m_mult[o], m_add[o], m_neg[o], static_cast<int>(m_total[o])));
        y[o] = static_cast<int8_t>(std::min(std::max(v, lo), hi) + q.output_zp);
      }
    } else {
      for (int o = 0; o < m_n; ++o) {
        const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc[o]) +
                                               static_cast<uint32_t>(m_bias[o]));
        const int32_t v = (q.scale ? requantize_float(a, q.scale[o])
                                   : requantize(a, q.multiplier[o], q.shift[o])) +
                          q.output_zp;
        y[o] = clamp_to_int8(v, q.act_min, q.act_max);
      }
    }
    if (q.lut)
      for (int o = 0; o < m_n; ++o)
        y[o] = q.lut[static_cast<uint8_t>(y[o] + 128)];
  }

  // `pixels` rows of sums, acc_stride apart; the vector form where there is one.
  void rows(simd_level level, const int32_t* acc, int64_t pixels, int64_t acc_stride,
            int8_t* y, int64_t y_stride) const {
#if defined(DWVP_KERNELS_X86_SIMD)
    if (level != simd_level::generic && m_fast) {
      const simd::requant_terms t{m_bias.data(),
                                  m_left.data(),
                                  m_mult.data(),
                                  m_add.data(),
                                  m_neg.data(),
                                  m_total.data(),
                                  m_q.act_min - m_q.output_zp,
                                  m_q.act_max - m_q.output_zp,
                                  m_q.output_zp};
      if (level == simd_level::avx512)
        simd::requantize_avx512(acc, pixels, acc_stride, m_n, t, y, y_stride);
      else
        simd::requantize_avx2(acc, pixels, acc_stride, m_n, t, y, y_stride);
      if (m_q.lut)
        for (int64_t p = 0; p < pixels; ++p)
          for (int o = 0; o < m_n; ++o)
            y[p * y_stride + o] =
                m_q.lut[static_cast<uint8_t>(y[p * y_stride + o] + 128)];
      return;
    }
#endif
    (void)level;
    for (int64_t p = 0; p < pixels; ++p)
      (*this)(acc + p * acc_stride, y + p * y_stride);
  }

private:
  const requant_params& m_q;
  const std::vector<int32_t>& m_bias;
  int m_n;
  bool m_fast = false;
  std::vector<int32_t> m_left;
  std::vector<int64_t> m_total, m_mult, m_add, m_neg;
};

// The vector paths: weights packed once, sums of up to 64 pixels at a time.
bool pointwise_simd(simd_level level, const int8_t* input, int64_t pixels, int in_c,
                    int in_stride, const std::vector<int16_t>& w16, int out_c,
                    const output_stage& emit, int8_t* output, int out_stride) {
#if defined(DWVP_KERNELS_X86_SIMD)
  const int lanes = simd::lanes(level);
  std::vector<int16_t> packed(static_cast<size_t>(simd::packed_size(out_c, in_c, lanes)));
  simd::pack(w16.data(), out_c, in_c, lanes, packed.data());
  constexpr int64_t k_chunk = 64;
  std::vector<int32_t> acc(static_cast<size_t>(k_chunk) * out_c);
  std::vector<int32_t> scratch(static_cast<size_t>(4) * ((in_c + 1) / 2));
  for (int64_t p0 = 0; p0 < pixels; p0 += k_chunk) {
    const int64_t n = pixels - p0 < k_chunk ? pixels - p0 : k_chunk;
    const int8_t* x = input + p0 * in_stride;
    if (level == simd_level::avx512)
      simd::accumulate_avx512(x, n, in_c, in_stride, packed.data(), out_c, acc.data(),
                              out_c, scratch.data());
    else
      simd::accumulate_avx2(x, n, in_c, in_stride, packed.data(), out_c, acc.data(),
                            out_c, scratch.data());
    emit.rows(level, acc.data(), n, out_c, output + p0 * out_stride, out_stride);
  }
  return true;
#else
  (void)level, (void)input, (void)pixels, (void)in_c, (void)in_stride, (void)w16;
  (void)out_c, (void)emit, (void)output, (void)out_stride;
  return false;
#endif
}

} // namespace

simd_level best_simd_level() {
  static const simd_level best = detect();
  return best;
}

simd_level active_simd_level() {
  return current_level();
}

void set_simd_level(simd_level level) {
  if (level > best_simd_level())
    throw std::invalid_argument(
        std::string("kernel SIMD level ") + simd_level_name(level) +
        " is not supported here (best: " + simd_level_name(best_simd_level()) + ")");
  current_level() = level;
}

const char* simd_level_name(simd_level level) {
  switch (level) {
  case simd_level::avx512:
    return "avx512";
  case simd_level::avx2:
    return "avx2";
  default:
    return "generic";
  }
}

namespace simd {

int lanes(simd_level level) {
  return level == simd_level::avx512 ? 16 : 8;
}

int64_t packed_size(int out_c, int in_c, int lanes) {
  return int64_t{(out_c + lanes - 1) / lanes} * ((in_c + 1) / 2) * lanes * 2;
}

void pack(const int16_t* w, int out_c, int in_c, int lanes, int16_t* packed) {
  // A pair of int16 weights moves as one 32-bit word: the packing is a transpose of
  // each block's rows of pairs into columns.
  const int pairs = (in_c + 1) / 2, full = in_c / 2;
  const int blocks = (out_c + lanes - 1) / lanes;
  for (int b = 0; b < blocks; ++b) {
    int16_t* block = packed + int64_t{b} * pairs * lanes * 2;
    for (int l = 0; l < lanes; ++l) {
      const int o = b * lanes + l;
      int16_t* dst = block + l * 2;
      if (o >= out_c) {
        for (int k = 0; k < pairs; ++k)
          dst[int64_t{k} * lanes * 2] = dst[int64_t{k} * lanes * 2 + 1] = 0;
        continue;
      }
      const int16_t* src = w + int64_t{o} * in_c;
      for (int k = 0; k < full; ++k)
        std::memcpy(dst + int64_t{k} * lanes * 2, src + 2 * k, 2 * sizeof(int16_t));
      if (pairs > full) {
        dst[int64_t{full} * lanes * 2] = src[in_c - 1];
        dst[int64_t{full} * lanes * 2 + 1] = 0;
      }
    }
  }
}

} // namespace simd

void pointwise_int8(const int8_t* input, int64_t pixels, int in_c, int in_stride,
                    const int8_t* weights, int out_c, const requant_params& q,
                    int8_t* output, int out_stride) {
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w): fold the zero point into the bias
  // so the inner loop is a plain int8 dot product the compiler vectorises.
  // int16 operands let the compiler use 16-bit multiply-add instructions (pmaddwd on
  // any x86-64), and four output channels per pass reuse each loaded input value.
  // They also hold w - weight_zp (-255..255) of asymmetric (ONNX) weights.
  std::vector<int16_t> w16(static_cast<size_t>(out_c) * in_c), x16(in_c);
  for (size_t k = 0; k < w16.size(); ++k)
    w16[k] = static_cast<int16_t>(weights[k] - q.weight_zp);
  std::vector<int32_t> folded_bias(out_c);
  for (int o = 0; o < out_c; ++o) {
    uint32_t weight_sum = 0; // wraps, as the int32 accumulator does
    const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
    for (int i = 0; i < in_c; ++i)
      weight_sum += static_cast<uint32_t>(w[i]);
    folded_bias[o] = static_cast<int32_t>(static_cast<uint32_t>(q.bias ? q.bias[o] : 0) -
                                          static_cast<uint32_t>(q.input_zp) * weight_sum);
  }
  const output_stage emit(q, folded_bias, out_c);
  // Packing the weights for the vector paths costs about as much as a few pixels of
  // the plain loop: layers of fewer pixels (FC, a tile's last rows) stay plain.
  constexpr int64_t k_min_simd_pixels = 16;
  const simd_level level = active_simd_level();
  if (level != simd_level::generic && pixels >= k_min_simd_pixels &&
      pointwise_simd(level, input, pixels, in_c, in_stride, w16, out_c, emit, output,
                     out_stride))
    return;
  std::vector<int32_t> acc(out_c);
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* x = input + p * in_stride;
    int8_t* y = output + p * out_stride;
    for (int i = 0; i < in_c; ++i)
      x16[i] = x[i];
    const int16_t* xs = x16.data();
    int o = 0;
    for (; o + 4 <= out_c; o += 4) {
      const int16_t* w0 = w16.data() + static_cast<int64_t>(o) * in_c;
      const int16_t* w1 = w0 + in_c;
      const int16_t* w2 = w1 + in_c;
      const int16_t* w3 = w2 + in_c;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int i = 0; i < in_c; ++i) {
        const int32_t xi = xs[i];
        a0 += xi * w0[i];
        a1 += xi * w1[i];
        a2 += xi * w2[i];
        a3 += xi * w3[i];
      }
      acc[o] = a0;
      acc[o + 1] = a1;
      acc[o + 2] = a2;
      acc[o + 3] = a3;
    }
    for (; o < out_c; ++o) {
      const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
      int32_t a = 0;
      for (int i = 0; i < in_c; ++i)
        a += int32_t{xs[i]} * w[i];
      acc[o] = a;
    }
    emit(acc.data(), y);
  }
}

} // namespace dwvp::kernels
