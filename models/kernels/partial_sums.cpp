// K tiling (docs/memory.md, "K tiling"): a conv2d / pointwise / FC layer computed over
// slices of its input channels, the int32 sums of each slice added in 32-bit two's
// complement (as the full kernels accumulate, so the split is exact), then the output
// stage of the weighted layers on the total.
#include "kernel_common.h"

namespace dwvp::kernels {

void accumulate_layer(const dwvp_desc& d, const layer_operands& ops, int32_t* acc) {
  using namespace detail;
  if (d.opcode != DWVP_OP_CONV2D && d.opcode != DWVP_OP_POINTWISE &&
      d.opcode != DWVP_OP_FC)
    fail(d, "partial sums apply to conv2d, pointwise and FC layers only");
  require(d, ops.input, "input");
  require(d, ops.weights, "weights");
  require(d, acc, "accumulators");
  if (d.opcode == DWVP_OP_CONV2D)
    check_window(d);
  else
    check_same_spatial(d);
  const int C = d.in_c, KH = d.kernel_h, KW = d.kernel_w;
  const int64_t ips = in_stride(d);
  const int32_t izp = d.input_zp, wzp = onnx_numerics(d) ? d.aux_zp : 0;
  const int stride_h = d.opcode == DWVP_OP_CONV2D ? d.stride_h : 1;
  const int stride_w = d.opcode == DWVP_OP_CONV2D ? d.stride_w : 1;
  const int pad_top = d.opcode == DWVP_OP_CONV2D ? d.pad_top : 0;
  const int pad_left = d.opcode == DWVP_OP_CONV2D ? d.pad_left : 0;
  for (int oy = 0; oy < d.out_h; ++oy)
    for (int ox = 0; ox < d.out_w; ++ox) {
      int32_t* a = acc + (int64_t{oy} * d.out_w + ox) * d.out_c;
      for (int o = 0; o < d.out_c; ++o) {
        uint32_t sum = static_cast<uint32_t>(a[o]);
        const int8_t* w = ops.weights + int64_t{o} * KH * KW * C;
        for (int ky = 0; ky < KH; ++ky) {
          const int iy = oy * stride_h - pad_top + ky;
          if (iy < 0 || iy >= d.in_h)
            continue; // padding: (input_zp - input_zp) * w = 0
          for (int kx = 0; kx < KW; ++kx) {
            const int ix = ox * stride_w - pad_left + kx;
            if (ix < 0 || ix >= d.in_w)
              continue;
            const int8_t* x = ops.input + (int64_t{iy} * d.in_w + ix) * ips;
            const int8_t* wk = w + (int64_t{ky} * KW + kx) * C;
            for (int i = 0; i < C; ++i)
              sum += static_cast<uint32_t>((x[i] - izp) * (wk[i] - wzp));
          }
        }
        a[o] = static_cast<int32_t>(sum);
      }
    }
}

void finish_layer(const dwvp_desc& d, const layer_operands& ops, const int32_t* acc,
                  int8_t* output) {
  using namespace detail;
  require(d, ops.bias, "bias");
  require(d, output, "output");
  if (d.activation == DWVP_ACT_LUT)
    require(d, ops.lut, "lut");
  const channel_output stage(d, ops, channel_requant(d, ops));
  std::vector<int32_t> total(d.out_c);
  const int64_t pixels = int64_t{d.out_h} * d.out_w, os = out_stride(d);
  for (int64_t p = 0; p < pixels; ++p) {
    for (int o = 0; o < d.out_c; ++o)
      total[o] = static_cast<int32_t>(static_cast<uint32_t>(acc[p * d.out_c + o]) +
                                      static_cast<uint32_t>(ops.bias[o]));
    stage(total.data(), output + p * os);
  }
}

} // namespace dwvp::kernels
