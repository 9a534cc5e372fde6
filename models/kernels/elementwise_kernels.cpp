// Element-wise layers on the PPU: average pool, residual add, channel multiply.
#include "kernel_common.h"

namespace dwvp::kernels::detail {

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

// out[c] = f(a[c] + 128, b[c] + 128) over every pixel of an ADD: the table indices of
// the two int8 operands.
template <typename F>
void for_each_add_pair(const dwvp_desc& d, const layer_operands& ops, int8_t* output,
                       F f) {
  const int C = d.in_c;
  const int64_t ips = in_stride(d), ops_ = out_stride(d);
  const int64_t pixels = int64_t{d.in_h} * d.in_w;
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* a = ops.input + p * ips;
    const int8_t* b = ops.aux + p * C;
    int8_t* out = output + p * ops_;
    for (int c = 0; c < C; ++c)
      out[c] = f(a[c] + 128, b[c] + 128);
  }
}

// ADD with ONNX numerics (DWVP_FLAG_ONNX: input_mult, aux_mult and output_mult hold
// binary32 scales): the QDQ definition in binary32, out = round_half_even(
// ((a - a_zp) * a_scale + (b - b_zp) * b_scale) / y_scale) + y_zp.
void onnx_add_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  float sa, sb, sy;
  std::memcpy(&sa, &d.input_mult, 4);
  std::memcpy(&sb, &d.aux_mult, 4);
  std::memcpy(&sy, &d.output_mult, 4);
  if (!(sa >= 0.0f && sb >= 0.0f && sy > 0.0f) || std::isinf(sa) || std::isinf(sb) ||
      std::isinf(sy))
    fail(d, "ONNX add scales must be finite, y_scale positive");
  float ta[256], tb[256];
  for (int i = 0; i < 256; ++i) {
    ta[i] = static_cast<float>(i - 128 - d.input_zp) * sa;
    tb[i] = static_cast<float>(i - 128 - d.aux_zp) * sb;
  }
  const output_table out_table(d, d.activation == DWVP_ACT_LUT ? ops.lut : nullptr);
  for_each_add_pair(d, ops, output, [&](int ia, int ib) {
    const float v = std::min(std::max((ta[ia] + tb[ib]) / sy, -256.0f), 256.0f);
    return out_table(static_cast<int32_t>(std::nearbyint(v)), d.output_zp);
  });
}

void add_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  check_same_spatial(d);
  check_same_channels(d);
  require(d, ops.aux, "aux");
  if (d.add_left_shift > 31)
    fail(d, "add_left_shift above 31");
  if (d.flags & DWVP_FLAG_ONNX) {
    onnx_add_layer(d, ops, output);
    return;
  }
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
  for_each_add_pair(d, ops, output, [&](int ia, int ib) {
    const int32_t s = static_cast<int32_t>(static_cast<uint32_t>(ta[ia]) +
                                           static_cast<uint32_t>(tb[ib]));
    return out_table(rq_out.apply(s), d.output_zp);
  });
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

} // namespace dwvp::kernels::detail
