// SCALE-Sim-style topology CSV reader (format in docs/networks.md, example in
// lib/networks/examples/tiny.csv): SCALE-Sim's columns
//   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//   Num Filter, Strides,
// plus Type (conv, dw, dw1xk, dwkx1, pw, fc, add, avgpool, mul) and the optional Input
// (producer layer, default the previous row), Aux (second operand of add / mul),
// Activation (none, relu, relu6, hswish, hsigmoid), Padding (same, valid) and Dataflow
// (os, ws; conv, dw, pw and fc rows; empty = the run's).
#pragma once

#include "model_zoo.h"

#include <string>

namespace dwvp::networks {

// A topology file larger than this is refused before it is parsed (4096 layers, the
// network limit, take well under 1 MiB).
constexpr uint64_t k_max_topology_bytes = uint64_t{16} << 20;

// Reads the file and builds the network with seeded constants; KxK depthwise layers
// are mapped by `p`, 1xK / Kx1 layers run on ST-OS. Layers that take the run's
// dataflow (takes_gemm_dataflow) get their row's Dataflow cell, else `dataflow`
// (DWVP_DF_OS or DWVP_DF_WS: the run's gemm.dataflow). Throws std::invalid_argument as
// "<file>:<line>: column <n> (<header>): <what>" for bad input (unknown type or column,
// non-numeric field, a number outside 1..65535, shape mismatch with the producer,
// unknown producer name, a descriptor field or network limit of network_builder.h, a
// file over k_max_topology_bytes, ...). A UTF-8 byte order mark is skipped.
// `c` says which constants the build gets (model_zoo.h); the shapes, descriptors and
// timing are the same in every case. Calibration runs, like the zoo's, on a build of
// the same rows scaled to an input of at most 96 pixels a side (each row's shape then
// follows from its producer; a global pool stays global), and on the full build when
// the rows do not fit that scale (a kernel larger than its scaled input).
runtime::network read_topology_csv(const std::string& path, policy p, uint32_t seed,
                                   int dataflow = DWVP_DF_OS,
                                   constants c = constants::calibrated,
                                   calibration_record* record = nullptr);

// The same from text; `source` names it in error messages and gives the network name.
runtime::network parse_topology_csv(const std::string& text, const std::string& source,
                                    policy p, uint32_t seed, int dataflow = DWVP_DF_OS,
                                    constants c = constants::calibrated,
                                    calibration_record* record = nullptr);

} // namespace dwvp::networks
