// dwvp explore: a design-space sweep with the analytical model (lib/analytical,
// docs/analytical.md). Every point of a grid (array size, buffer sizes, vector lanes,
// DRAM) is estimated in closed form; the Pareto front of cycles against a cost proxy is
// printed, written as CSV and plotted, and the fastest front points are re-run on the
// platform (timing only) with model and platform side by side.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace dwvp::scenarios {

struct explore_options {
  std::string network = "mobilenet_v1";
  std::vector<std::string> policies{"conventional", "gemm_naive", "gemm_dwc"};
  int resolution = 224;
  std::vector<int> arrays{16, 32, 64, 128};                      // gemm.rows = gemm.cols
  std::vector<int> input_kb{64, 128, 256};                       // sram.input_kb
  std::vector<int> weight_kb{64, 128, 256};                      // sram.weight_kb
  std::vector<int> output_kb{64, 128};                           // sram.output_kb
  std::vector<int> lanes{16, 32, 64};                            // vector.lanes
  std::vector<std::string> dram{"ddr4_2400_x64", "lpddr4_3200"}; // or fixed:GB/s
  std::vector<std::string> sets; // further --set KEY=VALUE for every point
  bool fuse_blocks = false; // stripe chains (block fusion), as `dwvp run --fuse-blocks`
  bool fuse = false;        // depthwise -> pointwise pairs, as `dwvp run --fuse`
  int rerun = 3;            // fastest Pareto points re-run
  int jobs = 2;
  std::string out = "explore";
};

// Adds the subcommand to `app`; parsed options land in `o`.
CLI::App* add_explore_command(CLI::App& app, explore_options& o);
// Runs it; the exit code.
int explore(const explore_options& o);

} // namespace dwvp::scenarios
