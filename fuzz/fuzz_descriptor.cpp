// The accelerator's descriptor check. Input: a 128-byte descriptor, then the DMA
// windows (base, size; 32-bit little-endian each), the ring (base, entries), then
// multiplier / shift pairs for the requantisation check. A short input is zero-filled.
// A descriptor that passes is also tiled for small buffers (K tiling, auto order
// included) and, if it can be chained, planned as a stripe chain into a pointwise layer
// reading its output.
#include "fuzz_target.h"

#include "descriptor_check.h"
#include "dwvp/stripe_chain.h"
#include "tile_plan.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace {
struct fuzz_input {
  dwvp_desc desc;
  uint32_t windows[DWVP_DMA_WINDOWS][2];
  uint32_t ring_base;
  uint32_t ring_entries;
};
} // namespace

DWVP_FUZZ_TARGET(descriptor) {
  namespace m = dwvp::models;
  fuzz_input in;
  std::memset(&in, 0, sizeof in);
  if (size) // libFuzzer's empty input may be a null pointer
    std::memcpy(&in, data, std::min(size, sizeof in));
  m::dma_windows windows;
  for (size_t i = 0; i < windows.size(); ++i)
    windows[i] = {in.windows[i][0], in.windows[i][1]};
  const m::ring_region ring{in.ring_base, uint64_t{in.ring_entries} * DWVP_DESC_SIZE};
  const m::check_result r = m::check_descriptor(in.desc, windows, ring);
  if (r.ok()) {
    m::tensor_extents(in.desc);
    dwvp::sequencer::plan_layer(in.desc, {4096, 2048, 2048}, {32, 32});
    if (m::check_chain_layer(in.desc).ok()) {
      dwvp_desc chain[2] = {in.desc, in.desc};
      dwvp_desc& pw = chain[1];
      pw.opcode = DWVP_OP_POINTWISE;
      pw.kernel_h = pw.kernel_w = pw.stride_h = pw.stride_w = 1;
      pw.pad_top = pw.pad_left = pw.pad_bottom = pw.pad_right = 0;
      pw.in_h = pw.out_h = in.desc.out_h;
      pw.in_w = pw.out_w = in.desc.out_w;
      pw.in_c = in.desc.out_c;
      pw.input_addr = in.desc.output_addr;
      const dwvp_chain_budget budget{4096, 2048, 2048};
      uint32_t S = 0, T = 0;
      if (m::check_chain_link(chain[0], chain[1]).ok())
        dwvp_chain_shape(chain, 2, &budget, &S, &T);
    }
  }
  if (size > sizeof in) {
    const size_t pairs = (size - sizeof in) / 8;
    std::vector<int32_t> mult(pairs), shift(pairs);
    for (size_t i = 0; i < pairs; ++i) {
      std::memcpy(&mult[i], data + sizeof in + 8 * i, 4);
      std::memcpy(&shift[i], data + sizeof in + 8 * i + 4, 4);
    }
    m::check_quant_data(mult.data(), shift.data(), static_cast<int>(pairs));
  }
  return 0;
}
