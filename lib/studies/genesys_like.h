// The GeneSys-style conventional accelerator of configs/genesys_like.yaml as study
// overrides: the vector unit's keys (the conventional baseline as GeneSys runs
// depthwise on its SIMD array) and the rest of the platform as GeneSys's 32x32 codelet
// configuration sizes it. docs/genesys.md gives every value's source; tests/studies
// checks that these lists and the YAML file agree.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dwvp::studies {

using key_values = std::vector<std::pair<std::string, std::string>>;

inline key_values genesys_vector_sets() {
  return {{"vector.lanes", "32"},
          {"vector.operand_bits", "32"},
          {"vector.dram_input_bits", "32"},
          {"vector.dram_output_bits", "8"},
          {"vector.issue_interval", "3"},
          {"vector.pipeline", "6"},
          {"vector.requant_ops", "6"},
          {"vector.buffer_kb", "64"},
          {"vector.double_buffer", "false"},
          {"vector.dma_overlap", "false"}};
}

inline key_values genesys_platform_sets() {
  return {{"sram.input_kb", "128"}, {"sram.weight_kb", "1024"}, {"sram.output_kb", "32"}};
}

} // namespace dwvp::studies
