// SCALE-Sim's mapping efficiency (--scalesim-report's COMPUTE_REPORT.csv) against
// counts of the folds by hand: the mean over folds of used rows x used columns over
// the array's R x C.
#include "report.h"

#include <catch2/catch.hpp>

namespace {

dwvp_desc layer(uint8_t opcode, uint8_t dataflow, uint16_t out_hw, uint16_t in_c,
                uint16_t out_c, uint8_t k) {
  dwvp_desc d{};
  d.opcode = opcode;
  d.dataflow = dataflow;
  d.out_h = d.out_w = out_hw;
  d.in_c = in_c;
  d.out_c = out_c;
  d.kernel_h = d.kernel_w = k;
  return d;
}

} // namespace

TEST_CASE("scalesim mapping efficiency: folds counted by hand", "[reports][scalesim]") {
  using dwvp::scenarios::scalesim_mapping_efficiency;
  // Pointwise, output stationary, 49 pixels x 100 filters on 32 x 32: row folds of 32
  // and 17 pixels, column folds of 32, 32, 32 and 4 filters; the eight folds use
  // (32 + 17) x (32 + 32 + 32 + 4) = 4,900 of 8 x 1,024 PEs.
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_POINTWISE, DWVP_DF_OS, 7, 64, 100, 1),
                                    32, 32) == Approx(4900.0 / 8192.0));
  // Conv 3x3 over 3 channels, weight stationary, 32 filters: one fold of 27 rows x 32
  // columns.
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_CONV2D, DWVP_DF_WS, 56, 3, 32, 3), 32,
                                    32) == Approx(27.0 * 32 / 1024));
  // The same on a 16 x 64 array: rows 16 + 11, one column fold of 32 of 64.
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_CONV2D, DWVP_DF_WS, 56, 3, 32, 3), 16,
                                    64) == Approx(27.0 * 32 / (2 * 16 * 64)));
  // Fully connected, output stationary: one pixel on 32 rows, 1000 filters in 32 column
  // folds (31 of 32, one of 8).
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_FC, DWVP_DF_OS, 1, 1024, 1000, 1), 32,
                                    32) == Approx(1000.0 / (32 * 1024)));
  // Depthwise as one-filter GEMMs: each channel 196 pixels x 1 filter, 7 row folds.
  dwvp_desc dw = layer(DWVP_OP_DEPTHWISE, DWVP_DF_OS, 14, 64, 64, 3);
  dw.mapping = DWVP_MAP_GEMM_NAIVE;
  CHECK(scalesim_mapping_efficiency(dw, 32, 32) == Approx(196.0 / (7 * 1024)));
  // Weight stationary: a 9-row window per channel.
  dw.dataflow = DWVP_DF_WS;
  CHECK(scalesim_mapping_efficiency(dw, 32, 32) == Approx(9.0 / 1024));
}

TEST_CASE("scalesim mapping efficiency: layers not folded onto the array have none",
          "[reports][scalesim]") {
  using dwvp::scenarios::scalesim_mapping_efficiency;
  dwvp_desc dw = layer(DWVP_OP_DEPTHWISE, DWVP_DF_WS, 14, 64, 64, 3);
  dw.mapping = DWVP_MAP_CHANNEL_MVM; // the DwC datapath
  CHECK(scalesim_mapping_efficiency(dw, 32, 32) == -1);
  dw.mapping = DWVP_MAP_VECTOR;
  CHECK(scalesim_mapping_efficiency(dw, 32, 32) == -1);
  dwvp_desc st = layer(DWVP_OP_DW_1XK, DWVP_DF_ST_OS, 14, 64, 64, 1);
  st.kernel_w = 3;
  CHECK(scalesim_mapping_efficiency(st, 32, 32) == -1);
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_AVG_POOL, DWVP_DF_OS, 1, 64, 64, 7), 32,
                                    32) == -1);
  CHECK(scalesim_mapping_efficiency(layer(DWVP_OP_POINTWISE, DWVP_DF_OS, 7, 64, 100, 1),
                                    0, 32) == -1);
}
