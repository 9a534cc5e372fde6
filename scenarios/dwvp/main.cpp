// dwvp: `dwvp run --network mobilenet_v1 --policy gemm_dwc ...`, `dwvp list`.
// Built once per network scenario too (DWVP_NETWORK set), sharing the code path.
#include "cli.h"
#include "harness.h"

#include <systemc>

#ifndef DWVP_NETWORK
#define DWVP_NETWORK ""
#endif

int sc_main(int argc, char* argv[]) {
  return dwvp::cli::run_main(argc, argv, DWVP_NETWORK);
}

int main(int argc, char* argv[]) {
  return dwvp::scenarios::systemc_main(argc, argv);
}
