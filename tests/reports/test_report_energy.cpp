// The DRAM energy breakdown (activate, read, write, refresh, background) in the reports
// of a real `dwvp run --no-data`: the parts add up to the total they break down, in the
// JSON report (the whole run and every layer) and in every row of the CSV.
#include "harness.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char* const k_parts[] = {"activate", "read", "write", "refresh", "background"};

void check_sum(double sum, double total) {
  CHECK(total > 0);
  CHECK(std::abs(sum - total) <= 1e-6 * std::abs(total));
}

// A scratch directory removed at the end of the test.
struct scratch_dir {
  fs::path path =
      fs::temp_directory_path() / ("dwvp_reports_" + std::to_string(::getpid()));
  scratch_dir() { fs::create_directories(path); }
  ~scratch_dir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs dwvp with `args`, writing the JSON and CSV reports; returns stdout + stderr.
std::string run_dwvp(const scratch_dir& dir, const std::string& args) {
  const fs::path out = dir.path / "out.txt";
  const std::string cmd = std::string("cd ") + DWVP_SOURCE_DIR + " && " + DWVP_EXE +
                          " run " + args + " --report " + (dir.path / "r.json").string() +
                          " --csv " + (dir.path / "r.csv").string() + " > " +
                          out.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(read_file(out));
  REQUIRE(rc == 0);
  return read_file(out);
}

// CSV rows as column name -> text (the shape column is quoted, without commas inside).
std::vector<std::map<std::string, std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::stringstream s(l);
    std::string cell;
    while (std::getline(s, cell, ','))
      cells.push_back(cell);
    if (!l.empty() && l.back() == ',')
      cells.push_back("");
    return cells;
  };
  std::getline(in, line);
  header = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    REQUIRE(cells.size() == header.size());
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < cells.size(); ++i)
      row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

void check_reports(const scratch_dir& dir) {
  const auto j = nlohmann::json::parse(read_file(dir.path / "r.json"));
  // The whole run.
  const auto& total = j.at("total");
  double sum = 0;
  for (const char* part : k_parts) {
    INFO(part);
    CHECK(total.at("dram_energy_breakdown_pj").at(part).get<double>() > 0);
    sum += total.at("dram_energy_breakdown_pj").at(part).get<double>();
  }
  check_sum(sum, total.at("dram_energy_pj").get<double>());
  // Every layer: the parts add up to the layer's DRAM energy.
  double layers_dram = 0;
  for (const auto& l : j.at("layers")) {
    INFO("layer " << l.at("name").get<std::string>());
    double s = 0;
    for (const char* part : k_parts)
      s += l.at("dram_energy_breakdown_pj").at(part).get<double>();
    const double dram = l.at("energy_breakdown_pj").at("dram").get<double>();
    check_sum(s, dram);
    layers_dram += dram;
  }
  // The layers ran inside the whole run.
  CHECK(layers_dram <= total.at("dram_energy_pj").get<double>());

  // CSV: every row's parts add up to its energy_dram_pj, which is the JSON's.
  const auto rows = read_csv(dir.path / "r.csv");
  REQUIRE(rows.size() == j.at("layers").size());
  double csv_dram = 0;
  for (const auto& row : rows) {
    INFO("CSV row " << row.at("name"));
    double s = 0;
    for (const char* part : k_parts)
      s += std::stod(row.at(std::string("dram_") + part + "_pj"));
    check_sum(s, std::stod(row.at("energy_dram_pj")));
    csv_dram += std::stod(row.at("energy_dram_pj"));
  }
  CHECK(std::abs(csv_dram - layers_dram) <= 1e-6 * layers_dram);
}

} // namespace

TEST_CASE("energy parts: activate is ACT + PRE, background the rest of the total",
          "[report][dram]") {
  dwvp::dram::dram_energy e;
  e.act_pj = 1;
  e.pre_pj = 2;
  e.read_pj = 3;
  e.write_pj = 4;
  e.refresh_pj = 5;
  e.background_pj = 6;
  const auto p = dwvp::scenarios::energy_parts(e);
  CHECK(p.activate == 3);
  CHECK(p.read == 3);
  CHECK(p.write == 4);
  CHECK(p.refresh == 5);
  CHECK(p.background == 6);
  CHECK(p.total == e.total_pj());
  const auto d = p - dwvp::scenarios::energy_parts(dwvp::dram::dram_energy{});
  CHECK(d.total == p.total);
  CHECK(d.activate == p.activate);
}

TEST_CASE("dwvp run --no-data: the DRAM energy breakdown adds up (JSON, CSV, text)",
          "[report][dram]") {
  const scratch_dir dir;
  const std::string out = run_dwvp(dir, "--network mobilenet_v1 --no-data");
  check_reports(dir);
  CHECK_THAT(out, Catch::Matchers::Contains("DRAM energy       activate "));
  CHECK_THAT(out, Catch::Matchers::Contains("DRAM controller   read queue 32"));
}

TEST_CASE("dwvp run with a memspec file: breakdown adds up, the file is named",
          "[report][dram]") {
  const scratch_dir dir;
  const std::string out =
      run_dwvp(dir, "--network mobilenet_v1 --resolution 96 --no-data --set "
                    "dram.spec=configs/dram/lpddr4_3200.json");
  check_reports(dir);
  CHECK_THAT(out, Catch::Matchers::Contains("dram configs/dram/lpddr4_3200.json"));
  CHECK_THAT(
      out, Catch::Matchers::Contains("DRAM lpddr4_3200 (configs/dram/lpddr4_3200.json)"));
  const auto j = nlohmann::json::parse(read_file(dir.path / "r.json"));
  CHECK(j.at("config").at("dram.spec") == "configs/dram/lpddr4_3200.json");
}

TEST_CASE("dwvp run --check none: no comparison, host time per phase in the JSON",
          "[report][check]") {
  const scratch_dir dir;
  const std::string out =
      run_dwvp(dir, "--network mobilenet_v1 --resolution 96 --check none");
  CHECK_THAT(out, Catch::Matchers::Contains("golden check      skipped (--check none)"));
  const auto j = nlohmann::json::parse(read_file(dir.path / "r.json"));
  const auto& t = j.at("total");
  CHECK(t.at("bit_exact").is_null());
  for (const char* phase : {"construction", "calibration", "elaboration", "simulation",
                            "golden", "check_wait", "compare", "report"})
    CHECK(t.at("host_phase_seconds").at(phase).get<double>() >= 0.0);
  CHECK(t.at("host_phase_seconds").at("golden").get<double>() == 0.0);
  for (const auto& l : j.at("layers"))
    CHECK(l.at("bit_exact").is_null());
}

TEST_CASE("dwvp run --check golden: every layer compared, the reference's time reported",
          "[report][check]") {
  const scratch_dir dir;
  const std::string out = run_dwvp(dir, "--network mobilenet_v1 --resolution 96");
  CHECK_THAT(out, Catch::Matchers::Contains("golden check      bit-exact (every layer)"));
  const auto j = nlohmann::json::parse(read_file(dir.path / "r.json"));
  CHECK(j.at("total").at("bit_exact") == true);
  CHECK(j.at("total").at("host_phase_seconds").at("golden").get<double>() > 0.0);
  for (const auto& l : j.at("layers"))
    CHECK(l.at("bit_exact") == true);
}
