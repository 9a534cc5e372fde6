// A stripe chain in the analytical model (docs/analytical.md, "Stripe chains"): the
// closed form of the tile sequencer's run_chain (models/sequencer/stripe_chain_run.cpp).
// The chain's planning is the shared C rules of include/dwvp/stripe_chain.h (stripe
// height, strip width, the rows and columns each layer computes per step); the time is
// one recurrence step per stripe: its first layer's input window and (with the first
// stripe) every layer's constants loaded, the layers computed one after the other on
// the array (a line buffer's retained rows moved to its front first), the last layer's
// rows stored, loads of stripe s + 2 issued with stripe s's store.
#include "analytical.h"

#include "analytical_memory.h"
#include "descriptor_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace dwvp::analytical {

using namespace detail;

std::vector<layer_estimate> estimate_chain(const layer_input* layers, size_t k,
                                           const platform_params& p) {
  std::vector<layer_estimate> out(k);
  for (size_t j = 0; j < k; ++j)
    out[j].name = layers[j].name;
  auto refuse = [&](size_t j, const std::string& why) {
    for (layer_estimate& e : out) {
      e.ok = false;
      e.error = "stripe chain from layer " + layers[0].name + " (layer " +
                layers[j].name + "): " + why;
    }
    return out;
  };
  if (k < 2 || k > DWVP_CHAIN_MAX_LAYERS)
    return refuse(0, "a stripe chain has 2 to " + std::to_string(DWVP_CHAIN_MAX_LAYERS) +
                         " layers");
  std::vector<dwvp_desc> d(k);
  std::vector<timing::compute_timing> whole(k);
  for (size_t j = 0; j < k; ++j) {
    d[j] = layers[j].desc;
    try {
      whole[j] = timing::layer_compute(d[j], p.compute);
    } catch (const std::invalid_argument& x) {
      return refuse(j, x.what());
    }
    if (whole[j].unit != timing::engine::gemm)
      return refuse(j, "a stripe chain runs on the GEMM core and the DwC datapath only");
    out[j].unit = whole[j].unit;
    out[j].macs = whole[j].macs;
  }

  // The chain's shape within the GEMM buffers' halves, in entries (planning_for).
  const uint32_t entry = std::max(1u, p.entry_bytes);
  const sequencer::buffer_sizes capacity =
      sequencer::tile_capacity(p.buffers, false, entry);
  const dwvp_chain_budget budget{capacity.input, capacity.weight, capacity.output};
  uint32_t S = 0, T = 0;
  if (!dwvp_chain_shape(d.data(), uint32_t(k), &budget, &S, &T))
    return refuse(0, "does not fit at one row of one column per stripe");
  struct step {
    uint32_t stripe;
    std::array<dwvp_chain_rows, DWVP_CHAIN_MAX_LAYERS> rows;
    std::array<dwvp_chain_cols, DWVP_CHAIN_MAX_LAYERS> cols;
  };
  const uint32_t stripes = dwvp_chain_stripes(d.data(), uint32_t(k), S);
  const uint32_t strips = dwvp_chain_strips(d.data(), uint32_t(k), T);
  if (uint64_t(stripes) * strips > (uint64_t{1} << 18))
    return refuse(0, "more stripes than the sequencer plans");
  const uint32_t n = stripes * strips;
  std::vector<step> steps(n);
  for (uint32_t t = 0, i = 0; t < strips; ++t) {
    uint32_t done[DWVP_CHAIN_MAX_LAYERS] = {};
    for (uint32_t s = 0; s < stripes; ++s, ++i) {
      steps[i].stripe = s;
      dwvp_chain_strip(d.data(), uint32_t(k), T, t, steps[i].cols.data());
      dwvp_chain_stripe(d.data(), uint32_t(k), S, s, done, steps[i].rows.data());
    }
  }
  auto tile_of = [&](const step& st, size_t j) {
    return sequencer::chain_tile(d[j], st.rows[j], st.cols[j]);
  };

  const double period = 1e6 / p.clock_mhz; // ps
  auto edge = [&](double t) { return std::ceil(t / period - 1e-9) * period; };
  memory_model mem(p);
  const uint32_t burst = std::max<uint32_t>(p.dma_burst_bytes, 1);
  const uint32_t block = mem.block();
  const uint64_t port = std::max<uint64_t>(uint64_t(p.sram_banks) * p.sram_port_bytes, 1);

  // The command processor fetches the chain's descriptors one after the other.
  double chain_start = 0;
  for (size_t j = 0; j < k; ++j) {
    chain_start = edge(mem.fetch(chain_start));
    out[j].dram_read_bytes = DWVP_DESC_SIZE;
  }

  using command = memory_model::command;
  auto add = [&](std::vector<command>& batch, const region& r, uint32_t element_bytes,
                 bool write, double start, size_t layer) {
    command x;
    x.t = traffic_of(r, burst, block, element_bytes);
    x.write = write;
    x.start = start;
    (write ? out[layer].dram_write_bytes : out[layer].dram_read_bytes) += x.t.bytes;
    batch.push_back(x);
  };
  const dwvp_desc& first = d[0];
  const dwvp_desc& last = d[k - 1];
  auto load = [&](uint32_t s, double start, std::vector<command>& batch) {
    if (s == 0) // every layer's constants, resident for the whole chain
      for (size_t j = 0; j < k; ++j)
        for (const constant_region& c : constant_regions(d[j], 0, d[j].out_c))
          add(batch, c.r, c.widened ? entry : 1, false, start, j);
    const dwvp_chain_rows& r = steps[s].rows[0];
    const dwvp_chain_cols& x = steps[s].cols[0];
    if (r.out1 > r.out0)
      add(batch,
          tensor_window(layers[0].input_offset, first.in_w,
                        models::input_pixel_stride(first), int(r.in0), int(r.in1),
                        int(x.in0), int(x.in1), 0, first.in_c),
          entry, false, start, 0);
  };
  auto store = [&](uint32_t s, double start, std::vector<command>& batch) {
    const dwvp_chain_rows& r = steps[s].rows[k - 1];
    const dwvp_chain_cols& c = steps[s].cols[k - 1];
    add(batch,
        tensor_window(layers[k - 1].output_offset, last.out_w,
                      models::output_pixel_stride(last), int(r.out0), int(r.out1),
                      int(c.out0), int(c.out1), 0, last.out_c),
        entry, true, start, k - 1);
  };
  auto end_of = [](const std::vector<command>& batch, size_t from, double start) {
    double end = start;
    for (size_t i = from; i < batch.size(); ++i)
      end = std::max(end, batch[i].end);
    return end;
  };

  // Accounting models share each layer's whole count out over its stripes' MACs.
  const bool share_whole = p.compute.model == timing::timing_model::fuse_paper ||
                           p.compute.gemm_options.sched == gemm::schedule::scalesim;
  std::array<uint64_t, DWVP_CHAIN_MAX_LAYERS> macs_done{}, charged{}, tile_macs{};
  if (share_whole)
    for (const step& st : steps)
      for (size_t j = 0; j < k; ++j)
        if (st.rows[j].out1 > st.rows[j].out0)
          tile_macs[j] += timing::layer_compute(
                              sequencer::tile_descriptor(d[j], tile_of(st, j)), p.compute)
                              .macs;
  // Line buffer j holds rows [line_base[j], line_done[j]) of layer j's output.
  std::array<uint32_t, DWVP_CHAIN_MAX_LAYERS> line_base{}, line_done{};

  // Stripe s's layers one after the other from `now`: all_done when the last output is
  // complete, first_done when layer 0's is (its input half is free), returned when the
  // sequencer has the engine's answer for the last tile (its drain may still run).
  auto compute = [&](uint32_t s, double now, double& all_done, double& first_done,
                     double& returned) {
    double ready = now;
    first_done = returned = now;
    const step& st = steps[s];
    for (size_t j = 0; j < k; ++j) {
      const dwvp_chain_rows& r = st.rows[j];
      if (st.stripe == 0) // a new strip: the line buffers start empty
        line_base[j] = line_done[j] = 0;
      if (r.out1 == r.out0)
        continue;
      if (j + 1 < k) {
        // The rows the next layer still reads move to the front of the line buffer,
        // an on-chip copy at the buffers' port width.
        const uint32_t base = st.rows[j + 1].in0;
        if (base > line_base[j] && line_done[j] > base) {
          const uint64_t row = uint64_t(st.cols[j].out1 - st.cols[j].out0) * d[j].out_c;
          ready += double((line_done[j] - base) * row) * period / double(port);
        }
        line_base[j] = base;
      }
      const dwvp_desc td = sequencer::tile_descriptor(d[j], tile_of(st, j));
      const timing::compute_timing ct = timing::layer_compute(td, p.compute);
      uint64_t cycles, tail;
      if (share_whole) {
        const auto upto = [&](uint64_t m) {
          return tile_macs[j]
                     ? static_cast<uint64_t>(
                           (static_cast<unsigned __int128>(whole[j].cycles) * m) /
                           tile_macs[j])
                     : 0;
        };
        macs_done[j] += ct.macs;
        cycles = upto(macs_done[j]) - charged[j];
        charged[j] += cycles;
        tail = 0;
      } else {
        // The engine's read port: the tile's input window, weights, bias and
        // requantisation data.
        const bool dw = td.opcode == DWVP_OP_DEPTHWISE || td.opcode == DWVP_OP_DW_1XK ||
                        td.opcode == DWVP_OP_DW_KX1;
        const uint64_t per_channel =
            uint64_t(td.kernel_h) * td.kernel_w * (dw ? 1 : uint64_t(td.in_c));
        const uint64_t fed = uint64_t(td.in_h) * td.in_w * td.in_c +
                             per_channel * td.out_c + 12ull * td.out_c;
        cycles = std::max<uint64_t>(ct.cycles, (fed + port - 1) / port);
        const uint64_t lead = std::min(ct.lead + (cycles - ct.cycles), cycles);
        tail = std::min(ct.tail, cycles - lead);
      }
      // A layer reads what the previous one wrote: it starts when those are complete.
      const double start = edge(ready);
      const double done = start + double(cycles) * period;
      out[j].compute_cycles += cycles;
      ++out[j].tiles;
      returned = done - double(tail) * period;
      ready = done;
      if (j == 0)
        first_done = done;
      if (j + 1 < k)
        line_done[j] = r.out1;
    }
    all_done = ready;
  };

  std::vector<double> in_end(n), comp_end(n), done(n), first_done(n), out_end(n);
  std::vector<command> batch;
  load(0, chain_start, batch);
  mem.run(batch);
  in_end[0] = end_of(batch, 0, chain_start);
  if (n > 1) {
    batch.clear();
    const double at = std::max(in_end[0], chain_start);
    load(1, at, batch);
    mem.run(batch);
    in_end[1] = end_of(batch, 0, at);
  }
  for (uint32_t s = 0; s < n; ++s) {
    // A stripe starts when its input is in, the array is free and the output half it
    // writes has drained (stripe s - 2's store).
    double start = in_end[s];
    if (s >= 1)
      start = std::max(start, comp_end[s - 1]);
    if (s >= 2)
      start = std::max(start, out_end[s - 2]);
    start = edge(start);
    compute(s, start, done[s], first_done[s], comp_end[s]);
    batch.clear();
    const double store_at = std::max(done[s], s >= 1 ? out_end[s - 1] : done[s]);
    store(s, store_at, batch);
    const double load_at = s + 2 < n ? std::max(in_end[s + 1], first_done[s]) : 0;
    if (s + 2 < n)
      load(s + 2, load_at, batch);
    mem.run(batch);
    out_end[s] = std::max(store_at, batch[0].end);
    if (s + 2 < n)
      in_end[s + 2] = end_of(batch, 1, load_at);
  }
  const uint64_t total =
      static_cast<uint64_t>(std::llround(edge(out_end[n - 1]) / period));

  // The records: every layer but the last its compute cycles, the last the rest.
  uint64_t others = 0;
  for (size_t j = 0; j + 1 < k; ++j) {
    out[j].cycles = out[j].compute_cycles;
    others += out[j].cycles;
  }
  out[k - 1].cycles = total - std::min(total, others);
  return out;
}

} // namespace dwvp::analytical
