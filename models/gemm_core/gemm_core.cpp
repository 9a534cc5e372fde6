#include "gemm_core.h"

namespace dwvp::models {

gemm_core::gemm_core(sc_core::sc_module_name name, const engine_params& params)
    : tile_engine(name, params), ppu_socket("ppu_socket"), array_socket("array_socket"),
      m_array_busy_sig("array_busy") {
  array_socket.register_b_transport(this, &gemm_core::array_transport);
  SC_HAS_PROCESS(gemm_core);
  SC_METHOD(update_array_busy);
  sensitive << m_busy_sig.value_changed_event() << m_lend_event;
  dont_initialize();
}

void gemm_core::update_array_busy() {
  m_array_busy_sig.write(m_busy_sig.read() || m_lent);
}

void gemm_core::trace(sc_core::sc_trace_file* tf) const {
  tile_engine::trace(tf);
  sc_core::sc_trace(tf, m_array_busy_sig, std::string(name()) + ".array_busy");
}

std::string gemm_core::refuses(const dwvp_desc& t) const {
  if (runs_on_dwc(t))
    return "channel-parallel and ST-OS depthwise run on the DwC datapath";
  switch (t.opcode) {
  case DWVP_OP_CONV2D:
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    return {};
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    if (t.mapping == DWVP_MAP_VECTOR)
      return "vector-mapped depthwise runs on the vector unit";
    return {};
  default:
    return "opcode " + std::to_string(t.opcode) + " runs on the PPU";
  }
}

void gemm_core::starting(const tile_command& c, uint64_t cycles) {
  occupancy o{c.ppu_cycles};
  sc_core::sc_time delay;
  send_command(ppu_socket, o, delay);
  (void)cycles;
}

void gemm_core::array_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  occupancy* o = command_of<occupancy>(trans);
  if (!o) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  // The DwC datapath's thread waits out the occupancy; the array is marked busy for it.
  m_lent_cycles += o->cycles;
  m_lent = o->cycles > 0;
  m_lend_event.notify(sc_core::SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace dwvp::models
