// The vector unit's keys (docs/architecture.md, "Vector unit"): defaults give the ideal
// unit, each key's range and the rules between keys are refused with the key named,
// and configs/genesys_like.yaml gives the GeneSys-style unit of docs/genesys.md.
#include "config.h"
#include "soc.h"

#include <catch2/catch.hpp>

#include <string>

using Catch::Matchers::Contains;
using dwvp::accel_params_from;
using dwvp::config;
using dwvp::config_error;

namespace {

std::string error_with(const std::string& key, const std::string& value) {
  config cfg;
  cfg.set(key, value);
  try {
    accel_params_from(cfg);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("vector keys: the defaults are the ideal vector unit", "[config][vector]") {
  const auto p = accel_params_from(config{});
  CHECK(p.vector_lanes == 32);
  CHECK(p.vector_pipeline == 4);
  CHECK(p.vector_issue_interval == 1);
  CHECK(p.vector_requant_ops == 0);
  CHECK(p.vector_memory.operand_bytes == 1);
  CHECK(p.vector_memory.dram_input_bytes == 1);
  CHECK(p.vector_memory.dram_output_bytes == 1);
  CHECK(p.vector_memory.double_buffer);
  CHECK(p.vector_memory.dma_overlap);
  CHECK(p.vector_buffers.input == 16 * 1024); // 32 KiB in two halves
}

TEST_CASE("vector keys: ranges and rules are refused naming the key",
          "[config][vector]") {
  config range;
  CHECK_THROWS_WITH(range.set("vector.issue_interval", "0"),
                    Contains("key 'vector.issue_interval' must be 1..1000, got 0"));
  CHECK_THROWS_WITH(range.set("vector.issue_interval", "1001"),
                    Contains("key 'vector.issue_interval' must be 1..1000"));
  CHECK_THROWS_WITH(range.set("vector.requant_ops", "-1"),
                    Contains("key 'vector.requant_ops' must be 0..1000"));
  CHECK_THROWS_WITH(range.set("vector.operand_bits", "4"),
                    Contains("key 'vector.operand_bits' must be 8..32"));
  CHECK_THROWS_WITH(range.set("vector.dram_input_bits", "64"),
                    Contains("key 'vector.dram_input_bits' must be 8..32"));
  CHECK_THROWS_WITH(range.set("vector.dram_output_bits", "0"),
                    Contains("key 'vector.dram_output_bits' must be 8..32"));
  CHECK_THROWS_WITH(range.set("vector.double_buffer", "maybe"),
                    Contains("vector.double_buffer"));
  // Inside the range but not a width the unit has.
  CHECK(error_with("vector.operand_bits", "24") ==
        "key 'vector.operand_bits' must be 8, 16 or 32, got 24");
  CHECK(error_with("vector.dram_input_bits", "12") ==
        "key 'vector.dram_input_bits' must be 8, 16 or 32, got 12");
  CHECK(error_with("vector.dram_output_bits", "31") ==
        "key 'vector.dram_output_bits' must be 8, 16 or 32, got 31");
  // A single buffer cannot overlap the DMA with compute.
  CHECK_THAT(error_with("vector.double_buffer", "false"),
             Contains("keys 'vector.dma_overlap' and 'vector.double_buffer'"));
  config ok;
  ok.set("vector.double_buffer", "false");
  ok.set("vector.dma_overlap", "false");
  const auto p = accel_params_from(ok);
  CHECK_FALSE(p.vector_memory.double_buffer);
  CHECK_FALSE(p.vector_memory.dma_overlap);
}

TEST_CASE("vector keys: configs/genesys_like.yaml", "[config][vector]") {
  config cfg;
  cfg.load_yaml(std::string(DWVP_CONFIG_DIR) + "/genesys_like.yaml");
  const auto p = accel_params_from(cfg);
  CHECK(p.vector_lanes == 32);
  CHECK(p.vector_pipeline == 6);
  CHECK(p.vector_issue_interval == 3);
  CHECK(p.vector_requant_ops == 6);
  CHECK(p.vector_memory.operand_bytes == 4);
  CHECK(p.vector_memory.dram_input_bytes == 4);
  CHECK(p.vector_memory.dram_output_bytes == 1);
  CHECK_FALSE(p.vector_memory.double_buffer);
  CHECK_FALSE(p.vector_memory.dma_overlap);
  CHECK(p.vector_buffers.input == 32 * 1024); // 64 KiB, built as two 32 KiB halves
  CHECK(p.buffers.input == 64 * 1024);
  CHECK(p.buffers.weight == 512 * 1024);
  CHECK(p.buffers.output == 16 * 1024);
}
