// Shared by the layer-timing tests: a descriptor with the fields timing reads, from a
// window geometry (out_h/out_w computed here, as the network builders do).
#pragma once

#include "dwvp/descriptor.h"

#include <cstdint>

namespace dwvp::test {

struct geom {
  int in_h = 1, in_w = 1, in_c = 1, out_c = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
};

inline dwvp_desc make_desc(uint8_t opcode, const geom& g,
                           uint8_t mapping = DWVP_MAP_DEFAULT, uint8_t df = DWVP_DF_OS,
                           uint16_t layer_id = 7) {
  dwvp_desc d{};
  d.magic = DWVP_DESC_MAGIC;
  d.layer_id = layer_id;
  d.opcode = opcode;
  d.mapping = mapping;
  d.dataflow = df;
  d.kernel_h = static_cast<uint8_t>(g.kh);
  d.kernel_w = static_cast<uint8_t>(g.kw);
  d.stride_h = static_cast<uint8_t>(g.sh);
  d.stride_w = static_cast<uint8_t>(g.sw);
  d.pad_top = static_cast<uint8_t>(g.pt);
  d.pad_left = static_cast<uint8_t>(g.pl);
  d.pad_bottom = static_cast<uint8_t>(g.pb);
  d.pad_right = static_cast<uint8_t>(g.pr);
  d.in_h = static_cast<uint16_t>(g.in_h);
  d.in_w = static_cast<uint16_t>(g.in_w);
  d.in_c = static_cast<uint16_t>(g.in_c);
  d.out_h = static_cast<uint16_t>((g.in_h + g.pt + g.pb - g.kh) / g.sh + 1);
  d.out_w = static_cast<uint16_t>((g.in_w + g.pl + g.pr - g.kw) / g.sw + 1);
  d.out_c = static_cast<uint16_t>(g.out_c);
  return d;
}

} // namespace dwvp::test
