// The dwvp command line, shared by `dwvp` and the per-network scenario executables
// (same code path; a scenario only fixes --network).
#pragma once

#include <string>

namespace dwvp::cli {

// argv as given to main; `fixed_network` non-empty for a per-network executable.
int run_main(int argc, char* argv[], const std::string& fixed_network);

} // namespace dwvp::cli
