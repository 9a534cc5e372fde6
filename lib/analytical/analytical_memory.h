// Internal to lib/analytical: the DMA and the memory behind it in closed form. A
// region is what the sequencer hands the DMA; traffic_of counts the requests and DRAM
// bursts the DMA makes of it; memory_model times a batch of such transfers.
#pragma once

#include "analytical.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace dwvp::analytical::detail {

// A strided DRAM region as the sequencer hands it to the DMA (tensor windows,
// weight slices): `planes` x `rows` x `row_bytes`, starting `offset` bytes past a
// 64-byte-aligned base.
struct region {
  uint64_t offset = 0;
  uint64_t row_bytes = 0, rows = 1, planes = 1;
  uint64_t row_stride = 0, plane_stride = 0;
  uint64_t bytes() const { return row_bytes * rows * planes; }
};

// What the DMA makes of a region: its requests (bursts of at most dma.burst_bytes
// over each contiguous run) and the DRAM bursts they touch (a request covers every
// DRAM burst it overlaps, so an unaligned one touches one more).
struct traffic {
  uint64_t bytes = 0;
  uint64_t requests = 0;
  uint64_t blocks = 0; // DRAM bursts
  // The request sequence, for the fixed-latency memory's window: `runs` runs of
  // `run_bytes` each, every run in requests of at most `burst` bytes, each request
  // followed by its (element_bytes - 1) x its length of widening requests.
  uint64_t runs = 0, run_bytes = 0;
  uint32_t burst = 0, element_bytes = 1;
  void add(const traffic& o) {
    bytes += o.bytes;
    requests += o.requests;
    blocks += o.blocks;
  }
};

// What traffic_of makes of a region with DMA requests of at most `burst` bytes and
// DRAM bursts of `block` bytes. Values `element_bytes` wide in DRAM (sram.entry_bits,
// the vector unit's DRAM formats): each request of n values moves its n bytes and then
// (element_bytes - 1) x n more from the same address on, in requests of at most
// `burst` bytes, as the DMA does.
traffic traffic_of(const region& r, uint32_t burst, uint32_t block,
                   uint32_t element_bytes = 1);

// The tensor window rows [y0, y1) x columns [x0, x1) x channels [c0, c1) of an NHWC
// tensor `width` pixels wide, pixels `stride` bytes apart (the sequencer's
// tensor_window).
region tensor_window(uint64_t offset, int width, uint32_t stride, int y0, int y1, int x0,
                     int x1, int c0, int c1);

// The DRAM regions of output channels [c0, c1)'s constants, as the sequencer loads them
// (constant_loads in models/sequencer): the weights (channel-multiply scales; with
// k1 > 0 a K slice, input channels [k0, k1) of every filter's every tap), then, when
// `requant`, the int32 bias and the multipliers and shifts. `widened`: the values take
// the layer's element width in DRAM (the weights), not the int32 data.
struct constant_region {
  region r;
  bool widened;
};
std::vector<constant_region> constant_regions(const dwvp_desc& d, int c0, int c1,
                                              int k0 = 0, int k1 = 0,
                                              bool requant = true);

// The DMA and the memory behind it, in picoseconds. A batch is what the sequencer sends
// together (a tile's loads; a tile's store with the prefetch of the tile after next):
// each command with its own start; returns each command's end.
class memory_model {
public:
  explicit memory_model(const platform_params& p);

  uint32_t block() const { return m_block; }

  struct command {
    traffic t;
    bool write = false;
    double start = 0;
    double end = 0;
  };

  void run(std::vector<command>& batch);

  // The descriptor fetch: one 128-byte read when the DMA and the bus are idle.
  double fetch(double start);

  void reset() {
    m_bus_free = 0;
    for (auto& w : m_window)
      w.assign(w.size(), 0.0);
    m_next[0] = m_next[1] = 0;
  }

private:
  double edge(double t) const { return std::ceil(t / m_tck - 1e-9) * m_tck; }

  // dram.model=fixed: every request takes latency + bytes / bandwidth, the stream
  // keeping dma.outstanding of them in flight (no shared bus): the memory's window
  // slots per stream, round robin, as models/memory does, request by request.
  void run_fixed(std::vector<command>& batch);

  const platform_params& m_p;
  double m_bus_ps = 0, m_tck = 1, m_tb = 0, m_refresh = 1;
  uint32_t m_block = 64;
  double m_bus_free = 0;
  // Fixed memory: when each window slot of the read and write streams frees, and the
  // slot the stream's next request takes.
  std::vector<double> m_window[2];
  size_t m_next[2] = {0, 0};
};

} // namespace dwvp::analytical::detail
