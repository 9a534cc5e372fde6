// On-chip SRAM buffer (input, weight, output, vector memory): a TLM-2.0 target that
// holds the bytes. Two ping-pong halves of `half_bytes` each, `banks` banks of
// `port_bytes`-wide ports read or written in parallel. Every access is counted in port
// words; its annotated time is the bytes over the buffer's width (banks x port bytes
// per cycle), rounded to the kernel's 1 ps resolution (initiators that need an exact
// bound over many accesses count bytes, as the engines do). docs/architecture.md,
// "SRAM buffers".
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace dwvp::models {

struct sram_params {
  uint64_t half_bytes = 64 * 1024;
  uint32_t port_bytes = 32;
  uint32_t banks = 16;
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
};

class sram_buffer : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<sram_buffer> socket;

  sram_buffer(sc_core::sc_module_name name, const sram_params& params);

  const sram_params& params() const { return m_params; }
  uint64_t size() const { return m_data.size(); }
  uint64_t reads() const { return m_reads; }   // port words read
  uint64_t writes() const { return m_writes; } // port words written
  uint64_t bytes_read() const { return m_bytes_read; }
  uint64_t bytes_written() const { return m_bytes_written; }
  // Backdoor for test benches.
  const uint8_t* data() const { return m_data.data(); }

private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  bool check(tlm::tlm_generic_payload& trans);

  sram_params m_params;
  std::vector<uint8_t> m_data;
  std::shared_ptr<spdlog::logger> m_log;
  double m_ps_per_byte;
  uint64_t m_reads = 0, m_writes = 0, m_bytes_read = 0, m_bytes_written = 0;
};

} // namespace dwvp::models
