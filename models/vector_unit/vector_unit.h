// The vector (SIMD) unit: L lanes across channels, the conventional accelerator's
// depthwise engine (mapping vector). It works out of its own vector memory (an
// sram_buffer at local_map::vector_memory), as GeneSys's SIMD array has its own VMEM;
// requantisation goes to the PPU through `ppu_socket`.
#pragma once

#include "tile_engine.h"

namespace dwvp::models {

class vector_unit : public tile_engine {
public:
  tlm_utils::simple_initiator_socket<vector_unit> ppu_socket;

  vector_unit(sc_core::sc_module_name name, const engine_params& params);

protected:
  std::string refuses(const dwvp_desc& tile) const override;
  void starting(const tile_command& c, uint64_t cycles) override;
};

} // namespace dwvp::models
