// The accelerator: a composite of its blocks, each a SystemC module behind TLM
// sockets (docs/architecture.md draws them):
//
//   regs_socket ─► cmd_proc ──layer──► tile_sequencer ──tile──► gemm_core ◄─array─ dwc
//                     │                   │    │                  vector_unit, ppu
//                     └──cmd──► dma ◄─cmd─┘    └──cmd──► dma
//   dma_socket ◄── dma.bus_socket        dma.local_socket, engines ─► local_bus ─►
//       sram input / weight / output, vector memory, ppu LUT, cmd_proc staging
//
// Outside, it shows one register target socket, one initiator socket onto the SoC bus
// (the DMA's) and an interrupt line, as before the split.
#pragma once

#include "bus.h"
#include "cmd_proc.h"
#include "dma.h"
#include "dwc_datapath.h"
#include "gemm_core.h"
#include "ppu.h"
#include "sram_buffer.h"
#include "tile_plan.h"
#include "tile_sequencer.h"
#include "timeline.h"
#include "vector_unit.h"

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <systemc>
#include <tlm>

#include <functional>

namespace dwvp::models {

struct accel_params {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  gemm::array_dims array{32, 32};
  gemm::timing_options gemm_options{};
  timing::timing_model timing_model = timing::timing_model::physical;
  int ppu_lanes = 32;
  int vector_lanes = 32;
  int vector_pipeline = 4;
  sequencer::buffer_sizes buffers{}; // one ping-pong half of each SRAM buffer
  sequencer::buffer_sizes vector_buffers{16384, 16384, 16384}; // the vector memory halves
  vector_memory_options vector_memory{}; // operand widths, buffering, DMA overlap
  buffer_use_options buffer_use{};       // entry width, residency across tiles
  int vector_issue_interval = 1;         // cycles between dependent instructions
  int vector_requant_ops = 0;            // requantisation on the unit (0: on the PPU)
  uint32_t sram_port_bytes = 32;         // bytes per SRAM access
  uint32_t sram_banks = 16;              // banks read in parallel
  dma_params dma{};
  bool functional = true; // false: timing only, no values computed (outputs are zero)
  int32_t fault_tile_input_offset = 0; // tile-address fault injection (tests of checkers)
  // DRAM the DMA windows may cover, and the watchdog (docs/register_map.md).
  cmd_proc_limits limits{};
};

// The engines' timing parameters of an accelerator configuration.
timing::compute_config compute_config_from(const accel_params& p);
// The tile sequencer's parameters of an accelerator configuration.
sequencer_params sequencer_of(const accel_params& p);

class accel : public sc_core::sc_module {
public:
  tlm::tlm_target_socket<> regs_socket;
  tlm::tlm_initiator_socket<> dma_socket;
  sc_core::sc_out<bool> irq;

  accel(sc_core::sc_module_name name, const accel_params& params);

  // Adds every block's activity signals to a VCD and puts timed events (DMA bursts) on
  // it at their own times. Call during elaboration.
  void trace(sc_core::sc_trace_file* tf);

  uint64_t perf_counter(dwvp_perf_counter n) const { return m_cmd.perf_counter(n); }
  // Called as each layer completes, with its stats record (reports, progress).
  void on_layer_done(std::function<void(const dwvp_layer_stats&)> observer) {
    m_cmd.on_layer_done(std::move(observer));
  }
  // Called as each descriptor fetch begins.
  void on_layer_start(std::function<void()> observer) {
    m_cmd.on_layer_start(std::move(observer));
  }
  const accel_params& params() const { return m_params; }
  // The event timeline other models (the DRAM channel) may post VCD events to.
  timeline& events() { return m_events; }

private:
  traffic_counters traffic() const;

  accel_params m_params;
  timeline m_events;
  bus m_local_bus;
  sram_buffer m_input_buffer, m_weight_buffer, m_output_buffer, m_vector_memory;
  cmd_proc m_cmd;
  tile_sequencer m_sequencer;
  dma m_dma;
  gemm_core m_gemm;
  dwc_datapath m_dwc;
  vector_unit m_vector;
  ppu m_ppu;
};

} // namespace dwvp::models
