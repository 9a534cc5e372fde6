#include "dma.h"

#include "model_log.h"

#include <algorithm>

namespace dwvp::models {

using sc_core::sc_time;

dma::dma(sc_core::sc_module_name name, const dma_params& params, timeline& events)
    : sc_module(name), cmd_socket("cmd_socket"), bus_socket("bus_socket"),
      local_socket("local_socket"), m_params(params), m_events(events),
      m_log(model_logger(basename())), m_in_flight_sig("bytes_in_flight"),
      m_busy_sig("busy"), m_in_flight(events, m_in_flight_sig, &m_busy_sig) {
  if (m_params.burst_bytes == 0)
    m_params.burst_bytes = 1;
  if (m_params.outstanding == 0)
    m_params.outstanding = 1;
  m_burst.resize(m_params.burst_bytes);
  cmd_socket.register_b_transport(this, &dma::b_transport);
}

void dma::trace(sc_core::sc_trace_file* tf) const {
  const std::string prefix = std::string(name()) + ".";
  sc_core::sc_trace(tf, m_busy_sig, prefix + "busy");
  sc_core::sc_trace(tf, m_in_flight_sig, prefix + "bytes_in_flight");
}

void dma::b_transport(int, tlm::tlm_generic_payload& trans, sc_time&) {
  dma_command* c = command_of<dma_command>(trans);
  if (!c) {
    m_log->error("command socket: not a DMA command");
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const sc_time now = sc_core::sc_time_stamp();
  if (c->start < now)
    c->start = now;
  c->end = c->start;
  const bool ok = c->kind == dma_command::move     ? run_move(*c)
                  : c->kind == dma_command::mirror ? run_mirror(*c)
                                                   : run_external(*c);
  m_busy_time += c->end - c->start;
  static const char* const kinds[] = {"load", "store", "move", "mirror"};
  m_log->debug("{} of {} bytes, bus 0x{:08x}, local 0x{:08x}: {:.3f} to {:.3f} ns{}",
               kinds[c->kind],
               c->kind == dma_command::move ? c->local_src.bytes() : c->external.bytes(),
               c->external.addr, c->local_addr, c->start.to_seconds() * 1e9,
               c->end.to_seconds() * 1e9, ok ? "" : " FAILED");
  trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

bool dma::bus_burst(uint64_t addr, uint8_t* data, uint32_t len, bool write, sc_time& when,
                    bool timing_only) {
  tlm::tlm_generic_payload trans;
  prepare_payload(trans, write, addr, data, len);
  timing_only_scope marker(trans, timing_only);
  // `when` is the issue time in, the completion time out.
  const sc_time issue = when;
  sc_time delay = when - sc_core::sc_time_stamp();
  bus_socket->b_transport(trans, delay);
  when = sc_core::sc_time_stamp() + delay;
  ++m_bursts;
  if (trans.is_response_error()) {
    m_log->error("{} burst of {} bytes at 0x{:08x} failed: {}", write ? "write" : "read",
                 len, addr, trans.get_response_string());
    return false;
  }
  (write ? m_bytes_written : m_bytes_read) += len;
  m_in_flight.add(issue, when, len);
  return true;
}

bool dma::local_access(uint64_t addr, uint8_t* data, uint32_t len, bool write,
                       sc_time& delay, bool timing_only) {
  tlm::tlm_generic_payload trans;
  prepare_payload(trans, write, addr, data, len);
  timing_only_scope marker(trans, timing_only);
  local_socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    m_log->error("local {} of {} bytes at 0x{:08x} failed: {}", write ? "write" : "read",
                 len, addr, trans.get_response_string());
    return false;
  }
  return true;
}

bool dma::run_external(dma_command& c) {
  const strided_region& t = c.external;
  if (t.bytes() == 0)
    return true;
  const bool store = c.kind == dma_command::store;
  m_done.assign(m_params.outstanding, c.start);
  size_t slot = 0;
  uint64_t local = c.local_addr;
  // Rows (and planes) that follow each other in memory are one contiguous run.
  const bool rows_contiguous = t.row_stride == t.row_bytes || t.rows == 1;
  const bool planes_contiguous =
      rows_contiguous &&
      (t.planes == 1 || t.plane_stride == uint64_t(t.row_bytes) * t.rows);
  const uint32_t runs = rows_contiguous ? 1 : t.rows;
  const uint32_t planes = planes_contiguous ? 1 : t.planes;
  const uint64_t run_bytes = planes_contiguous ? t.bytes()
                             : rows_contiguous ? uint64_t(t.row_bytes) * t.rows
                                               : t.row_bytes;
  for (uint32_t p = 0; p < planes; ++p) {
    for (uint32_t r = 0; r < runs; ++r) {
      const uint64_t addr = t.addr + p * t.plane_stride + r * t.row_stride;
      for (uint64_t done = 0; done < run_bytes;) {
        const uint32_t len = static_cast<uint32_t>(
            std::min<uint64_t>(m_params.burst_bytes, run_bytes - done));
        // Issue when a slot is free: `outstanding` bursts before this one completed.
        sc_time when = std::max(c.start, m_done[slot]);
        sc_time local_delay = when - sc_core::sc_time_stamp();
        if (store &&
            !local_access(local, m_burst.data(), len, false, local_delay, c.timing_only))
          return false;
        if (!bus_burst(addr + done, m_burst.data(), len, store, when, c.timing_only)) {
          c.failed_addr = addr + done;
          return false;
        }
        local_delay = when - sc_core::sc_time_stamp();
        if (!store &&
            !local_access(local, m_burst.data(), len, true, local_delay, c.timing_only))
          return false;
        m_done[slot] = when;
        slot = (slot + 1) % m_done.size();
        c.end = std::max(c.end, when);
        local += len;
        done += len;
      }
    }
  }
  return true;
}

bool dma::run_mirror(dma_command& c) {
  // Debug transport on both sides: no time, no statistics. The local bytes lie with
  // the same strides as the external ones.
  const strided_region& t = c.external;
  for (uint32_t p = 0; p < t.planes; ++p)
    for (uint32_t r = 0; r < t.rows; ++r) {
      const uint64_t local = c.local_addr + p * t.plane_stride + r * t.row_stride;
      m_burst.resize(std::max<size_t>(m_burst.size(), t.row_bytes));
      tlm::tlm_generic_payload trans;
      trans.set_command(tlm::TLM_READ_COMMAND);
      trans.set_address(local);
      trans.set_data_ptr(m_burst.data());
      trans.set_data_length(t.row_bytes);
      trans.set_streaming_width(t.row_bytes);
      if (local_socket->transport_dbg(trans) != t.row_bytes)
        return false;
      trans.set_command(tlm::TLM_WRITE_COMMAND);
      trans.set_address(t.addr + p * t.plane_stride + r * t.row_stride);
      if (bus_socket->transport_dbg(trans) != t.row_bytes) {
        c.failed_addr = trans.get_address();
        return false;
      }
    }
  return true;
}

bool dma::run_move(dma_command& c) {
  // On-chip copy, row by row through the burst register: the read port's time.
  const strided_region& s = c.local_src;
  sc_time delay = c.start - sc_core::sc_time_stamp();
  uint64_t dst = c.local_addr;
  for (uint32_t p = 0; p < s.planes; ++p)
    for (uint32_t r = 0; r < s.rows; ++r)
      for (uint32_t done = 0; done < s.row_bytes;) {
        const uint32_t len = std::min(m_params.burst_bytes, s.row_bytes - done);
        const uint64_t src = s.addr + p * s.plane_stride + r * s.row_stride + done;
        sc_time write_delay = delay;
        if (!local_access(src, m_burst.data(), len, false, delay, c.timing_only) ||
            !local_access(dst, m_burst.data(), len, true, write_delay, c.timing_only))
          return false;
        dst += len;
        done += len;
      }
  c.end = sc_core::sc_time_stamp() + delay;
  return true;
}

} // namespace dwvp::models
