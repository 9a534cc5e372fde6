// Values of every layer type the accelerator executes (plain C++, no SystemC): the
// model calls execute_layer() with the operands its DMA read; time comes from
// models/gemm_core/layer_timing. Numerics are TFLite's int8 reference kernels
// (docs/numerics.md); written apart from golden/ and checked against it in tests.
#pragma once

#include "pointwise.h"

#include "dwvp/descriptor.h"

#include <cstdint>

namespace dwvp::kernels {

// Operands of one layer as they sit in the accelerator's buffers.
struct layer_operands {
  // Input tensor: in_h x in_w pixels, in_c channels each, pixels
  // input_pixel_stride(d) bytes apart (descriptor_check.h).
  const int8_t* input = nullptr;
  const int8_t* weights = nullptr; // conv OHWI, depthwise [kh][kw][c], pw/FC [out][in]
  const int32_t* bias = nullptr;   // [out_c]
  const int32_t* multiplier = nullptr; // [out_c]
  const int32_t* shift = nullptr;      // [out_c]
  const int8_t* aux = nullptr;         // ADD: second input, packed NHWC; CHANNEL_MUL: [c]
  const int8_t* lut = nullptr;         // 256 entries when activation == LUT
};

// Computes the layer described by `d` (which passed check_descriptor) into `output`:
// out_h x out_w pixels, output_pixel_stride(d) bytes apart; only the out_c channel
// bytes of each pixel are written. Throws std::invalid_argument for an opcode it
// cannot execute.
void execute_layer(const dwvp_desc& d, const layer_operands& ops, int8_t* output);

// K tiling (partial_sums.cpp). Adds to acc (out_h x out_w x out_c, int32, wrapping as
// the kernels' sums do) the conv2d / pointwise / FC sums over this descriptor's in_c
// input channels: sum (x - input_zp) * (w - weight_zp), no bias. Weights are the
// slice's, packed ([out_c][kh][kw][in_c]).
void accumulate_layer(const dwvp_desc& d, const layer_operands& ops, int32_t* acc);

// The weighted layers' output stage on summed accumulators: bias added, requantised,
// + output_zp, clamped, LUT; out_h x out_w pixels, output_pixel_stride(d) apart.
void finish_layer(const dwvp_desc& d, const layer_operands& ops, const int32_t* acc,
                  int8_t* output);

} // namespace dwvp::kernels
