// The GEMM core: an R x C systolic array (output or weight stationary) running
// convolutions (im2col on the fly), pointwise and fully connected layers, and
// depthwise layers mapped as one-filter GEMMs (gemm_naive). Requantisation of its
// outputs goes to the PPU through `ppu_socket` (overlapped). The DwC datapath borrows
// the array through `array_socket`: the array is busy (and counted) while it runs.
#pragma once

#include "tile_engine.h"

namespace dwvp::models {

class gemm_core : public tile_engine {
public:
  tlm_utils::simple_initiator_socket<gemm_core> ppu_socket;
  tlm_utils::simple_target_socket<gemm_core> array_socket;

  gemm_core(sc_core::sc_module_name name, const engine_params& params);
  void trace(sc_core::sc_trace_file* tf) const override;
  // Cycles the array was lent to the DwC datapath.
  uint64_t lent_cycles() const { return m_lent_cycles; }

protected:
  std::string refuses(const dwvp_desc& tile) const override;
  void starting(const tile_command& c, uint64_t cycles) override;

private:
  void array_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // The array-busy signal's only writer: the core's own tiles or lent to the DwC.
  void update_array_busy();
  sc_core::sc_signal<bool> m_array_busy_sig;
  sc_core::sc_event m_lend_event;
  bool m_lent = false;
  uint64_t m_lent_cycles = 0;
};

} // namespace dwvp::models
