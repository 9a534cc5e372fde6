// The network zoo: MobileNet-v1, MobileNet-v2, MobileNet-v3 Small/Large and MnasNet-B1
// as in their papers, MobileNet-v3 Small/Large as the FuSeConv authors' code builds them
// (mobilenet_v3_*_fuseconv), and the FuSeConv variants of each (FuSe-Half, FuSe-Full and
// their 50% hybrids), built with seeded, deterministic int8 constants through
// scenarios::network_builder. docs/networks.md lists every layer table, reference and
// MAC count.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::networks {

// How KxK depthwise layers run. FuSe 1xK / Kx1 layers always run on ST-OS (mapping
// default) and GEMM layers (conv2d, pointwise, FC) on the GEMM core, whatever the
// policy; their os | ws dataflow is the run's (gemm.dataflow, see set_gemm_dataflow).
enum class policy {
  conventional, // DWVP_MAP_VECTOR: the SIMD vector unit, the array idles
  gemm_naive,   // DWVP_MAP_GEMM_NAIVE: one-filter GEMMs, one array column busy
  gemm_dwc      // DWVP_MAP_CHANNEL_MVM: channel-parallel MVMs on the added feeder
};

const char* policy_name(policy p);
// "conventional" | "gemm_naive" | "gemm_dwc"; throws std::invalid_argument otherwise.
policy parse_policy(const std::string& name);
// The descriptor mapping of a KxK depthwise layer under `p`.
int depthwise_mapping(policy p);
std::vector<policy> all_policies();

// The run's dataflow of the GEMM-core layers (config key gemm.dataflow): "os" ->
// DWVP_DF_OS, "ws" -> DWVP_DF_WS. Returns false for any other name.
bool parse_gemm_dataflow(const std::string& name, int& dataflow);
// Whether a layer takes the run's os | ws dataflow: conv2d, pointwise, FC, and KxK /
// 1xK / Kx1 depthwise layers mapped onto GEMMs (mapping default or gemm_naive) unless
// they run on ST-OS. Vector-unit and channel_mvm depthwise layers keep theirs (the
// vector unit has no array; channel_mvm is weight stationary by construction), PPU
// layers have none.
bool takes_gemm_dataflow(int opcode, int mapping, int dataflow);
// Sets `dataflow` (DWVP_DF_OS or DWVP_DF_WS) on every layer that takes it.
void set_gemm_dataflow(runtime::network& net, int dataflow);

struct network_info {
  std::string name, description, reference;
  // Multiply-accumulates at 224x224 as published in `reference`: the original paper's
  // figure for the base networks, the FuSeConv authors' table for the FuSe variants and
  // for the bases built as their code builds them (mobilenet_v3_*_fuseconv; that table
  // adds batch-norm and pooling operations, see count_fuseconv_ops).
  uint64_t published_macs;
  // The FuSeConv authors' table entry (Selvam et al., DATE 2021, and their repository)
  // for every network, base networks included; their counter also counts batch-norm
  // and activation operations (see count_fuseconv_ops and docs/networks.md).
  uint64_t fuseconv_table = 0;
};

// Every network build_network knows, base networks first, in a fixed order.
std::vector<network_info> network_infos();
std::vector<std::string> network_names();
// Throws std::invalid_argument("unknown network 'x'; known: ...").
network_info find_network(const std::string& name);

// What a build fills in besides the layers and their descriptors (which are the same
// in every case, and so are tiles and times).
enum class constants {
  calibrated,   // seeded weights and input; requantisation calibrated (calibrate.h)
  uncalibrated, // seeded weights and input; the builder's nominal requantisation
  none,         // timing only: no weights, a zero input (runtime::network::timing_only)
};

struct calibration_record; // calibrate.h

// Builds `name` for a resolution x resolution x 3 int8 input (batch 1), its GEMM-core
// layers in `dataflow` (set_gemm_dataflow). Throws std::invalid_argument for an
// unknown name or a resolution the network cannot take. Calibration runs on a build
// at 96x96 at most (the factors carry over by layer name) and goes through the cache
// (calibrate.h); `record`, if given, says what it did.
runtime::network build_network(const std::string& name, policy p, uint32_t seed,
                               int resolution = 224, int dataflow = DWVP_DF_OS,
                               constants c = constants::calibrated,
                               calibration_record* record = nullptr);

// Multiply-accumulates of one layer: conv2d out_h*out_w*out_c*kh*kw*in_c; pointwise and
// FC out_h*out_w*out_c*in_c; depthwise, 1xK and Kx1 out_h*out_w*c*kh*kw; ADD, average
// pool and channel multiply 0. The same figure the accelerator reports per layer.
uint64_t layer_macs(const runtime::layer& l);
uint64_t count_macs(const runtime::network& net);

// The FuSeConv authors' table counts "FLOPs" with a PyTorch profiler that adds
// batch-norm and pooling operations to the MACs. Reproduced here as: MACs, plus 2
// operations per batch-norm output element (every conv2d, depthwise, 1D and pointwise
// layer: batch norm is folded into them here), plus the input elements of every
// average pool (a split global pool counts once). Activations, ADD and channel
// multiply count 0. docs/networks.md compares this with their table.
struct op_count {
  uint64_t macs = 0;
  uint64_t batch_norm_elements = 0;
  uint64_t pool_input_elements = 0;
  uint64_t total(int ops_per_batch_norm_element = 2) const {
    return macs + uint64_t(ops_per_batch_norm_element) * batch_norm_elements +
           pool_input_elements;
  }
};
op_count count_fuseconv_ops(const runtime::network& net);

} // namespace dwvp::networks
