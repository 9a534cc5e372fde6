#include "ppu.h"

#include "gemm_core.h"

#include <cstring>

namespace dwvp::models {

ppu::ppu(sc_core::sc_module_name name, const engine_params& params, timeline& events)
    : tile_engine(name, params), requant_socket("requant_socket"),
      lut_socket("lut_socket"), m_events(events), m_requant_level_sig("requant_tiles"),
      m_requant_busy_sig("requant_busy"),
      m_requant_level(events, m_requant_level_sig, &m_requant_busy_sig) {
  requant_socket.register_b_transport(this, &ppu::requant_transport);
  lut_socket.register_b_transport(this, &ppu::lut_transport);
  lut_socket.register_transport_dbg(this, &ppu::lut_debug);
}

void ppu::trace(sc_core::sc_trace_file* tf) const {
  tile_engine::trace(tf);
  sc_core::sc_trace(tf, m_requant_busy_sig, std::string(name()) + ".requant_busy");
}

std::string ppu::refuses(const dwvp_desc& t) const {
  return t.opcode == DWVP_OP_ADD || t.opcode == DWVP_OP_AVG_POOL ||
                 t.opcode == DWVP_OP_CHANNEL_MUL
             ? std::string()
             : "only add, average pool and channel multiply run on the PPU";
}

void ppu::requant_transport(int, tlm::tlm_generic_payload& trans,
                            sc_core::sc_time& delay) {
  occupancy* o = command_of<occupancy>(trans);
  if (!o) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  m_requant_cycles += o->cycles;
  const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
  m_requant_level.add(start, start + m_params.clock_period * double(o->cycles), 1);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned ppu::lut_debug(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr >= m_lut.size() || len > m_lut.size() - addr || trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  if (trans.is_read())
    std::memcpy(trans.get_data_ptr(), m_lut.data() + addr, len);
  else if (trans.is_write())
    std::memcpy(m_lut.data() + addr, trans.get_data_ptr(), len);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return len;
}

void ppu::lut_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  if (!lut_debug(trans))
    m_log->error("activation table access of {} bytes at {} outside its 256 bytes",
                 trans.get_data_length(), trans.get_address());
}

} // namespace dwvp::models
