#include "vector_unit.h"

#include "gemm_core.h"

namespace dwvp::models {

vector_unit::vector_unit(sc_core::sc_module_name name, const engine_params& params)
    : tile_engine(name, params), ppu_socket("ppu_socket") {}

std::string vector_unit::refuses(const dwvp_desc& t) const {
  const bool dw = t.opcode == DWVP_OP_DEPTHWISE || t.opcode == DWVP_OP_DW_1XK ||
                  t.opcode == DWVP_OP_DW_KX1;
  return dw && t.mapping == DWVP_MAP_VECTOR ? std::string()
                                            : "only vector-mapped depthwise runs here";
}

void vector_unit::starting(const tile_command& c, uint64_t) {
  if (c.ppu_cycles == 0)
    return; // requantised on the unit itself (vector.requant_ops)
  sc_core::sc_time delay;
  occupancy requant{c.ppu_cycles};
  send_command(ppu_socket, requant, delay);
}

} // namespace dwvp::models
