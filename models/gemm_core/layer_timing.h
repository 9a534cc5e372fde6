// Compute time of one layer on the accelerator's engines (plain C++, no SystemC):
// which engine runs it and for how many cycles, from the mapped hardware dimensions.
// docs/timing.md states every formula; tests/gemm_core validates them against
// cycle-stepped models.
//
//   conv2d        GEMM core, im2col on the fly: M = out_h*out_w, N = out_c,
//                 K = kh*kw*in_c, descriptor dataflow (os | ws)
//   pointwise/FC  GEMM core: M = out_h*out_w, N = out_c, K = in_c
//   depthwise, 1xK, Kx1 by mapping (DEFAULT behaves as gemm_naive):
//     gemm_naive  GEMM core, one GEMM per channel with one filter: C x GEMM(M, N=1,
//                 K = kh*kw) in the descriptor dataflow (os | ws); one column busy
//     vector      vector unit of L lanes, lanes across channels:
//                 ceil(C / L) * out_h*out_w * ((kh*kw + R - 1) * I + 1) + pipeline
//                 depth, I the cycles between dependent instructions (1: one MAC per
//                 lane per cycle), R the requantisation instructions per output run
//                 on the unit itself (0: on the PPU); the os | ws field does not apply
//     channel_mvm GEMM core with the added per-column input feeder: channel-parallel
//                 MVMs, weight stationary: S_r = kh*kw taps, S_c = C channels,
//                 T = out_h*out_w; the WS fold formula (whatever the os | ws field)
//   1xK / Kx1 with dataflow st_os (mapping must be default): spatial-tiled output
//                 stationary. Every row (1xK) or column (Kx1) of every channel is an
//                 independent 1D convolution; one per array row, its output positions
//                 along the columns. Per fold of c used columns: c + K cycles (the FuSe
//                 authors' model: c cycles to shift the inputs in, K broadcast taps),
//                 plus the last fold's drain (c). A fold's drain overlaps the next
//                 fold; folds run column fold outer with the narrow (partial) column
//                 fold first, so no fold ever waits for a drain and the last fold is
//                 full width: ceil(convs/R) * (outputs + ceil(outputs/C) * K)
//                 + min(outputs, C). full_array_folds: folds * (C + K) + C.
//   add, channel multiply: post-processing unit, ceil(H*W*C / ppu_lanes)
//   average pool: post-processing unit, ceil(out_h*out_w*C*kh*kw / ppu_lanes)
// GEMM-core and vector layers requantise through the post-processing unit as outputs
// drain; that time (ceil(outputs / ppu_lanes)) overlaps and is reported separately.
#pragma once

#include "systolic_timing.h"

#include "dwvp/descriptor.h"

#include <cstdint>
#include <string>

namespace dwvp::timing {

enum class engine { gemm, vector, ppu };

// physical: the hardware's own timing under the configured GEMM schedule (all of the
// above). fuse_paper: the accounting of the FuSeConv authors' latency model
// (fuse_paper_timing.h), for comparison with their published numbers.
enum class timing_model { physical, fuse_paper };

const char* timing_model_name(timing_model m);
// Returns false for an unknown name.
bool parse_timing_model(const std::string& name, timing_model& out);

struct compute_config {
  gemm::array_dims array{32, 32};
  gemm::timing_options gemm_options{};
  timing_model model = timing_model::physical;
  int vector_lanes = 32;
  int vector_pipeline = 4; // stages: a MAC issued at cycle t reaches the lane's
                           // accumulator at t + vector_pipeline
  // Cycles from one instruction of a lane to the next that reads its result (the MACs
  // into one accumulator): 1 = back to back (forwarding); a pipeline without
  // forwarding pads NOPs in between (GeneSys: 3, docs/genesys.md).
  int vector_issue_interval = 1;
  // Requantisation instructions per output on the vector unit itself, in the same
  // dependent chain as the MACs (GeneSys: bias add, multiply, shift, max, min, cast);
  // 0 = requantisation on the PPU, overlapped.
  int vector_requant_ops = 0;
  int ppu_lanes = 32;
};

struct compute_timing {
  engine unit = engine::gemm;
  uint64_t cycles = 0;      // engine busy cycles for the layer
  uint64_t macs = 0;        // useful multiply-accumulates (0 for PPU-only layers)
  uint64_t folds = 0;       // array folds (GEMM core, ST-OS), else 0
  double utilization = 0.0; // macs / (cycles * PEs) for the GEMM core, / (cycles * lanes)
                            // for the vector unit, 0 for the PPU
  uint64_t ppu_cycles = 0;  // post-processing busy cycles (overlapped unless unit == ppu)
  // Chaining with the next tile of the same layer (gemm::gemm_timing): the first
  // phase of the first fold, and the last fold's second phase (drain) that the next
  // tile's first phase may overlap. lead = cycles and tail = 0 where nothing overlaps.
  uint64_t lead = 0;
  uint64_t tail = 0;
};

// The descriptor must have passed check_descriptor. Throws std::invalid_argument for a
// combination that has no timing (it names the fields).
compute_timing layer_compute(const dwvp_desc& d, const compute_config& cfg);

// ST-OS alone, for tests and reports: `convs` independent 1D convolutions of `outputs`
// positions each with a K-tap filter on an R x C array.
// `full_folds` charges every fold as full width (schedule scalesim).
uint64_t st_os_cycles(int64_t convs, int64_t outputs, int k,
                      const gemm::array_dims& array, bool full_folds = false);

const char* engine_name(engine e);
// "conv2d", "depthwise", "dw_1xk", ... for reports and messages.
const char* opcode_name(unsigned opcode);

} // namespace dwvp::timing
