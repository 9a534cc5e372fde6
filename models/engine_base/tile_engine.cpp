#include "tile_engine.h"

#include "descriptor_check.h"
#include "layer_kernels.h"
#include "model_log.h"

#include <algorithm>
#include <stdexcept>

namespace dwvp::models {

using sc_core::sc_time;

tile_engine::tile_engine(sc_core::sc_module_name name, const engine_params& params)
    : sc_module(name), cmd_socket("cmd_socket"), mem_socket("mem_socket"),
      m_params(params), m_log(model_logger(basename())), m_busy_sig("busy") {
  cmd_socket.register_b_transport(this, &tile_engine::b_transport);
  SC_HAS_PROCESS(tile_engine);
  SC_METHOD(update_busy);
  sensitive << m_busy_event;
  dont_initialize();
}

void tile_engine::update_busy() {
  const sc_time now = sc_core::sc_time_stamp();
  const bool busy = now < m_done;
  if (busy) {
    m_busy_event.notify(m_done - now);
  } else if (m_busy_sig.read()) {
    idle();
  }
  m_busy_sig.write(busy);
}

void tile_engine::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, m_busy_sig, std::string(name()) + ".busy");
}

bool tile_engine::mem_access(uint64_t addr, void* data, uint64_t len, bool write) {
  sc_time delay;
  tlm::tlm_generic_payload trans;
  prepare_payload(trans, write, addr, data, len);
  timing_only_scope marker(trans, !m_params.functional);
  mem_socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    m_log->error("local {} of {} bytes at 0x{:08x} failed: {}", write ? "write" : "read",
                 len, addr, trans.get_response_string());
    return false;
  }
  return true;
}

namespace {
// Calls f(offset in the packed copy, address, length) for each contiguous run.
template <typename F> bool for_each_run(const strided_region& r, F f) {
  const bool rows_contiguous = r.rows == 1 || r.row_stride == r.row_bytes;
  const bool planes_contiguous =
      rows_contiguous &&
      (r.planes == 1 || r.plane_stride == uint64_t(r.row_bytes) * r.rows);
  uint64_t offset = 0;
  if (planes_contiguous)
    return f(0, r.addr, r.bytes());
  for (uint32_t p = 0; p < r.planes; ++p) {
    const uint64_t plane = r.addr + p * r.plane_stride;
    if (rows_contiguous) {
      const uint64_t len = uint64_t(r.row_bytes) * r.rows;
      if (!f(offset, plane, len))
        return false;
      offset += len;
      continue;
    }
    for (uint32_t y = 0; y < r.rows; ++y, offset += r.row_bytes)
      if (!f(offset, plane + y * r.row_stride, r.row_bytes))
        return false;
  }
  return true;
}
} // namespace

bool tile_engine::read_region(const strided_region& r, uint8_t* dst) {
  return for_each_run(r, [&](uint64_t off, uint64_t addr, uint64_t len) {
    return mem_access(addr, dst + off, len, false);
  });
}

bool tile_engine::write_region(const strided_region& r, const uint8_t* src) {
  return for_each_run(r, [&](uint64_t off, uint64_t addr, uint64_t len) {
    return mem_access(addr, const_cast<uint8_t*>(src) + off, len, true);
  });
}

bool tile_engine::compute(tile_command& c, uint64_t& fed) {
  const dwvp_desc& t = c.tile;
  auto fail = [&](dwvp_error error, dwvp_desc_field field, std::string message) {
    c.error = error;
    c.field = field;
    c.message = std::move(message);
    return false;
  };
  auto bus_fail = [&](dwvp_desc_field field) {
    return fail(DWVP_ERR_BUS, field, "engine operand access failed");
  };
  kernels::layer_operands ops;
  // Operands, in the order the datapath consumes them; the time they take to arrive
  // over the read port bounds the tile's compute time. The buffers' own access times
  // are pipelined behind that port.
  m_input.resize(c.input.bytes());
  if (!read_region(c.input, reinterpret_cast<uint8_t*>(m_input.data())))
    return bus_fail(DWVP_FIELD_INPUT_ADDR);
  ops.input = m_input.data();
  fed += m_input.size();
  if (t.opcode == DWVP_OP_ADD) {
    m_aux.resize(c.input.bytes());
    if (!mem_access(c.aux_addr, m_aux.data(), m_aux.size(), false))
      return bus_fail(DWVP_FIELD_AUX_ADDR);
    ops.aux = m_aux.data();
    fed += m_aux.size();
  } else if (t.opcode == DWVP_OP_CHANNEL_MUL) {
    m_aux.resize(t.out_c);
    if (!mem_access(c.aux_addr, m_aux.data(), m_aux.size(), false))
      return bus_fail(DWVP_FIELD_AUX_ADDR);
    ops.aux = m_aux.data();
    fed += m_aux.size();
  }
  const bool weighted = t.opcode <= DWVP_OP_FC;
  if (weighted) {
    const bool dw = t.opcode >= DWVP_OP_DEPTHWISE && t.opcode <= DWVP_OP_DW_KX1;
    const uint64_t per_channel =
        uint64_t(t.kernel_h) * t.kernel_w * (dw ? 1 : uint64_t(t.in_c));
    m_weights.resize(per_channel * t.out_c);
    m_bias.resize(t.out_c);
    m_quant.resize(2 * size_t(t.out_c));
    if (!mem_access(c.weight_addr, m_weights.data(), m_weights.size(), false))
      return bus_fail(DWVP_FIELD_WEIGHT_ADDR);
    fed += m_weights.size();
    ops.weights = m_weights.data();
  }
  if (weighted && c.k_sliced && !c.k_last)
    return partial_sums(c, ops); // no bias or requantisation data before the last slice
  if (weighted) {
    if (!mem_access(c.bias_addr, m_bias.data(), 4 * m_bias.size(), false))
      return bus_fail(DWVP_FIELD_BIAS_ADDR);
    if (!mem_access(c.quant_addr, m_quant.data(), 4 * m_quant.size(), false))
      return bus_fail(DWVP_FIELD_QUANT_ADDR);
    const check_result r = check_quant_data(m_quant.data(), m_quant.data() + t.out_c,
                                            t.out_c, (t.flags & DWVP_FLAG_ONNX) != 0);
    if (!r.ok())
      return fail(r.error, r.field, r.message);
    fed += 4 * m_bias.size() + 4 * m_quant.size();
    ops.bias = m_bias.data();
    ops.multiplier = m_quant.data();
    ops.shift = m_quant.data() + t.out_c;
  }
  if (t.activation == DWVP_ACT_LUT) {
    // The table sits in the PPU; not an operand stream, so not part of `fed`.
    m_lut.resize(256);
    if (!mem_access(c.lut_addr, m_lut.data(), 256, false))
      return bus_fail(DWVP_FIELD_LUT_ADDR);
    ops.lut = m_lut.data();
  }
  m_output.resize(c.output.bytes());
  if (c.k_sliced) { // the last slice: its sums added to the others', requantised
    if (!partial_sums(c, ops))
      return false;
    if (m_params.functional)
      kernels::finish_layer(t, ops, m_acc.data(), m_output.data());
  } else if (m_params.functional) {
    kernels::execute_layer(t, ops, m_output.data());
  }
  if (!write_region(c.output, reinterpret_cast<const uint8_t*>(m_output.data())))
    return bus_fail(DWVP_FIELD_OUTPUT_ADDR);
  return true;
}

bool tile_engine::partial_sums(tile_command& c, const kernels::layer_operands& ops) {
  // The output tile's int32 sums: read back unless this is the first slice, this
  // slice's added, written back unless it is the last (which requantises them).
  const dwvp_desc& t = c.tile;
  m_acc.assign(size_t(t.out_h) * t.out_w * t.out_c, 0);
  const uint64_t bytes = 4 * m_acc.size();
  if (!c.k_first && !mem_access(c.partial_addr, m_acc.data(), bytes, false)) {
    c.error = DWVP_ERR_BUS;
    c.field = DWVP_FIELD_OUTPUT_ADDR;
    c.message = "partial sums read failed";
    return false;
  }
  if (m_params.functional)
    kernels::accumulate_layer(t, ops, m_acc.data());
  if (!c.k_last && !mem_access(c.partial_addr, m_acc.data(), bytes, true)) {
    c.error = DWVP_ERR_BUS;
    c.field = DWVP_FIELD_OUTPUT_ADDR;
    c.message = "partial sums write failed";
    return false;
  }
  return true;
}

void tile_engine::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  tile_command* c = command_of<tile_command>(trans);
  std::string why = c ? refuses(c->tile) : "not a tile command";
  if (!why.empty()) {
    m_log->error("command refused: {}", why);
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  // The engine starts the tile at the annotated time.
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  timing::compute_timing ct;
  try {
    ct = timing::layer_compute(c->tile, m_params.compute);
  } catch (const std::invalid_argument& e) {
    c->error = DWVP_ERR_UNSUPPORTED;
    c->field = DWVP_FIELD_OPCODE;
    c->message = e.what();
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  uint64_t fed = 0;
  if (!compute(*c, fed)) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const uint64_t port = std::max<uint64_t>(m_params.feed_bytes_per_cycle, 1);
  const uint64_t feed_cycles = (fed + port - 1) / port;
  // The operands' arrival over the read port bounds the first phase.
  const uint64_t cycles =
      c->fixed ? c->fixed_cycles : std::max<uint64_t>(ct.cycles, feed_cycles);
  const uint64_t lead =
      c->fixed ? cycles : std::min(ct.lead + (cycles - ct.cycles), cycles);
  const uint64_t tail = std::min(ct.tail, cycles - lead);
  const sc_time period = m_params.clock_period;
  const sc_time now = sc_core::sc_time_stamp();
  // Chained onto the previous tile: the first fold's first phase runs under the
  // previous tile's last drain, its second phase waits for that drain to finish.
  const uint64_t prev_done =
      c->chain && m_done > now ? static_cast<uint64_t>((m_done - now) / period + 0.5) : 0;
  const uint64_t done_cycles = gemm::chained_done(0, lead, cycles, prev_done);
  const sc_time done = now + period * static_cast<double>(done_cycles);
  c->cycles = done_cycles - prev_done;
  c->done = done;
  c->ppu_cycles = c->k_sliced && !c->k_last ? 0 : ct.ppu_cycles; // requantised once
  c->macs = ct.macs;
  starting(*c, c->cycles);
  m_done = done;
  m_busy_event.notify(sc_core::SC_ZERO_TIME);
  // Ready for the next tile when the last fold's second phase has started.
  sc_core::wait(done - period * static_cast<double>(tail) - now);
  m_busy_cycles += c->cycles;
  m_macs += ct.macs;
  ++m_tiles;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace dwvp::models
