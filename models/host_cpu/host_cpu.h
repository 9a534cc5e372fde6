// Host processor model: runs driver firmware (C code over the HAL) in a SystemC
// thread. Register accesses and DRAM copies are timed TLM transactions under temporal
// decoupling (a quantum keeper); waiting for the interrupt synchronises first.
#pragma once

#include "hal_backend.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <spdlog/logger.h>

#include <functional>
#include <memory>

namespace dwvp::models {

struct host_params {
  sc_core::sc_time mmio_latency = sc_core::sc_time(10, sc_core::SC_NS);
  double copy_bytes_per_ns = 8.0;
  sc_core::sc_time clock_period =
      sc_core::sc_time(1, sc_core::SC_NS); // hal_charge_cycles
};

class host_cpu : public sc_core::sc_module, public hal::backend {
public:
  tlm_utils::simple_initiator_socket<host_cpu> socket;
  sc_core::sc_in<bool> irq;

  host_cpu(sc_core::sc_module_name name, const host_params& params);

  // The firmware entry point; its return value is the program's exit code.
  void set_program(std::function<int()> program) { m_program = std::move(program); }
  bool finished() const { return m_finished; }
  int exit_code() const { return m_exit_code; }
  // Error text if the program threw (a firmware bug, e.g. HAL misuse), or
  // "firmware did not finish: ..." after stopped_unfinished.
  const std::string& failure() const { return m_failure; }
  // Called when the simulation stopped (`why`) with the program still running: records
  // the failure, saying what the firmware was doing (waiting for the interrupt since
  // when, or running, with its last access and phase).
  void stopped_unfinished(const std::string& why);

  void trace(sc_core::sc_trace_file* tf) const;
  // Cycles the firmware charged with hal_charge_cycles so far.
  uint64_t charged_cycles() const { return m_charged_cycles; }

  // hal::backend
  uint32_t mmio_read32(uint32_t addr) override;
  void mmio_write32(uint32_t addr, uint32_t value) override;
  bool mem_write(uint32_t addr, const void* src, uint32_t len) override;
  bool mem_read(void* dst, uint32_t addr, uint32_t len) override;
  bool wait_irq(uint64_t timeout_ns) override;
  void charge_cycles(uint64_t cycles) override;
  uint64_t time_ns() override;
  uint32_t bus_errors() const override { return m_bus_errors; }
  void set_phase(uint32_t phase) override;
  void log(const std::string& line) override;

private:
  void run();
  bool transport(tlm::tlm_command cmd, uint32_t addr, void* data, uint32_t len,
                 const sc_core::sc_time& cost);

  host_params m_params;
  std::shared_ptr<spdlog::logger> m_log;
  std::shared_ptr<spdlog::logger> m_fw_log;
  tlm_utils::tlm_quantumkeeper m_qk;
  std::function<int()> m_program;
  bool m_finished = false;
  int m_exit_code = -1;
  std::string m_failure;
  uint32_t m_bus_errors = 0;
  uint64_t m_charged_cycles = 0;
  // What the firmware is doing, for a run that ends without it finishing.
  bool m_waiting_irq = false;
  uint64_t m_wait_timeout_ns = 0;
  sc_core::sc_time m_wait_since, m_last_access;
  uint32_t m_phase = 0;
  sc_core::sc_signal<uint32_t> m_phase_sig;
};

} // namespace dwvp::models
