// The compute engines on their own: GEMM core, DwC datapath (borrowing the GEMM core's
// array), vector unit and PPU (requantisation target and activation table), with the
// input, weight and output SRAM buffers and the vector memory on a local bus at their
// local_map addresses. A stimulus puts operands in with debug writes, sends
// tile_command records and reads the outputs back.
#pragma once

#include "layer_cases.h"
#include "module_bench.h"

#include "bus.h"
#include "dwc_datapath.h"
#include "gemm_core.h"
#include "layer_timing.h"
#include "ppu.h"
#include "sram_buffer.h"
#include "timeline.h"
#include "vector_unit.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

namespace dwvp::test {

namespace local_map = dwvp::models::local_map;
using models::engine_params;
using models::sram_params;
using models::strided_region;
using models::tile_command;

// Stimulus sockets.
enum engine_port : unsigned {
  to_gemm = 0,
  to_dwc = 1,
  to_vector = 2,
  to_ppu = 3,
  to_mem = 4
};

inline sram_params wide_sram(sc_time period = ns(1)) {
  return {4096, 32, 16, period}; // 512 bytes per cycle
}
inline sram_params narrow_sram(sc_time period) {
  return {4096, 1, 1, period}; // one byte per cycle
}

// The engines' read-port width: accel.cpp gives them the SRAM width (banks x port
// bytes) as engine_params::feed_bytes_per_cycle. Set where the model has that
// parameter (older models took the bound from the buffers' annotated times instead).
template <typename P>
auto set_feed_width(P& p, uint64_t width, int)
    -> decltype(void(p.feed_bytes_per_cycle = width)) {
  p.feed_bytes_per_cycle = width;
}
template <typename P> void set_feed_width(P&, uint64_t, long) {}
inline engine_params with_feed(engine_params ep, const sram_params& sp) {
  set_feed_width(ep, uint64_t(sp.banks) * sp.port_bytes, 0);
  return ep;
}

struct engine_bench {
  quiet_logs quiet;
  models::timeline events{"events"};
  dwvp::bus local_bus{"local_bus", SC_ZERO_TIME};
  models::sram_buffer input, weight, output, vmem;
  models::gemm_core gemm;
  models::dwc_datapath dwc;
  models::vector_unit vec;
  models::ppu pp;
  stimulus stim{"stim", 5};
  engine_params params;

  engine_bench(const sram_params& sp, const engine_params& ep)
      : input("input_buffer", sp), weight("weight_buffer", sp),
        output("output_buffer", sp), vmem("vector_memory", sp),
        gemm("gemm_core", with_feed(ep, sp)), dwc("dwc", with_feed(ep, sp)),
        vec("vector_unit", with_feed(ep, sp)), pp("ppu", with_feed(ep, sp), events),
        params(with_feed(ep, sp)) {
    stim[to_gemm].bind(gemm.cmd_socket);
    stim[to_dwc].bind(dwc.cmd_socket);
    stim[to_vector].bind(vec.cmd_socket);
    stim[to_ppu].bind(pp.cmd_socket);
    stim[to_mem].bind(local_bus.target_socket);
    dwc.array_socket.bind(gemm.array_socket);
    gemm.ppu_socket.bind(pp.requant_socket);
    dwc.ppu_socket.bind(pp.requant_socket);
    vec.ppu_socket.bind(pp.requant_socket);
    for (models::tile_engine* e :
         std::initializer_list<models::tile_engine*>{&gemm, &dwc, &vec, &pp})
      e->mem_socket.bind(local_bus.target_socket);
    unsigned port = 0;
    auto attach = [&](auto& socket, uint64_t base, uint64_t size, const char* what) {
      local_bus.initiator_socket.bind(socket);
      local_bus.map(base, size, port++, what);
    };
    attach(input.socket, local_map::input_buffer, input.size(), "input_buffer");
    attach(weight.socket, local_map::weight_buffer, weight.size(), "weight_buffer");
    attach(output.socket, local_map::output_buffer, output.size(), "output_buffer");
    attach(vmem.socket, local_map::vector_memory, vmem.size(), "vector_memory");
    attach(pp.lut_socket, local_map::ppu_lut, 256, "ppu_lut");
  }
};

// Where a layer's operands go.
struct placement {
  uint64_t input = local_map::input_buffer;
  uint64_t weight = local_map::weight_buffer;
  uint64_t output = local_map::output_buffer;
  uint32_t in_pixel_stride = 0;  // 0: packed
  uint32_t out_pixel_stride = 0; // 0: packed
};
inline placement in_vector_memory() {
  placement p;
  p.input = local_map::vector_memory;
  p.weight = local_map::vector_memory + 0x800;
  p.output = local_map::vector_memory + 0x1000;
  return p;
}

inline strided_region pixels(uint64_t addr, int h, int w, int c, uint32_t stride) {
  strided_region r;
  r.addr = addr;
  r.row_bytes = static_cast<uint32_t>(c);
  r.rows = static_cast<uint32_t>(w);
  r.planes = static_cast<uint32_t>(h);
  r.row_stride = stride ? stride : uint32_t(c);
  r.plane_stride = uint64_t(w) * r.row_stride;
  return r;
}

// Bytes the engine reads as operands (they bound its time): input, aux, weights, bias
// and quantisation data. Not the activation table, not the output.
inline uint64_t feed_bytes(const layer_case& L) {
  uint64_t n = L.input.size() + L.aux.size();
  if (L.weighted())
    n += L.weights.size() + 12ull * L.d.out_c;
  return n;
}

// Writes the operands (debug transport) and returns the tile command.
inline tile_command place(stimulus& s, const layer_case& L, const placement& at) {
  const dwvp_desc& d = L.d;
  tile_command c;
  c.tile = d;
  c.tile.in_pixel_stride = c.tile.out_pixel_stride = 0;
  c.input = pixels(at.input, d.in_h, d.in_w, d.in_c, at.in_pixel_stride);
  for (int p = 0; p < d.in_h * d.in_w; ++p)
    s.poke(to_mem, at.input + uint64_t(p) * c.input.row_stride,
           L.input.data() + size_t(p) * d.in_c, d.in_c);
  const uint64_t in_extent = c.input.plane_stride * d.in_h;
  if (!L.aux.empty()) {
    c.aux_addr = at.input + in_extent;
    s.poke(to_mem, c.aux_addr, L.aux.data(), static_cast<unsigned>(L.aux.size()));
  }
  if (L.weighted()) {
    c.weight_addr = at.weight;
    c.bias_addr = at.weight + L.weights.size();
    c.quant_addr = c.bias_addr + 4ull * d.out_c;
    s.poke(to_mem, c.weight_addr, L.weights.data(),
           static_cast<unsigned>(L.weights.size()));
    s.poke(to_mem, c.bias_addr, L.bias.data(), 4u * d.out_c);
    const auto q = L.quant_bytes();
    s.poke(to_mem, c.quant_addr, q.data(), static_cast<unsigned>(q.size()));
  }
  if (d.activation == DWVP_ACT_LUT) {
    c.lut_addr = local_map::ppu_lut;
    s.poke(to_mem, c.lut_addr, L.table.data(), 256);
  }
  c.output = pixels(at.output, d.out_h, d.out_w, d.out_c, at.out_pixel_stride);
  return c;
}

inline i8v read_output(stimulus& s, const strided_region& r) {
  i8v v;
  for (uint32_t p = 0; p < r.planes; ++p)
    for (uint32_t y = 0; y < r.rows; ++y) {
      const auto row =
          s.peek(to_mem, r.addr + p * r.plane_stride + y * r.row_stride, r.row_bytes);
      v.insert(v.end(), row.begin(), row.end());
    }
  return v;
}

// One tile command as the stimulus saw it.
struct outcome {
  std::string name;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  tile_command c;
  sc_time delay_in, delay_out, took;
  sc_time done_after; // from the call to the outputs being complete
  i8v out;
};

inline outcome execute(stimulus& s, unsigned port, const std::string& name,
                       const layer_case& L, const placement& at = {},
                       sc_time delay = SC_ZERO_TIME) {
  outcome o;
  o.name = name;
  o.c = place(s, L, at);
  o.delay_in = delay;
  const sc_time t0 = sc_core::sc_time_stamp();
  o.status = s.send(port, o.c, delay);
  o.took = sc_core::sc_time_stamp() - t0;
  o.done_after = o.c.done - t0;
  o.delay_out = delay;
  o.out = read_output(s, o.c.output);
  return o;
}

// Output equals golden; cycles are the timing model's (compute-bound) or the operand
// bytes over the buffer width (feed-bound, `bytes_per_cycle`); time advanced by the
// annotated delay plus exactly cycles x clock period.
inline void check_outcome(const outcome& o, const layer_case& L, const engine_params& ep,
                          uint64_t bytes_per_cycle, bool feed_bound) {
  INFO(o.name);
  REQUIRE(o.status == tlm::TLM_OK_RESPONSE);
  INFO("error " << int(o.c.error) << " field " << int(o.c.field) << ": " << o.c.message);
  REQUIRE(o.c.error == DWVP_ERR_NONE);
  CHECK(o.out == L.expected);
  // The case says something: its outputs are not all one value (not all clamped).
  CHECK(std::set<int8_t>(L.expected.begin(), L.expected.end()).size() > 2);
  const timing::compute_timing ct = timing::layer_compute(L.d, ep.compute);
  const uint64_t feed = (feed_bytes(L) + bytes_per_cycle - 1) / bytes_per_cycle;
  INFO("timing model " << ct.cycles << " cycles, feed " << feed << " cycles");
  if (feed_bound) {
    CHECK(feed > ct.cycles);
    CHECK(o.c.cycles == feed);
  } else {
    CHECK(ct.cycles > feed);
    CHECK(o.c.cycles == ct.cycles);
  }
  CHECK(o.c.macs == ct.macs);
  CHECK(o.c.ppu_cycles == ct.ppu_cycles);
  CHECK(o.delay_out == SC_ZERO_TIME);
  // The outputs are complete after the delay plus the cycles; the engine takes the
  // next tile once the last fold's drain (the tail) has begun.
  CHECK(o.done_after == o.delay_in + ep.clock_period * double(o.c.cycles));
  CHECK(o.took == o.delay_in + ep.clock_period * double(o.c.cycles - ct.tail));
}

} // namespace dwvp::test
