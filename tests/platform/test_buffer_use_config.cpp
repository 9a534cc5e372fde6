// The buffer-use keys (docs/memory.md, "Entry width and reuse"): sram.entry_bits and
// sequencer.reuse. Defaults keep today's platform; out-of-range and in-range but
// unsupported values are refused naming the key.
#include "analytical_config.h"
#include "config.h"
#include "soc.h"

#include <catch2/catch.hpp>

#include <string>

using Catch::Matchers::Contains;
using dwvp::accel_params_from;
using dwvp::config;
using dwvp::config_error;

TEST_CASE("buffer-use keys: defaults are 8-bit entries with reuse", "[config][sram]") {
  const auto p = accel_params_from(config{});
  CHECK(p.buffer_use.entry_bytes == 1);
  CHECK(p.buffer_use.reuse);
}

TEST_CASE("buffer-use keys: 16-bit entries and no reuse", "[config][sram]") {
  config cfg;
  cfg.set("sram.entry_bits", "16");
  cfg.set("sequencer.reuse", "false");
  const auto p = accel_params_from(cfg);
  CHECK(p.buffer_use.entry_bytes == 2);
  CHECK_FALSE(p.buffer_use.reuse);
}

TEST_CASE("buffer-use keys: bad values are refused naming the key", "[config][sram]") {
  config range;
  CHECK_THROWS_WITH(range.set("sram.entry_bits", "4"),
                    Contains("key 'sram.entry_bits' must be 8..16, got 4"));
  CHECK_THROWS_WITH(range.set("sram.entry_bits", "32"),
                    Contains("key 'sram.entry_bits' must be 8..16, got 32"));
  CHECK_THROWS_WITH(range.set("sequencer.reuse", "sometimes"),
                    Contains("sequencer.reuse"));
  config odd;
  odd.set("sram.entry_bits", "12");
  try {
    accel_params_from(odd);
    FAIL("12-bit entries accepted");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) == "key 'sram.entry_bits' must be 8 or 16, got 12");
  }
}

TEST_CASE("buffer-use and vector-memory keys reach the analytical model",
          "[config][sram]") {
  // tests/analytical checks the model under these keys against the platform.
  config c;
  c.set("sram.entry_bits", "16");
  c.set("sequencer.reuse", "false");
  c.set("vector.operand_bits", "32");
  c.set("vector.dram_input_bits", "16");
  c.set("vector.dram_output_bits", "8");
  c.set("vector.double_buffer", "false");
  c.set("vector.dma_overlap", "false");
  const dwvp::analytical::platform_params p = dwvp::analytical::params_from_config(c);
  CHECK(p.entry_bytes == 2);
  CHECK_FALSE(p.reuse);
  CHECK(p.vector_memory.operand_bytes == 4);
  CHECK(p.vector_memory.dram_input_bytes == 2);
  CHECK(p.vector_memory.dram_output_bytes == 1);
  CHECK_FALSE(p.vector_memory.double_buffer);
  CHECK_FALSE(p.vector_memory.dma_overlap);
  const dwvp::analytical::platform_params d =
      dwvp::analytical::params_from_config(config{});
  CHECK(d.entry_bytes == 1);
  CHECK(d.reuse);
  CHECK(d.vector_memory.operand_bytes == 1);
  CHECK(d.vector_memory.double_buffer);
  CHECK(d.vector_memory.dma_overlap);
}
