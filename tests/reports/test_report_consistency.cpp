// One report: every number `dwvp run` prints in its layer table and in the summary's
// totals equals the same field of the JSON report and of the CSV, for each of the 25
// base and FuSe networks (timing only at 64x64, so the 25 runs take seconds).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string x; in >> x;)
    w.push_back(x);
  return w;
}

std::vector<std::string> cells(const std::string& line) {
  // The shape cell is quoted and holds no comma.
  std::vector<std::string> c;
  std::istringstream in(line);
  for (std::string x; std::getline(in, x, ',');)
    c.push_back(x);
  return c;
}

// The base networks and their FuSe variants: every `dwvp list` network whose name
// does not carry a fuseconv-authors' or a hybrid suffix, 25 in all.
std::vector<std::string> networks() {
  std::vector<std::string> names;
  for (const char* base : {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small",
                           "mobilenet_v3_large", "mnasnet_b1"})
    for (const char* variant :
         {"", "_fuse_full", "_fuse_half", "_fuse_full_50", "_fuse_half_50"})
      names.push_back(std::string(base) + variant);
  return names;
}

// "12.3" as printed with one decimal from `value`.
std::string one_decimal(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

} // namespace

TEST_CASE("the console table and summary, the JSON and the CSV agree for 25 networks",
          "[report]") {
  const fs::path dir =
      fs::temp_directory_path() / ("dwvp_consistency_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto names = networks();
  REQUIRE(names.size() == 25);
  for (const std::string& name : names) {
    INFO(name);
    const std::string cmd = std::string("cd ") + DWVP_SOURCE_DIR + " && " + DWVP_EXE +
                            " run --network " + name + " --resolution 64 --no-data" +
                            " --report " + (dir / "r.json").string() + " --csv " +
                            (dir / "r.csv").string() + " > " +
                            (dir / "out.txt").string() + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string console = read_file(dir / "out.txt");
    const auto json = nlohmann::json::parse(read_file(dir / "r.json"));
    const auto& total = json.at("total");
    const auto& layers = json.at("layers");
    std::istringstream csv(read_file(dir / "r.csv"));
    std::string line;
    std::getline(csv, line);
    const std::vector<std::string> header = cells(line);
    auto column = [&](const char* h) {
      return static_cast<size_t>(std::find(header.begin(), header.end(), h) -
                                 header.begin());
    };
    std::vector<std::vector<std::string>> csv_rows;
    while (std::getline(csv, line))
      csv_rows.push_back(cells(line));
    REQUIRE(csv_rows.size() == layers.size());

    // The layer table: one row per layer after the header, then "total".
    std::istringstream out(console);
    std::vector<std::vector<std::string>> table;
    bool in_table = false;
    std::vector<std::string> total_row;
    std::map<std::string, std::string> summary;
    while (std::getline(out, line)) {
      if (line.rfind("layer ", 0) == 0 && line.find("MACs") != std::string::npos) {
        in_table = true;
        continue;
      }
      if (in_table && line.rfind("total ", 0) == 0) {
        total_row = words(line);
        in_table = false;
        continue;
      }
      if (in_table)
        table.push_back(words(line));
      else if (line.size() > 18)
        summary[line.substr(0, 18)] = line.substr(18);
    }
    REQUIRE(table.size() == layers.size());
    for (size_t i = 0; i < table.size(); ++i) {
      const auto& t = table[i];
      const auto& j = layers[i];
      const auto& c = csv_rows[i];
      INFO(j.at("name").get<std::string>());
      // name type mapping dataflow shape... MACs cycles compute stall util% KiB hit%
      // exact
      REQUIRE(t.size() >= 12);
      const size_t n = t.size();
      CHECK(t[0] == j.at("name"));
      CHECK(t[n - 8] == std::to_string(j.at("macs").get<uint64_t>()));
      CHECK(t[n - 7] == std::to_string(j.at("cycles").get<uint64_t>()));
      CHECK(t[n - 6] == std::to_string(j.at("compute_cycles").get<uint64_t>()));
      CHECK(t[n - 5] == std::to_string(j.at("dma_stall_cycles").get<uint64_t>()));
      CHECK(t[n - 4] == one_decimal(100 * j.at("utilization").get<double>()));
      CHECK(t[n - 3] == std::to_string((j.at("dram_read_bytes").get<uint64_t>() +
                                        j.at("dram_write_bytes").get<uint64_t>()) /
                                       1024));
      CHECK(t[n - 2] == one_decimal(100 * j.at("row_hit_rate").get<double>()));
      CHECK(c[column("macs")] == t[n - 8]);
      CHECK(c[column("cycles")] == t[n - 7]);
      CHECK(c[column("compute_cycles")] == t[n - 6]);
      CHECK(c[column("dma_stall_cycles")] == t[n - 5]);
      CHECK(c[column("dram_read_bytes")] ==
            std::to_string(j.at("dram_read_bytes").get<uint64_t>()));
      CHECK(c[column("dram_write_bytes")] ==
            std::to_string(j.at("dram_write_bytes").get<uint64_t>()));
    }
    REQUIRE(total_row.size() == 3);
    CHECK(total_row[1] == std::to_string(total.at("macs").get<uint64_t>()));
    CHECK(total_row[2] == std::to_string(total.at("cycles").get<uint64_t>()));

    // The summary's totals, each a JSON field.
    const std::string layers_line =
        std::to_string(total.at("cycles").get<uint64_t>()) + " cycles, " +
        std::to_string(total.at("macs").get<uint64_t>()) + " MACs, DRAM read " +
        std::to_string(total.at("dram_read_bytes").get<uint64_t>()) + " B, written " +
        std::to_string(total.at("dram_write_bytes").get<uint64_t>()) + " B";
    CHECK(summary["layers            "] == layers_line);
    const auto& dev = total.at("device");
    CHECK(summary["device counters   "].rfind(
              "busy " + std::to_string(dev.at("busy_cycles").get<uint64_t>()) +
                  " cycles, " + std::to_string(dev.at("macs").get<uint64_t>()) +
                  " MACs, DRAM read " +
                  std::to_string(dev.at("dram_read_bytes").get<uint64_t>()) +
                  " B, written " +
                  std::to_string(dev.at("dram_write_bytes").get<uint64_t>()) + " B",
              0) == 0);
    CHECK(summary["simulated time    "].find(
              "(" + std::to_string(total.at("simulated_cycles").get<uint64_t>()) +
              " accelerator cycles)") != std::string::npos);
    char energy[96];
    const auto& eb = total.at("energy_breakdown_pj");
    std::snprintf(energy, sizeof energy, "%.3f uJ = MAC %.3f + SRAM %.3f + DRAM %.3f uJ",
                  total.at("energy_pj").get<double>() / 1e6,
                  eb.at("mac").get<double>() / 1e6, eb.at("sram").get<double>() / 1e6,
                  eb.at("dram").get<double>() / 1e6);
    CHECK(summary["layer energy      "] == energy);
    std::snprintf(energy, sizeof energy, "energy %.3f uJ",
                  total.at("dram_energy_pj").get<double>() / 1e6);
    CHECK(console.find(energy) != std::string::npos);
    // Sums: the JSON total is the sum of its layers and of the CSV rows.
    uint64_t cycles = 0, macs = 0;
    double e = 0;
    for (const auto& l : layers) {
      cycles += l.at("cycles").get<uint64_t>();
      macs += l.at("macs").get<uint64_t>();
      e += l.at("energy_pj").get<double>();
    }
    CHECK(cycles == total.at("cycles").get<uint64_t>());
    CHECK(macs == total.at("macs").get<uint64_t>());
    CHECK(std::abs(e - total.at("energy_pj").get<double>()) <=
          1e-9 * total.at("energy_pj").get<double>());
  }
  fs::remove_all(dir);
}
