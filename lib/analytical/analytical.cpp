#include "analytical.h"

#include "descriptor_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace dwvp::analytical {
namespace {

bool is_depthwise(uint8_t op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1;
}

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
  void add(const traffic& o) {
    bytes += o.bytes;
    requests += o.requests;
    blocks += o.blocks;
  }
};

// Histogram of (k * stride) mod m for k in [0, count), m a power of two <= 64.
void residues(uint64_t count, uint64_t stride, uint32_t m, std::array<uint64_t, 64>& h) {
  h.fill(0);
  const uint64_t s = stride % m;
  const uint64_t period = s == 0 ? 1 : m / std::gcd<uint64_t>(s, m);
  const uint64_t full = count / period, rest = count % period;
  for (uint64_t k = 0; k < std::min<uint64_t>(period, count); ++k)
    h[(k * s) % m] += full + (k < rest ? 1 : 0);
}

traffic traffic_of(const region& r, uint32_t burst, uint32_t block) {
  traffic t;
  t.bytes = r.bytes();
  if (!t.bytes)
    return t;
  // Contiguous rows (and planes) are one run, as the DMA merges them.
  const bool rows_contiguous = r.row_stride == r.row_bytes || r.rows == 1;
  const bool planes_contiguous =
      rows_contiguous && (r.planes == 1 || r.plane_stride == r.row_bytes * r.rows);
  const uint64_t runs = rows_contiguous ? 1 : r.rows;
  const uint64_t planes = planes_contiguous ? 1 : r.planes;
  const uint64_t run = planes_contiguous ? t.bytes
                       : rows_contiguous ? r.row_bytes * r.rows
                                         : r.row_bytes;
  const uint32_t m = std::min<uint32_t>(block, 64);
  // Blocks a run of `run` bytes touches when it starts at `o` past a block boundary.
  auto run_blocks = [&](uint64_t o) {
    uint64_t blocks = 0;
    if (burst % block == 0) { // every request starts at the same offset
      const uint64_t full = run / burst, last = run % burst;
      blocks = full * ((o + burst + block - 1) / block);
      if (last)
        blocks += (o + last + block - 1) / block;
    } else {
      for (uint64_t done = 0; done < run; done += burst) {
        const uint64_t len = std::min<uint64_t>(burst, run - done);
        const uint64_t at = (o + done) % block;
        blocks += (at + len + block - 1) / block;
      }
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
  t.requests = runs * planes * ((run + burst - 1) / burst);
  return t;
}

// The tensor window rows [y0, y1) x columns [x0, x1) x channels [c0, c1) of an NHWC
// tensor `width` pixels wide, pixels `stride` bytes apart (the sequencer's
// tensor_window).
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

// The DMA and the memory behind it, in picoseconds. A batch is what the sequencer sends
// together (a tile's loads; a tile's store with the prefetch of the tile after next):
// each command with its own start; returns each command's end.
class memory_model {
public:
  explicit memory_model(const platform_params& p) : m_p(p) {
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

  uint32_t block() const { return m_block; }

  struct command {
    traffic t;
    bool write = false;
    double start = 0;
    double end = 0;
  };

  void run(std::vector<command>& batch) {
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
                                 double(read_blocks) / double(requests) * m_tb +
                                 m_tck / 2;
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

  // The descriptor fetch: one 128-byte read when the DMA and the bus are idle.
  double fetch(double start) {
    command x;
    x.t = traffic_of(region{0, DWVP_DESC_SIZE, 1, 1, DWVP_DESC_SIZE, 0},
                     m_p.dma_burst_bytes, m_block);
    x.start = start;
    std::vector<command> one{x};
    run(one);
    return one[0].end;
  }

  void reset() { m_bus_free = 0; }

private:
  double edge(double t) const { return std::ceil(t / m_tck - 1e-9) * m_tck; }

  // dram.model=fixed: every request takes latency + bytes / bandwidth, the stream
  // keeping dma.outstanding of them in flight (no shared bus).
  void run_fixed(std::vector<command>& batch) {
    const double lat = m_p.fixed_latency_ns * 1000.0;
    const double per_byte = m_p.fixed_bandwidth_gbps > 0
                                ? 1000.0 / m_p.fixed_bandwidth_gbps
                                : 0.0; // ps per byte
    const double w = m_p.dma_outstanding;
    for (int write = 0; write < 2; ++write) {
      uint64_t requests = 0, bytes = 0;
      double start = -1;
      for (const command& x : batch)
        if (x.write == bool(write) && x.t.requests) {
          requests += x.t.requests;
          bytes += x.t.bytes;
          start = start < 0 ? x.start : std::min(start, x.start);
        }
      // The stream's requests go round robin over its window slots: the busiest slot
      // serves ceil(requests / window) of them.
      const double rounds = requests ? std::ceil(double(requests) / w) : 0;
      const double end =
          start + m_bus_ps + rounds * lat +
          (requests ? double(bytes) * rounds / double(requests) : 0) * per_byte;
      for (command& x : batch)
        if (x.write == bool(write))
          x.end = x.t.requests ? std::max(end, x.start) : x.start;
    }
  }

  const platform_params& m_p;
  double m_bus_ps = 0, m_tck = 1, m_tb = 0, m_refresh = 1;
  uint32_t m_block = 64;
  double m_bus_free = 0;
};

} // namespace

std::vector<layer_input> layers_of(const runtime::network& net, bool scan_order,
                                   bool fuse, uint64_t fuse_limit) {
  std::vector<layer_input> out;
  out.reserve(net.layers.size());
  auto channels_of = [&](int i) {
    const runtime::layer& l = net.layers[i];
    return l.out_channels_total ? l.out_channels_total : int(l.desc.out_c);
  };
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const runtime::layer& l = net.layers[i];
    layer_input x;
    x.name = l.name;
    x.desc = l.desc;
    x.input_offset = static_cast<uint32_t>(l.input_channel_offset);
    if (l.output_into >= 0) {
      x.output_offset = static_cast<uint32_t>(l.output_channel_offset);
      x.desc.out_pixel_stride = static_cast<uint16_t>(channels_of(l.output_into));
    } else if (channels_of(int(i)) != l.desc.out_c) {
      x.desc.out_pixel_stride = static_cast<uint16_t>(channels_of(int(i)));
    }
    if (x.desc.out_pixel_stride == x.desc.out_c)
      x.desc.out_pixel_stride = 0;
    if (scan_order)
      x.desc.loop_order = DWVP_ORDER_SCAN;
    out.push_back(x);
  }
  if (fuse) {
    runtime::options opt;
    opt.fuse = true;
    opt.fuse_limit = fuse_limit;
    const std::vector<bool> fused = runtime::fusable_pairs(net, opt);
    for (size_t i = 0; i + 1 < out.size() && i < fused.size(); ++i)
      if (fused[i]) {
        out[i].desc.flags |= DWVP_FLAG_FUSE_OUT;
        out[i + 1].desc.flags |= DWVP_FLAG_FUSE_IN;
      }
  }
  return out;
}

layer_estimate estimate_layer(const layer_input& layer, const platform_params& p) {
  const dwvp_desc& d = layer.desc;
  layer_estimate e;
  e.name = layer.name;
  timing::compute_timing whole;
  try {
    whole = timing::layer_compute(d, p.compute);
  } catch (const std::invalid_argument& x) {
    e.ok = false;
    e.error = x.what();
    return e;
  }
  e.unit = whole.unit;
  e.macs = whole.macs;
  const bool on_vector = whole.unit == timing::engine::vector;
  sequencer::tile_alignment align;
  if (whole.unit == timing::engine::gemm)
    align = {p.compute.array.rows, p.compute.array.cols};
  const sequencer::plan plan =
      sequencer::plan_layer(d, on_vector ? p.vector_buffers : p.buffers, align);
  if (!plan.ok()) {
    e.ok = false;
    e.error = plan.message;
    return e;
  }
  const double period = 1e6 / p.clock_mhz; // ps
  auto edge = [&](double t) { return std::ceil(t / period - 1e-9) * period; };
  memory_model mem(p);
  const uint32_t burst = std::max<uint32_t>(p.dma_burst_bytes, 1);
  const uint32_t block = mem.block();

  // The command processor fetches the descriptor (one clock edge after the read).
  const double layer_start = edge(mem.fetch(0));
  e.dram_read_bytes = DWVP_DESC_SIZE;

  const bool fuse_out = d.flags & DWVP_FLAG_FUSE_OUT;
  const bool fuse_in = d.flags & DWVP_FLAG_FUSE_IN;
  const uint32_t in_stride = models::input_pixel_stride(d);
  const uint32_t out_stride = models::output_pixel_stride(d);
  const auto& tiles = plan.tiles;
  const size_t n = tiles.size();
  e.tiles = static_cast<uint32_t>(n);

  using command = memory_model::command;
  // A tile's loads as the sequencer queues them: input (and ADD's second operand),
  // weights, bias, multiplier and shift of the channel slice, the LUT with tile 0.
  auto loads = [&](size_t i, double start, std::vector<command>& batch) {
    const sequencer::tile& t = tiles[i];
    auto add = [&](const region& r) {
      command x;
      x.t = traffic_of(r, burst, block);
      x.start = start;
      e.dram_read_bytes += x.t.bytes;
      batch.push_back(x);
    };
    if (t.load_input && !fuse_in) {
      add(tensor_window(layer.input_offset, d.in_w, in_stride, t.iy0, t.iy1, t.ix0, t.ix1,
                        t.ic0, t.ic1));
      if (d.opcode == DWVP_OP_ADD)
        add(tensor_window(0, d.in_w, d.in_c, t.iy0, t.iy1, t.ix0, t.ix1, t.ic0, t.ic1));
    }
    if (t.load_weights) {
      const uint64_t tc = uint64_t(t.c1 - t.c0);
      if (d.opcode == DWVP_OP_CHANNEL_MUL) {
        add(region{uint64_t(t.c0), tc, 1, 1, tc, 0});
      } else {
        const bool dw = is_depthwise(d.opcode);
        const uint64_t per_filter = dw ? 1 : uint64_t(d.kernel_h) * d.kernel_w * d.in_c;
        region w;
        w.offset = dw ? uint64_t(t.c0) : uint64_t(t.c0) * per_filter;
        w.row_bytes = dw ? tc : tc * per_filter;
        w.rows = dw ? uint64_t(d.kernel_h) * d.kernel_w : 1;
        w.row_stride = dw ? d.in_c : w.row_bytes;
        add(w);
        add(region{4 * uint64_t(t.c0), 4 * tc, 1, 1, 4 * tc, 0});         // bias
        add(region{4 * uint64_t(t.c0), 4 * tc, 2, 1, 4ull * d.out_c, 0}); // quant
      }
    }
    if (i == 0 && d.activation == DWVP_ACT_LUT)
      add(region{0, 256, 1, 1, 256, 0});
  };
  auto store_of = [&](size_t i, double start) {
    const sequencer::tile& t = tiles[i];
    command x;
    x.write = true;
    x.t = traffic_of(tensor_window(layer.output_offset, d.out_w, out_stride, t.oy0, t.oy1,
                                   t.ox0, t.ox1, t.c0, t.c1),
                     burst, block);
    x.start = start;
    e.dram_write_bytes += x.t.bytes;
    return x;
  };
  auto end_of = [](const std::vector<command>& batch, size_t from, double start) {
    double end = start;
    for (size_t k = from; k < batch.size(); ++k)
      end = std::max(end, batch[k].end);
    return end;
  };

  // A fused input is moved from the output buffer into the input buffer first, at the
  // SRAM read port's width per clock.
  double fused_ready = layer_start;
  if (fuse_in) {
    const uint64_t whole_input = (uint64_t{d.in_h} * d.in_w - 1) * in_stride + d.in_c;
    fused_ready +=
        double(whole_input) / double(uint64_t(p.sram_banks) * p.sram_port_bytes) * period;
  }

  const bool share_whole = p.compute.model == timing::timing_model::fuse_paper ||
                           p.compute.gemm_options.sched == gemm::schedule::scalesim;
  const uint64_t port = std::max<uint64_t>(uint64_t(p.sram_banks) * p.sram_port_bytes, 1);
  std::vector<double> in_end(n, 0), comp_end(n, 0), done(n, 0), out_end(n, 0);
  std::vector<command> batch;
  loads(0, layer_start, batch);
  mem.run(batch);
  in_end[0] = std::max(end_of(batch, 0, layer_start), fused_ready);
  if (n > 1) {
    batch.clear();
    loads(1, in_end[0], batch);
    mem.run(batch);
    in_end[1] = end_of(batch, 0, in_end[0]);
  }
  uint64_t macs_done = 0, charged = 0;
  double engine_done = 0;
  for (size_t i = 0; i < n; ++i) {
    const sequencer::tile& t = tiles[i];
    double start = in_end[i];
    if (i >= 1)
      start = std::max(start, comp_end[i - 1]);
    if (i >= 2)
      start = std::max(start, out_end[i - 2]);
    start = edge(start);
    const dwvp_desc td = sequencer::tile_descriptor(d, t);
    const timing::compute_timing ct = timing::layer_compute(td, p.compute);
    uint64_t cycles, lead, tail;
    if (share_whole) {
      const auto upto = [&](uint64_t m) {
        return whole.macs
                   ? static_cast<uint64_t>(
                         (static_cast<unsigned __int128>(whole.cycles) * m) / whole.macs)
                   : (i + 1 == n ? whole.cycles : 0);
      };
      cycles = upto(macs_done + ct.macs) - upto(macs_done);
      macs_done += ct.macs;
      if (i + 1 == n)
        cycles = whole.cycles - charged;
      charged += cycles;
      lead = cycles;
      tail = 0;
    } else {
      const uint64_t feed = (t.input_bytes + t.weight_bytes + port - 1) / port;
      cycles = std::max<uint64_t>(ct.cycles, feed);
      lead = std::min(ct.lead + (cycles - ct.cycles), cycles);
      tail = std::min(ct.tail, cycles - lead);
    }
    const uint64_t prev =
        i > 0 && engine_done > start
            ? static_cast<uint64_t>((engine_done - start) / period + 0.5)
            : 0;
    const uint64_t done_cycles = gemm::chained_done(0, lead, cycles, prev);
    done[i] = start + double(done_cycles) * period;
    engine_done = done[i];
    comp_end[i] = done[i] - double(tail) * period;
    e.compute_cycles += done_cycles - prev;

    batch.clear();
    if (fuse_out)
      out_end[i] = done[i];
    else
      batch.push_back(store_of(i, std::max(done[i], i >= 1 ? out_end[i - 1] : done[i])));
    const size_t stores = batch.size();
    const double load_start = i + 2 < n ? std::max(in_end[i + 1], done[i]) : 0;
    if (i + 2 < n)
      loads(i + 2, load_start, batch);
    mem.run(batch);
    if (!fuse_out)
      out_end[i] = std::max(batch[0].end, batch[0].start);
    if (i + 2 < n)
      in_end[i + 2] = end_of(batch, stores, load_start);
  }
  const double layer_end = edge(out_end[n - 1]);
  e.cycles = static_cast<uint64_t>(std::llround(layer_end / period));
  return e;
}

network_estimate estimate(const std::vector<layer_input>& layers,
                          const platform_params& p) {
  network_estimate n;
  n.layers.reserve(layers.size());
  for (const layer_input& l : layers) {
    n.layers.push_back(estimate_layer(l, p));
    const layer_estimate& e = n.layers.back();
    if (!e.ok && n.ok) {
      n.ok = false;
      n.error = "layer " + e.name + ": " + e.error;
    }
    n.cycles += e.cycles;
    n.dram_read_bytes += e.dram_read_bytes;
    n.dram_write_bytes += e.dram_write_bytes;
    n.macs += e.macs;
  }
  return n;
}

} // namespace dwvp::analytical
