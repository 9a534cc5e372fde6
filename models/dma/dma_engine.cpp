#include "dma_engine.h"

#include <algorithm>

namespace dwvp::models {

dma_engine::dma_engine(tlm::tlm_initiator_socket<>& socket, const dma_params& params)
    : m_socket(socket), m_params(params) {
  if (m_params.burst_bytes == 0)
    m_params.burst_bytes = 1;
  if (m_params.outstanding == 0)
    m_params.outstanding = 1;
}

bool dma_engine::burst(uint64_t addr, uint8_t* data, uint32_t len, bool write,
                       sc_core::sc_time& when) {
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(len);
  trans.set_streaming_width(len);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // `when` is the issue time in; the completion time out.
  sc_core::sc_time delay = when - sc_core::sc_time_stamp();
  m_socket->b_transport(trans, delay);
  when = sc_core::sc_time_stamp() + delay;
  ++m_bursts;
  if (trans.is_response_error()) {
    m_failed_address = addr;
    return false;
  }
  (write ? m_bytes_written : m_bytes_read) += len;
  return true;
}

bool dma_engine::run(const dma_transfer& t, const sc_core::sc_time& start,
                     sc_core::sc_time& end) {
  end = start;
  if (t.bytes() == 0)
    return true;
  m_done.assign(m_params.outstanding, start);
  size_t slot = 0;
  uint8_t* data = t.data;
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
      uint64_t addr = t.addr + p * t.plane_stride + r * t.row_stride;
      for (uint64_t done = 0; done < run_bytes;) {
        const uint32_t len = static_cast<uint32_t>(
            std::min<uint64_t>(m_params.burst_bytes, run_bytes - done));
        // Issue when a slot is free: `outstanding` bursts before this one completed.
        sc_core::sc_time when = std::max(start, m_done[slot]);
        if (!burst(addr + done, data, len, t.write, when))
          return false;
        m_done[slot] = when;
        slot = (slot + 1) % m_done.size();
        end = std::max(end, when);
        data += len;
        done += len;
      }
    }
  }
  return true;
}

} // namespace dwvp::models
