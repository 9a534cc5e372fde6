// The studies of docs/results.md at resolution 96 on one array size, run through the
// fork-based study runner (this process never elaborates SystemC; every simulation is a
// child). Checks the direction of each effect the platform reproduces, and the runner's
// error path.
#include "config.h"
#include "genesys_like.h"
#include "locality_setup.h"
#include "study_runner.h"

#include "dwvp/descriptor.h"

#include <catch2/catch.hpp>

#include <string>

using namespace dwvp::studies;

namespace {

run_spec spec(const std::string& network, const std::string& policy) {
  run_spec s;
  s.network = network;
  s.policy = policy;
  s.resolution = 96;
  return s;
}

const layer_result* first_of_type(const run_result& r, const std::string& type) {
  for (const auto& l : r.layers)
    if (l.type == type)
      return &l;
  return nullptr;
}

} // namespace

TEST_CASE("studies: reduced runs show each paper's effect in the right direction") {
  std::vector<run_spec> specs;
  // 0..2: ASP-DAC 2023, MobileNet-v1 under the three depthwise policies.
  specs.push_back(spec("mobilenet_v1", "conventional"));
  specs.push_back(spec("mobilenet_v1", "gemm_naive"));
  specs.push_back(spec("mobilenet_v1", "gemm_dwc"));
  // 3..4: DATE 2021, FuSe-Half over its gemm_naive base on a 32x32 array.
  specs.push_back(spec("mobilenet_v1", "gemm_naive"));
  specs.push_back(spec("mobilenet_v1_fuse_half", "gemm_naive"));
  for (size_t i = 3; i <= 4; ++i)
    specs[i].sets = {{"gemm.rows", "32"},
                     {"gemm.cols", "32"},
                     {"vector.lanes", "32"},
                     {"ppu.lanes", "32"}};
  // 5..6: DATE 2019, MobileNet-v2 row-major vs Scan + fusion with 16 KiB buffers.
  specs.push_back(spec("mobilenet_v2", "gemm_dwc"));
  specs.push_back(spec("mobilenet_v2", "gemm_dwc"));
  for (size_t i = 5; i <= 6; ++i)
    specs[i].sets = {
        {"sram.input_kb", "16"}, {"sram.weight_kb", "16"}, {"sram.output_kb", "16"}};
  specs[6].scan_order = true;
  specs[6].fuse = true;
  // 7: one functional run, values checked bit for bit in the child.
  specs.push_back(spec("mobilenet_v3_small", "gemm_dwc"));
  specs[7].functional = true;
  // 8: ASP-DAC 2023's GeneSys-style conventional baseline (configs/genesys_like.yaml's
  // vector keys) on the default platform; 9: functional, bit-exact with 32-bit operands.
  specs.push_back(spec("mobilenet_v1", "conventional"));
  specs[8].sets = genesys_vector_sets();
  specs.push_back(spec("mobilenet_v1", "conventional"));
  specs[9].sets = genesys_vector_sets();
  specs[9].functional = true;

  size_t callbacks = 0;
  const auto res = run_all(specs, 2, [&](size_t, const run_result&) { ++callbacks; });
  REQUIRE(res.size() == specs.size());
  CHECK(callbacks == specs.size());
  for (size_t i = 0; i < res.size(); ++i) {
    INFO("run " << i << " " << specs[i].network << ": " << res[i].error);
    REQUIRE(res[i].ok);
    REQUIRE(res[i].cycles > 0);
    REQUIRE(!res[i].layers.empty());
    CHECK(res[i].spec.network == specs[i].network);
  }

  {
    INFO("gemm_dwc is faster than conventional and gemm_naive");
    const auto &conv = res[0], &naive = res[1], &dwc = res[2];
    CHECK(dwc.cycles < conv.cycles);
    CHECK(conv.cycles < naive.cycles);
    CHECK(dwc.cycles_of({"depthwise"}) < conv.cycles_of({"depthwise"}));
    CHECK(first_of_type(dwc, "depthwise")->mapping == "channel_mvm");
    CHECK(first_of_type(conv, "depthwise")->mapping == "vector");
    // On the vector unit the depthwise layers tile for its small vector memory
    // (vector.buffer_kb) and re-read halos; on the GEMM core they use the large
    // buffers: less off-chip traffic with gemm_dwc (docs/results.md).
    CHECK(dwc.dram_bytes < conv.dram_bytes);
    CHECK(dwc.dram_bytes == naive.dram_bytes); // both on the GEMM core's buffers
  }

  {
    INFO("FuSe-Half on ST-OS is faster than its gemm_naive depthwise base");
    const auto &base = res[3], &half = res[4];
    REQUIRE(first_of_type(half, "dw_1xk") != nullptr);
    CHECK(first_of_type(half, "dw_1xk")->mapping == "st_os");
    CHECK(half.cycles < base.cycles);
    const uint64_t bc = base.compute_cycles_of(compute_layer_types());
    const uint64_t hc = half.compute_cycles_of(compute_layer_types());
    CHECK(double(bc) / hc > double(base.cycles) / half.cycles); // DRAM dilutes it
    CHECK(double(bc) / hc > 2.0);
  }

  {
    INFO("Scan plus fusion moves less DRAM traffic and energy at a small buffer");
    const auto &rm = res[5], &sf = res[6];
    CHECK(sf.dram_bytes < rm.dram_bytes);
    CHECK(sf.energy_dram_pj < rm.energy_dram_pj);
    CHECK(sf.dram_write_bytes < rm.dram_write_bytes); // fused intermediates stay
  }

  {
    INFO("a functional run in a child is bit-exact");
    CHECK(res[7].bit_exact);
  }

  {
    INFO("the GeneSys-style baseline is slower and moves more than the ideal one");
    const auto &ideal = res[0], &genesys = res[8], &dwc = res[2];
    CHECK(first_of_type(genesys, "depthwise")->mapping == "vector");
    // Its depthwise layers: NOPs between dependent MACs, requantisation on the unit
    // and a serial DMA make them slower; 32-bit inputs and a single buffer of 32-bit
    // words move more bytes. The other layers compute alike (their DMA stalls shift
    // with the DRAM state the depthwise layers leave).
    CHECK(genesys.compute_cycles_of({"depthwise"}) >
          2 * ideal.compute_cycles_of({"depthwise"}));
    CHECK(genesys.cycles_of({"depthwise"}) > ideal.cycles_of({"depthwise"}));
    CHECK(genesys.compute_cycles_of({"pointwise"}) ==
          ideal.compute_cycles_of({"pointwise"}));
    CHECK(genesys.dram_bytes > ideal.dram_bytes);
    // So gemm_dwc gains more over it, in time and in traffic.
    CHECK(double(genesys.cycles) / dwc.cycles > double(ideal.cycles) / dwc.cycles);
    CHECK(double(genesys.dram_bytes) / dwc.dram_bytes > 1.3);
    // Only timing and traffic change: values stay bit-exact.
    CHECK(res[9].bit_exact);
    CHECK(res[9].dram_bytes == genesys.dram_bytes);
  }
}

TEST_CASE("studies: the locality study's 64K-entry budget, baseline and traffic causes") {
  // MobileNet-v2 at 96x96, 64K entries split 4/2/2 (input 32 KiB, weights and output
  // 16 KiB at 8 bits): the layer-by-layer baseline, row-major, Scan, Scan + fusion; the
  // baseline and Scan again with 16-bit entries.
  run_spec base = spec("mobilenet_v2", "gemm_dwc");
  const budget_split split{4, 2, 2};
  const auto& v = locality_variants();
  REQUIRE(v.size() == 5);
  REQUIRE(budget_splits().size() == 21);
  std::vector<run_spec> specs;
  for (const auto& variant : v)
    specs.push_back(locality_spec(base, 65536, 8, split, variant));
  specs.push_back(locality_spec(base, 65536, 16, split, v[0]));
  specs.push_back(locality_spec(base, 65536, 16, split, v[2]));
  CHECK(specs[5].sets[0] ==
        std::make_pair(std::string("sram.input_kb"), std::string("64")));
  for (const auto& s : specs)
    REQUIRE(budget_fits(s));
  const auto res = run_all(specs, 2);
  for (size_t i = 0; i < res.size(); ++i) {
    INFO("run " << i << ": " << res[i].error);
    REQUIRE(res[i].ok);
  }
  const auto &baseline = res[0], &row_major = res[1], &scan = res[2], &scan_fuse = res[3],
             &scan_blocks = res[4];
  {
    INFO("without reuse across tiles the baseline moves the most");
    CHECK(baseline.dram_read_bytes > row_major.dram_read_bytes);
    CHECK(baseline.dram_read_bytes > scan.dram_read_bytes);
    CHECK(baseline.dram_write_bytes == row_major.dram_write_bytes); // outputs once
    CHECK(baseline.energy_dram_pj > scan_fuse.energy_dram_pj);
    CHECK(scan_fuse.dram_bytes <= scan.dram_bytes);
  }
  {
    INFO("block fusion keeps the chained blocks' intermediates on chip: fewer writes, "
         "less DRAM energy than layer-level fusion");
    CHECK(scan_blocks.dram_write_bytes < scan_fuse.dram_write_bytes);
    CHECK(scan_blocks.dram_bytes < scan_fuse.dram_bytes);
    CHECK(scan_blocks.energy_dram_pj < scan_fuse.energy_dram_pj);
  }
  {
    INFO("Scan moves no more than row-major on these tiles");
    CHECK(scan.dram_bytes <= row_major.dram_bytes);
  }
  {
    // (Reads less than double: bias, multipliers and shifts stay 4 bytes each in DRAM.)
    INFO("16-bit entries double the outputs; the reads grow; Scan still saves");
    CHECK(res[5].dram_write_bytes == 2 * baseline.dram_write_bytes);
    CHECK(res[5].dram_read_bytes > baseline.dram_read_bytes);
    CHECK(res[6].dram_bytes < res[5].dram_bytes);
  }
  {
    INFO("the traffic by cause adds up to each layer's simulated bytes: reads plus the "
         "descriptor fetch, writes exactly");
    for (size_t i : {size_t(0), size_t(2), size_t(5), size_t(6)}) {
      const auto tr = traffic_of(specs[i]);
      REQUIRE(tr.size() == res[i].layers.size());
      for (size_t k = 0; k < tr.size(); ++k) {
        INFO("run " << i << " layer " << tr[k].name);
        CHECK(tr[k].name == res[i].layers[k].name);
        CHECK(tr[k].read() + DWVP_DESC_SIZE == res[i].layers[k].dram_read_bytes);
        CHECK(tr[k].output == res[i].layers[k].dram_write_bytes);
      }
    }
    // Without reuse nothing is resident; with Scan no input is loaded twice.
    uint64_t baseline_refetch = 0, scan_input_refetch = 0;
    for (const auto& l : traffic_of(specs[0]))
      baseline_refetch += l.input_refetch + l.weight_refetch;
    for (const auto& l : traffic_of(specs[2]))
      scan_input_refetch += l.input_refetch;
    CHECK(baseline_refetch > 0);
    CHECK(scan_input_refetch == 0);
  }
}

TEST_CASE(
    "studies: the GeneSys-style keys of the study are configs/genesys_like.yaml's") {
  dwvp::config yaml;
  yaml.load_yaml(std::string(DWVP_CONFIG_DIR) + "/genesys_like.yaml");
  dwvp::config lists;
  for (const auto& kv : genesys_vector_sets())
    lists.set(kv.first, kv.second);
  for (const auto& kv : genesys_platform_sets())
    lists.set(kv.first, kv.second);
  // Every key has the same value in both: nothing set in one and not in the other.
  const auto &a = yaml.entries(), &b = lists.entries();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].key);
    REQUIRE(a[i].key == b[i].key);
    CHECK(a[i].value == b[i].value);
  }
}

TEST_CASE("studies: a failing child is reported, not fatal") {
  run_spec bad = spec("no_such_network", "gemm_dwc");
  const auto res = run_all({bad, spec("mobilenet_v1", "gemm_dwc")}, 2);
  REQUIRE(res.size() == 2);
  CHECK_FALSE(res[0].ok);
  CHECK(res[0].error.find("no_such_network") != std::string::npos);
  CHECK(res[1].ok);
}

TEST_CASE("runner: runs of one network share its build; the key says which",
          "[studies]") {
  const run_spec a = spec("mobilenet_v1", "gemm_naive");
  run_spec array64 = a;
  array64.sets = {{"gemm.rows", "64"}, {"gemm.cols", "64"}};
  run_spec ws = a;
  ws.sets = {{"gemm.dataflow", "ws"}};
  run_spec functional = a;
  functional.functional = true;
  // Array size and timing settings do not change the network; the dataflow, the policy,
  // the resolution and calibration (functional runs) do.
  CHECK(network_key(a) == network_key(array64));
  CHECK(network_key(a) != network_key(ws));
  CHECK(network_key(a) != network_key(functional));
  CHECK(network_key(a) != network_key(spec("mobilenet_v1", "gemm_dwc")));
  run_spec big = a;
  big.resolution = 128;
  CHECK(network_key(a) != network_key(big));
  // The parent's build is the child's: the same layers as a build of its own.
  const auto n1 = build_network_of(array64);
  const auto n2 = build_network_of(a);
  REQUIRE(n1.layers.size() == n2.layers.size());
  CHECK(n1.layers.back().weights == n2.layers.back().weights);
  CHECK(build_network_of(ws).layers[1].desc.dataflow != n2.layers[1].desc.dataflow);
}
