// The tile sequencer's stripe chain (DWVP_FLAG_STRIPE, docs/memory.md "Block fusion"):
// a chain of layers runs stripe by stripe of the last layer's output rows. Each
// intermediate lives only in a line buffer in the output SRAM that holds the rows the
// next layer reads; the first layer's input rows come from DRAM into the input buffer's
// halves, every layer's constants stay resident in the weight buffer, and the last
// layer's stripe leaves through the output buffer's halves.
#include "tile_sequencer.h"

#include "descriptor_check.h"
#include "dma_batch.h"
#include "dwvp/stripe_chain.h"
#include "local_regions.h"

#include <array>
#include <stdexcept>

namespace dwvp::models {

using sc_core::sc_time;

void tile_sequencer::run_chain(layer_command& c) {
  const std::vector<dwvp_desc>& layers = c.chain;
  const uint32_t k = static_cast<uint32_t>(layers.size());
  c.chain_results.assign(k, {});
  auto abandoned = [&] {
    c.abandoned = c.generation && *c.generation != c.generation_at_start;
    return c.abandoned;
  };
  auto fail = [&](uint32_t j, dwvp_error e, dwvp_desc_field f, std::string message) {
    c.failed_layer = j;
    c.error = e;
    c.field = f;
    c.message = std::move(message);
  };
  if (k < 2 || k > DWVP_CHAIN_MAX_LAYERS)
    return fail(0, DWVP_ERR_UNSUPPORTED, DWVP_FIELD_FLAGS,
                "a stripe chain has 2 to " + std::to_string(DWVP_CHAIN_MAX_LAYERS) +
                    " layers");
  const sc_time chain_start = sc_core::sc_time_stamp();

  // Engines: the GEMM core and the DwC datapath, which share the array and the buffers.
  std::vector<timing::compute_timing> whole(k);
  std::vector<tlm_utils::simple_initiator_socket<tile_sequencer>*> engines(k);
  for (uint32_t j = 0; j < k; ++j) {
    try {
      whole[j] = timing::layer_compute(layers[j], m_params.compute);
    } catch (const std::invalid_argument& e) {
      return fail(j, DWVP_ERR_UNSUPPORTED, DWVP_FIELD_DATAFLOW, e.what());
    }
    if (whole[j].unit != timing::engine::gemm)
      return fail(j, DWVP_ERR_UNSUPPORTED, DWVP_FIELD_MAPPING,
                  "a stripe chain runs on the GEMM core and the DwC datapath only");
    engines[j] = runs_on_dwc(layers[j]) ? &dwc_socket : &gemm_socket;
    c.chain_results[j].macs = whole[j].macs;
    c.chain_results[j].engine = static_cast<uint32_t>(whole[j].unit);
  }

  const tile_planning planning = planning_for(m_params, timing::engine::gemm);
  const dwvp_chain_budget budget{planning.capacity.input, planning.capacity.weight,
                                 planning.capacity.output};
  uint32_t S = 0, T = 0;
  if (!dwvp_chain_shape(layers.data(), k, &budget, &S, &T)) {
    uint64_t need[3] = {};
    dwvp_chain_fits(layers.data(), k, 1, 1, &budget, need);
    return fail(0, DWVP_ERR_BUFFER_FIT, DWVP_FIELD_FLAGS,
                "stripe chain of " + std::to_string(k) +
                    " layers does not fit at one row of one column per stripe: needs "
                    "input " +
                    std::to_string(need[0]) + ", weights " + std::to_string(need[1]) +
                    ", output " + std::to_string(need[2]) +
                    " entries; the input half holds " +
                    std::to_string(budget.input_half) + ", both weight halves " +
                    std::to_string(2 * budget.weight_half) + ", both output halves " +
                    std::to_string(2 * budget.output_half));
  }

  m_log->debug("chain of {} layers from layer {}: stripes of {} rows, strips of {} "
               "columns (halves of {}, {}, {} entries)",
               k, layers[0].layer_id, S, T, budget.input_half, budget.weight_half,
               budget.output_half);
  // The steps (strip by strip, stripe by stripe within each), their rows and columns,
  // and the on-chip layout they need.
  struct step {
    uint32_t stripe;
    std::array<dwvp_chain_rows, DWVP_CHAIN_MAX_LAYERS> rows;
    std::array<dwvp_chain_cols, DWVP_CHAIN_MAX_LAYERS> cols;
    // Bytes of one row of layer j's output in this strip.
    uint64_t row_bytes(const dwvp_desc& d, uint32_t j) const {
      return uint64_t(cols[j].out1 - cols[j].out0) * d.out_c;
    }
  };
  const uint32_t stripes = dwvp_chain_stripes(layers.data(), k, S);
  const uint32_t strips = dwvp_chain_strips(layers.data(), k, T);
  // The steps are planned ahead; a bound keeps a hostile descriptor from exhausting
  // the host (a 224x224 chain at one row and one column per step has 50,176).
  constexpr uint64_t k_max_steps = 1u << 18;
  if (uint64_t(stripes) * strips > k_max_steps)
    return fail(0, DWVP_ERR_UNSUPPORTED, DWVP_FIELD_FLAGS,
                "stripe chain of " + std::to_string(uint64_t(stripes) * strips) +
                    " stripes exceeds the sequencer's " + std::to_string(k_max_steps));
  const uint32_t n = stripes * strips;
  std::vector<step> steps(n);
  std::array<uint64_t, DWVP_CHAIN_MAX_LAYERS> line_bytes{};
  uint64_t stripe_out = 0;
  for (uint32_t t = 0, i = 0; t < strips; ++t) {
    uint32_t done[DWVP_CHAIN_MAX_LAYERS] = {};
    for (uint32_t s = 0; s < stripes; ++s, ++i) {
      step& st = steps[i];
      st.stripe = s;
      dwvp_chain_strip(layers.data(), k, T, t, st.cols.data());
      dwvp_chain_stripe(layers.data(), k, S, s, done, st.rows.data());
      for (uint32_t j = 0; j + 1 < k; ++j)
        line_bytes[j] = std::max<uint64_t>(
            line_bytes[j], uint64_t(dwvp_chain_held_rows(&st.rows[j + 1], done[j])) *
                               st.row_bytes(layers[j], j));
      const dwvp_chain_rows& last = st.rows[k - 1];
      stripe_out = std::max<uint64_t>(stripe_out, uint64_t(last.out1 - last.out0) *
                                                      st.row_bytes(layers[k - 1], k - 1));
    }
  }
  // Layer j's tile at a step: its rows and columns, all channels.
  auto tile_of = [&](const step& st, uint32_t j) {
    return sequencer::chain_tile(layers[j], st.rows[j], st.cols[j]);
  };
  std::array<uint64_t, DWVP_CHAIN_MAX_LAYERS> weight_at{}, line_at{};
  for (uint32_t j = 0, w = 0; j < k; ++j) {
    weight_at[j] = local_map::weight_buffer + w;
    w += static_cast<uint32_t>(dwvp_weight_bytes(&layers[j], layers[j].out_c));
  }
  for (uint32_t j = 0; j + 1 < k; ++j)
    line_at[j] = (j ? line_at[j - 1] + line_bytes[j - 1]
                    : local_map::output_buffer + 2 * stripe_out);
  auto input_at = [&](uint32_t s) {
    return local_map::input_buffer + (s % 2) * budget.input_half;
  };
  auto output_at = [&](uint32_t s) {
    return local_map::output_buffer + (s % 2) * stripe_out;
  };
  const uint32_t entry = std::max(1u, m_params.buffer_use.entry_bytes);
  const dwvp_desc& first = layers[0];
  const dwvp_desc& last = layers[k - 1];

  const sc_time period = m_params.clock_period;
  auto edge = [&](const sc_time& t) {
    const uint64_t p = period.value();
    return sc_time::from_value((t.value() + p - 1) / p * p);
  };
  // Each DMA command counts its bytes to the layer it serves (tagged with the layer).
  dma_batch<decltype(dma_socket)> dma(dma_socket, m_params.functional);
  auto queue_dma = [&](const dma_command& x, dwvp_desc_field field, uint32_t layer,
                       sc_time* end) {
    dma.queue(x, field, end, layer);
    chain_layer_result& r = c.chain_results[layer];
    const uint64_t bytes = x.external.bytes() * x.element_bytes;
    (x.kind == dma_command::load ? r.dram_read_bytes : r.dram_write_bytes) += bytes;
  };
  auto load = [&](uint32_t s, sc_time start, sc_time* end) {
    *end = std::max(*end, start);
    auto read = [&](uint32_t layer, const constant_load& l) {
      dma_command x;
      x.kind = dma_command::load;
      x.external = l.external;
      x.local_addr = l.local;
      x.start = start;
      x.element_bytes = l.element_bytes;
      queue_dma(x, l.field, layer, end);
    };
    if (s == 0) // every layer's constants, resident for the whole chain
      for (uint32_t j = 0; j < k; ++j)
        for (const constant_load& l :
             constant_loads(layers[j], 0, layers[j].out_c, weight_at[j], entry))
          read(j, l);
    const dwvp_chain_rows& r = steps[s].rows[0];
    const dwvp_chain_cols& x = steps[s].cols[0];
    if (r.out1 > r.out0)
      read(0,
           {DWVP_FIELD_INPUT_ADDR,
            tensor_window(first.input_addr, first.in_w, input_pixel_stride(first),
                          int(r.in0), int(r.in1), int(x.in0), int(x.in1), 0, first.in_c),
            input_at(s), entry});
  };
  auto store = [&](uint32_t s, sc_time start, sc_time* end) {
    const dwvp_chain_rows& r = steps[s].rows[k - 1];
    const dwvp_chain_cols& cols = steps[s].cols[k - 1];
    dma_command x;
    x.kind = dma_command::store;
    x.external = tensor_window(last.output_addr, last.out_w, output_pixel_stride(last),
                               int(r.out0), int(r.out1), int(cols.out0), int(cols.out1),
                               0, last.out_c);
    x.local_addr = output_at(s);
    x.start = start;
    x.element_bytes = entry;
    queue_dma(x, DWVP_FIELD_OUTPUT_ADDR, k - 1, end);
  };

  // Accounting models share each layer's whole count out over its stripes (run_layer).
  const bool share_whole =
      m_params.compute.model == timing::timing_model::fuse_paper ||
      m_params.compute.gemm_options.sched == gemm::schedule::scalesim;
  std::array<uint64_t, DWVP_CHAIN_MAX_LAYERS> macs_done{}, charged{}, tile_macs{};
  if (share_whole)
    for (const step& st : steps)
      for (uint32_t j = 0; j < k; ++j)
        if (st.rows[j].out1 > st.rows[j].out0)
          tile_macs[j] +=
              timing::layer_compute(sequencer::tile_descriptor(layers[j], tile_of(st, j)),
                                    m_params.compute)
                  .macs;
  // Line buffer j holds rows [line_base[j], line_done[j]) of layer j's output.
  std::array<uint32_t, DWVP_CHAIN_MAX_LAYERS> line_base{}, line_done{};

  // Runs stripe s's layers one after the other on the array; returns false on a
  // refusal. first_done: layer 0's outputs complete (its input half is free).
  auto compute = [&](uint32_t s, sc_time& all_done, sc_time& first_done) {
    sc_time ready = sc_core::sc_time_stamp();
    first_done = ready;
    for (uint32_t j = 0; j < k; ++j) {
      const dwvp_desc& d = layers[j];
      const step& st = steps[s];
      const dwvp_chain_rows& r = st.rows[j];
      if (st.stripe == 0) // a new strip: the line buffers start empty
        line_base[j] = line_done[j] = 0;
      if (r.out1 == r.out0)
        continue;
      const uint64_t out_row = st.row_bytes(d, j);
      const uint64_t in_row = j ? st.row_bytes(layers[j - 1], j - 1) : 0;
      if (j + 1 < k) {
        // Keep the rows the next layer still reads at the front of the line buffer.
        const uint32_t base = st.rows[j + 1].in0;
        if (base > line_base[j] && line_done[j] > base) {
          dma_command x;
          x.kind = dma_command::move;
          dma_command m;
          m.kind = dma_command::move;
          m.local_src.addr = line_at[j] + (base - line_base[j]) * out_row;
          m.local_src.row_bytes = static_cast<uint32_t>((line_done[j] - base) * out_row);
          m.local_addr = line_at[j];
          m.start = ready;
          m.timing_only = !m_params.functional;
          sc_time delay;
          if (send_command(dma_socket, m, delay) != tlm::TLM_OK_RESPONSE) {
            fail(j, DWVP_ERR_BUS, DWVP_FIELD_OUTPUT_ADDR, "line buffer move failed");
            return false;
          }
          ready = std::max(ready, m.end);
        }
        line_base[j] = base;
      }
      const sequencer::tile t = tile_of(st, j);
      tile_command tc;
      tc.tile = sequencer::tile_descriptor(d, t);
      const int in_rows = t.iy1 - t.iy0, in_cols = t.ix1 - t.ix0;
      tc.input = j == 0
                     ? packed_window(input_at(s), in_rows, in_cols, d.in_c)
                     : packed_window(line_at[j - 1] + (r.in0 - line_base[j - 1]) * in_row,
                                     in_rows, in_cols, d.in_c);
      const uint64_t weights = dwvp_weight_bytes(&d, d.out_c) - 12ull * d.out_c;
      tc.weight_addr = tc.aux_addr = weight_at[j];
      tc.bias_addr = weight_at[j] + weights;
      tc.quant_addr = tc.bias_addr + 4ull * d.out_c;
      tc.lut_addr = local_map::ppu_lut;
      const int out_rows = t.oy1 - t.oy0, out_cols = t.ox1 - t.ox0;
      tc.output = j + 1 < k
                      ? packed_window(line_at[j] + (r.out0 - line_base[j]) * out_row,
                                      out_rows, out_cols, d.out_c)
                      : packed_window(output_at(s), out_rows, out_cols, d.out_c);
      if (share_whole) {
        // The layer's count in proportion to its tiles' MACs (overlapping columns of
        // adjacent strips are computed twice), so its tiles sum to the whole count.
        const uint64_t macs = timing::layer_compute(tc.tile, m_params.compute).macs;
        const auto upto = [&](uint64_t m) {
          return tile_macs[j]
                     ? static_cast<uint64_t>(
                           (static_cast<unsigned __int128>(whole[j].cycles) * m) /
                           tile_macs[j])
                     : 0;
        };
        macs_done[j] += macs;
        tc.fixed = true;
        tc.fixed_cycles = upto(macs_done[j]) - charged[j];
        charged[j] += tc.fixed_cycles;
      }
      // The layer reads what the previous one wrote: it starts when those are complete.
      const sc_time start = edge(ready);
      sc_core::wait(start - sc_core::sc_time_stamp());
      if (abandoned())
        return false;
      m_log->debug("chain layer {} stripe {}/{}: out rows {}..{} from in rows {}..{}",
                   d.layer_id, s, n, r.out0, r.out1, r.in0, r.in1);
      sc_time delay;
      if (send_command(*engines[j], tc, delay) != tlm::TLM_OK_RESPONSE) {
        fail(j, DWVP_ERR_UNSUPPORTED, DWVP_FIELD_MAPPING,
             "no engine takes this layer's tiles");
        return false;
      }
      if (tc.error != DWVP_ERR_NONE) {
        fail(j, tc.error, tc.field, "stripe " + std::to_string(s) + ": " + tc.message);
        return false;
      }
      chain_layer_result& res = c.chain_results[j];
      res.compute_cycles += tc.cycles;
      res.ppu_cycles += tc.ppu_cycles;
      ++res.tiles;
      ready = tc.done;
      if (j == 0)
        first_done = tc.done;
      if (j + 1 < k) {
        line_done[j] = r.out1;
        if (m_params.functional) {
          // Not on the hardware's path: the intermediate's rows made visible in DRAM for
          // checkers and tensor dumps (untimed debug copy).
          dma_command x;
          x.kind = dma_command::mirror;
          x.external = tensor_window(d.output_addr, d.out_w, output_pixel_stride(d),
                                     t.oy0, t.oy1, t.ox0, t.ox1, 0, d.out_c);
          x.local_addr = tc.output.addr;
          x.local_packed = true;
          if (send_command(dma_socket, x, delay) != tlm::TLM_OK_RESPONSE) {
            fail(j, DWVP_ERR_BUS, DWVP_FIELD_OUTPUT_ADDR, "output write failed");
            return false;
          }
        }
      }
    }
    all_done = ready;
    return true;
  };

  std::vector<sc_time> in_end(n), comp_end(n), done(n), first_done(n), out_end(n);
  load(0, chain_start, &in_end[0]);
  dma.flush();
  if (n > 1) {
    load(1, std::max(in_end[0], chain_start), &in_end[1]);
    dma.flush();
  }
  for (uint32_t s = 0; s < n && dma.ok(); ++s) {
    // A stripe starts when its input is in, the array is free and the output half it
    // writes has drained (stripe s - 2's store).
    sc_time start = in_end[s];
    if (s >= 1)
      start = std::max(start, comp_end[s - 1]);
    if (s >= 2)
      start = std::max(start, out_end[s - 2]);
    start = edge(start);
    sc_core::wait(start - sc_core::sc_time_stamp());
    if (abandoned())
      return;
    m_tile_sig.write(s);
    m_input_half_sig.write(s % 2);
    m_output_half_sig.write(s % 2);
    if (!compute(s, done[s], first_done[s]))
      return;
    comp_end[s] = sc_core::sc_time_stamp();
    store(s, std::max(done[s], s >= 1 ? out_end[s - 1] : done[s]), &out_end[s]);
    if (s + 2 < n)
      load(s + 2, std::max(in_end[s + 1], first_done[s]), &in_end[s + 2]);
    dma.flush();
  }
  if (!dma.ok())
    return fail(dma.failed_tag(), DWVP_ERR_BUS, dma.failed_field(),
                "DMA transfer failed");
  for (const chain_layer_result& r : c.chain_results) {
    c.compute_cycles += r.compute_cycles;
    c.ppu_cycles += r.ppu_cycles;
    c.macs += r.macs;
  }
  c.tiles = n;
  const sc_time chain_end = edge(out_end[n - 1]);
  sc_core::wait(chain_end - sc_core::sc_time_stamp());
  abandoned();
}

} // namespace dwvp::models
