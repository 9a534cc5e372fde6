#include "tile_sequencer.h"

#include "descriptor_check.h"
#include "dma_batch.h"
#include "local_regions.h"
#include "model_log.h"

#include <algorithm>
#include <stdexcept>

namespace dwvp::models {

using sc_core::sc_time;

tile_sequencer::tile_sequencer(sc_core::sc_module_name name,
                               const sequencer_params& params)
    : sc_module(name), layer_socket("layer_socket"), dma_socket("dma_socket"),
      gemm_socket("gemm_socket"), dwc_socket("dwc_socket"),
      vector_socket("vector_socket"), ppu_socket("ppu_socket"), m_params(params),
      m_log(model_logger(basename())), m_tile_sig("tile"), m_input_half_sig("input_half"),
      m_output_half_sig("output_half") {
  layer_socket.register_b_transport(this, &tile_sequencer::b_transport);
}

void tile_sequencer::trace(sc_core::sc_trace_file* tf) const {
  const std::string prefix = std::string(name()) + ".";
  sc_core::sc_trace(tf, m_tile_sig, prefix + "tile");
  sc_core::sc_trace(tf, m_input_half_sig, prefix + "input_half");
  sc_core::sc_trace(tf, m_output_half_sig, prefix + "output_half");
}

void tile_sequencer::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  layer_command* c = command_of<layer_command>(trans);
  if (!c) {
    m_log->error("layer socket: not a layer command");
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  run_layer(*c);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

namespace {

bool is_depthwise(uint8_t op) {
  return op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK || op == DWVP_OP_DW_KX1;
}

// Where a buffer's halves lie on the local bus.
struct buffer_layout {
  uint64_t input, weight, output; // base of half 0
  uint64_t input_half, weight_half, output_half;
};

} // namespace

std::vector<constant_load> constant_loads(const dwvp_desc& d, int c0, int c1,
                                          uint64_t local, uint32_t element_bytes, int k0,
                                          int k1, bool requant) {
  const uint32_t tc = static_cast<uint32_t>(c1 - c0);
  strided_region w;
  if (d.opcode == DWVP_OP_CHANNEL_MUL) {
    w.addr = d.aux_addr + c0;
    w.row_bytes = tc;
    w.row_stride = tc;
    return {{DWVP_FIELD_AUX_ADDR, w, local, element_bytes}};
  }
  const bool dw = is_depthwise(d.opcode);
  const uint32_t per_filter = dw ? 1u : uint32_t(d.kernel_h) * d.kernel_w * d.in_c;
  w.addr = d.weight_addr + (dw ? uint64_t(c0) : uint64_t(c0) * per_filter);
  w.row_bytes = dw ? tc : tc * per_filter;
  w.rows = dw ? uint32_t(d.kernel_h) * d.kernel_w : 1;
  w.row_stride = dw ? d.in_c : w.row_bytes;
  if (k1 > 0 && !dw) { // a K slice: [k0, k1) of every filter's every tap
    w.addr = d.weight_addr + uint64_t(c0) * per_filter + k0;
    w.row_bytes = static_cast<uint32_t>(k1 - k0);
    w.rows = tc * d.kernel_h * d.kernel_w;
    w.row_stride = d.in_c;
  }
  const uint64_t weights = w.bytes();
  strided_region bias; // bias, multipliers, shifts of the channel slice
  bias.addr = d.bias_addr + 4ull * c0;
  bias.row_bytes = 4 * tc;
  bias.row_stride = bias.row_bytes;
  strided_region quant = bias;
  quant.addr = d.quant_addr + 4ull * c0;
  quant.rows = 2;
  quant.row_stride = 4ull * d.out_c;
  if (!requant)
    return {{DWVP_FIELD_WEIGHT_ADDR, w, local, element_bytes}};
  return {{DWVP_FIELD_WEIGHT_ADDR, w, local, element_bytes},
          {DWVP_FIELD_BIAS_ADDR, bias, local + weights, 1},
          {DWVP_FIELD_QUANT_ADDR, quant, local + weights + 4ull * tc, 1}};
}

tile_planning planning_for(const sequencer_params& p, timing::engine unit) {
  const bool on_vector = unit == timing::engine::vector;
  const vector_memory_options& vm = p.vector_memory;
  // Entries wider than int8 (sram.entry_bits, or the vector memory's operands): the
  // tile holds fewer of them.
  const uint32_t entry = std::max(1u, p.buffer_use.entry_bytes);
  tile_planning t{
      sequencer::tile_capacity(on_vector ? p.vector_buffers : p.buffers,
                               on_vector && !vm.double_buffer,
                               on_vector ? std::max(vm.operand_bytes, entry) : entry),
      {}};
  // Tiles on the array fill it: pixels on its rows, channels on its columns.
  if (unit == timing::engine::gemm)
    t.align = {p.compute.array.rows, p.compute.array.cols};
  return t;
}

void tile_sequencer::run_layer(layer_command& c) {
  if (!c.chain.empty())
    return run_chain(c);
  const dwvp_desc& d = c.desc;
  auto abandoned = [&] {
    c.abandoned = c.generation && *c.generation != c.generation_at_start;
    return c.abandoned;
  };
  auto fail = [&](dwvp_error e, dwvp_desc_field f, std::string message) {
    c.error = e;
    c.field = f;
    c.message = std::move(message);
  };
  const sc_time layer_start = sc_core::sc_time_stamp();
  timing::compute_timing whole;
  try {
    whole = timing::layer_compute(d, m_params.compute);
  } catch (const std::invalid_argument& e) {
    return fail(DWVP_ERR_UNSUPPORTED, DWVP_FIELD_DATAFLOW, e.what());
  }
  c.macs = whole.macs;
  c.engine = static_cast<uint32_t>(whole.unit);
  // The vector unit works out of its own, smaller vector memory (GeneSys's SIMD array
  // has its own VMEM); the GEMM core and the DwC datapath use the large buffers.
  const bool on_vector = whole.unit == timing::engine::vector;
  const vector_memory_options& vm = m_params.vector_memory;
  // A single-buffered vector memory gives a tile the whole region of each operand and
  // cannot load the next tile while one computes: tiles run one at a time.
  const bool single = on_vector && !vm.double_buffer;
  const bool serial = on_vector && (single || !vm.dma_overlap);
  sequencer::buffer_sizes sizes = on_vector ? m_params.vector_buffers : m_params.buffers;
  if (single)
    sizes = {2 * sizes.input, 2 * sizes.weight, 2 * sizes.output};
  const uint32_t entry = std::max(1u, m_params.buffer_use.entry_bytes);
  const tile_planning planning = planning_for(m_params, whole.unit);
  sequencer::plan plan = sequencer::plan_layer(d, planning.capacity, planning.align);
  if (!plan.ok())
    return fail(plan.error, plan.field, plan.message);
  if (!m_params.buffer_use.reuse)
    sequencer::load_every_tile(plan);
  buffer_layout mem;
  if (on_vector) {
    const uint64_t base = local_map::vector_memory;
    const sequencer::buffer_sizes& v = m_params.vector_buffers; // the halves as built
    mem = {base,        base + 2 * v.input, base + 2 * (v.input + v.weight),
           sizes.input, sizes.weight,       sizes.output};
  } else {
    mem = {local_map::input_buffer,
           local_map::weight_buffer,
           local_map::output_buffer,
           sizes.input,
           sizes.weight,
           sizes.output};
  }
  auto& engine = on_vector                           ? vector_socket
                 : whole.unit == timing::engine::ppu ? ppu_socket
                 : runs_on_dwc(d)                    ? dwc_socket
                                                     : gemm_socket;

  // Fusion: a FUSE_OUT layer keeps its whole output in the GEMM output buffer (both
  // halves, laid out as in DRAM); the FUSE_IN layer after it has the DMA move it into
  // the input buffer and reads its tiles from there, with no DRAM traffic.
  const bool fuse_out = d.flags & DWVP_FLAG_FUSE_OUT;
  const bool fuse_in = d.flags & DWVP_FLAG_FUSE_IN;
  const uint32_t in_stride = input_pixel_stride(d);
  const uint32_t out_stride = output_pixel_stride(d);
  const uint64_t whole_output = (uint64_t{d.out_h} * d.out_w - 1) * out_stride + d.out_c;
  const uint64_t whole_input = (uint64_t{d.in_h} * d.in_w - 1) * in_stride + d.in_c;
  if (fuse_out && whole_output * entry > 2 * m_params.buffers.output)
    return fail(DWVP_ERR_BUFFER_FIT, DWVP_FIELD_FLAGS,
                "fused output of " + std::to_string(whole_output * entry) +
                    " B does not fit the output buffer");
  if (fuse_in && whole_input * entry > 2 * m_params.buffers.input)
    return fail(DWVP_ERR_BUFFER_FIT, DWVP_FIELD_FLAGS,
                "fused input of " + std::to_string(whole_input * entry) +
                    " B does not fit the input buffer");

  const sc_time period = m_params.clock_period;
  auto edge = [&](const sc_time& t) {
    const uint64_t p = period.value();
    return sc_time::from_value((t.value() + p - 1) / p * p);
  };
  dma_batch<decltype(dma_socket)> dma(dma_socket, m_params.functional);
  sc_time fused_ready = layer_start;
  if (fuse_in) {
    dma_command x;
    x.kind = dma_command::move;
    x.local_src.addr = local_map::output_buffer;
    x.local_src.row_bytes = static_cast<uint32_t>(whole_input);
    x.local_addr = local_map::input_buffer;
    x.start = layer_start;
    dma.queue(x, DWVP_FIELD_INPUT_ADDR, &fused_ready);
    dma.flush();
  }

  const auto& tiles = plan.tiles;
  const size_t n = tiles.size();
  // K tiling: the slices of one output tile share its output half, which holds their
  // int32 partial sums; out_tile numbers the output tiles, last_step their last slice.
  const bool k_tiled = plan.tile_k != 0;
  if (k_tiled && (fuse_in || fuse_out))
    return fail(DWVP_ERR_BUFFER_FIT, DWVP_FIELD_FLAGS,
                "a fused layer must fit without K tiling");
  std::vector<size_t> out_tile(n), last_step;
  for (size_t i = 0; i < n; ++i) {
    out_tile[i] = i == 0 ? 0 : out_tile[i - 1] + (tiles[i].k_first ? 1 : 0);
    if (tiles[i].k_last)
      last_step.push_back(i);
  }
  // Ping-pong halves: a load goes to the half the previous load did not use; a tile
  // that reuses the resident region reads the half it is in.
  std::vector<uint32_t> in_half(n), w_half(n);
  for (size_t i = 0; i < n && !single; ++i) {
    in_half[i] = i == 0 ? 0 : in_half[i - 1] ^ (tiles[i].load_input ? 1 : 0);
    w_half[i] = i == 0 ? 0 : w_half[i - 1] ^ (tiles[i].load_weights ? 1 : 0);
  }
  auto weight_base = [&](size_t i) { return mem.weight + w_half[i] * mem.weight_half; };
  auto input_base = [&](size_t i) { return mem.input + in_half[i] * mem.input_half; };
  auto output_half = [&](size_t i) { return single ? 0u : uint32_t(out_tile[i] % 2); };
  auto output_base = [&](size_t i) {
    return mem.output + output_half(i) * mem.output_half;
  };
  // Bytes per element in DRAM: the entry width, or the vector unit's wider formats.
  const uint32_t wide_in = on_vector ? std::max(entry, vm.dram_input_bytes) : entry;
  const uint32_t wide_out = on_vector ? std::max(entry, vm.dram_output_bytes) : entry;

  // Queues tile i's loads from `start`; their completion is folded into *end.
  auto load = [&](size_t i, sc_time start, sc_time* end) {
    const sequencer::tile& t = tiles[i];
    *end = std::max(*end, start);
    auto read = [&](dwvp_desc_field field, const strided_region& r, uint64_t local,
                    uint32_t element_bytes = 1) {
      dma_command x;
      x.kind = dma_command::load;
      x.external = r;
      x.local_addr = local;
      x.start = start;
      x.element_bytes = element_bytes;
      dma.queue(x, field, end);
    };
    if (t.load_input && !fuse_in) {
      strided_region x = tensor_window(d.input_addr, d.in_w, in_stride, t.iy0, t.iy1,
                                       t.ix0, t.ix1, t.ic0, t.ic1);
      if (i > 0)
        x.addr += m_params.fault_input_offset;
      read(DWVP_FIELD_INPUT_ADDR, x, input_base(i), wide_in);
      if (d.opcode == DWVP_OP_ADD)
        read(DWVP_FIELD_AUX_ADDR,
             tensor_window(d.aux_addr, d.in_w, d.in_c, t.iy0, t.iy1, t.ix0, t.ix1, t.ic0,
                           t.ic1),
             input_base(i) + x.bytes(), wide_in);
    }
    if (t.load_weights)
      for (const constant_load& w :
           k_tiled ? constant_loads(d, t.c0, t.c1, weight_base(i), wide_in, t.ic0, t.ic1,
                                    t.k_last)
                   : constant_loads(d, t.c0, t.c1, weight_base(i), wide_in))
        read(w.field, w.external, w.local, w.element_bytes);
    if (i == 0 && d.activation == DWVP_ACT_LUT) {
      strided_region l;
      l.addr = d.lut_addr;
      l.row_bytes = 256;
      l.row_stride = 256;
      read(DWVP_FIELD_LUT_ADDR, l, local_map::ppu_lut);
    }
  };
  auto command_for = [&](size_t i) {
    const sequencer::tile& t = tiles[i];
    tile_command tc;
    tc.tile = sequencer::tile_descriptor(d, t);
    // A fused input sits whole in the input buffer, laid out as in DRAM.
    tc.input = fuse_in ? tensor_window(local_map::input_buffer, d.in_w, in_stride, t.iy0,
                                       t.iy1, t.ix0, t.ix1, t.ic0, t.ic1)
                       : packed_window(input_base(i), t.iy1 - t.iy0, t.ix1 - t.ix0,
                                       t.ic1 - t.ic0);
    tc.aux_addr =
        d.opcode == DWVP_OP_ADD ? input_base(i) + tc.input.bytes() : weight_base(i);
    const uint32_t oc = t.c1 - t.c0;
    const uint64_t weights =
        k_tiled ? uint64_t(oc) * d.kernel_h * d.kernel_w * (t.ic1 - t.ic0)
                : sequencer::weight_slice_bytes(d, t.c0, t.c1) - 12ull * oc;
    tc.k_sliced = k_tiled;
    tc.k_first = t.k_first;
    tc.k_last = t.k_last;
    tc.partial_addr = output_base(i);
    tc.weight_addr = weight_base(i);
    tc.bias_addr = weight_base(i) + weights;
    tc.quant_addr = tc.bias_addr + 4ull * oc;
    tc.lut_addr = local_map::ppu_lut;
    // A fused output stays whole in the output buffer, laid out as in DRAM.
    tc.output = fuse_out
                    ? tensor_window(local_map::output_buffer, d.out_w, out_stride, t.oy0,
                                    t.oy1, t.ox0, t.ox1, t.c0, t.c1)
                    : packed_window(output_base(i), t.oy1 - t.oy0, t.ox1 - t.ox0, oc);
    return tc;
  };
  auto store = [&](size_t i, sc_time start, sc_time* end) {
    const sequencer::tile& t = tiles[i];
    dma_command x;
    x.kind = dma_command::store;
    x.external = tensor_window(d.output_addr, d.out_w, out_stride, t.oy0, t.oy1, t.ox0,
                               t.ox1, t.c0, t.c1);
    x.local_addr = output_base(i);
    x.start = start;
    x.element_bytes = wide_out;
    dma.queue(x, DWVP_FIELD_OUTPUT_ADDR, end);
  };

  // comp_end: the engine can take the next tile (its last drain may still run);
  // done: the tile's outputs are complete.
  std::vector<sc_time> in_end(n), comp_end(n), done(n), out_end(n);
  // Accounting models count whole layers, not tiles: the FuSeConv authors' model
  // (timing.model=fuse_paper) and SCALE-Sim's closed form (gemm.schedule=scalesim),
  // which SCALE-Sim applies to the whole layer whatever its buffers.
  const bool share_whole =
      m_params.compute.model == timing::timing_model::fuse_paper ||
      m_params.compute.gemm_options.sched == gemm::schedule::scalesim;
  uint64_t macs_done = 0, charged = 0;
  load(0, layer_start, &in_end[0]);
  dma.flush();
  in_end[0] = std::max(in_end[0], fused_ready);
  // Prefetch tile 1 into the other half; tile i + 2's prefetch goes with tile i's store
  // (below), once tile i, which used that half, is done. Serial: tile i loads once
  // tile i - 1's store has drained.
  if (n > 1 && !serial) {
    load(1, std::max(in_end[0], layer_start), &in_end[1]);
    dma.flush();
  }
  for (size_t i = 0; i < n && dma.ok(); ++i) {
    const sequencer::tile& t = tiles[i];
    if (serial && i > 0) {
      load(i, out_end[i - 1], &in_end[i]);
      dma.flush();
    }
    // Compute starts when its inputs are in, the engine takes a tile and the output
    // half it writes has been drained (tile i - 2's DMA-out).
    sc_time start = in_end[i];
    if (i >= 1)
      start = std::max(start, comp_end[i - 1]);
    if (t.k_first && out_tile[i] >= 2)
      start = std::max(start, out_end[last_step[out_tile[i] - 2]]);
    start = edge(start);
    sc_core::wait(start - sc_core::sc_time_stamp());
    if (abandoned())
      return;
    m_tile_sig.write(static_cast<uint32_t>(i));
    m_input_half_sig.write(in_half[i]);
    m_output_half_sig.write(output_half(i));
    tile_command tc = command_for(i);
    tc.chain = i > 0;
    if (share_whole) {
      // The layer's cycles in proportion to the MACs done so far, so the tiles sum to
      // the whole layer's count whatever the tiling.
      const uint64_t macs = timing::layer_compute(tc.tile, m_params.compute).macs;
      const auto upto = [&](uint64_t m) {
        return whole.macs
                   ? static_cast<uint64_t>(
                         (static_cast<unsigned __int128>(whole.cycles) * m) / whole.macs)
                   : (i + 1 == n ? whole.cycles : 0);
      };
      tc.fixed = true;
      tc.fixed_cycles = upto(macs_done + macs) - upto(macs_done);
      macs_done += macs;
      if (i + 1 == n)
        tc.fixed_cycles = whole.cycles - charged;
      charged += tc.fixed_cycles;
    }
    m_log->debug("layer {} tile {}/{}: out rows {}..{} cols {}..{} channels {}..{}",
                 d.layer_id, i, n, t.oy0, t.oy1, t.ox0, t.ox1, t.c0, t.c1);
    sc_time delay;
    if (send_command(engine, tc, delay) != tlm::TLM_OK_RESPONSE)
      return fail(DWVP_ERR_UNSUPPORTED, DWVP_FIELD_MAPPING,
                  "no engine takes this layer's tiles");
    if (tc.error != DWVP_ERR_NONE) {
      fail(tc.error, tc.field, "tile " + std::to_string(i) + ": " + tc.message);
      break;
    }
    comp_end[i] = sc_core::sc_time_stamp();
    done[i] = tc.done;
    c.compute_cycles += tc.cycles;
    c.ppu_cycles += tc.ppu_cycles;
    if (abandoned())
      return;
    if (fuse_out)
      out_end[i] = done[i];
    else if (!t.k_last)
      out_end[i] = done[i]; // partial sums stay in the output half
    else
      store(i,
            std::max(done[i],
                     out_tile[i] >= 1 ? out_end[last_step[out_tile[i] - 1]] : done[i]),
            &out_end[i]);
    if (i + 2 < n && !serial)
      load(i + 2, std::max(in_end[i + 1], done[i]), &in_end[i + 2]);
    dma.flush();
  }
  if (c.error != DWVP_ERR_NONE)
    return;
  if (!dma.ok())
    return fail(DWVP_ERR_BUS, dma.failed_field(), "DMA transfer failed");
  if (fuse_out && m_params.functional) {
    // Not on the hardware's path: make the on-chip activation visible in DRAM for
    // checkers and tensor dumps (untimed debug copy).
    dma_command x;
    x.kind = dma_command::mirror;
    x.external = tensor_window(d.output_addr, d.out_w, out_stride, 0, d.out_h, 0, d.out_w,
                               0, d.out_c);
    x.local_addr = local_map::output_buffer;
    sc_time delay;
    if (send_command(dma_socket, x, delay) != tlm::TLM_OK_RESPONSE)
      return fail(DWVP_ERR_BUS, DWVP_FIELD_OUTPUT_ADDR, "output write failed");
  }
  c.tiles = static_cast<uint32_t>(n);
  const sc_time layer_end = edge(out_end[n - 1]);
  sc_core::wait(layer_end - sc_core::sc_time_stamp());
  abandoned();
}

} // namespace dwvp::models
