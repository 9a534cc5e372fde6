#include "dwc_datapath.h"

namespace dwvp::models {

dwc_datapath::dwc_datapath(sc_core::sc_module_name name, const engine_params& params)
    : tile_engine(name, params), array_socket("array_socket"), ppu_socket("ppu_socket") {}

std::string dwc_datapath::refuses(const dwvp_desc& t) const {
  return runs_on_dwc(t) ? std::string()
                        : "only channel_mvm depthwise and ST-OS 1D layers run here";
}

void dwc_datapath::starting(const tile_command& c, uint64_t cycles) {
  sc_core::sc_time delay;
  occupancy array{cycles};
  send_command(array_socket, array, delay);
  occupancy requant{c.ppu_cycles};
  send_command(ppu_socket, requant, delay);
}

void dwc_datapath::idle() {
  sc_core::sc_time delay;
  occupancy release{0};
  send_command(array_socket, release, delay);
}

} // namespace dwvp::models
