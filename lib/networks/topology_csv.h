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

// Reads the file and builds the network with seeded constants; KxK depthwise layers
// are mapped by `p`, 1xK / Kx1 layers run on ST-OS. Layers that take the run's
// dataflow (takes_gemm_dataflow) get their row's Dataflow cell, else `dataflow`
// (DWVP_DF_OS or DWVP_DF_WS: the run's gemm.dataflow). Throws std::invalid_argument as
// "<file>:<line>: column <n> (<header>): <what>" for bad input (unknown type or column,
// non-numeric field, shape mismatch with the producer, unknown producer name, ...).
// `calibrated` false skips the calibration of the requantisation (calibrate.h): the
// shapes, descriptors and timing are the same, only values differ (timing-only runs).
runtime::network read_topology_csv(const std::string& path, policy p, uint32_t seed,
                                   int dataflow = DWVP_DF_OS, bool calibrated = true);

// The same from text; `source` names it in error messages and gives the network name.
runtime::network parse_topology_csv(const std::string& text, const std::string& source,
                                    policy p, uint32_t seed, int dataflow = DWVP_DF_OS,
                                    bool calibrated = true);

} // namespace dwvp::networks
