#include "analytical_memory.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace dwvp::analytical::detail {
namespace {

// Histogram of (k * stride) mod m for k in [0, count), m a power of two <= 64.
void residues(uint64_t count, uint64_t stride, uint32_t m, std::array<uint64_t, 64>& h) {
  h.fill(0);
  const uint64_t s = stride % m;
  const uint64_t period = s == 0 ? 1 : m / std::gcd<uint64_t>(s, m);
  const uint64_t full = count / period, rest = count % period;
  for (uint64_t k = 0; k < std::min<uint64_t>(period, count); ++k)
    h[(k * s) % m] += full + (k < rest ? 1 : 0);
}

} // namespace

traffic traffic_of(const region& r, uint32_t burst, uint32_t block,
                   uint32_t element_bytes) {
  traffic t;
  const uint64_t values = r.bytes();
  if (!values)
    return t;
  const uint64_t wide = element_bytes > 1 ? element_bytes - 1 : 0;
  t.bytes = values * (wide + 1);
  // Contiguous rows (and planes) are one run, as the DMA merges them.
  const bool rows_contiguous = r.row_stride == r.row_bytes || r.rows == 1;
  const bool planes_contiguous =
      rows_contiguous && (r.planes == 1 || r.plane_stride == r.row_bytes * r.rows);
  const uint64_t runs = rows_contiguous ? 1 : r.rows;
  const uint64_t planes = planes_contiguous ? 1 : r.planes;
  const uint64_t run = planes_contiguous ? values
                       : rows_contiguous ? r.row_bytes * r.rows
                                         : r.row_bytes;
  const uint32_t m = std::min<uint32_t>(block, 64);
  // Blocks that `len` bytes from `at` touch, in requests of at most `burst` bytes
  // starting at `at` (at is taken modulo the block).
  auto span_blocks = [&](uint64_t at, uint64_t len) {
    uint64_t blocks = 0;
    if (burst % block == 0) { // every request starts at the same offset
      const uint64_t full = len / burst, last = len % burst;
      blocks = full * ((at + burst + block - 1) / block);
      if (last)
        blocks += (at + last + block - 1) / block;
    } else {
      for (uint64_t done = 0; done < len; done += burst) {
        const uint64_t n = std::min<uint64_t>(burst, len - done);
        const uint64_t o = (at + done) % block;
        blocks += (o + n + block - 1) / block;
      }
    }
    return blocks;
  };
  // Blocks a run of `run` bytes touches when it starts at `o` past a block boundary,
  // with each request's widening bytes.
  auto run_blocks = [&](uint64_t o) {
    uint64_t blocks = span_blocks(o, run);
    if (!wide)
      return blocks;
    if (burst % block == 0) {
      const uint64_t full = run / burst, last = run % burst;
      blocks += full * span_blocks(o, wide * burst);
      if (last)
        blocks += span_blocks(o, wide * last);
    } else {
      for (uint64_t done = 0; done < run; done += burst)
        blocks +=
            span_blocks((o + done) % block, wide * std::min<uint64_t>(burst, run - done));
    }
    return blocks;
  };
  std::array<uint64_t, 64> hr{}, hp{};
  residues(runs, r.row_stride, m, hr);
  residues(planes, r.plane_stride, m, hp);
  std::array<uint64_t, 64> h{};
  for (uint32_t a = 0; a < m; ++a)
    if (hp[a])
      for (uint32_t b = 0; b < m; ++b)
        if (hr[b])
          h[(a + b + r.offset) % m] += hp[a] * hr[b];
  for (uint32_t o = 0; o < m; ++o)
    if (h[o])
      t.blocks += h[o] * run_blocks(o);
  // Requests per run: its own, and the widening bytes' of each.
  const uint64_t full = run / burst, last = run % burst;
  uint64_t per_run = full + (last ? 1 : 0);
  if (wide)
    per_run += full * wide + (last ? (wide * last + burst - 1) / burst : 0);
  t.requests = runs * planes * per_run;
  t.runs = runs * planes;
  t.run_bytes = run;
  t.burst = burst;
  t.element_bytes = element_bytes > 1 ? element_bytes : 1;
  return t;
}

std::vector<constant_region> constant_regions(const dwvp_desc& d, int c0, int c1, int k0,
                                              int k1, bool requant) {
  const uint64_t tc = uint64_t(c1 - c0);
  if (d.opcode == DWVP_OP_CHANNEL_MUL)
    return {{region{uint64_t(c0), tc, 1, 1, tc, 0}, true}};
  const bool dw = d.opcode == DWVP_OP_DEPTHWISE || d.opcode == DWVP_OP_DW_1XK ||
                  d.opcode == DWVP_OP_DW_KX1;
  const uint64_t per_filter = dw ? 1 : uint64_t(d.kernel_h) * d.kernel_w * d.in_c;
  region w;
  w.offset = dw ? uint64_t(c0) : uint64_t(c0) * per_filter;
  w.row_bytes = dw ? tc : tc * per_filter;
  w.rows = dw ? uint64_t(d.kernel_h) * d.kernel_w : 1;
  w.row_stride = dw ? d.in_c : w.row_bytes;
  if (k1 > 0 && !dw) {
    w.offset = uint64_t(c0) * per_filter + uint64_t(k0);
    w.row_bytes = uint64_t(k1 - k0);
    w.rows = tc * d.kernel_h * d.kernel_w;
    w.row_stride = d.in_c;
  }
  if (!requant)
    return {{w, true}};
  return {{w, true},
          {region{4 * uint64_t(c0), 4 * tc, 1, 1, 4 * tc, 0}, false},          // bias
          {region{4 * uint64_t(c0), 4 * tc, 2, 1, 4ull * d.out_c, 0}, false}}; // quant
}

region tensor_window(uint64_t offset, int width, uint32_t stride, int y0, int y1, int x0,
                     int x1, int c0, int c1) {
  region r;
  r.offset = offset + (uint64_t(y0) * width + x0) * stride + c0;
  r.row_bytes = uint64_t(c1 - c0);
  r.rows = uint64_t(x1 - x0);
  r.planes = uint64_t(y1 - y0);
  r.row_stride = stride;
  r.plane_stride = uint64_t(width) * stride;
  return r;
}

memory_model::memory_model(const platform_params& p) : m_p(p) {
  m_bus_ps = p.bus_latency_ns * 1000.0;
  if (!p.dram_fixed) {
    const dram::dram_spec& s = p.dram;
    m_tck = s.tck_ps;
    m_block = s.burst_bytes();
    m_tb = double(s.burst_cycles()) * m_tck;
    // All-bank refresh takes the rank off the bus for tRP + tRFC every tREFI; the
    // data bus then moves data (tREFI - tRP - tRFC) / tREFI of the time. Per-bank
    // refresh blocks one bank at a time, which the other banks hide.
    m_refresh = p.controller.refresh == dram::refresh_mode::all_bank
                    ? double(s.refi) / double(s.refi - s.rfc - s.rp)
                    : 1.0;
  } else {
    m_block = 64; // only for counting: the fixed memory has no bursts
  }
}

void memory_model::run(std::vector<command>& batch) {
  if (batch.empty())
    return;
  if (m_p.dram_fixed)
    return run_fixed(batch);
  const dram::dram_spec& s = m_p.dram;
  const dram::controller_params& c = m_p.controller;
  double first = batch[0].start;
  uint64_t reads = 0, writes = 0;
  for (const command& x : batch) {
    first = std::min(first, x.start);
    (x.write ? writes : reads) += x.t.blocks;
  }
  // The first burst reaches the controller a bus hop later, on a DRAM clock edge,
  // and may issue its first command after the controller's pipeline.
  const double arrive = edge(first + m_bus_ps) + c.latency * m_tck;
  const double begin = std::max(arrive, m_bus_free);
  // Posted writes wait in the write queue while reads are queued, until it holds
  // write_high bursts: up to that many of a store's bursts go after the reads; the
  // rest share the data bus with them.
  const uint64_t deferred = std::min<uint64_t>(writes, c.write_high);
  const double shared = double(reads + writes - deferred) * m_tb * m_refresh;
  // A tile's transfers open rows other transfers left open: the first read pays a
  // row conflict (precharge, activate) before its column command. Later rows open
  // in the shadow of the data bursts (other banks), which the FR-FCFS scheduler
  // overlaps.
  const double first_data = double(s.rp + s.rcd + s.cl) * m_tck;
  // The window: the read stream keeps dma.outstanding requests in flight over the
  // whole batch, each a bus hop plus a row hit (controller, CAS latency, its bursts)
  // long.
  uint64_t requests = 0, read_blocks = 0;
  double read_start = begin;
  for (const command& x : batch)
    if (!x.write && x.t.blocks) {
      requests += x.t.requests;
      read_blocks += x.t.blocks;
      read_start = std::min(read_start, edge(x.start + m_bus_ps) + c.latency * m_tck);
    }
  double read_end = begin;
  if (requests) {
    const double per_request = m_bus_ps + double(c.latency + s.cl) * m_tck +
                               double(read_blocks) / double(requests) * m_tb + m_tck / 2;
    const double window = double(requests) * per_request / double(m_p.dma_outstanding);
    read_end = std::max(read_start, begin) + first_data + std::max(shared, window);
  }
  for (command& x : batch) {
    const double own = edge(x.start + m_bus_ps) + c.latency * m_tck;
    if (x.write) {
      // Completes when its last burst is in the write queue: the queue takes
      // write_queue bursts at once, the rest as the bus drains it.
      const double over = x.t.blocks > c.write_queue
                              ? double(x.t.blocks - c.write_queue) * m_tb * m_refresh
                              : 0.0;
      x.end = std::max(own, begin + over);
    } else {
      x.end = x.t.blocks ? std::max(own, read_end) : x.start;
    }
  }
  m_bus_free = std::max(read_end, begin + shared) + double(deferred) * m_tb;
}

double memory_model::fetch(double start) {
  command x;
  x.t = traffic_of(region{0, DWVP_DESC_SIZE, 1, 1, DWVP_DESC_SIZE, 0},
                   m_p.dma_burst_bytes, m_block);
  x.start = start;
  std::vector<command> one{x};
  run(one);
  return one[0].end;
}

void memory_model::run_fixed(std::vector<command>& batch) {
  const double lat = m_p.fixed_latency_ns * 1000.0;
  const double per_byte = m_p.fixed_bandwidth_gbps > 0 ? 1000.0 / m_p.fixed_bandwidth_gbps
                                                       : 0.0; // ps per byte
  const size_t slots = std::max<uint32_t>(m_p.dma_outstanding, 1);
  for (command& x : batch) {
    std::vector<double>& window = m_window[x.write ? 1 : 0];
    size_t& next = m_next[x.write ? 1 : 0];
    if (window.size() != slots) {
      window.assign(slots, 0.0);
      next = 0;
    }
    x.end = x.start;
    if (!x.t.requests)
      continue;
    // Each request takes the next slot round robin, issues when that slot's previous
    // request is done, and holds it for the latency and its bytes.
    const double arrive = x.start + m_bus_ps;
    auto request = [&](uint64_t len) {
      double& slot = window[next];
      next = (next + 1) % slots;
      slot = std::max(arrive, slot) + lat + double(len) * per_byte;
      x.end = std::max(x.end, slot);
    };
    const traffic& t = x.t;
    const uint64_t wide = t.element_bytes - 1;
    for (uint64_t r = 0; r < t.runs; ++r)
      for (uint64_t done = 0; done < t.run_bytes; done += t.burst) {
        const uint64_t len = std::min<uint64_t>(t.burst, t.run_bytes - done);
        request(len);
        for (uint64_t extra = 0; extra < wide * len; extra += t.burst)
          request(std::min<uint64_t>(t.burst, wide * len - extra));
      }
  }
}

} // namespace dwvp::analytical::detail
