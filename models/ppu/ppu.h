// The post-processing unit: runs the element-wise layers itself (residual add, average
// pool, channel multiply) as a tile engine, requantises the array engines' outputs as
// they drain (`requant_socket`: occupancy messages, overlapped with the engine), and
// holds the 256-entry activation table (`lut_socket`, local_map::ppu_lut) that the DMA
// loads and every engine's output stage reads.
#pragma once

#include "tile_engine.h"
#include "timeline.h"

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <array>

namespace dwvp::models {

class ppu : public tile_engine {
public:
  tlm_utils::multi_passthrough_target_socket<ppu> requant_socket; // array engines
  tlm_utils::simple_target_socket<ppu> lut_socket;

  ppu(sc_core::sc_module_name name, const engine_params& params, timeline& events);
  void trace(sc_core::sc_trace_file* tf) const override;
  // Requantisation cycles done for the array engines (overlapped with theirs).
  uint64_t requant_cycles() const { return m_requant_cycles; }

protected:
  std::string refuses(const dwvp_desc& tile) const override;

private:
  void requant_transport(int id, tlm::tlm_generic_payload& trans,
                         sc_core::sc_time& delay);
  void lut_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned lut_debug(tlm::tlm_generic_payload& trans);

  timeline& m_events;
  std::array<uint8_t, 256> m_lut{};
  uint64_t m_requant_cycles = 0;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> m_requant_level_sig;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> m_requant_busy_sig;
  timed_level m_requant_level;
};

} // namespace dwvp::models
