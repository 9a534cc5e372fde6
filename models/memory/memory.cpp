#include "memory.h"

#include "accel_protocol.h"

#include "model_log.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace dwvp::models {

fixed_latency_timing::fixed_latency_timing(sc_core::sc_time latency, double bytes_per_ns)
    : m_latency(latency), m_bytes_per_ns(bytes_per_ns) {}

sc_core::sc_time fixed_latency_timing::access(const sc_core::sc_time&, uint64_t, bool,
                                              unsigned len) {
  if (m_bytes_per_ns <= 0)
    return m_latency;
  return m_latency + sc_core::sc_time(len / m_bytes_per_ns, sc_core::SC_NS);
}

uint64_t memory_timing::submit(uint32_t stream, uint32_t window,
                               const sc_core::sc_time& start, uint64_t offset,
                               bool is_write, unsigned len) {
  std::vector<sc_core::sc_time>& slots = m_slots[stream];
  if (slots.size() != std::max(window, 1u))
    slots.assign(std::max(window, 1u), sc_core::SC_ZERO_TIME);
  size_t& next = m_next_slot[stream];
  next %= slots.size();
  const sc_core::sc_time issue = std::max(start, slots[next]);
  const sc_core::sc_time done = issue + access(issue, offset, is_write, len);
  slots[next] = done;
  next = (next + 1) % slots.size();
  m_done[m_next_ticket] = {issue, done};
  return m_next_ticket++;
}

memory_timing::times memory_timing::complete(uint64_t ticket) {
  const auto it = m_done.find(ticket);
  if (it == m_done.end())
    throw std::invalid_argument("memory: unknown split-access ticket " +
                                std::to_string(ticket));
  const times t = it->second;
  m_done.erase(it);
  return t;
}

memory::memory(sc_core::sc_module_name name, uint64_t size_bytes,
               std::unique_ptr<memory_timing> timing)
    : sc_module(name), socket("socket"), m_size(size_bytes),
      m_data(static_cast<uint8_t*>(std::calloc(size_bytes, 1))),
      m_timing(std::move(timing)), m_log(model_logger(basename())) {
  if (!m_data)
    throw std::bad_alloc();
  socket.register_b_transport(this, &memory::b_transport);
  socket.register_transport_dbg(this, &memory::transport_dbg);
}

memory::~memory() {
  std::free(m_data);
}

bool memory::check(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return false;
  }
  if (len == 0 || addr >= m_size || len > m_size - addr) {
    m_log->error("access outside memory: offset 0x{:x} length {} (size 0x{:x})", addr,
                 len, m_size);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() != 0 && trans.get_streaming_width() < len) {
    m_log->error("streaming width {} < length {} at offset 0x{:x} is not supported",
                 trans.get_streaming_width(), len, addr);
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() && trans.get_byte_enable_length() == 0) {
    m_log->error("byte enable pointer with zero length at offset 0x{:x}", addr);
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void memory::copy(tlm::tlm_generic_payload& trans) {
  uint8_t* mem = m_data + trans.get_address();
  uint8_t* buf = trans.get_data_ptr();
  const unsigned len = trans.get_data_length();
  const uint8_t* be = trans.get_byte_enable_ptr();
  const unsigned be_len = trans.get_byte_enable_length();
  const bool is_read = trans.is_read();
  if (!be) {
    if (is_read)
      std::memcpy(buf, mem, len);
    else
      std::memcpy(mem, buf, len);
  } else {
    // Byte enables let the DMA write a strided region (e.g. a channel slice) at once.
    for (unsigned i = 0; i < len; ++i) {
      if (be[i % be_len] != TLM_BYTE_ENABLED)
        continue;
      if (is_read)
        buf[i] = mem[i];
      else
        mem[i] = buf[i];
    }
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void memory::split_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay,
                          split_access_extension& ext) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  try {
    if (ext.phase == split_access_extension::complete) {
      const memory_timing::times t = m_timing->complete(ext.ticket);
      ext.issued = t.issued;
      delay = t.done > now ? t.done - now : sc_core::SC_ZERO_TIME;
      trans.set_response_status(tlm::TLM_OK_RESPONSE);
      return;
    }
    if (!check(trans))
      return;
    if (is_timing_only(trans))
      trans.set_response_status(tlm::TLM_OK_RESPONSE);
    else
      copy(trans);
    const bool is_write = trans.is_write();
    (is_write ? m_bytes_written : m_bytes_read) += trans.get_data_length();
    ext.arrival = now + delay;
    ext.ticket = m_timing->submit(ext.stream, ext.window, now + delay,
                                  trans.get_address(), is_write, trans.get_data_length());
  } catch (const std::exception& e) {
    m_log->error("split access: {}", e.what());
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  }
}

void memory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (auto* ext = trans.get_extension<split_access_extension>()) {
    split_access(trans, delay, *ext);
    return;
  }
  if (!check(trans))
    return;
  if (is_timing_only(trans)) // --no-data: timed and counted, no bytes moved
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  else
    copy(trans);
  const bool is_write = trans.is_write();
  (is_write ? m_bytes_written : m_bytes_read) += trans.get_data_length();
  delay += m_timing->access(sc_core::sc_time_stamp() + delay, trans.get_address(),
                            is_write, trans.get_data_length());
}

unsigned memory::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!check(trans))
    return 0;
  copy(trans);
  return trans.get_data_length();
}

} // namespace dwvp::models
