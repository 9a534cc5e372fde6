// The accelerator's descriptor check. Input: a 128-byte descriptor, then the DMA
// windows (base, size; 32-bit little-endian each), the ring (base, entries), then
// multiplier / shift pairs for the requantisation check. A short input is zero-filled.
#include "fuzz_target.h"

#include "descriptor_check.h"

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
  if (r.ok())
    m::tensor_extents(in.desc);
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
