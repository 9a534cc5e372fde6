#include "sram_buffer.h"

#include "accel_protocol.h"
#include "model_log.h"

#include <cstring>

namespace dwvp::models {

sram_buffer::sram_buffer(sc_core::sc_module_name name, const sram_params& params)
    : sc_module(name), socket("socket"), m_params(params),
      m_data(2 * params.half_bytes, 0), m_log(model_logger(basename())) {
  if (m_params.port_bytes == 0)
    m_params.port_bytes = 1;
  if (m_params.banks == 0)
    m_params.banks = 1;
  m_ps_per_byte = m_params.clock_period.to_seconds() * 1e12 /
                  (double(m_params.banks) * m_params.port_bytes);
  socket.register_b_transport(this, &sram_buffer::b_transport);
  socket.register_transport_dbg(this, &sram_buffer::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &sram_buffer::get_direct_mem_ptr);
}

bool sram_buffer::check(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  const char* why = nullptr;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return false;
  }
  if (len == 0 || addr >= m_data.size() || len > m_data.size() - addr) {
    why = "outside the buffer";
    status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  } else if (trans.get_byte_enable_ptr()) {
    why = "byte enables are not supported";
    status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  } else if (trans.get_streaming_width() < len) {
    why = "streaming width below the length";
    status = tlm::TLM_BURST_ERROR_RESPONSE;
  } else if (!trans.get_data_ptr()) {
    why = "no data pointer";
    status = tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  if (why) {
    m_log->error("{} of {} bytes at offset 0x{:x} (size 0x{:x}): {}",
                 trans.is_read() ? "read" : "write", len, addr, m_data.size(), why);
    trans.set_response_status(status);
    return false;
  }
  return true;
}

void sram_buffer::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!check(trans))
    return;
  const unsigned len = trans.get_data_length();
  uint8_t* mem = m_data.data() + trans.get_address();
  const uint64_t words = (len + m_params.port_bytes - 1) / m_params.port_bytes;
  const bool copy = !is_timing_only(trans);
  if (trans.is_read()) {
    if (copy)
      std::memcpy(trans.get_data_ptr(), mem, len);
    m_reads += words;
    m_bytes_read += len;
  } else {
    if (copy)
      std::memcpy(mem, trans.get_data_ptr(), len);
    m_writes += words;
    m_bytes_written += len;
  }
  delay += sc_core::sc_time(len * m_ps_per_byte, sc_core::SC_PS);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned sram_buffer::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!check(trans))
    return 0;
  uint8_t* mem = m_data.data() + trans.get_address();
  if (trans.is_read())
    std::memcpy(trans.get_data_ptr(), mem, trans.get_data_length());
  else
    std::memcpy(mem, trans.get_data_ptr(), trans.get_data_length());
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return trans.get_data_length();
}

bool sram_buffer::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  // Debuggers and test benches may map the buffer; the engines use b_transport so
  // that every access is counted.
  dmi.set_dmi_ptr(m_data.data());
  dmi.set_start_address(0);
  dmi.set_end_address(m_data.size() - 1);
  dmi.allow_read_write();
  dmi.set_read_latency(sc_core::sc_time(m_ps_per_byte, sc_core::SC_PS));
  dmi.set_write_latency(sc_core::sc_time(m_ps_per_byte, sc_core::SC_PS));
  return true;
}

} // namespace dwvp::models
