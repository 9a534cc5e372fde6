// Configuration keys, YAML loading and log-level parsing, including every error path.
#include "config.h"
#include "logging.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using Catch::Contains;
using dwvp::config;
using dwvp::config_error;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("defaults are typed and documented", "[config]") {
  config cfg;
  CHECK(cfg.get_int("gemm.rows") == 32);
  CHECK(cfg.get_int("gemm.cols") == 32);
  CHECK(cfg.get_real("clock.accel_mhz") == 1000.0);
  CHECK(cfg.get_uint("dram.base") == 0x80000000u);
  CHECK(cfg.get_string("gemm.schedule") == "pipelined");
  CHECK(cfg.get_string("timing.model") == "physical");
  CHECK(cfg.get_bool("sim.functional"));
  CHECK(cfg.get_string("log.level") == "warn");
  for (const auto& e : cfg.entries()) {
    INFO(e.key);
    CHECK_FALSE(e.description.empty());
    CHECK(e.origin == "default");
  }
  std::ostringstream dump;
  cfg.dump(dump);
  for (const auto& e : cfg.entries())
    CHECK_THAT(dump.str(), Contains(e.key));
}

TEST_CASE("set overrides parse by type", "[config]") {
  config cfg;
  cfg.set_assignment("gemm.rows=64");
  cfg.set_assignment("sim.functional=no");
  cfg.set_assignment("gemm.schedule=scalesim");
  cfg.set_assignment("dram.base=0x90000000");
  cfg.set_assignment("clock.accel_mhz=800.5");
  CHECK(cfg.get_int("gemm.rows") == 64);
  CHECK_FALSE(cfg.get_bool("sim.functional"));
  CHECK(cfg.get_string("gemm.schedule") == "scalesim");
  CHECK(cfg.get_uint("dram.base") == 0x90000000u);
  CHECK(cfg.get_real("clock.accel_mhz") == 800.5);
}

TEST_CASE("bad keys and values name the culprit", "[config]") {
  config cfg;
  CHECK_THROWS_WITH(cfg.set_assignment("gemm.rowz=4"),
                    Contains("--set") &&
                        Contains("unknown configuration key 'gemm.rowz'"));
  CHECK_THROWS_WITH(cfg.set_assignment("gemm.rows=many"),
                    Contains("'gemm.rows'") &&
                        Contains("expected an integer, got 'many'"));
  CHECK_THROWS_WITH(cfg.set_assignment("gemm.rows=12abc"),
                    Contains("expected an integer"));
  CHECK_THROWS_WITH(cfg.set_assignment("sim.functional=maybe"),
                    Contains("expected true or false"));
  // The options gemm.schedule replaced are gone.
  CHECK_THROWS_WITH(cfg.set_assignment("gemm.double_buffered=true"),
                    Contains("unknown configuration key 'gemm.double_buffered'"));
  CHECK_THROWS_WITH(cfg.set_assignment("clock.accel_mhz=fast"),
                    Contains("expected a number"));
  CHECK_THROWS_WITH(cfg.set_assignment("clock.accel_mhz=inf"),
                    Contains("expected a number"));
  CHECK_THROWS_WITH(cfg.set_assignment("novalue"), Contains("expected key=value"));
  CHECK_THROWS_WITH(cfg.set_assignment("=3"), Contains("expected key=value"));
  cfg.set("dram.latency_ns", "-5");
  CHECK_THROWS_WITH(cfg.get_uint("dram.latency_ns"), Contains("must not be negative"));
  CHECK_THROWS_AS(cfg.get_bool("gemm.rows"), config_error); // wrong type
  CHECK_THROWS_AS(cfg.get_int("no.such.key"), config_error);
  // A failed set leaves the old value.
  CHECK(cfg.get_int("gemm.rows") == 32);
}

TEST_CASE("YAML files set nested keys and name file and line on error", "[config]") {
  config cfg;
  auto good = write_temp("dwvp_cfg_good.yaml", "gemm:\n  rows: 16\n  cols: 8\n"
                                               "dram:\n  latency_ns: 70\n");
  cfg.load_yaml(good);
  CHECK(cfg.get_int("gemm.rows") == 16);
  CHECK(cfg.get_int("gemm.cols") == 8);
  CHECK(cfg.get_uint("dram.latency_ns") == 70);
  for (const auto& e : cfg.entries())
    if (e.key == "gemm.cols")
      CHECK_THAT(e.origin, Contains("dwvp_cfg_good.yaml:3"));

  auto unknown = write_temp("dwvp_cfg_unknown.yaml", "gemm:\n  rows: 16\n  colz: 8\n");
  CHECK_THROWS_WITH(cfg.load_yaml(unknown),
                    Contains("dwvp_cfg_unknown.yaml:3") && Contains("'gemm.colz'"));
  auto bad_value = write_temp("dwvp_cfg_bad.yaml", "gemm:\n  rows: lots\n");
  CHECK_THROWS_WITH(cfg.load_yaml(bad_value),
                    Contains("dwvp_cfg_bad.yaml:2") && Contains("expected an integer"));
  auto syntax = write_temp("dwvp_cfg_syntax.yaml", "gemm: [1, 2\n");
  CHECK_THROWS_WITH(cfg.load_yaml(syntax), Contains("dwvp_cfg_syntax.yaml"));
  auto list = write_temp("dwvp_cfg_list.yaml", "- 1\n- 2\n");
  CHECK_THROWS_WITH(cfg.load_yaml(list), Contains("top level must be a map"));
  auto seq_value = write_temp("dwvp_cfg_seq.yaml", "gemm:\n  rows: [1, 2]\n");
  CHECK_THROWS_WITH(cfg.load_yaml(seq_value), Contains("must have a scalar value"));
  CHECK_THROWS_WITH(cfg.load_yaml("/nonexistent/dwvp.yaml"),
                    Contains("/nonexistent/dwvp.yaml") && Contains("cannot open"));
}

TEST_CASE("log levels per module", "[config][logging]") {
  dwvp::logging::configure("warn", "accel=debug,bus=trace");
  CHECK(dwvp::logging::get("accel")->level() == spdlog::level::debug);
  CHECK(dwvp::logging::get("bus")->level() == spdlog::level::trace);
  CHECK(dwvp::logging::get("host")->level() == spdlog::level::warn);
  // Reconfiguring updates loggers that already exist.
  dwvp::logging::configure("error", "");
  CHECK(dwvp::logging::get("accel")->level() == spdlog::level::err);
  CHECK_THROWS_WITH(dwvp::logging::configure("loud", ""), Contains("'loud'"));
  CHECK_THROWS_WITH(dwvp::logging::configure("info", "accel"), Contains("module=level"));
  CHECK_THROWS_WITH(dwvp::logging::configure("info", "accel=chatty"),
                    Contains("'chatty'"));
}
