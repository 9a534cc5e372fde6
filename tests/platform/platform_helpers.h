// Shared helpers for the platform tests: quiet logging, a single pointwise layer with
// its golden output placed at fixed DRAM addresses, backdoor upload and sentinel
// checks, and an interrupt-edge monitor.
#pragma once

#include "logging.h"
#include "networks.h"
#include "soc.h"

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <systemc>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace dwvp::testing {

// Models log refused accesses at error level; the tests provoke them on purpose.
// DWVP_TEST_LOG=warn (or debug, ...) brings the log back when debugging a failure.
inline void quiet_logs() {
  const char* level = std::getenv("DWVP_TEST_LOG");
  dwvp::logging::configure(level ? level : "off", "");
}

constexpr uint32_t k_dram = DWVP_DRAM_BASE;
constexpr uint32_t k_regs = DWVP_ACCEL_REGS_BASE;
constexpr uint32_t k_dram_size = 512u << 20; // default dram.size_mb
constexpr uint32_t k_ring = k_dram;          // command ring at the start of DRAM
constexpr uint8_t k_sentinel = 0xA5;

// One pointwise layer (seeded constants from the scenario library) and the DRAM
// addresses it is placed at: region + fixed offsets, every one 64-byte aligned.
struct pw_layer {
  dwvp::runtime::network net;   // one layer
  std::vector<int8_t> expected; // golden output, packed NHWC
  uint32_t region = 0;
  uint32_t input_addr() const { return region + 0x00000; }
  uint32_t weight_addr() const { return region + 0x10000; }
  uint32_t bias_addr() const { return region + 0x20000; }
  uint32_t quant_addr() const { return region + 0x21000; }
  uint32_t output_addr() const { return region + 0x30000; }
  uint32_t stats_addr() const { return region + 0x40000; }
  const dwvp::runtime::layer& layer() const { return net.layers[0]; }
  size_t input_bytes() const { return net.input.size(); }
  size_t output_bytes() const { return expected.size(); }
};

// region: a DRAM address with room for 0x50000 bytes.
inline pw_layer make_pw(int h, int w, int in_c, int out_c, uint32_t seed, uint32_t region,
                        int activation = DWVP_ACT_RELU6) {
  pw_layer p;
  p.net = dwvp::scenarios::make_pointwise_chain({{h, w, in_c, out_c, activation}}, seed);
  p.expected = dwvp::scenarios::golden_outputs(p.net)[0];
  p.region = region;
  return p;
}

// The fully addressed descriptor of the layer.
inline dwvp_desc describe(const pw_layer& p, uint16_t layer_id, uint32_t flags = 0) {
  dwvp_desc d = p.layer().desc;
  d.magic = DWVP_DESC_MAGIC;
  d.layer_id = layer_id;
  d.flags = flags;
  d.input_addr = p.input_addr();
  d.weight_addr = p.weight_addr();
  d.bias_addr = p.bias_addr();
  d.quant_addr = p.quant_addr();
  d.output_addr = p.output_addr();
  d.stats_addr = p.stats_addr();
  return d;
}

inline uint8_t* backdoor(dwvp::soc& top, uint32_t addr) {
  return top.dram.data() + (addr - top.dram_base());
}

// Writes the layer's input and constants into DRAM through the memory backdoor and
// fills its output and stats areas with the sentinel. Call before sc_start.
inline void upload(dwvp::soc& top, const pw_layer& p) {
  const auto& l = p.layer();
  std::memcpy(backdoor(top, p.input_addr()), p.net.input.data(), p.net.input.size());
  std::memcpy(backdoor(top, p.weight_addr()), l.weights.data(), l.weights.size());
  std::memcpy(backdoor(top, p.bias_addr()), l.bias.data(), 4 * l.bias.size());
  std::vector<int32_t> quant(l.multiplier);
  quant.insert(quant.end(), l.shift.begin(), l.shift.end());
  std::memcpy(backdoor(top, p.quant_addr()), quant.data(), 4 * quant.size());
  std::memset(backdoor(top, p.output_addr()), k_sentinel, p.output_bytes() + 64);
  std::memset(backdoor(top, p.stats_addr()), k_sentinel, DWVP_LAYER_STATS_SIZE);
}

// True if [addr, addr + n) still holds the sentinel everywhere.
inline bool untouched(dwvp::soc& top, uint32_t addr, size_t n) {
  const uint8_t* m = backdoor(top, addr);
  for (size_t i = 0; i < n; ++i)
    if (m[i] != k_sentinel)
      return false;
  return true;
}

inline std::vector<int8_t> read_back(dwvp::soc& top, uint32_t addr, size_t n) {
  const int8_t* m = reinterpret_cast<const int8_t*>(backdoor(top, addr));
  return std::vector<int8_t>(m, m + n);
}

// Counts rising edges of an interrupt line.
struct irq_monitor : sc_core::sc_module {
  sc_core::sc_in<bool> line{"line"};
  int rises = 0;
  sc_core::sc_time first_rise = sc_core::SC_ZERO_TIME;
  explicit irq_monitor(sc_core::sc_module_name name) : sc_module(name) {
    SC_HAS_PROCESS(irq_monitor);
    SC_METHOD(on_rise);
    sensitive << line.pos();
    dont_initialize();
  }
  void on_rise() {
    if (rises++ == 0)
      first_rise = sc_core::sc_time_stamp();
  }
};

} // namespace dwvp::testing
