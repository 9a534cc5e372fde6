// Replays fuzz/corpus/<name>/* and fuzz/regressions/<name>/* through each fuzz harness
// (fuzz/fuzz_<name>.cpp, built as plain functions): every input must return 0 without
// an exception, so a fixed finding stays fixed. One test case per harness, each in its
// own process (the registers harness elaborates a SystemC bench once).
#include "fuzz_target.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using harness = int (*)(const uint8_t*, size_t);

// The files of fuzz/corpus/<name> and fuzz/regressions/<name>, sorted.
std::vector<fs::path> inputs_of(const std::string& name) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(DWVP_FUZZ_DIR) / kind / name;
    if (!fs::is_directory(dir))
      continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file())
        files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const std::string& name, harness run) {
  const std::vector<fs::path> files = inputs_of(name);
  REQUIRE(!files.empty()); // every harness has seeds
  for (const fs::path& f : files) {
    INFO(f.string());
    std::ifstream in(f, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    int result = -1;
    CHECK_NOTHROW(result = run(bytes.data(), bytes.size()));
    CHECK(result == 0);
  }
}

} // namespace

TEST_CASE("fuzz replay: config_yaml") {
  replay("config_yaml", fuzz_config_yaml);
}
TEST_CASE("fuzz replay: config_set") {
  replay("config_set", fuzz_config_set);
}
TEST_CASE("fuzz replay: topology_csv") {
  replay("topology_csv", fuzz_topology_csv);
}
TEST_CASE("fuzz replay: npy") {
  replay("npy", fuzz_npy);
}
TEST_CASE("fuzz replay: index_json") {
  replay("index_json", fuzz_index_json);
}
TEST_CASE("fuzz replay: descriptor") {
  replay("descriptor", fuzz_descriptor);
}
TEST_CASE("fuzz replay: registers") {
  replay("registers", fuzz_registers);
}
