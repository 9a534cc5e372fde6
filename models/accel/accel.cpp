#include "accel.h"

#include "layer_kernels.h"
#include "logging.h"

#include <cstring>

namespace dwvp::models {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

timing::compute_config compute_config_from(const accel_params& p) {
  timing::compute_config c;
  c.array = p.array;
  c.gemm_options = p.gemm_options;
  c.vector_lanes = p.vector_lanes;
  c.vector_pipeline = p.vector_pipeline;
  c.ppu_lanes = p.ppu_lanes;
  return c;
}

accel::accel(sc_core::sc_module_name name, const accel_params& params)
    : sc_module(name), regs_socket("regs_socket"), dma_socket("dma_socket"), irq("irq"),
      m_params(params), m_log(logging::get(basename())), m_busy_sig("busy"),
      m_gemm_busy_sig("gemm_busy"), m_vector_busy_sig("vector_busy"),
      m_ppu_busy_sig("ppu_busy"), m_dma_busy_sig("dma_busy"), m_layer_sig("layer_id"),
      m_doorbell_count_sig("doorbell_count"), m_ring_head_sig("ring_head"),
      m_tile_sig("tile"), m_pingpong_sig("pingpong"),
      m_dma_inflight_sig("dma_bytes_in_flight"), m_dma(dma_socket, params.dma) {
  m_compute = compute_config_from(m_params);
  regs_socket.register_b_transport(this, &accel::b_transport);
  regs_socket.register_transport_dbg(this, &accel::transport_dbg);
  SC_HAS_PROCESS(accel);
  SC_THREAD(command_loop);
}

void accel::trace(sc_core::sc_trace_file* tf) const {
  const std::string prefix = std::string(name()) + ".";
  sc_core::sc_trace(tf, m_busy_sig, prefix + "busy");
  sc_core::sc_trace(tf, m_gemm_busy_sig, prefix + "gemm_busy");
  sc_core::sc_trace(tf, m_vector_busy_sig, prefix + "vector_busy");
  sc_core::sc_trace(tf, m_ppu_busy_sig, prefix + "ppu_busy");
  sc_core::sc_trace(tf, m_dma_busy_sig, prefix + "dma_busy");
  sc_core::sc_trace(tf, m_layer_sig, prefix + "layer_id");
  sc_core::sc_trace(tf, m_doorbell_count_sig, prefix + "doorbell_count");
  sc_core::sc_trace(tf, m_ring_head_sig, prefix + "ring_head");
  sc_core::sc_trace(tf, m_tile_sig, prefix + "tile");
  sc_core::sc_trace(tf, m_pingpong_sig, prefix + "pingpong");
  sc_core::sc_trace(tf, m_dma_inflight_sig, prefix + "dma_bytes_in_flight");
}

// ---------------------------------------------------------------- register block

void accel::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t offset = trans.get_address();
  const bool is_read = trans.is_read();
  auto refuse = [&](tlm::tlm_response_status status, const char* why) {
    m_log->error("register {} at offset 0x{:03x} ({} bytes): {}",
                 is_read ? "read" : "write", offset, trans.get_data_length(), why);
    trans.set_response_status(status);
  };
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (trans.get_data_length() != 4)
    return refuse(tlm::TLM_BURST_ERROR_RESPONSE, "registers take 4-byte accesses only");
  if (offset % 4)
    return refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE, "misaligned register access");
  if (trans.get_byte_enable_ptr())
    return refuse(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, "byte enables are not supported");
  if (trans.get_streaming_width() < 4)
    return refuse(tlm::TLM_BURST_ERROR_RESPONSE, "streaming width below 4");
  if (offset >= DWVP_ACCEL_REGS_SIZE)
    return refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE, "outside the register block");

  // Registers have side effects (doorbell, IRQ clear) and time-dependent values
  // (status, counters): catch up with the initiator's local time first.
  sc_core::wait(delay);
  delay = SC_ZERO_TIME;

  uint32_t value = 0;
  tlm::tlm_response_status status;
  if (is_read) {
    status = read_reg(static_cast<uint32_t>(offset), value);
    if (status == tlm::TLM_OK_RESPONSE)
      std::memcpy(trans.get_data_ptr(), &value, 4);
  } else {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    status = write_reg(static_cast<uint32_t>(offset), value);
  }
  if (status == tlm::TLM_ADDRESS_ERROR_RESPONSE)
    return refuse(status, "no register at this offset");
  if (status == tlm::TLM_COMMAND_ERROR_RESPONSE)
    return refuse(status, is_read ? "register is write-only" : "register is read-only");
  m_log->trace("register {} 0x{:03x} = 0x{:08x}", is_read ? "read" : "write", offset,
               value);
  trans.set_response_status(status);
}

unsigned accel::transport_dbg(tlm::tlm_generic_payload& trans) {
  // Debug reads of side-effect-free registers only.
  uint32_t value = 0;
  if (!trans.is_read() || trans.get_data_length() != 4 || trans.get_address() % 4 ||
      trans.get_address() >= DWVP_ACCEL_REGS_SIZE)
    return 0;
  uint32_t offset = static_cast<uint32_t>(trans.get_address());
  if (offset >= DWVP_REG_PERF_BASE && offset < DWVP_REG_PERF_LO(DWVP_PERF_COUNT)) {
    uint64_t v = m_perf[(offset - DWVP_REG_PERF_BASE) / 8];
    value = static_cast<uint32_t>((offset & 4) ? v >> 32 : v);
  } else if (read_reg(offset, value) != tlm::TLM_OK_RESPONSE) {
    return 0;
  }
  std::memcpy(trans.get_data_ptr(), &value, 4);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return 4;
}

tlm::tlm_response_status accel::read_reg(uint32_t offset, uint32_t& value) {
  switch (offset) {
  case DWVP_REG_ID:
    value = DWVP_ID_VALUE;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_VERSION:
    value = DWVP_VERSION_VALUE;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_CTRL:
    value = m_ctrl & DWVP_CTRL_ENABLE;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_STATUS:
    value = (m_busy ? DWVP_STATUS_BUSY : 0) | (m_error_code ? DWVP_STATUS_ERROR : 0) |
            (m_error_code << DWVP_STATUS_ERR_CODE_SHIFT);
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_ERR_LAYER:
    value = m_err_layer;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_ERR_FIELD:
    value = m_err_field;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_ERR_INDEX:
    value = m_err_index;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_IRQ_STATUS:
    value = m_irq_status;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_IRQ_MASK:
    value = m_irq_mask;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_BASE:
    value = m_ring_base;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_SIZE:
    value = m_ring_size;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_HEAD:
    value = m_ring_head;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_TAIL:
    value = m_ring_tail;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_IRQ_CLEAR:
  case DWVP_REG_DOORBELL:
  case DWVP_REG_PERF_CTRL:
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  default:
    break;
  }
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    if (offset == DWVP_REG_DMA_WIN_BASE(i)) {
      value = m_windows[i].base;
      return tlm::TLM_OK_RESPONSE;
    }
    if (offset == DWVP_REG_DMA_WIN_SIZE(i)) {
      value = m_windows[i].size;
      return tlm::TLM_OK_RESPONSE;
    }
  }
  if (offset >= DWVP_REG_PERF_BASE && offset < DWVP_REG_PERF_LO(DWVP_PERF_COUNT)) {
    const uint32_t n = (offset - DWVP_REG_PERF_BASE) / 8;
    if ((offset & 4) == 0) {
      value = static_cast<uint32_t>(m_perf[n]);
      m_perf_hi_latch[n] = static_cast<uint32_t>(m_perf[n] >> 32);
    } else {
      value = m_perf_hi_latch[n];
    }
    return tlm::TLM_OK_RESPONSE;
  }
  return tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

tlm::tlm_response_status accel::write_reg(uint32_t offset, uint32_t value) {
  switch (offset) {
  case DWVP_REG_CTRL:
    if (value & DWVP_CTRL_SOFT_RESET)
      soft_reset();
    m_ctrl = value & DWVP_CTRL_ENABLE;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_IRQ_MASK:
    m_irq_mask = value & DWVP_IRQ_ALL;
    update_irq_line();
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_IRQ_CLEAR:
    m_irq_status &= ~value;
    update_irq_line();
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_BASE:
    m_ring_base = value;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_SIZE:
    m_ring_size = value;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_RING_TAIL:
    m_ring_tail = value;
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_DOORBELL:
    ++m_doorbell_count;
    m_doorbell_count_sig.write(m_doorbell_count);
    m_doorbell_pending = true;
    m_doorbell_event.notify(SC_ZERO_TIME);
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_PERF_CTRL:
    if (value & DWVP_PERF_CTRL_CLEAR) {
      m_perf.fill(0);
      m_perf_hi_latch.fill(0);
    }
    return tlm::TLM_OK_RESPONSE;
  case DWVP_REG_ID:
  case DWVP_REG_VERSION:
  case DWVP_REG_STATUS:
  case DWVP_REG_ERR_LAYER:
  case DWVP_REG_ERR_FIELD:
  case DWVP_REG_ERR_INDEX:
  case DWVP_REG_IRQ_STATUS:
  case DWVP_REG_RING_HEAD:
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  default:
    break;
  }
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    if (offset == DWVP_REG_DMA_WIN_BASE(i)) {
      m_windows[i].base = value;
      return tlm::TLM_OK_RESPONSE;
    }
    if (offset == DWVP_REG_DMA_WIN_SIZE(i)) {
      m_windows[i].size = value;
      return tlm::TLM_OK_RESPONSE;
    }
  }
  if (offset >= DWVP_REG_PERF_BASE && offset < DWVP_REG_PERF_LO(DWVP_PERF_COUNT))
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  return tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

void accel::soft_reset() {
  m_log->info("soft reset");
  ++m_generation;
  m_ctrl = 0;
  m_error_code = m_err_layer = m_err_field = m_err_index = 0;
  m_irq_status = m_irq_mask = 0;
  m_ring_base = m_ring_size = m_ring_head = m_ring_tail = 0;
  m_windows = {};
  m_perf.fill(0);
  m_perf_hi_latch.fill(0);
  m_busy = false;
  m_doorbell_pending = false;
  m_busy_sig.write(false);
  m_ring_head_sig.write(0);
  update_irq_line();
}

void accel::raise_irq(uint32_t bits) {
  m_irq_status |= bits;
  update_irq_line();
}

void accel::update_irq_line() {
  irq.write((m_irq_status & m_irq_mask) != 0);
}

// ---------------------------------------------------------------- command processor

uint64_t accel::now_cycles() const {
  return sc_core::sc_time_stamp().value() / m_params.clock_period.value();
}

bool accel::settle(sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS>& busy) {
  if (m_local == SC_ZERO_TIME)
    return !abandoned();
  const uint64_t period = m_params.clock_period.value();
  const uint64_t end = sc_core::sc_time_stamp().value() + m_local.value();
  const uint64_t edge = (end + period - 1) / period * period;
  busy.write(true);
  sc_core::wait(sc_core::sc_time::from_value(edge) - sc_core::sc_time_stamp());
  busy.write(false);
  m_local = SC_ZERO_TIME;
  return !abandoned();
}

namespace {
// A plain single-transfer payload: `len` bytes at `addr`, no byte enables.
void prepare(tlm::tlm_generic_payload& trans, tlm::tlm_command cmd, uint32_t addr,
             void* data, uint64_t len) {
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(static_cast<unsigned char*>(data));
  trans.set_data_length(static_cast<unsigned>(len));
  trans.set_streaming_width(static_cast<unsigned>(len));
}
} // namespace

void accel::enable_channels(tlm::tlm_generic_payload& trans, uint32_t pixel_stride,
                            uint32_t channels) {
  // Byte enables repeating every pixel_stride bytes: only the channel slice is written.
  m_byte_enables.assign(pixel_stride, TLM_BYTE_DISABLED);
  std::fill(m_byte_enables.begin(), m_byte_enables.begin() + channels, TLM_BYTE_ENABLED);
  trans.set_byte_enable_ptr(m_byte_enables.data());
  trans.set_byte_enable_length(pixel_stride);
}

bool accel::dma_read(uint32_t addr, void* dst, uint64_t len) {
  tlm::tlm_generic_payload trans;
  prepare(trans, tlm::TLM_READ_COMMAND, addr, dst, len);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  dma_socket->b_transport(trans, m_local);
  if (trans.is_response_error()) {
    m_log->error("DMA read of {} bytes at 0x{:08x} failed: {}", len, addr,
                 trans.get_response_string());
    return false;
  }
  m_layer_dram_read += len;
  m_perf[DWVP_PERF_DRAM_RD_BYTES] += len;
  return true;
}

bool accel::dma_write(uint32_t addr, const void* src, uint64_t len, uint32_t pixel_stride,
                      uint32_t channels) {
  tlm::tlm_generic_payload trans;
  prepare(trans, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(src), len);
  uint64_t useful = len;
  if (pixel_stride > channels) {
    // Strided output (a channel slice of a wider tensor): one transaction, the bytes
    // between the slices untouched.
    enable_channels(trans, pixel_stride, channels);
    useful = (len / pixel_stride) * channels +
             std::min<uint64_t>(len % pixel_stride, channels);
  }
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  dma_socket->b_transport(trans, m_local);
  if (trans.is_response_error()) {
    m_log->error("DMA write of {} bytes at 0x{:08x} failed: {}", len, addr,
                 trans.get_response_string());
    return false;
  }
  m_layer_dram_write += useful;
  m_perf[DWVP_PERF_DRAM_WR_BYTES] += useful;
  return true;
}

void accel::command_loop() {
  for (;;) {
    while (!m_doorbell_pending)
      sc_core::wait(m_doorbell_event);
    m_doorbell_pending = false;
    if (!(m_ctrl & DWVP_CTRL_ENABLE)) {
      m_log->warn("doorbell ignored: accelerator not enabled (CTRL.ENABLE = 0)");
      continue;
    }
    if (m_error_code) {
      m_log->warn("doorbell ignored: error {} pending, soft reset required",
                  dwvp_error_name(m_error_code));
      continue;
    }
    if (m_ring_size < 2 || m_ring_size > DWVP_RING_MAX_ENTRIES || (m_ring_base % 64) ||
        m_ring_tail >= m_ring_size || m_ring_head >= m_ring_size) {
      m_log->error("ring misconfigured: base 0x{:08x} size {} tail {}", m_ring_base,
                   m_ring_size, m_ring_tail);
      m_error_code = DWVP_ERR_RING_CONFIG;
      m_err_field = DWVP_FIELD_NONE;
      m_err_index = m_ring_head;
      raise_irq(DWVP_IRQ_ERROR);
      continue;
    }
    // The command processor is clocked: it starts at the first edge after the doorbell.
    const uint64_t period = m_params.clock_period.value();
    const uint64_t now = sc_core::sc_time_stamp().value();
    if (now % period)
      sc_core::wait(sc_core::sc_time::from_value(period - now % period));
    const uint64_t generation = m_generation;
    m_busy = true;
    m_busy_sig.write(true);
    bool ok = true;
    while (ok && m_ring_head != m_ring_tail && generation == m_generation)
      ok = process_descriptor(m_ring_head);
    if (generation != m_generation)
      continue; // soft reset already cleared the state
    m_busy = false;
    m_busy_sig.write(false);
    if (ok)
      raise_irq(DWVP_IRQ_DONE);
  }
}

void accel::report_error(const dwvp_desc& d, uint32_t index, const check_result& r) {
  if (abandoned())
    return; // a soft reset during the layer: the device is fresh, report nothing
  m_log->error("descriptor {} (layer {}) refused: {} in field {}: {}", index, d.layer_id,
               dwvp_error_name(r.error), dwvp_desc_field_name(r.field), r.message);
  m_error_code = r.error;
  m_err_layer = d.layer_id;
  m_err_field = r.field;
  m_err_index = index;
  raise_irq(DWVP_IRQ_ERROR);
}

bool accel::process_descriptor(uint32_t index) {
  if (m_start_observer)
    m_start_observer();
  const uint64_t start = now_cycles();
  m_layer_generation = m_generation;
  m_layer_dram_read = m_layer_dram_write = 0;
  m_local = SC_ZERO_TIME;
  dwvp_desc d{};
  if (!dma_read(m_ring_base + index * DWVP_DESC_SIZE, &d, DWVP_DESC_SIZE)) {
    report_error(d, index, {DWVP_ERR_BUS, DWVP_FIELD_NONE, "descriptor fetch failed"});
    return false;
  }
  if (!settle(m_dma_busy_sig))
    return false;
  m_perf[DWVP_PERF_DMA_BUSY] += now_cycles() - start;
  m_layer_sig.write(d.layer_id);

  check_result r = check_descriptor(d, m_windows);
  if (!r.ok()) {
    report_error(d, index, r);
    return false;
  }

  dwvp_layer_stats stats{};
  stats.layer_id = d.layer_id;
  stats.start_cycle = start;
  const uint64_t dma_before = m_perf[DWVP_PERF_DMA_BUSY] - (now_cycles() - start);
  execute_layer(d, stats);
  if (abandoned() || m_error_code)
    return false;

  stats.total_cycles = now_cycles() - start;
  stats.dma_cycles = m_perf[DWVP_PERF_DMA_BUSY] - dma_before;
  stats.dram_read_bytes = m_layer_dram_read;
  stats.dram_write_bytes = m_layer_dram_write;
  m_perf[DWVP_PERF_BUSY_CYCLES] += stats.total_cycles;
  m_perf[DWVP_PERF_LAYERS_DONE] += 1;
  if (m_layer_observer)
    m_layer_observer(stats);
  m_log->info("layer {} done: {} cycles ({} compute, {} DMA), {} MACs", d.layer_id,
              stats.total_cycles, stats.compute_cycles, stats.dma_cycles, stats.macs);
  if (d.stats_addr) {
    // The record is written after the layer; its own DMA time is not in the record.
    if (!dma_write(d.stats_addr, &stats, sizeof stats)) {
      report_error(d, index, {DWVP_ERR_BUS, DWVP_FIELD_STATS_ADDR, "stats write failed"});
      return false;
    }
    const uint64_t before = now_cycles();
    if (!settle(m_dma_busy_sig))
      return false;
    m_perf[DWVP_PERF_DMA_BUSY] += now_cycles() - before;
    m_perf[DWVP_PERF_BUSY_CYCLES] += now_cycles() - before;
  }
  m_ring_head = (index + 1) % m_ring_size;
  m_ring_head_sig.write(m_ring_head);
  if (d.flags & DWVP_FLAG_IRQ)
    raise_irq(DWVP_IRQ_LAYER);
  return true;
}

bool accel::dbg_read(uint32_t addr, void* dst, uint64_t len) {
  tlm::tlm_generic_payload trans;
  prepare(trans, tlm::TLM_READ_COMMAND, addr, dst, len);
  return dma_socket->transport_dbg(trans) == len;
}

bool accel::dbg_write(uint32_t addr, const void* src, uint64_t len, uint32_t pixel_stride,
                      uint32_t channels) {
  tlm::tlm_generic_payload trans;
  prepare(trans, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(src), len);
  if (pixel_stride > channels)
    enable_channels(trans, pixel_stride, channels);
  return dma_socket->transport_dbg(trans) == len;
}

void accel::execute_layer(const dwvp_desc& d, dwvp_layer_stats& stats) {
  const uint32_t index = m_ring_head;
  const sc_core::sc_time layer_start = sc_core::sc_time_stamp();
  // Plan the tiles for the buffers first: a layer that cannot fit writes nothing.
  // The vector unit works out of its own, smaller vector memory (GeneSys's SIMD array
  // has its own VMEM); the GEMM core, including the added DwC datapath, uses the large
  // input / weight / output buffers.
  // The whole layer's schedule: its engine, MACs and overlapped PPU time (tiles are
  // timed one by one below).
  const timing::compute_timing whole = timing::layer_compute(d, m_compute);
  const bool on_vector = whole.unit == timing::engine::vector;
  const sequencer::plan plan =
      sequencer::plan_layer(d, on_vector ? m_params.vector_buffers : m_params.buffers);
  if (!plan.ok())
    return report_error(d, index, {plan.error, plan.field, plan.message});
  // Fusion: a FUSE_OUT layer keeps its whole output in the output buffer (both halves)
  // for the next layer, which reads it with FUSE_IN instead of loading from DRAM.
  const bool fuse_out = d.flags & DWVP_FLAG_FUSE_OUT;
  const bool fuse_in = d.flags & DWVP_FLAG_FUSE_IN;
  const uint64_t whole_output = uint64_t{d.out_h} * d.out_w * d.out_c;
  if (fuse_out && whole_output > 2 * m_params.buffers.output)
    return report_error(d, index,
                        {DWVP_ERR_BUFFER_FIT, DWVP_FIELD_FLAGS,
                         "fused output of " + std::to_string(whole_output) +
                             " B does not fit the output buffer"});

  // Values: every operand read functionally, the int8 kernels run once for the layer.
  // Time and traffic: the tile pipeline below moves the same bytes with timed bursts.
  std::vector<std::vector<int8_t>> buffers(DWVP_FIELD_COUNT);
  for (const tensor_extent& t : tensor_extents(d)) {
    // Timing-only runs skip the values but still validate the quantisation data.
    if (t.written || (!m_params.functional && t.field != DWVP_FIELD_QUANT_ADDR))
      continue;
    auto& buffer = buffers[t.field];
    buffer.resize(t.bytes);
    if (!dbg_read(t.addr, buffer.data(), t.bytes))
      return report_error(d, index, {DWVP_ERR_BUS, t.field, "operand read failed"});
  }
  kernels::layer_operands ops;
  ops.input = buffers[DWVP_FIELD_INPUT_ADDR].data();
  ops.weights = buffers[DWVP_FIELD_WEIGHT_ADDR].data();
  ops.bias = reinterpret_cast<const int32_t*>(buffers[DWVP_FIELD_BIAS_ADDR].data());
  if (!buffers[DWVP_FIELD_QUANT_ADDR].empty()) {
    ops.multiplier =
        reinterpret_cast<const int32_t*>(buffers[DWVP_FIELD_QUANT_ADDR].data());
    ops.shift = ops.multiplier + d.out_c;
    check_result r = check_quant_data(ops.multiplier, ops.shift, d.out_c);
    if (!r.ok())
      return report_error(d, index, r);
  }
  ops.aux = buffers[DWVP_FIELD_AUX_ADDR].data();
  ops.lut = buffers[DWVP_FIELD_LUT_ADDR].empty() ? nullptr
                                                 : buffers[DWVP_FIELD_LUT_ADDR].data();
  const uint32_t in_stride = input_pixel_stride(d);
  const uint32_t out_stride = output_pixel_stride(d);
  const uint64_t out_bytes = (uint64_t{d.out_h} * d.out_w - 1) * out_stride + d.out_c;
  std::vector<int8_t> output(out_bytes, 0);
  if (m_params.functional)
    kernels::execute_layer(d, ops, output.data());
  // A fused output never goes to DRAM on the hardware; the model keeps DRAM as the
  // backing store of the on-chip copy (untimed), so the next layer's values are right.
  if (fuse_out &&
      !dbg_write(d.output_addr, output.data(), output.size(), out_stride, d.out_c))
    return report_error(d, index,
                        {DWVP_ERR_BUS, DWVP_FIELD_OUTPUT_ADDR, "output write failed"});

  // The tile pipeline: DMA-in of tile i+1, compute of tile i and DMA-out of tile i-1
  // overlap through ping-pong halves. Times are absolute; the thread waits at each
  // tile's compute start and end (one event pair per tile).
  using sc_core::sc_time;
  const sc_time period = m_params.clock_period;
  auto edge = [&](const sc_time& t) {
    const uint64_t p = period.value();
    return sc_time::from_value((t.value() + p - 1) / p * p);
  };
  const auto& tiles = plan.tiles;
  const size_t n = tiles.size();
  std::vector<sc_time> in_end(n), comp_end(n), out_end(n);
  std::vector<uint8_t> scratch;
  const timing::engine unit = whole.unit;
  auto& busy = unit == timing::engine::gemm     ? m_gemm_busy_sig
               : unit == timing::engine::vector ? m_vector_busy_sig
                                                : m_ppu_busy_sig;
  const uint64_t dram_read_before = m_dma.bytes_read(),
                 dram_write_before = m_dma.bytes_written();
  m_dma_busy_sig.write(true); // the layer's DMA window: first load to last store
  uint64_t compute_cycles = 0, sram_reads = 0, sram_writes = 0;
  const uint64_t port = m_params.sram_port_bytes;
  auto words = [&](uint64_t bytes) { return (bytes + port - 1) / port; };
  bool ok = true;
  dwvp_desc_field failed = DWVP_FIELD_NONE;

  // Issues tile i's loads no earlier than `start`; returns their completion.
  // DMA windows (start, end, bytes) of recent loads and stores, to trace the bytes in
  // flight at each tile event.
  struct window {
    sc_time start, end;
    uint64_t bytes;
  };
  std::vector<window> windows;
  auto in_flight = [&](const sc_time& at) {
    uint64_t bytes = 0;
    for (const window& w : windows)
      if (w.start <= at && at < w.end)
        bytes += w.bytes;
    return static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX));
  };
  auto remember = [&](const sc_time& start, const sc_time& end, uint64_t bytes) {
    if (windows.size() >= 8)
      windows.erase(windows.begin());
    windows.push_back({start, end, bytes});
  };
  auto load = [&](size_t i, sc_time start) {
    const sequencer::tile& t = tiles[i];
    sc_time end = start, e;
    uint64_t loaded = 0;
    auto read = [&](dwvp_desc_field field, dma_transfer x) {
      if (!ok)
        return;
      scratch.resize(std::max<size_t>(scratch.size(), x.bytes()));
      x.data = scratch.data();
      if (!m_dma.run(x, start, e)) {
        ok = false;
        failed = field;
        return;
      }
      end = std::max(end, e);
      loaded += x.bytes();
      sram_writes += words(x.bytes());
    };
    if (t.load_input && !fuse_in) {
      dma_transfer x;
      x.addr = d.input_addr + (uint64_t(t.iy0) * d.in_w + t.ix0) * in_stride + t.ic0;
      x.row_bytes = t.ic1 - t.ic0;
      x.rows = t.ix1 - t.ix0;
      x.planes = t.iy1 - t.iy0;
      x.row_stride = in_stride;
      x.plane_stride = uint64_t(d.in_w) * in_stride;
      read(DWVP_FIELD_INPUT_ADDR, x);
      if (d.opcode == DWVP_OP_ADD) {
        x.addr = d.aux_addr + (uint64_t(t.iy0) * d.in_w + t.ix0) * d.in_c + t.ic0;
        x.row_stride = d.in_c;
        x.plane_stride = uint64_t(d.in_w) * d.in_c;
        read(DWVP_FIELD_AUX_ADDR, x);
      }
    }
    if (t.load_weights) {
      const uint32_t tc = t.c1 - t.c0;
      dma_transfer w;
      if (d.opcode == DWVP_OP_CHANNEL_MUL) {
        w.addr = d.aux_addr + t.c0;
        w.row_bytes = tc;
        w.row_stride = tc;
        read(DWVP_FIELD_AUX_ADDR, w);
      } else {
        const bool dw = d.opcode == DWVP_OP_DEPTHWISE || d.opcode == DWVP_OP_DW_1XK ||
                        d.opcode == DWVP_OP_DW_KX1;
        const uint32_t per_filter = dw ? 1u : uint32_t(d.kernel_h) * d.kernel_w * d.in_c;
        w.addr = d.weight_addr + (dw ? t.c0 : uint64_t(t.c0) * per_filter);
        w.row_bytes = dw ? tc : tc * per_filter;
        w.rows = dw ? uint32_t(d.kernel_h) * d.kernel_w : 1;
        w.row_stride = dw ? d.in_c : w.row_bytes;
        read(DWVP_FIELD_WEIGHT_ADDR, w);
        dma_transfer b; // bias, multipliers, shifts of the channel slice
        b.addr = d.bias_addr + 4ull * t.c0;
        b.row_bytes = 4 * tc;
        b.row_stride = b.row_bytes;
        read(DWVP_FIELD_BIAS_ADDR, b);
        b.addr = d.quant_addr + 4ull * t.c0;
        b.rows = 2;
        b.row_stride = 4ull * d.out_c;
        read(DWVP_FIELD_QUANT_ADDR, b);
      }
    }
    if (i == 0 && d.activation == DWVP_ACT_LUT) {
      dma_transfer l;
      l.addr = d.lut_addr;
      l.row_bytes = 256;
      l.row_stride = 256;
      read(DWVP_FIELD_LUT_ADDR, l);
    }
    remember(start, end, loaded);
    return end;
  };
  auto store = [&](size_t i, sc_time start) {
    const sequencer::tile& t = tiles[i];
    // Gather the tile's output bytes (computed above) and write them with a 3D burst.
    dma_transfer x;
    x.write = true;
    x.addr = d.output_addr + (uint64_t(t.oy0) * d.out_w + t.ox0) * out_stride;
    x.row_bytes = t.c1 - t.c0;
    x.rows = t.ox1 - t.ox0;
    x.planes = t.oy1 - t.oy0;
    x.row_stride = out_stride;
    x.plane_stride = uint64_t(d.out_w) * out_stride;
    x.addr += t.c0;
    scratch.resize(std::max<size_t>(scratch.size(), x.bytes()));
    uint8_t* dst = scratch.data();
    for (int y = t.oy0; y < t.oy1; ++y)
      for (int xx = t.ox0; xx < t.ox1; ++xx) {
        const int8_t* src =
            output.data() + (uint64_t(y) * d.out_w + xx) * out_stride + t.c0;
        std::memcpy(dst, src, x.row_bytes);
        dst += x.row_bytes;
      }
    x.data = scratch.data();
    sc_time end;
    if (!m_dma.run(x, start, end)) {
      ok = false;
      failed = DWVP_FIELD_OUTPUT_ADDR;
      return start;
    }
    sram_reads += words(x.bytes());
    remember(start, end, x.bytes());
    return end;
  };

  in_end[0] = load(0, layer_start);
  for (size_t i = 0; i < n && ok; ++i) {
    const sequencer::tile& t = tiles[i];
    // Prefetch the next tile into the other input half once the tile that used it
    // (i - 1) has finished computing.
    if (i + 1 < n) {
      const sc_time free_at = i >= 1 ? comp_end[i - 1] : layer_start;
      in_end[i + 1] = load(i + 1, std::max(in_end[i], free_at));
    }
    // Compute starts when its inputs are in, the engine is free and the output half it
    // writes has been drained (tile i - 2's DMA-out).
    sc_time start = in_end[i];
    if (i >= 1)
      start = std::max(start, comp_end[i - 1]);
    if (i >= 2)
      start = std::max(start, out_end[i - 2]);
    start = edge(start);
    dwvp_desc td = d;
    td.out_h = static_cast<uint16_t>(t.oy1 - t.oy0);
    td.out_w = static_cast<uint16_t>(t.ox1 - t.ox0);
    td.out_c = static_cast<uint16_t>(t.c1 - t.c0);
    td.in_h = static_cast<uint16_t>(t.iy1 - t.iy0);
    td.in_w = static_cast<uint16_t>(t.ix1 - t.ix0);
    td.in_c = static_cast<uint16_t>(t.ic1 - t.ic0);
    // The buffers deliver at most banks x port bytes per cycle to the engine: a tile
    // whose operands need more than that is bandwidth bound.
    const uint64_t feed = uint64_t(m_params.sram_banks) * m_params.sram_port_bytes;
    const uint64_t cycles =
        std::max<uint64_t>(timing::layer_compute(td, m_compute).cycles,
                           (t.input_bytes + t.weight_bytes + feed - 1) / feed);
    compute_cycles += cycles;
    sram_reads += words(t.input_bytes) + words(t.weight_bytes);
    sram_writes += words(t.output_bytes);
    comp_end[i] = start + period * static_cast<double>(cycles);
    sc_core::wait(start - sc_core::sc_time_stamp());
    if (abandoned())
      return;
    m_tile_sig.write(static_cast<uint32_t>(i));
    m_pingpong_sig.write(static_cast<uint32_t>(i % 2));
    m_dma_inflight_sig.write(in_flight(start));
    busy.write(true);
    sc_core::wait(comp_end[i] - sc_core::sc_time_stamp());
    busy.write(false);
    m_dma_inflight_sig.write(in_flight(comp_end[i]));
    if (abandoned())
      return;
    out_end[i] =
        fuse_out ? comp_end[i]
                 : store(i, std::max(comp_end[i], i >= 1 ? out_end[i - 1] : comp_end[i]));
  }
  if (!ok) {
    // Every DMA was issued by now: let the failing ones finish, then report.
    m_dma_busy_sig.write(false);
    return report_error(d, index, {DWVP_ERR_BUS, failed, "DMA transfer failed"});
  }
  const sc_time layer_end = edge(out_end[n - 1]);
  m_dma_inflight_sig.write(in_flight(sc_core::sc_time_stamp()));
  sc_core::wait(layer_end - sc_core::sc_time_stamp());
  m_dma_busy_sig.write(false);
  m_dma_inflight_sig.write(0);
  if (abandoned())
    return;

  stats.compute_cycles = compute_cycles;
  stats.macs = whole.macs;
  stats.tiles = static_cast<uint32_t>(n);
  stats.engine = static_cast<uint32_t>(unit);
  stats.sram_reads = sram_reads;
  stats.sram_writes = sram_writes;
  m_layer_dram_read += m_dma.bytes_read() - dram_read_before;
  m_layer_dram_write += m_dma.bytes_written() - dram_write_before;
  m_perf[DWVP_PERF_DRAM_RD_BYTES] += m_dma.bytes_read() - dram_read_before;
  m_perf[DWVP_PERF_DRAM_WR_BYTES] += m_dma.bytes_written() - dram_write_before;
  m_perf[DWVP_PERF_MACS] += whole.macs;
  m_perf[unit == timing::engine::gemm     ? DWVP_PERF_GEMM_BUSY
         : unit == timing::engine::vector ? DWVP_PERF_VECTOR_BUSY
                                          : DWVP_PERF_PPU_BUSY] += compute_cycles;
  if (unit != timing::engine::ppu)
    m_perf[DWVP_PERF_PPU_BUSY] += whole.ppu_cycles;
  const uint64_t layer_cycles = (layer_end - layer_start).value() / period.value();
  m_perf[DWVP_PERF_DMA_BUSY] += layer_cycles - compute_cycles;
  m_perf[DWVP_PERF_SRAM_READS] += sram_reads;
  m_perf[DWVP_PERF_SRAM_WRITES] += sram_writes;
}

} // namespace dwvp::models
