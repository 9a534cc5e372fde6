// The FuSeConv authors' latency accounting (Selvam, Ganesan, Kumar, DATE 2021), as a
// selectable alternative to the physical timing (`timing.model=fuse_paper`), so their
// published speedups can be compared like for like. Plain C++, no SystemC.
// docs/timing.md, "FuSeConv accounting".
//
// Every GEMM fold of r <= R used rows and c <= C used columns with temporal length T
// is charged T + r + c - 1 cycles: no drain, no overlap between folds. The mapping is
// SCALE-Sim's: OS S_r = M (pixels), S_c = N (filters), T = K (reduction); WS S_r = K,
// S_c = N, T = M. Summed over the folds:
//   gemm = folds x (T - 1) + S_r x ceil(S_c/C) + S_c x ceil(S_r/R)
//
//   conv2d        GEMM(M = out_h*out_w, N = out_c, K = kh*kw*in_c)
//   pointwise/FC  GEMM(M = out_h*out_w, N = out_c, K = in_c)
//   depthwise, and 1xK / Kx1 not on st_os, whatever the mapping: the baseline
//                 systolic array, one single-filter GEMM per channel,
//                 out_c x GEMM(M = out_h*out_w, N = 1, K = kh*kw); a vector-mapped
//                 layer keeps unit vector (the platform routes by unit), its
//                 utilisation over the lanes
//   1xK / Kx1 on st_os: every fold charged the full C + K, no final drain,
//                 ceil(convs/R) x ceil(outputs/C) x (C + K) with convs and outputs as
//                 in layer_timing.h (1xK: convs = out_c*out_h, outputs = out_w)
//   add, average pool, channel multiply: 0 cycles (unit ppu); activations, DRAM and
//                 requantisation are not counted (ppu_cycles = 0 everywhere)
// Nothing chains: lead = cycles, tail = 0.
#pragma once

#include "layer_timing.h"

#include <cstdint>

namespace dwvp::timing {

// Compute cycles of one layer under the authors' model. The descriptor must have
// passed check_descriptor; throws std::invalid_argument like layer_compute.
compute_timing fuse_paper_compute(const dwvp_desc& d, const compute_config& cfg);

// The authors' cycles for one GEMM on an R x C array in the given dataflow (the
// formula above), with its fold count.
struct fuse_paper_gemm {
  uint64_t cycles = 0;
  uint64_t folds = 0;
};
fuse_paper_gemm fuse_paper_gemm_cycles(const gemm::gemm_shape& shape,
                                       const gemm::array_dims& array, gemm::dataflow df);

} // namespace dwvp::timing
