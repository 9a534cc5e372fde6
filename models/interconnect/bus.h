// Address-decoding interconnect (TLM-2.0 LT). Initiators bind to target_socket,
// targets to initiator_socket in the order of their map() calls' port numbers.
// Forwarded addresses are made local to the target region. An address no region
// claims, or an access crossing a region's end, gets TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

namespace dwvp {

class bus : public sc_core::sc_module {
public:
  tlm_utils::multi_passthrough_target_socket<bus> target_socket;
  tlm_utils::multi_passthrough_initiator_socket<bus> initiator_socket;

  bus(sc_core::sc_module_name name, sc_core::sc_time latency);

  // Routes [base, base + size) to the target bound at initiator_socket[port].
  // Throws std::invalid_argument if the region overlaps another or is empty.
  void map(uint64_t base, uint64_t size, unsigned port, const std::string& name);

  uint64_t decode_errors() const { return m_decode_errors; }

private:
  struct region {
    uint64_t base;
    uint64_t size;
    unsigned port;
    std::string name;
  };
  const region* decode(uint64_t addr, unsigned len) const;
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& trans);

  sc_core::sc_time m_latency;
  std::vector<region> m_regions;
  std::shared_ptr<spdlog::logger> m_log;
  uint64_t m_decode_errors = 0;
};

} // namespace dwvp
