// The DRAM the platform configuration selects (dwvp::dram_setup_from): dram.model or a
// dram.spec memspec file, dram.mapping, the controller keys, and errors that name the
// key, the file and the field.
#include "config.h"
#include "soc.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;
using dwvp::config;
using dwvp::config_error;
using dwvp::dram_setup_from;

namespace {

std::string spec_file(const std::string& name) {
  return std::string(DWVP_CONFIG_DIR) + "/dram/" + name;
}

std::string error_of(const config& cfg) {
  try {
    dram_setup_from(cfg);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("dram.model presets and fixed", "[dram][config]") {
  config cfg;
  auto d = dram_setup_from(cfg);
  CHECK_FALSE(d.fixed);
  CHECK(d.label == "ddr4_2400_x64");
  CHECK(d.spec.tck_ps == 833);
  CHECK(d.mapping.to_string() ==
        dwvp::dram::address_mapping::default_for(d.spec).to_string());
  CHECK(dwvp::dram::describe(d.controller) ==
        dwvp::dram::describe(dwvp::dram::controller_params{}));
  cfg.set("dram.model", "fixed");
  CHECK(dram_setup_from(cfg).fixed);
  cfg.set("dram.spec", spec_file("lpddr4_3200.json"));
  CHECK_THAT(error_of(cfg), Contains("keys 'dram.spec' and 'dram.model'"));
}

TEST_CASE("dram.spec replaces the preset; dram.mapping still overrides",
          "[dram][config]") {
  config cfg;
  cfg.set("dram.spec", spec_file("lpddr4_3200.json"));
  auto d = dram_setup_from(cfg);
  CHECK(d.spec.standard == "lpddr4_3200");
  CHECK(d.spec.tck_ps == 625);
  CHECK(d.label == "lpddr4_3200 (" + spec_file("lpddr4_3200.json") + ")");
  // dram.spec wins over a preset name in dram.model.
  cfg.set("dram.model", "ddr4_2400_x64");
  CHECK(dram_setup_from(cfg).spec.tck_ps == 625);

  cfg.set("dram.spec", spec_file("ddr4_2400_x64_2rank.json"));
  d = dram_setup_from(cfg);
  CHECK(d.spec.ranks == 2);
  CHECK(d.mapping.to_string() ==
        "offset:3 column:3 bank_group:2 column:7 bank:2 rank:1 row:16");
  cfg.set("dram.mapping", "offset column bank_group bank row rank");
  CHECK(dram_setup_from(cfg).mapping.to_string() ==
        "offset:3 column:10 bank_group:2 bank:2 row:16 rank:1");
  cfg.set("dram.mapping", "offset column bank_group bank row");
  CHECK_THAT(error_of(cfg),
             Contains("key 'dram.mapping': address mapping: field 'rank'"));
}

TEST_CASE("dram.spec errors name the key, the file and the field", "[dram][config]") {
  config cfg;
  cfg.set("dram.spec", "/nonexistent/spec.json");
  CHECK_THAT(error_of(cfg),
             Equals("key 'dram.spec': /nonexistent/spec.json: cannot open"));
  const std::string bad = std::string(DWVP_TEST_DATA_DIR) + "/memspec_bad_rcd.json";
  cfg.set("dram.spec", bad);
  CHECK_THAT(error_of(cfg), StartsWith("key 'dram.spec': " + bad +
                                       ": memspec.timing.rcd: must be an integer"));
  const std::string missing =
      std::string(DWVP_TEST_DATA_DIR) + "/memspec_missing_rp.json";
  cfg.set("dram.spec", missing);
  CHECK_THAT(error_of(cfg),
             Equals("key 'dram.spec': " + missing + ": memspec.timing.rp: missing"));
  // dram.size_mb above the capacity names the spec and its file.
  const std::string small = std::string(DWVP_TEST_DATA_DIR) + "/memspec_small.json";
  cfg.set("dram.spec", small);
  CHECK(error_of(cfg) == "key 'dram.size_mb' exceeds the capacity of lpddr4_small (" +
                             small + "), 128 MiB");
  cfg.set("dram.size_mb", "128");
  CHECK(error_of(cfg) == "no error");
}

TEST_CASE("DRAM controller keys fill controller_params; errors name the key",
          "[dram][config]") {
  config cfg;
  for (const auto& [key, value] : {std::pair{"dram.read_queue", "16"},
                                   {"dram.write_queue", "64"},
                                   {"dram.write_high", "48"},
                                   {"dram.write_low", "16"},
                                   {"dram.ctrl_latency", "3"},
                                   {"dram.powerdown_idle", "100"},
                                   {"dram.refresh", "per_bank"}})
    cfg.set(key, value);
  cfg.set("dram.spec", spec_file("lpddr4_3200.json")); // per_bank needs LPDDR4
  const auto c = dram_setup_from(cfg).controller;
  CHECK(c.refresh == dwvp::dram::refresh_mode::per_bank);
  CHECK(dwvp::dram::describe(c) == "read queue 16, write queue 64 (drain 48 -> 16), "
                                   "latency 3 clocks, refresh per_bank, power-down "
                                   "after 100 idle clocks");

  auto error_with = [](const char* key, const char* value) {
    config bad;
    bad.set(key, value);
    return error_of(bad);
  };
  // Each key's own range is checked when it is set (platform/config.cpp), the rules
  // between keys when the controller is set up.
  config range;
  CHECK_THROWS_WITH(range.set("dram.read_queue", "0"),
                    Contains("key 'dram.read_queue' must be 1..1024, got 0"));
  CHECK_THROWS_WITH(range.set("dram.write_queue", "2000"),
                    Contains("key 'dram.write_queue' must be 1..1024"));
  CHECK_THROWS_WITH(range.set("dram.ctrl_latency", "5000"),
                    Contains("key 'dram.ctrl_latency' must be 0..1000"));
  CHECK_THROWS_WITH(range.set("dram.ctrl_latency", "-1"),
                    Contains("key 'dram.ctrl_latency' must be 0..1000"));
  CHECK_THROWS_WITH(range.set("dram.read_queue", "4294967297"),
                    Contains("key 'dram.read_queue' must be 1..1024"));
  CHECK(error_with("dram.write_high", "33") ==
        "key 'dram.write_high' must be 1..write_queue");
  CHECK(error_with("dram.write_low", "24") ==
        "key 'dram.write_low' must be < write_high");
  CHECK(error_with("dram.refresh", "sometimes") ==
        "key 'dram.refresh': unknown refresh mode 'sometimes' (all_bank, per_bank)");
  CHECK_THAT(error_with("dram.refresh", "per_bank"),
             StartsWith("key 'dram.refresh' must be all_bank: per_bank needs a spec with "
                        "refi_pb and rfc_pb (ddr4_2400_x64 has none)"));
}
