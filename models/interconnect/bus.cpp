#include "bus.h"

#include "model_log.h"

#include <stdexcept>

namespace dwvp {

bus::bus(sc_core::sc_module_name name, sc_core::sc_time latency)
    : sc_module(name), target_socket("target_socket"),
      initiator_socket("initiator_socket"), m_latency(latency),
      m_log(models::model_logger(basename())) {
  target_socket.register_b_transport(this, &bus::b_transport);
  target_socket.register_transport_dbg(this, &bus::transport_dbg);
}

void bus::map(uint64_t base, uint64_t size, unsigned port, const std::string& name) {
  if (size == 0)
    throw std::invalid_argument("bus region '" + name + "' has size 0");
  for (const region& r : m_regions) {
    if (base < r.base + r.size && r.base < base + size)
      throw std::invalid_argument("bus region '" + name + "' overlaps '" + r.name + "'");
  }
  m_regions.push_back({base, size, port, name});
}

const bus::region* bus::decode(uint64_t addr, unsigned len) const {
  for (const region& r : m_regions) {
    if (addr >= r.base && addr - r.base < r.size)
      return (len <= r.size - (addr - r.base)) ? &r : nullptr;
  }
  return nullptr;
}

void bus::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const region* r = decode(addr, trans.get_data_length());
  if (!r) {
    ++m_decode_errors;
    m_log->error("{} of {} bytes at 0x{:08x}: no target at this address",
                 trans.is_read() ? "read" : "write", trans.get_data_length(), addr);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += m_latency;
  trans.set_address(addr - r->base);
  initiator_socket[r->port]->b_transport(trans, delay);
  trans.set_address(addr);
  if (trans.is_response_error())
    m_log->warn("{} at 0x{:08x} ({}): {}", trans.is_read() ? "read" : "write", addr,
                r->name, trans.get_response_string());
}

unsigned bus::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const region* r = decode(addr, trans.get_data_length());
  if (!r) {
    ++m_decode_errors;
    m_log->error("debug {} of {} bytes at 0x{:08x}: no target at this address",
                 trans.is_read() ? "read" : "write", trans.get_data_length(), addr);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  trans.set_address(addr - r->base);
  unsigned n = initiator_socket[r->port]->transport_dbg(trans);
  trans.set_address(addr);
  return n;
}

} // namespace dwvp
