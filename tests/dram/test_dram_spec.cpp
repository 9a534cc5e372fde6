// Presets, spec validation and address-mapping parsing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "dram_spec.h"

using namespace dwvp::dram;
using Catch::Matchers::Contains;

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
