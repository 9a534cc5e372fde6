#include "analytical.h"

#include "analytical_memory.h"
#include "descriptor_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace dwvp::analytical {
using namespace detail;

std::vector<layer_input> layers_of(const runtime::network& net, bool scan_order,
                                   bool fuse, uint64_t fuse_limit) {
  run_options opt;
  opt.scan_order = scan_order;
  opt.fuse = fuse;
  opt.fuse_limit = fuse_limit;
  return layers_of(net, opt);
}

std::vector<layer_input> layers_of(const runtime::network& net, const run_options& o) {
  const bool scan_order = o.scan_order, fuse = o.fuse;
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
  runtime::options opt;
  opt.fuse = fuse;
  opt.fuse_limit = o.fuse_limit;
  opt.fuse_blocks = o.fuse_blocks;
  opt.chain_budget = o.chain_budget;
  std::vector<bool> stripe(out.size(), false);
  if (o.fuse_blocks) {
    // The runtime decides chains on placed descriptors; addresses per tensor owner
    // link each layer to the tensor it reads, as the placement does.
    auto tensor_of = [&](int i) {
      const int owner = net.layers[i].output_into >= 0 ? net.layers[i].output_into : i;
      return uint32_t(owner + 1) << 24;
    };
    std::vector<dwvp_desc> descs;
    for (size_t i = 0; i < out.size(); ++i) {
      const runtime::layer& l = net.layers[i];
      dwvp_desc d = out[i].desc;
      d.input_addr = (l.input < 0 ? 0u : tensor_of(l.input)) +
                     static_cast<uint32_t>(l.input_channel_offset);
      d.output_addr = tensor_of(int(i)) + static_cast<uint32_t>(out[i].output_offset);
      descs.push_back(d);
    }
    stripe = runtime::stripe_chains(net, descs, opt);
  }
  const std::vector<bool> fused =
      fuse ? runtime::fusable_pairs(net, opt) : std::vector<bool>(out.size(), false);
  for (size_t i = 0; i < out.size(); ++i) {
    const bool in_chain = stripe[i] || (i > 0 && stripe[i - 1]);
    const bool next_in_chain = i + 1 < out.size() && (stripe[i + 1] || stripe[i]);
    if (stripe[i])
      out[i].desc.flags |= DWVP_FLAG_STRIPE;
    else if (i + 1 < out.size() && i < fused.size() && fused[i] && !in_chain &&
             !next_in_chain) {
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
  // The sequencer's planning (planning_for): a single-buffered vector memory gives a
  // tile both halves and cannot overlap its DMA; wider values fit fewer.
  const auto& vm = p.vector_memory;
  const bool single = on_vector && !vm.double_buffer;
  const bool serial = on_vector && (single || !vm.dma_overlap);
  const uint32_t entry = std::max(1u, p.entry_bytes);
  const sequencer::buffer_sizes sizes =
      sequencer::tile_capacity(on_vector ? p.vector_buffers : p.buffers, single,
                               on_vector ? std::max(vm.operand_bytes, entry) : entry);
  sequencer::tile_alignment align;
  if (whole.unit == timing::engine::gemm)
    align = {p.compute.array.rows, p.compute.array.cols};
  sequencer::plan plan = sequencer::plan_layer(d, sizes, align);
  if (!plan.ok()) {
    e.ok = false;
    e.error = plan.message;
    return e;
  }
  if (!p.reuse)
    sequencer::load_every_tile(plan);
  // Bytes per value in DRAM: the entry width, or the vector unit's wider formats.
  const uint32_t wide_in = on_vector ? std::max(entry, vm.dram_input_bytes) : entry;
  const uint32_t wide_out = on_vector ? std::max(entry, vm.dram_output_bytes) : entry;
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
  // K tiling: the slices of one output tile share its output half; out_tile numbers the
  // output tiles, last_step holds each one's last slice.
  const bool k_tiled = plan.tile_k != 0;
  std::vector<size_t> out_tile(n), last_step;
  for (size_t i = 0; i < n; ++i) {
    out_tile[i] = i == 0 ? 0 : out_tile[i - 1] + (tiles[i].k_first ? 1 : 0);
    if (tiles[i].k_last)
      last_step.push_back(i);
  }
  // A tile's loads as the sequencer queues them: input (and ADD's second operand),
  // weights (a K slice: its input channels of every filter), bias, multiplier and
  // shift of the channel slice (with a K-tiled tile's last slice), the LUT with tile 0.
  auto loads = [&](size_t i, double start, std::vector<command>& batch) {
    const sequencer::tile& t = tiles[i];
    auto add = [&](const region& r, uint32_t element_bytes) {
      command x;
      x.t = traffic_of(r, burst, block, element_bytes);
      x.start = start;
      e.dram_read_bytes += x.t.bytes;
      batch.push_back(x);
    };
    if (t.load_input && !fuse_in) {
      add(tensor_window(layer.input_offset, d.in_w, in_stride, t.iy0, t.iy1, t.ix0, t.ix1,
                        t.ic0, t.ic1),
          wide_in);
      if (d.opcode == DWVP_OP_ADD)
        add(tensor_window(0, d.in_w, d.in_c, t.iy0, t.iy1, t.ix0, t.ix1, t.ic0, t.ic1),
            wide_in);
    }
    if (t.load_weights)
      for (const constant_region& c : constant_regions(d, t.c0, t.c1, k_tiled ? t.ic0 : 0,
                                                       k_tiled ? t.ic1 : 0, t.k_last))
        add(c.r, c.widened ? wide_in : 1);
    if (i == 0 && d.activation == DWVP_ACT_LUT)
      add(region{0, 256, 1, 1, 256, 0}, 1);
  };
  auto store_of = [&](size_t i, double start) {
    const sequencer::tile& t = tiles[i];
    command x;
    x.write = true;
    x.t = traffic_of(tensor_window(layer.output_offset, d.out_w, out_stride, t.oy0, t.oy1,
                                   t.ox0, t.ox1, t.c0, t.c1),
                     burst, block, wide_out);
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
  // Tile 1 prefetches into the other half; tile i + 2's loads go with tile i's store.
  // Serial (the vector memory single-buffered or without DMA overlap): tile i loads
  // once tile i - 1's store has drained.
  if (n > 1 && !serial) {
    batch.clear();
    loads(1, in_end[0], batch);
    mem.run(batch);
    in_end[1] = end_of(batch, 0, in_end[0]);
  }
  uint64_t macs_done = 0, charged = 0;
  double engine_done = 0;
  for (size_t i = 0; i < n; ++i) {
    const sequencer::tile& t = tiles[i];
    if (serial && i > 0) {
      batch.clear();
      loads(i, out_end[i - 1], batch);
      mem.run(batch);
      in_end[i] = end_of(batch, 0, out_end[i - 1]);
    }
    // The output half a tile writes is free once the store of the output tile before
    // the previous one has drained.
    double start = in_end[i];
    if (i >= 1)
      start = std::max(start, comp_end[i - 1]);
    if (t.k_first && out_tile[i] >= 2)
      start = std::max(start, out_end[last_step[out_tile[i] - 2]]);
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
      // The engine's read port (a K slice before the last has no requantisation data
      // in its weight bytes).
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
    const bool stored = !fuse_out && t.k_last; // partial sums stay in the output half
    if (stored) {
      const double prev_out =
          out_tile[i] >= 1 ? out_end[last_step[out_tile[i] - 1]] : done[i];
      batch.push_back(store_of(i, std::max(done[i], prev_out)));
    }
    const size_t stores = batch.size();
    const bool prefetch = i + 2 < n && !serial;
    const double load_start = prefetch ? std::max(in_end[i + 1], done[i]) : 0;
    if (prefetch)
      loads(i + 2, load_start, batch);
    mem.run(batch);
    out_end[i] = stored ? std::max(batch[0].end, batch[0].start) : done[i];
    if (prefetch)
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
  for (size_t i = 0; i < layers.size();) {
    // A chain runs to its first layer without STRIPE.
    size_t k = 1;
    while (layers[i + k - 1].desc.flags & DWVP_FLAG_STRIPE && i + k < layers.size())
      ++k;
    if (k > 1) {
      for (layer_estimate& e : estimate_chain(&layers[i], k, p))
        n.layers.push_back(std::move(e));
    } else {
      n.layers.push_back(estimate_layer(layers[i], p));
    }
    for (size_t j = n.layers.size() - k; j < n.layers.size(); ++j) {
      const layer_estimate& e = n.layers[j];
      if (!e.ok && n.ok) {
        n.ok = false;
        n.error = "layer " + e.name + ": " + e.error;
      }
      n.cycles += e.cycles;
      n.dram_read_bytes += e.dram_read_bytes;
      n.dram_write_bytes += e.dram_write_bytes;
      n.macs += e.macs;
    }
    i += k;
  }
  return n;
}

} // namespace dwvp::analytical
