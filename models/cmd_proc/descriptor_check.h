// Descriptor validation (plain C++): the accelerator refuses a descriptor before it
// touches memory, naming the first field found wrong. docs/descriptor.md lists the
// rules.
#pragma once

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::models {

struct dma_window {
  uint32_t base = 0;
  uint32_t size = 0; // 0 = disabled
};
using dma_windows = std::array<dma_window, DWVP_DMA_WINDOWS>;

// True if [addr, addr + bytes) lies inside one enabled window.
bool inside_windows(const dma_windows& windows, uint32_t addr, uint64_t bytes);

// The command ring's bytes in DRAM; a descriptor may not write into them.
struct ring_region {
  uint32_t base = 0;
  uint64_t bytes = 0; // 0 = no ring to protect
};

struct check_result {
  dwvp_error error = DWVP_ERR_NONE;
  dwvp_desc_field field = DWVP_FIELD_NONE;
  std::string message;
  bool ok() const { return error == DWVP_ERR_NONE; }
};

// A byte range the layer reads or writes in DRAM.
struct tensor_extent {
  dwvp_desc_field field;
  uint32_t addr;
  uint64_t bytes;
  bool written;
};

// Effective pixel strides (0 in the descriptor means packed).
inline uint32_t input_pixel_stride(const dwvp_desc& d) {
  return d.in_pixel_stride ? d.in_pixel_stride : d.in_c;
}
inline uint32_t output_pixel_stride(const dwvp_desc& d) {
  return d.out_pixel_stride ? d.out_pixel_stride : d.out_c;
}

// The DRAM ranges a (structurally valid) descriptor touches.
std::vector<tensor_extent> tensor_extents(const dwvp_desc& d);

// Checks every field; the first failure is returned. Every region lies inside a
// window, and no region the layer writes overlaps `ring` (the pending entries must
// survive the layer).
check_result check_descriptor(const dwvp_desc& d, const dma_windows& windows,
                              const ring_region& ring = {});

// Whether d can be a layer of a stripe chain (DWVP_FLAG_STRIPE), naming the field
// that stops it.
check_result check_chain_layer(const dwvp_desc& d);

// Whether `next` follows `prev` in a stripe chain: it reads prev's whole output.
check_result check_chain_link(const dwvp_desc& prev, const dwvp_desc& next);

// Checks the per-channel requantisation data read from quant_addr: Q31 multipliers
// and shifts, or with onnx_scales (DWVP_FLAG_ONNX) binary32 scales and zero shifts.
check_result check_quant_data(const int32_t* multipliers, const int32_t* shifts,
                              int count, bool onnx_scales = false);

} // namespace dwvp::models
