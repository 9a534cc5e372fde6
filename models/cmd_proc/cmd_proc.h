// Register block + command processor. `regs_socket` is the register file the host
// programs (include/dwvp/regs.h), decoded by a register table that names every
// register with its access rule and side effect. On a doorbell the command processor
// fetches descriptors from the ring in DRAM through the DMA (`dma_socket`, into its
// staging memory on the local bus, `staging_socket`), validates each
// (descriptor_check.h), hands it to the tile sequencer (`layer_socket`), writes the
// layer's statistics record back through the DMA, advances RING_HEAD and raises the
// interrupts. It also protects the system from the firmware: windows only over DRAM,
// window and ring registers locked while busy, ring fetches window-checked, no layer
// writing into the ring, and a watchdog per descriptor. docs/architecture.md,
// "Register block and command processor"; docs/register_map.md.
#pragma once

#include "descriptor_check.h"
#include "register_table.h"

#include "accel_protocol.h"
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
#include <string>

namespace dwvp::models {

// Cumulative traffic of the accelerator, read from its blocks' counters.
struct traffic_counters {
  uint64_t dram_read = 0, dram_write = 0;   // bytes over the SoC bus
  uint64_t sram_reads = 0, sram_writes = 0; // port words, all buffers
};

// What the device guards beyond the descriptor rules.
struct cmd_proc_limits {
  // DRAM as the SoC maps it: an enabled DMA window must lie inside it, which keeps the
  // DMA off every other target (the register block included).
  uint64_t dram_base = DWVP_DRAM_BASE;
  uint64_t dram_size = uint64_t{512} << 20;
  // Cycle budget of one descriptor, fetch to stats record; 0 = no watchdog.
  uint64_t watchdog_cycles = 0;
};

class cmd_proc : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<cmd_proc> regs_socket;
  tlm_utils::simple_target_socket<cmd_proc> staging_socket;
  tlm_utils::simple_initiator_socket<cmd_proc> dma_socket;
  tlm_utils::simple_initiator_socket<cmd_proc> layer_socket;
  sc_core::sc_out<bool> irq; // driven by one method: any bool signal may be bound

  cmd_proc(sc_core::sc_module_name name, sc_core::sc_time clock_period,
           std::function<traffic_counters()> traffic, const cmd_proc_limits& limits = {});

  void trace(sc_core::sc_trace_file* tf) const;

  uint64_t perf_counter(dwvp_perf_counter n) const { return m_perf[n]; }
  void on_layer_done(std::function<void(const dwvp_layer_stats&)> observer) {
    m_layer_observer = std::move(observer);
  }
  void on_layer_start(std::function<void()> observer) {
    m_start_observer = std::move(observer);
  }
  const register_table& registers() const { return m_regs; }

private:
  static constexpr uint32_t k_staging_bytes = 256; // descriptor at 0, stats at 128
  static constexpr uint32_t k_stats_offset = 128;

  void declare_registers();
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  void staging_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned staging_debug(tlm::tlm_generic_payload& trans);
  void soft_reset();
  void raise_irq(uint32_t bits);
  void update_irq_line();
  void drive_irq(); // the one process that writes `irq`

  void command_loop();
  // cmd_proc_layers.cpp: fetch, check and run the layer (or stripe chain) at `index`.
  bool process_descriptor(uint32_t index); // false stops the ring
  bool fetch_descriptor(uint32_t index, dwvp_desc& d);
  bool fetch_chain(uint32_t index, std::vector<dwvp_desc>& chain);
  bool finish_layer(uint32_t index, const dwvp_desc& d, const dwvp_layer_stats& stats);
  // Reports the current entry's failure (ERR_LAYER = m_current_layer).
  void report_error(uint32_t index, const check_result& r);
  void watchdog_expired();
  // Window and ring registers refuse writes while the device is busy.
  bool locked() const { return m_busy || m_doorbell_pending; }
  std::string window_refusal(uint32_t i, uint32_t base, uint32_t size) const;
  // Moves `bytes` between DRAM at `addr` and the staging memory, then waits for the
  // transfer to end (rounded up to a clock edge). False on a bus error.
  bool staged_transfer(bool store, uint32_t addr, uint32_t staging_offset,
                       uint32_t bytes);
  bool abandoned() const { return m_epoch != m_layer_epoch; }
  uint64_t now_cycles() const;

  sc_core::sc_time m_period;
  cmd_proc_limits m_limits;
  std::function<traffic_counters()> m_traffic;
  std::function<void(const dwvp_layer_stats&)> m_layer_observer;
  std::function<void()> m_start_observer;
  std::shared_ptr<spdlog::logger> m_log;
  register_table m_regs;
  std::array<uint8_t, k_staging_bytes> m_staging{};

  // Register state.
  uint32_t m_ctrl = 0;
  uint32_t m_error_code = 0, m_err_layer = 0, m_err_field = 0, m_err_index = 0;
  uint32_t m_irq_status = 0, m_irq_mask = 0;
  uint32_t m_ring_base = 0, m_ring_size = 0, m_ring_head = 0, m_ring_tail = 0;
  dma_windows m_windows{};
  std::array<uint64_t, DWVP_PERF_COUNT> m_perf{};
  std::array<uint32_t, DWVP_PERF_COUNT> m_perf_hi_latch{};
  bool m_busy = false;

  // Command processor state.
  sc_core::sc_event m_doorbell_event;
  sc_core::sc_event m_irq_event; // the line's level may have changed
  bool m_doorbell_pending = false;
  uint64_t m_generation = 0; // bumped by soft reset
  // Bumped by soft reset and by the watchdog: abandons the layer in flight.
  uint64_t m_epoch = 0;
  uint64_t m_layer_epoch = 0; // m_epoch when the current entry started
  uint32_t m_current_index = 0;
  uint32_t m_current_layer = DWVP_ERR_LAYER_UNKNOWN; // its layer_id once trusted
  sc_core::sc_event m_watchdog_event;
  uint32_t m_doorbell_count = 0;

  // Traced activity. Written by the command loop and by register writes (host thread).
  template <typename T>
  using shared_signal = sc_core::sc_signal<T, sc_core::SC_MANY_WRITERS>;
  shared_signal<bool> m_busy_sig;
  shared_signal<uint32_t> m_layer_sig;
  shared_signal<uint32_t> m_doorbell_count_sig;
  shared_signal<uint32_t> m_ring_head_sig;
  shared_signal<uint32_t> m_ring_tail_sig;
  shared_signal<uint32_t> m_irq_status_sig;
};

} // namespace dwvp::models
