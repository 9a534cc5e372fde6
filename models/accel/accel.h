// The accelerator: register block, command processor and the compute path, behind
// one TLM target socket (registers), one TLM initiator socket (DMA to DRAM) and an
// interrupt line. docs/architecture.md describes the blocks; include/dwvp/regs.h the
// registers; include/dwvp/descriptor.h the command descriptor.
#pragma once

#include "descriptor_check.h"
#include "dma_engine.h"
#include "layer_timing.h"
#include "tile_plan.h"

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/logger.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace dwvp::models {

struct accel_params {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  gemm::array_dims array{32, 32};
  gemm::timing_options gemm_options{};
  int ppu_lanes = 32;
  int vector_lanes = 32;
  int vector_pipeline = 4;
  sequencer::buffer_sizes buffers{}; // one ping-pong half of each SRAM buffer
  sequencer::buffer_sizes vector_buffers{16384, 16384, 16384}; // the vector memory halves
  uint32_t sram_port_bytes = 32;                               // bytes per SRAM access
  uint32_t sram_banks = 16;                                    // banks read in parallel
  dma_params dma{};
  bool functional = true; // false: timing only, no values computed (outputs are zero)
};

// The engines' timing parameters of an accelerator configuration.
timing::compute_config compute_config_from(const accel_params& p);

class accel : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<accel> regs_socket;
  tlm_utils::simple_initiator_socket<accel> dma_socket;
  sc_core::sc_out<bool> irq;

  accel(sc_core::sc_module_name name, const accel_params& params);

  // Adds the accelerator's activity signals to a VCD.
  void trace(sc_core::sc_trace_file* tf) const;

  uint64_t perf_counter(dwvp_perf_counter n) const { return m_perf[n]; }
  // Called as each layer completes, with its stats record (reports, progress).
  void on_layer_done(std::function<void(const dwvp_layer_stats&)> observer) {
    m_layer_observer = std::move(observer);
  }
  // Called as each descriptor fetch begins.
  void on_layer_start(std::function<void()> observer) {
    m_start_observer = std::move(observer);
  }
  const accel_params& params() const { return m_params; }

private:
  // --- register block ---
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  tlm::tlm_response_status read_reg(uint32_t offset, uint32_t& value);
  tlm::tlm_response_status write_reg(uint32_t offset, uint32_t value);
  void soft_reset();
  void raise_irq(uint32_t bits);
  void update_irq_line();

  // --- command processor ---
  void command_loop();
  bool process_descriptor(uint32_t index); // false stops the ring
  void report_error(const dwvp_desc& d, uint32_t index, const check_result& r);
  void execute_layer(const dwvp_desc& d, dwvp_layer_stats& stats);
  // Untimed read through the bus (the functional side of a layer's operands).
  bool dbg_read(uint32_t addr, void* dst, uint64_t len);
  void enable_channels(tlm::tlm_generic_payload& trans, uint32_t pixel_stride,
                       uint32_t channels);
  bool dbg_write(uint32_t addr, const void* src, uint64_t len, uint32_t pixel_stride,
                 uint32_t channels);

  // --- DMA port (blocking, timed by the accumulated local time m_local) ---
  bool dma_read(uint32_t addr, void* dst, uint64_t len);
  bool dma_write(uint32_t addr, const void* src, uint64_t len, uint32_t pixel_stride = 0,
                 uint32_t channels = 0);
  // Advances simulated time by the local offset with `busy` high for that span.
  // The span is rounded up to a clock edge. Returns false if a soft reset abandoned
  // the layer meanwhile.
  bool settle(sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS>& busy);
  uint64_t now_cycles() const;

  accel_params m_params;
  std::function<void(const dwvp_layer_stats&)> m_layer_observer;
  std::function<void()> m_start_observer;
  timing::compute_config m_compute;
  std::shared_ptr<spdlog::logger> m_log;

  // Register state.
  uint32_t m_ctrl = 0;
  uint32_t m_error_code = 0;
  uint32_t m_err_layer = 0;
  uint32_t m_err_field = 0;
  uint32_t m_err_index = 0;
  uint32_t m_irq_status = 0;
  uint32_t m_irq_mask = 0;
  uint32_t m_ring_base = 0;
  uint32_t m_ring_size = 0;
  uint32_t m_ring_head = 0;
  uint32_t m_ring_tail = 0;
  dma_windows m_windows{};
  std::array<uint64_t, DWVP_PERF_COUNT> m_perf{};
  std::array<uint32_t, DWVP_PERF_COUNT> m_perf_hi_latch{};
  bool m_busy = false;

  // Command processor state.
  sc_core::sc_event m_doorbell_event;
  bool m_doorbell_pending = false;
  uint64_t m_generation = 0;       // bumped by soft reset; abandons the layer in flight
  uint64_t m_layer_generation = 0; // m_generation when the current layer started
  bool abandoned() const { return m_generation != m_layer_generation; }
  sc_core::sc_time m_local; // time consumed but not yet waited for
  bool m_bus_error = false;
  uint64_t m_layer_dram_read = 0;
  uint64_t m_layer_dram_write = 0;
  std::vector<uint8_t> m_byte_enables;

  // Traced activity.
  // Written by the command processor and by register writes (host thread).
  template <typename T>
  using shared_signal = sc_core::sc_signal<T, sc_core::SC_MANY_WRITERS>;
  shared_signal<bool> m_busy_sig;
  shared_signal<bool> m_gemm_busy_sig;
  shared_signal<bool> m_vector_busy_sig;
  shared_signal<bool> m_ppu_busy_sig;
  shared_signal<bool> m_dma_busy_sig;
  shared_signal<uint32_t> m_layer_sig;
  shared_signal<uint32_t> m_doorbell_count_sig;
  shared_signal<uint32_t> m_ring_head_sig;
  shared_signal<uint32_t> m_tile_sig;
  shared_signal<uint32_t> m_pingpong_sig;
  shared_signal<uint32_t> m_dma_inflight_sig; // sampled at tile events
  dma_engine m_dma;
  uint32_t m_doorbell_count = 0;
};

} // namespace dwvp::models
