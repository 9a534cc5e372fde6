#include "topology_scalesim.h"

#include "topology_csv_format.h"

namespace dwvp::networks {

std::vector<scalesim_layer> infer_scalesim_layers(const std::vector<scalesim_row>& rows) {
  std::vector<scalesim_layer> out;
  int prev_filters = 0;
  for (const scalesim_row& x : rows) {
    scalesim_layer r{"conv", x.h, x.w, x.channels};
    const std::string name = topology_format::lower(x.name);
    const bool spatial = x.fh > 1 || x.fw > 1;
    if (x.fh == 1 && x.fw == 1 && x.h == 1 && x.w == 1)
      r.type = "fc";
    else if (x.channels == 1 && x.filters == 1 && spatial && prev_filters > 1)
      r.c = prev_filters;
    else if (x.channels == x.filters && name.find("dw") != std::string::npos && spatial)
      r.type = "dw";
    else if (x.fh == 1 && x.fw == 1 && x.stride == 1)
      r.type = "pw";
    if (r.c != x.channels || r.type == "dw")
      r.type = x.fh == 1 ? "dw1xk" : x.fw == 1 ? "dwkx1" : "dw";
    prev_filters = r.type.rfind("dw", 0) == 0 ? r.c : x.filters;
    out.push_back(r);
  }
  return out;
}

} // namespace dwvp::networks
