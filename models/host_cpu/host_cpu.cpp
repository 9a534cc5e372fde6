#include "host_cpu.h"

#include "accel_protocol.h"
#include "model_log.h"

#include <algorithm>

namespace dwvp::models {

using sc_core::sc_time;

host_cpu::host_cpu(sc_core::sc_module_name name, const host_params& params)
    : sc_module(name), socket("socket"), irq("irq"), m_params(params),
      m_log(model_logger(basename())), m_fw_log(model_logger("firmware")),
      m_phase_sig("fw_phase") {
  SC_HAS_PROCESS(host_cpu);
  SC_THREAD(run);
}

void host_cpu::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, m_phase_sig, std::string(name()) + ".fw_phase");
}

void host_cpu::run() {
  m_qk.reset();
  hal::set_backend(this);
  try {
    m_exit_code = m_program ? m_program() : 0;
  } catch (const std::exception& ex) {
    // Caught here: an exception escaping an SC_THREAD aborts the kernel.
    m_failure = ex.what();
    m_exit_code = -1;
    m_log->error("firmware failed: {}", ex.what());
  }
  m_qk.sync();
  hal::set_backend(nullptr);
  m_finished = true;
  m_log->info("firmware exited with code {}", m_exit_code);
}

void host_cpu::stopped_unfinished(const std::string& why) {
  if (m_finished)
    return;
  auto at = [](const sc_time& t) {
    return std::to_string(t.value() / sc_time(1, sc_core::SC_NS).value()) + " ns";
  };
  std::string doing;
  if (m_waiting_irq)
    doing = "waiting for the interrupt since " + at(m_wait_since) +
            (m_wait_timeout_ns ? " (timeout " + std::to_string(m_wait_timeout_ns) + " ns)"
                               : " (no timeout)");
  else
    doing = "still running (last bus access at " + at(m_last_access) + ")";
  m_failure = "firmware did not finish: " + doing + ", phase " + std::to_string(m_phase) +
              ", when the simulation stopped at " + at(sc_core::sc_time_stamp()) + ": " +
              why;
  m_exit_code = -1;
  m_log->error("{}", m_failure);
}

bool host_cpu::transport(tlm::tlm_command cmd, uint32_t addr, void* data, uint32_t len,
                         const sc_time& cost) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(static_cast<unsigned char*>(data));
  trans.set_data_length(len);
  trans.set_streaming_width(len);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // A null buffer (hal.h): the same transaction, marked so that no target moves bytes.
  timing_only_scope marker(trans, data == nullptr);
  m_qk.inc(cost);
  sc_time delay = m_qk.get_local_time();
  socket->b_transport(trans, delay);
  m_qk.set(delay);
  m_last_access = sc_core::sc_time_stamp() + delay;
  if (m_qk.need_sync())
    m_qk.sync();
  if (trans.is_response_error()) {
    ++m_bus_errors;
    m_log->error("bus error: {} of {} bytes at 0x{:08x}: {}",
                 cmd == tlm::TLM_READ_COMMAND ? "read" : "write", len, addr,
                 trans.get_response_string());
    return false;
  }
  return true;
}

uint32_t host_cpu::mmio_read32(uint32_t addr) {
  uint32_t value = 0;
  if (!transport(tlm::TLM_READ_COMMAND, addr, &value, 4, m_params.mmio_latency))
    return 0xFFFFFFFFu;
  return value;
}

void host_cpu::mmio_write32(uint32_t addr, uint32_t value) {
  transport(tlm::TLM_WRITE_COMMAND, addr, &value, 4, m_params.mmio_latency);
}

bool host_cpu::mem_write(uint32_t addr, const void* src, uint32_t len) {
  sc_time cost(len / m_params.copy_bytes_per_ns, sc_core::SC_NS);
  return transport(tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(src), len, cost);
}

bool host_cpu::mem_read(void* dst, uint32_t addr, uint32_t len) {
  sc_time cost(len / m_params.copy_bytes_per_ns, sc_core::SC_NS);
  return transport(tlm::TLM_READ_COMMAND, addr, dst, len, cost);
}

bool host_cpu::wait_irq(uint64_t timeout_ns) {
  m_qk.sync(); // the interrupt is observed at the host's own time
  if (irq.read())
    return true;
  m_waiting_irq = true;
  m_wait_since = sc_core::sc_time_stamp();
  m_wait_timeout_ns = timeout_ns;
  if (timeout_ns == 0)
    sc_core::wait(irq.posedge_event());
  else
    sc_core::wait(sc_time(static_cast<double>(timeout_ns), sc_core::SC_NS),
                  irq.posedge_event());
  m_waiting_irq = false;
  m_qk.reset();
  if (!irq.read()) {
    m_log->warn("no interrupt within {} ns", timeout_ns);
    return false;
  }
  return true;
}

void host_cpu::charge_cycles(uint64_t cycles) {
  m_charged_cycles += cycles;
  // In steps of at most one quantum, so a huge charge neither overflows sc_time's
  // multiplication nor keeps the host far ahead of the kernel.
  const sc_time quantum = tlm_utils::tlm_quantumkeeper::get_global_quantum();
  const uint64_t step =
      quantum > sc_core::SC_ZERO_TIME
          ? std::max<uint64_t>(1, quantum.value() / m_params.clock_period.value())
          : cycles;
  while (cycles) {
    const uint64_t now = std::min(cycles, step);
    m_qk.inc(m_params.clock_period * static_cast<double>(now));
    if (m_qk.need_sync())
      m_qk.sync();
    cycles -= now;
  }
}

uint64_t host_cpu::time_ns() {
  const sc_time now = sc_core::sc_time_stamp() + m_qk.get_local_time();
  return now.value() / sc_time(1, sc_core::SC_NS).value();
}

void host_cpu::set_phase(uint32_t phase) {
  m_qk.sync(); // so the VCD shows the phase at the firmware's own time
  m_phase = phase;
  m_phase_sig.write(phase);
}

void host_cpu::log(const std::string& line) {
  m_fw_log->info("{}", line);
}

} // namespace dwvp::models
