// Plain SCALE-Sim topology rows (no Type column): the layer type each row stands for.
// SCALE-Sim runs every row as an independent layer on its own IFMAP with VALID windows;
// the reader (topology_csv.cpp) builds them so. docs/networks.md, "Topology files".
#pragma once

#include <string>
#include <vector>

namespace dwvp::networks {

// One row's cells: Layer name, IFMAP Height / Width, Filter Height / Width, Channels,
// Num Filter, Strides.
struct scalesim_row {
  std::string name;
  int h, w, fh, fw, channels, filters, stride;
};

// What a row builds: its type (the topology CSV's Type names: conv, dw, dw1xk, dwkx1,
// pw, fc) and its input tensor.
struct scalesim_layer {
  std::string type;
  int h, w, c;
};

// The rows' layers in order. A 1-channel, 1-filter KxK row after a row of C filters is
// SCALE-Sim's way of writing a depthwise layer over C channels, as is a row named *dw*
// with Channels equal to Num Filter; 1x1 filters on a 1x1 IFMAP are fc, other 1x1
// stride-1 rows pw, the rest conv.
std::vector<scalesim_layer> infer_scalesim_layers(const std::vector<scalesim_row>& rows);

} // namespace dwvp::networks
