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
  CHECK_THROWS_WITH(cfg.set("dram.latency_ns", "-5"),
                    Contains("key 'dram.latency_ns' must be 0..1000000, got -5"));
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

TEST_CASE("every numeric key has a range; values outside it are refused naming the key",
          "[config][hostile]") {
  config cfg;
  std::ostringstream dump;
  cfg.dump(dump);
  for (const auto& e : cfg.entries()) {
    INFO(e.key);
    const bool numeric =
        e.type == dwvp::config_type::integer || e.type == dwvp::config_type::real;
    CHECK(numeric == !e.range.empty());
    if (numeric)
      CHECK_THAT(dump.str(), Contains(e.range + ", default"));
  }
  // Times that would overflow sc_time over a run (issue 13): refused at the key.
  for (const char* key : {"dram.latency_ns", "bus.latency_ns", "host.mmio_latency_ns"})
    CHECK_THROWS_WITH(cfg.set(key, "1000000000000000000"),
                      Contains(std::string("--set: key '") + key +
                               "' must be 0..1000000, got 1000000000000000000"));
  CHECK_THROWS_WITH(cfg.set("host.copy_bytes_per_ns", "1e-300"),
                    Contains("key 'host.copy_bytes_per_ns' must be 0.001..1000000"));
  CHECK_THROWS_WITH(cfg.set("host.copy_bytes_per_ns", "0"),
                    Contains("key 'host.copy_bytes_per_ns' must be"));
  CHECK_THROWS_WITH(cfg.set("dram.bandwidth_gbps", "1e-300"),
                    Contains("key 'dram.bandwidth_gbps' must be 0 or 0.001..1000000"));
  cfg.set("dram.bandwidth_gbps", "0"); // unlimited
  CHECK(cfg.get_real("dram.bandwidth_gbps") == 0);
  CHECK_THROWS_WITH(cfg.set("clock.accel_mhz", "1e-300"),
                    Contains("key 'clock.accel_mhz' must be 1..10000"));
  CHECK_THROWS_WITH(cfg.set("sim.quantum_ns", "0"), Contains("key 'sim.quantum_ns'"));
  CHECK_THROWS_WITH(cfg.set("sram.input_kb", "1048576"),
                    Contains("key 'sram.input_kb' must be 1..65536"));
  // Addresses are 32-bit: no truncation of a base above 4 GiB.
  CHECK_THROWS_WITH(cfg.set("accel.regs_base", "0x140000000"),
                    Contains("key 'accel.regs_base' must be 0x0..0xfffff000"));
  CHECK_THROWS_WITH(cfg.set("dram.base", "0x100000000"),
                    Contains("key 'dram.base' must be 0x0..0xffffffff"));
  CHECK(cfg.get_uint("accel.regs_base") == 0x40000000u);
  CHECK(cfg.get_real("host.copy_bytes_per_ns") == 8);
}

TEST_CASE("integers are decimal or 0x hexadecimal, parsed to the end",
          "[config][hostile]") {
  config cfg;
  cfg.set("gemm.rows", "010"); // decimal ten, not octal eight
  CHECK(cfg.get_int("gemm.rows") == 10);
  cfg.set("gemm.rows", "0x10");
  CHECK(cfg.get_int("gemm.rows") == 16);
  cfg.set("fault.tile_input_offset", "-0x40");
  CHECK(cfg.get_int("fault.tile_input_offset") == -64);
  cfg.set("gemm.cols", "+8");
  CHECK(cfg.get_int("gemm.cols") == 8);
  for (const char* bad : {"1e3", "12 ", " 12", "0x", "0b101", "12abc", "--3", "0x1g", ""})
    CHECK_THROWS_WITH(cfg.set("gemm.rows", bad),
                      Contains("key 'gemm.rows': expected an integer"));
  CHECK_THROWS_WITH(
      cfg.set("gemm.rows", "99999999999999999999"),
      Contains("key 'gemm.rows': integer '99999999999999999999' is out of range"));
  CHECK_THROWS_WITH(cfg.set("clock.accel_mhz", "800MHz"), Contains("expected a number"));
  CHECK_THROWS_WITH(cfg.set("clock.accel_mhz", "nan"), Contains("expected a number"));
  CHECK_THROWS_WITH(cfg.set("clock.accel_mhz", "0x1p10"), Contains("expected a number"));
  CHECK(cfg.get_int("gemm.rows") == 16);
}

TEST_CASE("hostile YAML: aliases, nesting, size and byte order marks",
          "[config][hostile]") {
  config cfg;
  // Issue 13: 17 bytes that recursed without end (a stack overflow).
  auto self = write_temp("dwvp_cfg_self_alias.yaml", "gemm: &a\n rows: *a");
  CHECK_THROWS_WITH(cfg.load_yaml(self), Contains("dwvp_cfg_self_alias.yaml:2") &&
                                             Contains("key 'gemm.rows'") &&
                                             Contains("refers back to an enclosing map"));
  auto loop = write_temp("dwvp_cfg_loop.yaml", "dram: &d\n  x: &e\n    y: *d\n");
  CHECK_THROWS_WITH(cfg.load_yaml(loop),
                    Contains("dwvp_cfg_loop.yaml:2") &&
                        Contains("'dram.x' is no configuration section"));
  // "Billion laughs": ten maps of ten aliases, nine levels deep. Refused at the first
  // map that is no section of a key, before anything is expanded.
  std::string laughs = "a0: &a0 {x: 1, y: 2}\n";
  for (int i = 1; i < 9; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " {";
    for (int j = 0; j < 10; ++j)
      laughs += (j ? ", k" : "k") + std::to_string(j) + ": *a" + std::to_string(i - 1);
    laughs += "}\n";
  }
  auto many = write_temp("dwvp_cfg_laughs.yaml", laughs);
  CHECK_THROWS_WITH(cfg.load_yaml(many),
                    Contains("dwvp_cfg_laughs.yaml:1") &&
                        Contains("'a0' is no configuration section"));
  auto deep = write_temp("dwvp_cfg_deep.yaml", "gemm:\n  rows:\n    x: 1\n");
  CHECK_THROWS_WITH(cfg.load_yaml(deep), Contains("dwvp_cfg_deep.yaml:2") &&
                                             Contains("'gemm.rows' is no configuration"));
  auto key = write_temp("dwvp_cfg_key.yaml", "? [a, b]\n: 1\n");
  CHECK_THROWS_WITH(cfg.load_yaml(key),
                    Contains("dwvp_cfg_key.yaml:1") && Contains("plain names"));
  auto big = write_temp("dwvp_cfg_big.yaml",
                        "# " + std::string(dwvp::k_max_config_bytes, 'x') + "\n");
  CHECK_THROWS_WITH(cfg.load_yaml(big),
                    Contains("dwvp_cfg_big.yaml") && Contains("larger than 1 MiB"));
  CHECK_THROWS_WITH(cfg.load_yaml("/dev/zero"),
                    Contains("/dev/zero") && Contains("larger than 1 MiB"));
  CHECK_THROWS_WITH(cfg.load_yaml(std::filesystem::temp_directory_path().string()),
                    Contains("is a directory"));
  auto range = write_temp("dwvp_cfg_range.yaml", "dram:\n  latency_ns: 1000000000000\n");
  CHECK_THROWS_WITH(cfg.load_yaml(range), Contains("dwvp_cfg_range.yaml:2") &&
                                              Contains("key 'dram.latency_ns' must be"));
  auto bom = write_temp("dwvp_cfg_bom.yaml", "\xEF\xBB\xBFgemm:\n  rows: 010\n");
  cfg.load_yaml(bom);
  CHECK(cfg.get_int("gemm.rows") == 10);
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
