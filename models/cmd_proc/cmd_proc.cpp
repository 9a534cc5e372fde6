#include "cmd_proc.h"

#include "model_log.h"

#include <cstdio>
#include <cstring>

namespace dwvp::models {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
std::string hex32(uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}
} // namespace

cmd_proc::cmd_proc(sc_core::sc_module_name name, sc_time clock_period,
                   std::function<traffic_counters()> traffic,
                   const cmd_proc_limits& limits)
    : sc_module(name), regs_socket("regs_socket"), staging_socket("staging_socket"),
      dma_socket("dma_socket"), layer_socket("layer_socket"), irq("irq"),
      m_period(clock_period), m_limits(limits), m_traffic(std::move(traffic)),
      m_log(model_logger(basename())), m_regs(DWVP_ACCEL_REGS_SIZE), m_busy_sig("busy"),
      m_layer_sig("layer_id"), m_doorbell_count_sig("doorbell_count"),
      m_ring_head_sig("ring_head"), m_ring_tail_sig("ring_tail"),
      m_irq_status_sig("irq_status") {
  declare_registers();
  regs_socket.register_b_transport(this, &cmd_proc::b_transport);
  regs_socket.register_transport_dbg(this, &cmd_proc::transport_dbg);
  staging_socket.register_b_transport(this, &cmd_proc::staging_transport);
  staging_socket.register_transport_dbg(this, &cmd_proc::staging_debug);
  SC_HAS_PROCESS(cmd_proc);
  SC_THREAD(command_loop);
  // Register writes (the initiator's thread) and the command loop both change the IRQ
  // state; one method drives the port, so any signal may be bound to it.
  SC_METHOD(drive_irq);
  sensitive << m_irq_event;
  dont_initialize();
  SC_METHOD(watchdog_expired);
  sensitive << m_watchdog_event;
  dont_initialize();
}

void cmd_proc::drive_irq() {
  irq.write((m_irq_status & m_irq_mask) != 0);
}

void cmd_proc::trace(sc_core::sc_trace_file* tf) const {
  const std::string prefix = std::string(name()) + ".";
  sc_core::sc_trace(tf, m_busy_sig, prefix + "busy");
  sc_core::sc_trace(tf, m_layer_sig, prefix + "layer_id");
  sc_core::sc_trace(tf, m_doorbell_count_sig, prefix + "doorbell_count");
  sc_core::sc_trace(tf, m_ring_head_sig, prefix + "ring_head");
  sc_core::sc_trace(tf, m_ring_tail_sig, prefix + "ring_tail");
  sc_core::sc_trace(tf, m_irq_status_sig, prefix + "irq_status");
}

// ---------------------------------------------------------------- register block

void cmd_proc::declare_registers() {
  using R = register_table;
  auto value = [](const uint32_t& v) { return [&v] { return v; }; };
  auto store = [](uint32_t& v) { return [&v](uint32_t x) { v = x; }; };
  m_regs.add(DWVP_REG_ID, "ID", R::read_only, [] { return DWVP_ID_VALUE; }, {});
  m_regs.add(DWVP_REG_VERSION, "VERSION", R::read_only, [] { return DWVP_VERSION_VALUE; },
             {});
  m_regs.add(
      DWVP_REG_CTRL, "CTRL", R::read_write, [this] { return m_ctrl & DWVP_CTRL_ENABLE; },
      [this](uint32_t v) {
        if (v & DWVP_CTRL_SOFT_RESET)
          soft_reset();
        m_ctrl = v & DWVP_CTRL_ENABLE;
      });
  m_regs.add(DWVP_REG_STATUS, "STATUS", R::read_only,
             [this] {
               return (m_busy ? DWVP_STATUS_BUSY : 0) |
                      (m_error_code ? DWVP_STATUS_ERROR : 0) |
                      (m_error_code << DWVP_STATUS_ERR_CODE_SHIFT);
             },
             {});
  m_regs.add(DWVP_REG_ERR_LAYER, "ERR_LAYER", R::read_only, value(m_err_layer), {});
  m_regs.add(DWVP_REG_ERR_FIELD, "ERR_FIELD", R::read_only, value(m_err_field), {});
  m_regs.add(DWVP_REG_ERR_INDEX, "ERR_INDEX", R::read_only, value(m_err_index), {});
  m_regs.add(DWVP_REG_IRQ_STATUS, "IRQ_STATUS", R::read_only, value(m_irq_status), {});
  m_regs.add(DWVP_REG_IRQ_MASK, "IRQ_MASK", R::read_write, value(m_irq_mask),
             [this](uint32_t v) {
               m_irq_mask = v & DWVP_IRQ_ALL;
               update_irq_line();
             });
  m_regs.add(DWVP_REG_IRQ_CLEAR, "IRQ_CLEAR", R::write_only, {}, [this](uint32_t v) {
    m_irq_status &= ~v;
    update_irq_line();
  });
  // The ring and the windows stay as the running entries were checked against.
  auto unlocked = [this](uint32_t) -> std::string {
    return locked() ? "locked while the device is busy" : "";
  };
  m_regs.add(DWVP_REG_RING_BASE, "RING_BASE", R::read_write, value(m_ring_base),
             store(m_ring_base), unlocked);
  m_regs.add(DWVP_REG_RING_SIZE, "RING_SIZE", R::read_write, value(m_ring_size),
             store(m_ring_size), unlocked);
  m_regs.add(DWVP_REG_RING_HEAD, "RING_HEAD", R::read_only, value(m_ring_head), {});
  m_regs.add(DWVP_REG_RING_TAIL, "RING_TAIL", R::read_write, value(m_ring_tail),
             [this](uint32_t v) {
               m_ring_tail = v;
               m_ring_tail_sig.write(v);
             });
  m_regs.add(DWVP_REG_DOORBELL, "DOORBELL", R::write_only, {}, [this](uint32_t) {
    ++m_doorbell_count;
    m_doorbell_count_sig.write(m_doorbell_count);
    m_doorbell_pending = true;
    m_doorbell_event.notify(SC_ZERO_TIME);
  });
  m_regs.add(DWVP_REG_PERF_CTRL, "PERF_CTRL", R::write_only, {}, [this](uint32_t v) {
    if (v & DWVP_PERF_CTRL_CLEAR) {
      m_perf.fill(0);
      m_perf_hi_latch.fill(0);
    }
  });
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    const std::string n = std::to_string(i);
    m_regs.add(DWVP_REG_DMA_WIN_BASE(i), "DMA_WIN_BASE" + n, R::read_write,
               value(m_windows[i].base), store(m_windows[i].base),
               [this, i](uint32_t v) { return window_refusal(i, v, m_windows[i].size); });
    m_regs.add(DWVP_REG_DMA_WIN_SIZE(i), "DMA_WIN_SIZE" + n, R::read_write,
               value(m_windows[i].size), store(m_windows[i].size),
               [this, i](uint32_t v) { return window_refusal(i, m_windows[i].base, v); });
  }
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    // Reading LO latches HI, so a LO-then-HI pair is one consistent 64-bit value.
    m_regs.add(DWVP_REG_PERF_LO(n), "PERF_LO" + std::to_string(n), R::read_only,
               [this, n] {
                 m_perf_hi_latch[n] = static_cast<uint32_t>(m_perf[n] >> 32);
                 return static_cast<uint32_t>(m_perf[n]);
               },
               {});
    m_regs.add(DWVP_REG_PERF_HI(n), "PERF_HI" + std::to_string(n), R::read_only,
               value(m_perf_hi_latch[n]), {});
  }
}

std::string cmd_proc::window_refusal(uint32_t i, uint32_t base, uint32_t size) const {
  if (locked())
    return "locked while the device is busy";
  // A window over anything but DRAM would let the DMA reach other targets, the
  // register block included (opening windows the firmware never opened).
  const uint64_t end = uint64_t{base} + size;
  if (size &&
      (base < m_limits.dram_base || end > m_limits.dram_base + m_limits.dram_size))
    return "window " + std::to_string(i) + " [0x" + hex32(base) + ", +0x" + hex32(size) +
           ") would reach outside DRAM";
  return "";
}

void cmd_proc::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
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
  if (!is_read)
    std::memcpy(&value, trans.get_data_ptr(), 4);
  std::string refusal;
  const tlm::tlm_response_status status =
      m_regs.access_register(offset, is_read, value, &refusal);
  if (status == tlm::TLM_GENERIC_ERROR_RESPONSE)
    return refuse(status, refusal.c_str());
  if (status == tlm::TLM_ADDRESS_ERROR_RESPONSE)
    return refuse(status, "no register at this offset");
  if (status == tlm::TLM_COMMAND_ERROR_RESPONSE)
    return refuse(status, is_read ? "register is write-only" : "register is read-only");
  if (is_read)
    std::memcpy(trans.get_data_ptr(), &value, 4);
  m_log->trace("register {} {} = 0x{:08x}", is_read ? "read" : "write",
               m_regs.find(offset)->name, value);
  trans.set_response_status(status);
}

unsigned cmd_proc::transport_dbg(tlm::tlm_generic_payload& trans) {
  // Debug reads without side effects: counters are read whole, no latch moves.
  const uint64_t offset = trans.get_address();
  if (!trans.is_read() || trans.get_data_length() != 4 || offset % 4 ||
      offset >= DWVP_ACCEL_REGS_SIZE)
    return 0;
  uint32_t value = 0;
  if (offset >= DWVP_REG_PERF_BASE && offset < DWVP_REG_PERF_LO(DWVP_PERF_COUNT)) {
    const uint64_t v = m_perf[(offset - DWVP_REG_PERF_BASE) / 8];
    value = static_cast<uint32_t>((offset & 4) ? v >> 32 : v);
  } else if (m_regs.access_register(offset, true, value) != tlm::TLM_OK_RESPONSE) {
    return 0;
  }
  std::memcpy(trans.get_data_ptr(), &value, 4);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return 4;
}

unsigned cmd_proc::staging_debug(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr >= k_staging_bytes || len > k_staging_bytes - addr ||
      trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  if (trans.is_read())
    std::memcpy(trans.get_data_ptr(), m_staging.data() + addr, len);
  else if (trans.is_write())
    std::memcpy(m_staging.data() + addr, trans.get_data_ptr(), len);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return len;
}

void cmd_proc::staging_transport(tlm::tlm_generic_payload& trans, sc_time&) {
  if (!staging_debug(trans))
    m_log->error("staging access of {} bytes at {} outside its {} bytes",
                 trans.get_data_length(), trans.get_address(), k_staging_bytes);
}

void cmd_proc::soft_reset() {
  m_log->info("soft reset");
  ++m_generation;
  ++m_epoch;
  m_watchdog_event.cancel();
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
  m_ring_tail_sig.write(0);
  update_irq_line();
}

void cmd_proc::raise_irq(uint32_t bits) {
  m_irq_status |= bits;
  update_irq_line();
}

void cmd_proc::update_irq_line() {
  m_irq_status_sig.write(m_irq_status);
  // Immediate notification: drive_irq runs in this evaluation phase, so the line has
  // its new level after this delta, as if the register access had written it.
  m_irq_event.notify();
}

// ---------------------------------------------------------------- command processor

uint64_t cmd_proc::now_cycles() const {
  return sc_core::sc_time_stamp().value() / m_period.value();
}

void cmd_proc::command_loop() {
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
    // Busy (STATUS.BUSY, registers locked) from the accepted doorbell on.
    const uint64_t generation = m_generation;
    m_busy = true;
    // The command processor is clocked: it starts at the first edge after the doorbell.
    const uint64_t period = m_period.value();
    const uint64_t now = sc_core::sc_time_stamp().value();
    if (now % period)
      sc_core::wait(sc_time::from_value(period - now % period));
    if (generation != m_generation)
      continue; // soft reset before the first edge
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

void cmd_proc::report_error(uint32_t index, const check_result& r) {
  m_watchdog_event.cancel();
  if (abandoned())
    return; // soft reset (the device is fresh) or watchdog (already reported)
  m_log->error("descriptor {} (layer {}) refused: {} in field {}: {}", index,
               m_current_layer == DWVP_ERR_LAYER_UNKNOWN
                   ? std::string("unknown")
                   : std::to_string(m_current_layer),
               dwvp_error_name(r.error), dwvp_desc_field_name(r.field), r.message);
  m_error_code = r.error;
  m_err_layer = m_current_layer;
  m_err_field = r.field;
  m_err_index = index;
  raise_irq(DWVP_IRQ_ERROR);
}

void cmd_proc::watchdog_expired() {
  if (!m_busy || abandoned())
    return;
  m_log->error("descriptor {} (layer {}): watchdog, over {} cycles; layer abandoned",
               m_current_index,
               m_current_layer == DWVP_ERR_LAYER_UNKNOWN
                   ? std::string("unknown")
                   : std::to_string(m_current_layer),
               m_limits.watchdog_cycles);
  // The blocks stop at their next tile boundary; the error is the firmware's now.
  ++m_epoch;
  m_error_code = DWVP_ERR_TIMEOUT;
  m_err_layer = m_current_layer;
  m_err_field = DWVP_FIELD_NONE;
  m_err_index = m_current_index;
  raise_irq(DWVP_IRQ_ERROR);
}

} // namespace dwvp::models
