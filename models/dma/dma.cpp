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
  dma_command* head = command_of<dma_command>(trans);
  if (!head) {
    m_log->error("command socket: not a DMA command");
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const sc_time now = sc_core::sc_time_stamp();
  static const char* const kinds[] = {"load", "store", "move", "mirror"};
  bool ok = true;
  // Moves and mirrors run alone; loads and stores of the chain are submitted together,
  // then completed.
  m_transfer_count = 0;
  for (dma_command* c = head; c; c = c->also) {
    if (c->start < now)
      c->start = now;
    c->end = c->start;
    c->failed = false;
    if (c->kind == dma_command::move || c->kind == dma_command::mirror) {
      if (c != head || c->also) {
        m_log->error("command socket: a {} cannot be chained", kinds[c->kind]);
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
      }
      ok = c->kind == dma_command::move ? run_move(*c) : run_mirror(*c);
      c->failed = !ok;
    } else {
      if (m_transfer_count == m_transfers.size())
        m_transfers.emplace_back();
      transfer& x = m_transfers[m_transfer_count++];
      x.c = c;
      x.bursts.clear();
      x.staging.clear();
    }
  }
  for (size_t i = 0; i < m_transfer_count; ++i)
    if (ok && !submit_external(m_transfers[i])) {
      m_transfers[i].c->failed = true;
      ok = false;
    }
  // Every submitted burst is completed, also after a failure.
  for (size_t i = 0; i < m_transfer_count; ++i)
    if (!finish_external(m_transfers[i])) {
      m_transfers[i].c->failed = true;
      ok = false;
    }
  for (dma_command* c = head; c; c = c->also) {
    m_busy_time += c->end - c->start;
    m_log->debug("{} of {} bytes, bus 0x{:08x}, local 0x{:08x}: {:.3f} to {:.3f} ns{}",
                 kinds[c->kind],
                 c->kind == dma_command::move ? c->local_src.bytes()
                                              : c->external.bytes(),
                 c->external.addr, c->local_addr, c->start.to_seconds() * 1e9,
                 c->end.to_seconds() * 1e9, c->failed ? " FAILED" : "");
  }
  trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

bool dma::split(uint64_t addr, uint8_t* data, uint32_t len, bool write,
                split_access_extension& ext, sc_time& delay, bool timing_only) {
  tlm::tlm_generic_payload& trans = m_bus_trans;
  prepare_payload(trans, write, addr, data, len);
  trans.set_dmi_allowed(false);
  timing_only_scope marker(trans, timing_only);
  extension_scope<split_access_extension> scope(trans, &ext);
  bus_socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    m_log->error("{} burst of {} bytes at 0x{:08x} failed: {}", write ? "write" : "read",
                 len, addr, trans.get_response_string());
    return false;
  }
  return true;
}

bool dma::local_access(uint64_t addr, uint8_t* data, uint32_t len, bool write,
                       sc_time& delay, bool timing_only) {
  tlm::tlm_generic_payload& trans = m_local_trans;
  prepare_payload(trans, write, addr, data, len);
  trans.set_dmi_allowed(false);
  timing_only_scope marker(trans, timing_only);
  local_socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    m_log->error("local {} of {} bytes at 0x{:08x} failed: {}", write ? "write" : "read",
                 len, addr, trans.get_response_string());
    return false;
  }
  return true;
}

bool dma::submit_external(transfer& x) {
  dma_command& c = *x.c;
  const strided_region& t = c.external;
  if (t.bytes() == 0)
    return true;
  const bool store = c.kind == dma_command::store;
  if (!c.timing_only)
    x.staging.resize(t.bytes());
  uint64_t local = c.local_addr;
  size_t staged = 0;
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
  split_access_extension ext;
  ext.stream = m_params.stream + (store ? 1 : 0);
  ext.window = m_params.outstanding;
  for (uint32_t p = 0; p < planes; ++p) {
    for (uint32_t r = 0; r < runs; ++r) {
      const uint64_t addr = t.addr + p * t.plane_stride + r * t.row_stride;
      for (uint64_t done = 0; done < run_bytes;) {
        const uint32_t len = static_cast<uint32_t>(
            std::min<uint64_t>(m_params.burst_bytes, run_bytes - done));
        uint8_t* data = c.timing_only ? m_burst.data() : x.staging.data() + staged;
        sc_time delay = c.start - sc_core::sc_time_stamp();
        if (store && !local_access(local, data, len, false, delay, c.timing_only))
          return false;
        ext.phase = split_access_extension::submit;
        delay = c.start - sc_core::sc_time_stamp();
        if (!split(addr + done, data, len, store, ext, delay, c.timing_only)) {
          c.failed_addr = addr + done;
          return false;
        }
        x.bursts.push_back({addr + done, local, len, ext.ticket, staged,
                            ext.arrival > c.start ? ext.arrival - c.start : sc_time(),
                            false});
        // The rest of the wide elements of this burst: (element_bytes - 1) x len
        // bytes more, timing only, in bursts at the addresses that follow.
        const uint64_t wide =
            c.element_bytes > 1 ? uint64_t(len) * (c.element_bytes - 1) : 0;
        for (uint64_t extra = 0; extra < wide;) {
          const uint32_t n = static_cast<uint32_t>(
              std::min<uint64_t>(m_params.burst_bytes, wide - extra));
          ext.phase = split_access_extension::submit;
          delay = c.start - sc_core::sc_time_stamp();
          const uint64_t at = addr + done + extra;
          if (!split(at, m_burst.data(), n, store, ext, delay, true)) {
            c.failed_addr = at;
            return false;
          }
          x.bursts.push_back({at, 0, n, ext.ticket, 0,
                              ext.arrival > c.start ? ext.arrival - c.start : sc_time(),
                              true});
          extra += n;
        }
        local += len;
        staged += len;
        done += len;
      }
    }
  }
  return true;
}

bool dma::finish_external(transfer& x) {
  dma_command& c = *x.c;
  const bool store = c.kind == dma_command::store;
  bool ok = true;
  split_access_extension ext;
  ext.phase = split_access_extension::complete;
  for (const burst_record& b : x.bursts) {
    ext.ticket = b.ticket;
    const bool timing_only = c.timing_only || b.widening;
    uint8_t* data = timing_only ? m_burst.data() : x.staging.data() + b.staged;
    sc_time delay;
    if (!split(b.addr, data, b.len, store, ext, delay, timing_only)) {
      c.failed_addr = b.addr;
      ok = false;
      continue;
    }
    const sc_time when = sc_core::sc_time_stamp() + delay;
    ++m_bursts;
    (store ? m_bytes_written : m_bytes_read) += b.len;
    // In flight from when the window let it leave the DMA (the target saw it `lag`
    // later).
    m_in_flight.add(ext.issued > b.lag ? ext.issued - b.lag : ext.issued, when, b.len);
    c.end = std::max(c.end, when);
    if (!store && ok && !b.widening &&
        !local_access(b.local, data, b.len, true, delay, c.timing_only))
      ok = false;
  }
  return ok;
}

bool dma::run_mirror(dma_command& c) {
  // Debug transport on both sides: no time, no statistics. The local bytes lie with
  // the same strides as the external ones, or packed.
  const strided_region& t = c.external;
  for (uint32_t p = 0; p < t.planes; ++p)
    for (uint32_t r = 0; r < t.rows; ++r) {
      const uint64_t local =
          c.local_addr + (c.local_packed ? (uint64_t(p) * t.rows + r) * t.row_bytes
                                         : p * t.plane_stride + r * t.row_stride);
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
