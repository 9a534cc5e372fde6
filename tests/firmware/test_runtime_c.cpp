// The C layer runtime (firmware/runtime/dwvp_runtime.h) against a recording HAL
// backend without a device: placement, the transactions it issues (and that a
// timing-only network issues the same ones without bytes), its error codes and
// messages, the arena rule, fusion, read-back limits, and the C++ binding's mapping of
// its codes to exceptions. Running networks on the device is covered by tests/e2e,
// tests/networks and tests/platform, which all go through this runtime.
#include "dwvp_runtime.h"
#include "hal_backend.h"
#include "runtime.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

struct transfer {
  bool write;
  uint32_t addr;
  uint32_t len;
  bool has_data;
  bool operator==(const transfer& o) const {
    return write == o.write && addr == o.addr && len == o.len;
  }
};

// A HAL with no device behind it: DRAM transfers are recorded (and may be made to
// fail from the n-th on), registers read as 0, so dwvp_init finds no device.
class recording_hal : public dwvp::hal::backend {
public:
  std::vector<transfer> transfers;
  std::vector<uint32_t> phases;
  int fail_from = -1; // index of the first transfer that fails
  uint64_t charged = 0;

  recording_hal() { dwvp::hal::set_backend(this); }
  ~recording_hal() override { dwvp::hal::set_backend(nullptr); }

  uint32_t mmio_read32(uint32_t) override { return 0; }
  void mmio_write32(uint32_t, uint32_t) override {}
  bool mem_write(uint32_t addr, const void* src, uint32_t len) override {
    return record(true, addr, src != nullptr, len);
  }
  bool mem_read(void* dst, uint32_t addr, uint32_t len) override {
    return record(false, addr, dst != nullptr, len);
  }
  bool wait_irq(uint64_t) override { return false; }
  void charge_cycles(uint64_t cycles) override { charged += cycles; }
  uint64_t time_ns() override { return 0; }
  uint32_t bus_errors() const override { return 0; }
  void set_phase(uint32_t phase) override { phases.push_back(phase); }
  void log(const std::string&) override {}

private:
  bool record(bool write, uint32_t addr, bool has_data, uint32_t len) {
    transfers.push_back({write, addr, len, has_data});
    return fail_from < 0 || static_cast<int>(transfers.size()) <= fail_from;
  }
};

dwvp_desc pointwise_desc(uint16_t h, uint16_t w, uint16_t in_c, uint16_t out_c) {
  dwvp_desc d{};
  d.opcode = DWVP_OP_POINTWISE;
  d.in_h = d.out_h = h;
  d.in_w = d.out_w = w;
  d.in_c = in_c;
  d.out_c = out_c;
  d.kernel_h = d.kernel_w = 1;
  d.stride_h = d.stride_w = 1;
  return d;
}

dwvp_desc depthwise_desc(uint16_t h, uint16_t w, uint16_t c) {
  dwvp_desc d = pointwise_desc(h, w, c, c);
  d.opcode = DWVP_OP_DEPTHWISE;
  d.kernel_h = d.kernel_w = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  return d;
}

// Constants for one layer, owned here; layer() gives its C view.
struct layer_data {
  std::string name;
  dwvp_desc desc;
  std::vector<int8_t> weights;
  std::vector<int32_t> bias, quant;
  int32_t input = DWVP_RT_NETWORK_INPUT;

  layer_data(std::string n, const dwvp_desc& d, uint32_t weight_count)
      : name(std::move(n)), desc(d), weights(weight_count, 1), bias(d.out_c, 2),
        quant(2u * d.out_c, 3) {}
  dwvp_rt_layer layer(bool timing_only = false) const {
    dwvp_rt_layer l{};
    l.name = name.c_str();
    l.desc = desc;
    l.weights = timing_only ? nullptr : weights.data();
    l.weight_count = timing_only ? 0 : static_cast<uint32_t>(weights.size());
    l.bias = timing_only ? nullptr : bias.data();
    l.bias_count = static_cast<uint32_t>(bias.size());
    l.quant = timing_only ? nullptr : quant.data();
    l.quant_count = static_cast<uint32_t>(quant.size());
    l.input = input;
    l.output_into = DWVP_RT_OWN_TENSOR;
    l.aux_input = DWVP_RT_NO_AUX;
    return l;
  }
};

struct two_layers {
  layer_data dw{"dw", depthwise_desc(8, 8, 16), 9 * 16};
  layer_data pw{"pw", pointwise_desc(8, 8, 16, 32), 16 * 32};
  std::vector<int8_t> input = std::vector<int8_t>(8 * 8 * 16, 5);
  std::vector<dwvp_rt_layer> layers;
  dwvp_rt_network net{};
  explicit two_layers(bool timing_only = false) {
    pw.input = 0;
    layers = {dw.layer(timing_only), pw.layer(timing_only)};
    net.layers = layers.data();
    net.layer_count = 2;
    net.input = timing_only ? nullptr : input.data();
    net.input_bytes = static_cast<uint32_t>(input.size());
    net.timing_only = timing_only;
  }
};

struct arena_buffer {
  std::vector<unsigned char> bytes;
  explicit arena_buffer(uint32_t layers) : bytes(dwvp_rt_arena_bytes(layers)) {}
  dwvp_rt_arena arena() { return {bytes.data(), bytes.size()}; }
};

dwvp_rt_options defaults() {
  dwvp_rt_options o;
  dwvp_rt_default_options(&o);
  return o;
}

} // namespace

TEST_CASE("C runtime: places ring, input and each layer's data 64-byte aligned in "
          "order, uploads constants then the input, then reaches the driver",
          "[firmware][runtime]") {
  recording_hal hal;
  two_layers t;
  arena_buffer a(2);
  const dwvp_rt_options opt = defaults();
  dwvp_rt_result r;
  // No device answers: the driver's init fails after every upload was made.
  CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_E_NO_DEVICE);
  CHECK(r.status == DWVP_E_NO_DEVICE);
  CHECK_THAT(std::string(r.error), Equals("driver: no_device"));
  CHECK(r.layers_run == 0);

  // ring 64 x 128 B at the base; input (1024 B) after it; then per layer weights, bias,
  // quant, output, stats, each at the next multiple of 64.
  const uint32_t base = opt.dram_base;
  auto up64 = [](uint32_t v) { return (v + 63u) & ~63u; };
  uint32_t next = base + 64 * DWVP_DESC_SIZE;
  CHECK(r.input_addr == next);
  next = up64(next + 1024);
  const dwvp_rt_placement& dw = r.places[0];
  CHECK(dw.weights == next);
  CHECK(dw.bias == up64(dw.weights + 144));
  CHECK(dw.quant == up64(dw.bias + 64));
  CHECK(dw.output == up64(dw.quant + 128));
  CHECK(dw.tensor == dw.output);
  CHECK(dw.stats == up64(dw.output + 8 * 8 * 16));
  const dwvp_rt_placement& pw = r.places[1];
  CHECK(pw.weights == up64(dw.stats + DWVP_LAYER_STATS_SIZE));
  CHECK(pw.stats == up64(pw.output + 8 * 8 * 32));

  const std::vector<transfer> expected = {
      {true, dw.weights, 144, true},    {true, dw.bias, 64, true},
      {true, dw.quant, 128, true},      {true, pw.weights, 512, true},
      {true, pw.bias, 128, true},       {true, pw.quant, 256, true},
      {true, r.input_addr, 1024, true},
  };
  CHECK(hal.transfers == expected);
  for (const transfer& x : hal.transfers)
    CHECK(x.has_data);
  CHECK(hal.phases == std::vector<uint32_t>{1, 2, 3});
}

TEST_CASE("C runtime: a timing-only network makes the same transfers with no bytes",
          "[firmware][runtime]") {
  std::vector<transfer> with_values, timing_only;
  for (bool timing : {false, true}) {
    recording_hal hal;
    two_layers t(timing);
    arena_buffer a(2);
    const dwvp_rt_options opt = defaults();
    dwvp_rt_result r;
    CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_E_NO_DEVICE);
    for (const transfer& x : hal.transfers)
      CHECK(x.has_data == !timing);
    (timing ? timing_only : with_values) = hal.transfers;
  }
  REQUIRE(with_values.size() == 7);
  CHECK(timing_only == with_values);
}

TEST_CASE("C runtime: malformed layers are refused naming the layer, before the "
          "device is touched",
          "[firmware][runtime]") {
  struct bad_case {
    const char* what;
    void (*spoil)(two_layers&);
    const char* message;
  };
  const bad_case cases[] = {
      {"weight count", [](two_layers& t) { t.layers[1].weight_count = 511; },
       "layer 1 (pw): expected 512 weights, got 511"},
      {"bias count", [](two_layers& t) { t.layers[1].bias_count = 31; },
       "layer 1 (pw): bias, multiplier and shift need out_c entries"},
      {"quant count", [](two_layers& t) { t.layers[0].quant_count = 16; },
       "layer 0 (dw): bias, multiplier and shift need out_c entries"},
      {"later input", [](two_layers& t) { t.layers[0].input = 1; },
       "layer 0 (dw): input must be -1 or an earlier layer"},
      {"aux on a pointwise layer", [](two_layers& t) { t.layers[1].aux_input = 0; },
       "layer 1 (pw): has an aux input it does not use"},
      {"LUT without a table",
       [](two_layers& t) { t.layers[1].desc.activation = DWVP_ACT_LUT; },
       "layer 1 (pw): a LUT activation needs exactly 256 table entries"},
      {"null weights", [](two_layers& t) { t.layers[1].weights = nullptr; },
       "layer 1 (pw): a constant's pointer is NULL"},
      {"output_into a later layer", [](two_layers& t) { t.layers[0].output_into = 1; },
       "layer 0 (dw): output_into must name an earlier layer"},
      {"output_into too narrow",
       [](two_layers& t) {
         t.layers[1].output_into = 0;
         t.layers[1].output_channel_offset = 8;
       },
       "layer 1 (pw): does not fit the tensor of layer 0"},
      {"tensor narrower than out_c",
       [](two_layers& t) { t.layers[1].out_channels_total = 16; },
       "layer 1 (pw): out_channels_total smaller than out_c"},
  };
  for (const bad_case& c : cases) {
    SECTION(c.what) {
      recording_hal hal;
      two_layers t;
      c.spoil(t);
      arena_buffer a(2);
      const dwvp_rt_options opt = defaults();
      dwvp_rt_result r;
      CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_RT_E_INVALID);
      CHECK_THAT(std::string(r.error), Equals(c.message));
      CHECK(hal.phases == std::vector<uint32_t>{1}); // never reached phase 2, the run
    }
  }
}

TEST_CASE("C runtime: a network larger than the DRAM given names what did not fit",
          "[firmware][runtime]") {
  recording_hal hal;
  two_layers t;
  arena_buffer a(2);
  dwvp_rt_options opt = defaults();
  // Room for the ring, the input and the depthwise layer's constants, not its output.
  opt.dram_size = 64 * DWVP_DESC_SIZE + 1024 + 1024;
  dwvp_rt_result r;
  CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_RT_E_DRAM);
  CHECK_THAT(std::string(r.error),
             Equals("layer 0 (dw) output: network does not fit in DRAM (needs 1024 "
                    "more bytes)"));
  opt.dram_size = 1024;
  CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_RT_E_DRAM);
  CHECK_THAT(std::string(r.error), StartsWith("command ring: network does not fit"));
}

TEST_CASE("C runtime: an arena smaller than dwvp_rt_arena_bytes is refused with no "
          "transaction",
          "[firmware][runtime]") {
  recording_hal hal;
  two_layers t;
  std::vector<unsigned char> small(dwvp_rt_arena_bytes(2) - 1);
  const dwvp_rt_options opt = defaults();
  dwvp_rt_result r;
  CHECK(dwvp_rt_run(&t.net, &opt, {small.data(), small.size()}, &r) == DWVP_RT_E_ARENA);
  CHECK_THAT(std::string(r.error), Contains("arena"));
  CHECK(dwvp_rt_run(&t.net, &opt, {nullptr, 1u << 20}, &r) == DWVP_RT_E_ARENA);
  CHECK(hal.transfers.empty());
  CHECK(hal.phases.empty());
  CHECK(dwvp_rt_arena_bytes(1000) > dwvp_rt_arena_bytes(10));
}

TEST_CASE("C runtime: a failed upload stops the run and names the layer",
          "[firmware][runtime]") {
  recording_hal hal;
  hal.fail_from = 4; // the pointwise layer's bias
  two_layers t;
  arena_buffer a(2);
  const dwvp_rt_options opt = defaults();
  dwvp_rt_result r;
  CHECK(dwvp_rt_run(&t.net, &opt, a.arena(), &r) == DWVP_RT_E_UPLOAD);
  CHECK_THAT(std::string(r.error), Equals("layer 1 (pw): upload to DRAM failed"));
  CHECK(hal.transfers.size() == 5);
  CHECK_THAT(dwvp_rt_result_name(DWVP_RT_E_UPLOAD), Equals("transfer_failed"));
}

TEST_CASE("C runtime: fusion pairs a depthwise layer with its only pointwise consumer",
          "[firmware][runtime]") {
  two_layers t;
  dwvp_rt_options opt = defaults();
  uint8_t fused[2] = {9, 9};
  dwvp_rt_fusable_pairs(&t.net, &opt, fused);
  CHECK((fused[0] == 0 && fused[1] == 0)); // fusion off
  opt.fuse = 1;
  opt.fuse_limit = 8 * 8 * 16;
  dwvp_rt_fusable_pairs(&t.net, &opt, fused);
  CHECK(fused[0] == 1);
  CHECK(fused[1] == 0);
  opt.fuse_limit = 8 * 8 * 16 - 1; // the intermediate no longer fits
  dwvp_rt_fusable_pairs(&t.net, &opt, fused);
  CHECK(fused[0] == 0);

  // A third layer also reading the depthwise output: two consumers, no fusion.
  layer_data extra{"pw2", pointwise_desc(8, 8, 16, 8), 16 * 8};
  extra.input = 0;
  t.layers.push_back(extra.layer());
  t.net.layers = t.layers.data();
  t.net.layer_count = 3;
  opt.fuse_limit = 1 << 20;
  uint8_t three[3];
  dwvp_rt_fusable_pairs(&t.net, &opt, three);
  CHECK(three[0] == 0);
}

TEST_CASE("C runtime: read-back is limited to the layers that ran",
          "[firmware][runtime]") {
  recording_hal hal;
  two_layers t;
  dwvp_rt_result r{};
  dwvp_rt_placement places[2] = {};
  places[0].stats = 0x80001000u;
  places[0].tensor = 0x80002000u;
  r.places = places;
  r.layers_run = 1;
  dwvp_layer_stats stats;
  std::vector<int8_t> out(dwvp_rt_output_bytes(&t.net, 0));
  CHECK(out.size() == 8 * 8 * 16);
  CHECK(dwvp_rt_read_stats(&r, 0, &stats) == DWVP_OK);
  CHECK(dwvp_rt_read_output(&t.net, &r, 0, out.data()) == DWVP_OK);
  CHECK(dwvp_rt_read_stats(&r, 1, &stats) == DWVP_RT_E_INVALID);
  CHECK(dwvp_rt_read_output(&t.net, &r, 1, out.data()) == DWVP_RT_E_INVALID);
  const std::vector<transfer> expected = {
      {false, 0x80001000u, DWVP_LAYER_STATS_SIZE, true},
      {false, 0x80002000u, 8 * 8 * 16, true}};
  CHECK(hal.transfers == expected);
}

TEST_CASE("C++ binding: the runtime's codes become exceptions with its message",
          "[firmware][runtime]") {
  recording_hal hal;
  dwvp::runtime::network net;
  net.input.assign(8 * 8 * 16, 0);
  dwvp::runtime::layer l;
  l.name = "pw";
  l.desc = pointwise_desc(8, 8, 16, 32);
  l.weights.assign(16 * 32, 0);
  l.bias.assign(32, 0);
  l.multiplier.assign(32, 1 << 30);
  l.shift.assign(31, 0); // one short
  net.layers.push_back(l);
  dwvp::runtime::options opt;
  CHECK_THROWS_MATCHES(
      dwvp::runtime::run_network(net, opt), std::invalid_argument,
      Catch::Message("layer 0 (pw): bias, multiplier and shift need out_c "
                     "entries"));
  net.layers[0].shift.assign(32, 0);
  hal.fail_from = 0;
  CHECK_THROWS_MATCHES(dwvp::runtime::run_network(net, opt), std::runtime_error,
                       Catch::Message("layer 0 (pw): upload to DRAM failed"));
  hal.fail_from = -1;
  // Valid, but no device answers: a driver status, not an exception.
  const dwvp::runtime::run_result r = dwvp::runtime::run_network(net, opt);
  CHECK(r.driver_status == DWVP_E_NO_DEVICE);
  CHECK(r.error == "driver: no_device");
  CHECK(r.layers.empty());
}
