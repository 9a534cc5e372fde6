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
// - On x86-64 the pointwise accumulation, its requantisation and the depthwise layer
//   also run as AVX2 / AVX-512 code chosen at run time (kernel_simd.h), same bytes.
// Accumulation is 32-bit two's complement (done in uint32_t so a wrap is defined
// behaviour; the result is exact whenever the true accumulator fits int32, which the
// numerics contract requires).
//
// kernel_common.h holds what the kernels share; weighted_kernels.cpp and
// elementwise_kernels.cpp the kernels; this file dispatches by opcode.
#include "kernel_common.h"

namespace dwvp::kernels {

void execute_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output) {
  using namespace detail;
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
