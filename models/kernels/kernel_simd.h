// Internal to models/kernels: the hot loops of the int8 kernels with x86 vector
// instructions, chosen at run time by what the CPU supports (AVX2; AVX-512 with VNNI):
// the pointwise / conv2d / FC accumulation, the requantisation of its sums and the
// whole depthwise layer. The vector code lives in its own translation units
// (kernel_simd_avx2.cpp, kernel_simd_avx512.cpp), compiled with the instruction-set
// flags and including nothing but these C-style declarations and <immintrin.h>, so
// that no inline function of a shared header is ever emitted with wider instructions
// than the generic build's. Results are bit-identical with the generic loops: int32
// sums of integer products, wrapping, in any order, and fast_requant's formula.
#pragma once

#include <cstdint>

namespace dwvp::kernels {

enum class simd_level { generic = 0, avx2 = 1, avx512 = 2 };

// The widest level this CPU supports (and the build has), or the level forced by
// set_simd_level. DWVP_KERNEL_SIMD=generic|avx2|avx512 in the environment caps it.
simd_level active_simd_level();
simd_level best_simd_level();
// Forces a level (tests compare every level with the golden reference); a level the
// CPU lacks is refused with std::invalid_argument.
void set_simd_level(simd_level level);
const char* simd_level_name(simd_level level);

namespace simd {

// Output channels per packed block at a level: 16 (AVX-512), 8 (AVX2).
int lanes(simd_level level);

// Weights packed for the vector paths: for each block of `lanes` output channels and
// each pair of input channels (2k, 2k + 1), the block's int16 pairs side by side:
// packed[((b * pairs + k) * lanes + l) * 2 + j] = w[b * lanes + l][2k + j], zero past
// in_c or out_c. `w` holds int16 weights [out_c][in_c] (w - weight_zp).
void pack(const int16_t* w, int out_c, int in_c, int lanes, int16_t* packed);
int64_t packed_size(int out_c, int in_c, int lanes);

// acc[p * acc_stride + o] = sum_i x[p * in_stride + i] * w[o][i] for p < pixels,
// o < out_c (int32, wrapping), from weights packed for the level's lanes. `scratch`
// holds at least 4 * ((in_c + 1) / 2) int32.
void accumulate_avx2(const int8_t* x, int64_t pixels, int in_c, int in_stride,
                     const int16_t* packed, int out_c, int32_t* acc, int64_t acc_stride,
                     int32_t* scratch);
void accumulate_avx512(const int8_t* x, int64_t pixels, int in_c, int in_stride,
                       const int16_t* packed, int out_c, int32_t* acc, int64_t acc_stride,
                       int32_t* scratch);

// Per-channel terms of fast_requant (requant_fast.h) with the folded bias, and the
// clamp of the output stage: y = clamp(apply_terms(acc + bias), lo, hi) + zp.
struct requant_terms {
  const int32_t* bias;
  const int32_t* left;
  const int64_t* multiplier;
  const int64_t* add;
  const int64_t* neg;
  const int64_t* total;
  int32_t lo, hi, zp;
};

// Depthwise (KxK, 1xK, Kx1) output rows with AVX-512 / AVX2: for every output pixel and
// channel, fb[c] + sum over the window of x * w (int8 operands, int32 sums wrapping),
// then the output stage with t.bias unused (the folded bias fb is the sums' start).
// `base` is the (framed) input, pixels ps bytes apart and rows rs; weights [kh][kw][C].
struct depthwise_shape {
  int channels, kernel_h, kernel_w, stride_h, stride_w, out_h, out_w;
  int64_t pixel_stride, row_stride, out_stride;
};
void depthwise_avx512(const int8_t* base, const int8_t* weights, const int32_t* fb,
                      const depthwise_shape& s, const requant_terms& t, int8_t* out);
void depthwise_avx2(const int8_t* base, const int8_t* weights, const int32_t* fb,
                    const depthwise_shape& s, const requant_terms& t, int8_t* out);

// The output stage of `pixels` rows of sums with AVX-512 / AVX2 (bit-exact with the
// scalar formula): acc rows acc_stride apart, out_c channels, y rows y_stride apart.
void requantize_avx512(const int32_t* acc, int64_t pixels, int64_t acc_stride, int out_c,
                       const requant_terms& t, int8_t* y, int64_t y_stride);
void requantize_avx2(const int32_t* acc, int64_t pixels, int64_t acc_stride, int out_c,
                     const requant_terms& t, int8_t* y, int64_t y_stride);

} // namespace simd
} // namespace dwvp::kernels
