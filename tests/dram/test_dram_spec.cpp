// Presets, spec validation and address-mapping parsing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dram_spec.h"

using namespace dwvp::dram;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

TEST_CASE("ddr4_2400_x64 preset: geometry and peak bandwidth", "[dram][spec]") {
  const dram_spec s = preset("ddr4_2400_x64");
  CHECK(s.tck_ps == 833);
  CHECK(s.burst_bytes() == 64);            // 8 bytes x BL8
  CHECK(s.devices_per_rank() == 8);        // x64 of x8 devices
  CHECK(s.capacity_bytes() == 8ull << 30); // 8 devices x 8 Gb
  // 64 B per 4 clocks of 833 ps = 19.208 GB/s (19.2 GB/s nominal at 1200 MHz).
  CHECK(s.peak_bandwidth_gbps() == Approx(64.0 / 3332.0 * 1000.0));
  CHECK(s.peak_bandwidth_gbps() == Approx(19.2).epsilon(0.001));
  CHECK_NOTHROW(validate(s));
  CHECK(preset_names().size() == 2);
}

TEST_CASE("lpddr4_3200 preset: x32 (2x16) channel, 12.8 GB/s", "[dram][spec]") {
  const dram_spec s = preset("lpddr4_3200");
  CHECK(s.tck_ps == 625);
  CHECK(s.burst_bytes() == 64); // 4 bytes x BL16
  CHECK(s.devices_per_rank() == 2);
  CHECK(s.capacity_bytes() == 2ull << 30);
  CHECK(s.peak_bandwidth_gbps() == Approx(12.8));
  // VDD1 current folded into VDD2: 45 + 3.5 * 1.8 / 1.1 mA.
  CHECK(s.idd0 == Approx(50.7273).epsilon(1e-4));
  CHECK_NOTHROW(validate(s));
}

TEST_CASE("spec errors name the field", "[dram][spec][error]") {
  CHECK_THROWS_AS(preset("ddr5_4800"), std::invalid_argument);
  CHECK_THROWS_WITH(preset("ddr5_4800"), Contains("ddr5_4800"));

  dram_spec s = preset("ddr4_2400_x64");
  s.rows = 1000;
  CHECK_THROWS_WITH(validate(s), Contains("'rows'"));
  s = preset("ddr4_2400_x64");
  s.tck_ps = 0;
  CHECK_THROWS_WITH(validate(s), Contains("'tck_ps'"));
  s = preset("ddr4_2400_x64");
  s.rc = 30; // below tRAS = 39
  CHECK_THROWS_WITH(validate(s), Contains("'rc'"));
  s = preset("ddr4_2400_x64");
  s.device_width_bits = 24;
  CHECK_THROWS_WITH(validate(s), Contains("'device_width_bits'"));

  // Hostile timings (issue 13): 4e9 clocks hung the run; an activate longer than the
  // refresh interval stalled the scheduler.
  s = preset("ddr4_2400_x64");
  s.rcd = 4000000000u;
  CHECK_THROWS_WITH(validate(s), Contains("'rcd' must be at most 1000000 clocks"));
  s = preset("ddr4_2400_x64");
  s.tck_ps = 2000000;
  CHECK_THROWS_WITH(validate(s), Contains("'tck_ps' must be at most 1000000 ps"));
  s = preset("ddr4_2400_x64");
  s.rcd = 9000;
  CHECK_THROWS_WITH(validate(s), Contains("'refi' must be larger than a row access"));

  CHECK_THROWS_WITH(set_field(s, "tXYZ", 3), Contains("tXYZ"));
  CHECK_THROWS_WITH(set_field(s, "cl", 2.5), Contains("'cl'"));
  set_field(s, "cl", 17);
  CHECK(s.cl == 17);
}

TEST_CASE("spec from JSON: preset plus overrides, unknown keys rejected",
          "[dram][spec]") {
  const auto j =
      nlohmann::json::parse(R"({"preset": "lpddr4_3200", "cl": 32, "vdd": 1.05})");
  const dram_spec s = spec_from_json(j);
  CHECK(s.standard == "lpddr4_3200");
  CHECK(s.cl == 32);
  CHECK(s.vdd == 1.05);
  CHECK(s.rcd == 29); // untouched preset value

  CHECK_THROWS_WITH(spec_from_json(nlohmann::json::parse(R"({"cas": 16})")),
                    Contains("cas"));
  CHECK_THROWS_WITH(spec_from_json(nlohmann::json::parse(R"({"rows": 1000})")),
                    Contains("rows"));
  CHECK_THROWS_WITH(spec_from_json(nlohmann::json::parse(R"({"cl": "16"})")),
                    Contains("cl"));
  // Round trip.
  CHECK(spec_from_json(spec_to_json(s)).cl == 32);
}

TEST_CASE("default mapping: burst beats, bank group, rest of column, bank, row",
          "[dram][map]") {
  const dram_spec s = preset("ddr4_2400_x64");
  const address_mapping m = address_mapping::default_for(s);
  CHECK(m.to_string() == "offset:3 column:3 bank_group:2 column:7 bank:2 row:16");
  CHECK(m.address_bits() == 33); // 8 GiB

  // Consecutive 64-byte bursts rotate the bank groups within one row.
  CHECK(m.decode(0x00).bank_group == 0);
  CHECK(m.decode(0x40).bank_group == 1);
  CHECK(m.decode(0xc0).bank_group == 3);
  CHECK(m.decode(0x100).bank_group == 0);
  CHECK(m.decode(0x100).column == 8); // column bit 3 = address bit 8
  CHECK(m.decode(0x100).row == 0);
  // Address bit 15 is the first bank bit, bit 17 the first row bit.
  CHECK(m.decode(1u << 15).bank == 1);
  CHECK(m.decode(1u << 17).row == 1);
  CHECK(m.decode(1u << 17).bank == 0);
  const dram_address d = m.decode(0x1'2345'6789ull);
  // 0x123456789: offset 1, col lo 1 (bits 3-5 = 0b001), bg 2 (bits 6-7 = 0b10),
  // col hi bits 8-14 = 0x67 -> column = 0x67 << 3 | 1 = 0x339, bank bits 15-16 = 0b10,
  // row bits 17-32 = 0x91a2.
  CHECK(d.offset == 1);
  CHECK(d.bank_group == 2);
  CHECK(d.column == 0x339);
  CHECK(d.bank == 2);
  CHECK(d.row == 0x91a2);
}

TEST_CASE("mapping parse: custom orders and LPDDR4", "[dram][map]") {
  const dram_spec s = preset("ddr4_2400_x64");
  const address_mapping m =
      address_mapping::parse("offset column bank_group bank row rank", s);
  CHECK(m.to_string() == "offset:3 column:10 bank_group:2 bank:2 row:16");
  CHECK(m.decode(1u << 13).bank_group == 1);
  // Commas and bank_group/rank of width 0 are fine.
  const dram_spec lp = preset("lpddr4_3200");
  const address_mapping ml = address_mapping::parse("offset,column,bank,row", lp);
  CHECK(ml.to_string() == "offset:2 column:10 bank:3 row:16");
  CHECK(address_mapping::default_for(lp).to_string() ==
        "offset:2 column:10 bank:3 row:16");
}

TEST_CASE("mapping parse errors name the field", "[dram][map][error]") {
  const dram_spec s = preset("ddr4_2400_x64");
  auto parse = [&](const char* text) { return address_mapping::parse(text, s); };
  CHECK_THROWS_AS(parse("offset column bank_group bank"), std::invalid_argument);
  CHECK_THROWS_WITH(parse("offset column bank_group bank"), Contains("'row' is missing"));
  CHECK_THROWS_WITH(parse("offset column bank_group bank row row"),
                    Contains("'row' appears more than once"));
  CHECK_THROWS_WITH(parse("offset column:12 bank_group bank row"),
                    Contains("'column' maps 12 bits but the spec has 10"));
  CHECK_THROWS_WITH(parse("offset column:3 bank_group column:6 bank row"),
                    Contains("'column' maps 9 bits"));
  CHECK_THROWS_WITH(parse("offset column bank_group bank rows"), Contains("'rows'"));
  CHECK_THROWS_WITH(parse("column offset bank_group bank row"), Contains("'offset'"));
  CHECK_THROWS_WITH(parse("offset bank_group column bank row"), Contains("'column'"));
  CHECK_THROWS_WITH(parse("offset column:x bank_group bank row"), Contains("'column'"));
  CHECK_THROWS_WITH(parse("offset column:0 bank_group bank row"), Contains("'column'"));
  CHECK_THROWS_WITH(parse("   "), Contains("empty"));
  CHECK_THROWS_WITH(parse("offset column bank_group bank row rank rank"),
                    Contains("'rank' appears more than once"));
}

// ---------------------------------------------------------------------------------
// Memory specification files (memspec)

namespace {

std::string config_file(const std::string& name) {
  return std::string(DWVP_CONFIG_DIR) + "/dram/" + name;
}

// Every numeric field of `got` equals `want`'s, each checked on its own so that a
// failure names the field.
void check_same_fields(const dram_spec& got, const dram_spec& want) {
  const nlohmann::json g = spec_to_json(got), w = spec_to_json(want);
  for (const auto& [key, value] : w.items()) {
    INFO("field " << key);
    CHECK(g.at(key) == value);
  }
  CHECK(g.size() == w.size());
}

// A temporary file with `text`, removed when the object goes out of scope.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& name, const std::string& text)
      : path((std::filesystem::temp_directory_path() /
              ("dwvp_" + std::to_string(::getpid()) + "_" + name))
                 .string()) {
    std::ofstream(path) << text;
  }
  ~temp_file() { std::filesystem::remove(path); }
};

// memspec_from_json of the DDR4 preset's document after `edit`; returns the message.
template <class Edit> std::string memspec_error(Edit edit) {
  nlohmann::json doc = memspec_to_json(
      preset("ddr4_2400_x64"), address_mapping::default_text(preset("ddr4_2400_x64")));
  edit(doc);
  try {
    memspec_from_json(doc);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("memspec round trip: every field of both presets and the mapping",
          "[dram][memspec]") {
  for (const std::string& name : preset_names()) {
    INFO(name);
    const dram_spec s = preset(name);
    const std::string text = address_mapping::default_text(s);
    const nlohmann::json doc = memspec_to_json(s, text);
    // Every numeric field is in exactly one of the three sections.
    const auto& m = doc.at("memspec");
    CHECK(m.at("organisation").size() + m.at("timing").size() + m.at("power").size() +
              1 ==
          spec_to_json(s).size());
    const nlohmann::json flat = spec_to_json(s);
    for (const auto& [key, v] : flat.items()) {
      (void)v;
      if (key != "standard") {
        INFO("field " << key);
        REQUIRE(memspec_section(key) != nullptr);
        CHECK(m.at(memspec_section(key)).contains(key));
      }
    }
    const memspec back = memspec_from_json(doc);
    check_same_fields(back.spec, s);
    CHECK(back.spec.standard == name);
    CHECK(back.mapping == text);
    // Through text: doubles print to the shortest form that reads back exactly.
    check_same_fields(memspec_from_json(nlohmann::json::parse(doc.dump(2))).spec, s);
  }
  CHECK(
      memspec_from_json(memspec_to_json(preset("lpddr4_3200"), "offset,column,bank,row"))
          .family == "LPDDR4");
  CHECK(memspec_from_json(memspec_to_json(preset("ddr4_2400_x64"),
                                          "offset column:3 bank_group column bank row",
                                          "DDR4-custom"))
            .family == "DDR4-custom");
  CHECK(memspec_section("rcd") == std::string("timing"));
  CHECK(memspec_section("rows") == std::string("organisation"));
  CHECK(memspec_section("idd5pb") == std::string("power"));
  CHECK(memspec_section("standard") == nullptr);
}

TEST_CASE("shipped memspec files equal the built-in presets", "[dram][memspec]") {
  for (const std::string& name : preset_names()) {
    INFO(name);
    const memspec m = load_memspec_file(config_file(name + ".json"));
    const dram_spec want = preset(name);
    check_same_fields(m.spec, want);
    CHECK(m.spec.standard == name);
    // The default mapping, compared bit for bit (zero-width fields may be listed
    // anywhere in the text).
    CHECK(address_mapping::parse(m.mapping, m.spec).to_string() ==
          address_mapping::default_for(want).to_string());
  }
  // Two ranks: the DDR4 preset with ranks = 2, rank between bank and row.
  const memspec two = load_memspec_file(config_file("ddr4_2400_x64_2rank.json"));
  dram_spec want = preset("ddr4_2400_x64");
  want.standard = "ddr4_2400_x64_2rank";
  want.ranks = 2;
  check_same_fields(two.spec, want);
  CHECK(two.spec.capacity_bytes() == 16ull << 30);
  CHECK(two.family == "DDR4");
  CHECK(two.mapping == "offset column:3 bank_group column bank rank row");
  const address_mapping map = address_mapping::parse(two.mapping, two.spec);
  CHECK(map.to_string() ==
        "offset:3 column:3 bank_group:2 column:7 bank:2 rank:1 row:16");
  CHECK(map.decode(1u << 17).rank == 1); // 128 KiB blocks alternate ranks
  CHECK(map.decode(1u << 17).row == 0);
  CHECK(map.decode(1u << 18).row == 1);
}

TEST_CASE("memspec errors name the key path", "[dram][memspec][error]") {
  using j = nlohmann::json;
  auto timing = [](const char* key, j value) {
    return [=](j& d) { d["memspec"]["timing"][key] = value; };
  };
  CHECK(memspec_error([](j& d) { d["memspec"]["timing"].erase("rcd"); }) ==
        "memspec.timing.rcd: missing");
  CHECK(memspec_error([](j& d) { d["memspec"]["power"].erase("idd5pb"); }) ==
        "memspec.power.idd5pb: missing");
  CHECK(memspec_error([](j& d) { d["memspec"]["organisation"].erase("ranks"); }) ==
        "memspec.organisation.ranks: missing");
  CHECK(memspec_error([](j& d) { d["memspec"].erase("power"); }) ==
        "memspec.power: missing");
  CHECK(memspec_error([](j& d) { d["memspec"].erase("mapping"); }) ==
        "memspec.mapping: missing");
  CHECK(memspec_error([](j& d) { d["memspec"].erase("name"); }) ==
        "memspec.name: missing");
  CHECK(memspec_error(timing("rcdd", 16)) == "memspec.timing.rcdd: unknown key");
  CHECK(memspec_error([](j& d) { d["memspec"]["timings"] = j::object(); }) ==
        "memspec.timings: unknown key");
  CHECK(memspec_error([](j& d) { d["memspec"]["power"]["idd6"] = 1.0; }) ==
        "memspec.power.idd6: unknown key");
  CHECK_THAT(memspec_error([](j& d) { d["spec"] = 1; }), Contains("spec: unknown key"));
  CHECK(memspec_error(timing("cl", "16")) ==
        "memspec.timing.cl: must be an integer 0..4294967295 (got string \"16\")");
  CHECK_THAT(memspec_error(timing("cl", -1)),
             Contains("memspec.timing.cl: must be an integer 0..4294967295"));
  CHECK_THAT(memspec_error(timing("cl", 16.5)),
             Contains("memspec.timing.cl: must be an integer"));
  CHECK_THAT(memspec_error(timing("cl", 4294967296ull)),
             Contains("memspec.timing.cl: must be an integer 0..4294967295"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["power"]["vdd"] = "1.2"; }),
             Contains("memspec.power.vdd: must be a number"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["timing"] = j::array(); }),
             Contains("memspec.timing: must be an object"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["name"] = ""; }),
             Contains("memspec.name: must be a non-empty string"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["standard"] = 4; }),
             Contains("memspec.standard: must be a non-empty string"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["description"] = 4; }),
             Contains("memspec.description: must be a string"));
  // Consistency (validate) names the field by its path too.
  CHECK(memspec_error(timing("rc", 30)) == "memspec.timing.rc: must be >= ras");
  CHECK(memspec_error([](j& d) { d["memspec"]["power"]["vdd"] = 0; }) ==
        "memspec.power.vdd: must be > 0");
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["organisation"]["rows"] = 1000; }),
             Contains("memspec.organisation.rows: must be a power of two"));
  CHECK_THAT(memspec_error(timing("refi_pb", 100)),
             Contains("memspec.timing.rfc_pb: must be set together"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["mapping"] = "offset column bank"; }),
             Contains("memspec.mapping: address mapping: field 'bank_group' is missing"));
  CHECK_THAT(memspec_error([](j& d) { d["memspec"]["mapping"] = 3; }),
             Contains("memspec.mapping: must be a non-empty string"));
  // An optional description is accepted.
  CHECK(memspec_error([](j& d) { d["memspec"]["description"] = "from a datasheet"; }) ==
        "no error");
}

TEST_CASE("memspec files: both forms, errors name the file", "[dram][memspec][error]") {
  const std::string good =
      memspec_to_json(preset("lpddr4_3200"), "offset column bank row").dump(2);
  const temp_file structured("good.json", good);
  const memspec m = load_memspec_file(structured.path);
  CHECK(m.spec.standard == "lpddr4_3200");
  CHECK(m.mapping == "offset column bank row");

  const temp_file flat("flat.json", R"({"preset": "lpddr4_3200", "cl": 30})");
  const memspec f = load_memspec_file(flat.path);
  CHECK(f.spec.cl == 30);
  CHECK(f.spec.rcd == 29);
  CHECK(f.mapping.empty()); // the default mapping

  const temp_file bad_json("bad.json", "{\n  \"memspec\": {\n    \"name\": \"x\",,\n");
  CHECK_THROWS_WITH(load_memspec_file(bad_json.path),
                    Contains(bad_json.path + ": JSON parse error at line 3, column"));
  nlohmann::json doc = nlohmann::json::parse(good);
  doc["memspec"]["timing"].erase("rcd");
  const temp_file missing("missing.json", doc.dump());
  CHECK_THROWS_WITH(load_memspec_file(missing.path),
                    Equals(missing.path + ": memspec.timing.rcd: missing"));
  const temp_file flat_bad("flat_bad.json", R"({"cas": 16})");
  CHECK_THROWS_WITH(load_memspec_file(flat_bad.path),
                    Contains(flat_bad.path + ": unknown dram spec field 'cas'"));
  const temp_file flat_preset("flat_preset.json", R"({"preset": 3})");
  CHECK_THROWS_WITH(load_memspec_file(flat_preset.path), Contains("'preset'"));
  CHECK_THROWS_WITH(load_memspec_file("/nonexistent/x.json"),
                    Equals("/nonexistent/x.json: cannot open"));
}

TEST_CASE("controller params: errors name the field, refresh modes, description",
          "[dram][spec][error]") {
  const dram_spec ddr4 = preset("ddr4_2400_x64");
  controller_params c;
  CHECK_NOTHROW(validate(c, ddr4));
  auto field_of = [&](const controller_params& p, const dram_spec& s) -> std::string {
    try {
      validate(p, s);
    } catch (const field_error& e) {
      return e.field() + ": " + e.reason();
    }
    return "";
  };
  auto error_with = [&](void (*edit)(controller_params&)) {
    controller_params p;
    edit(p);
    return field_of(p, ddr4);
  };
  CHECK(error_with([](controller_params& p) { p.read_queue = 0; }) ==
        "read_queue: must be 1..1024");
  CHECK(error_with([](controller_params& p) { p.write_high = 40; }) ==
        "write_high: must be 1..write_queue");
  CHECK(error_with([](controller_params& p) { p.write_low = 24; }) ==
        "write_low: must be < write_high");
  CHECK(error_with([](controller_params& p) { p.latency = 1001; }) ==
        "latency: must be <= 1000 clocks");
  c.refresh = refresh_mode::per_bank;
  CHECK_THAT(field_of(c, ddr4), StartsWith("refresh: must be all_bank: per_bank needs"));
  CHECK(field_of(c, preset("lpddr4_3200")).empty());

  refresh_mode mode = refresh_mode::all_bank;
  CHECK(parse_refresh_mode("per_bank", mode));
  CHECK(mode == refresh_mode::per_bank);
  CHECK(parse_refresh_mode("all_bank", mode));
  CHECK(mode == refresh_mode::all_bank);
  CHECK_FALSE(parse_refresh_mode("perbank", mode));
  CHECK(describe(controller_params{}) ==
        "read queue 32, write queue 32 (drain 24 -> 8), latency 1 clock, refresh "
        "all_bank, power-down off");
  c = {};
  c.powerdown_idle = 50;
  CHECK_THAT(describe(c), EndsWith("power-down after 50 idle clocks"));

  // Spec validation errors carry the field as well.
  dram_spec s = ddr4;
  s.rc = 30;
  try {
    validate(s);
    FAIL("no error");
  } catch (const field_error& e) {
    CHECK(e.field() == "rc");
    CHECK(e.reason() == "must be >= ras");
    CHECK(std::string(e.what()) == "dram spec field 'rc' must be >= ras");
  }
}
