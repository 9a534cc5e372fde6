// The DwC datapath added to the GEMM core (the depthwise-on-GEMM mapping): a
// per-column input feeder that gives each array column its own channel, so depthwise
// layers run as channel-parallel matrix-vector products (mapping channel_mvm), and the
// per-row tap broadcast bus of the spatial-tiled output-stationary dataflow (FuSe 1xK /
// Kx1, dataflow st_os). It borrows the GEMM core's array for each tile through
// `array_socket` and hands requantisation to the PPU through `ppu_socket`.
#pragma once

#include "gemm_core.h"
#include "tile_engine.h"

namespace dwvp::models {

class dwc_datapath : public tile_engine {
public:
  tlm_utils::simple_initiator_socket<dwc_datapath> array_socket;
  tlm_utils::simple_initiator_socket<dwc_datapath> ppu_socket;

  dwc_datapath(sc_core::sc_module_name name, const engine_params& params);

protected:
  std::string refuses(const dwvp_desc& tile) const override;
  void starting(const tile_command& c, uint64_t cycles) override;
  void idle() override;
};

} // namespace dwvp::models
