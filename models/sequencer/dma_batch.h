// DMA commands that run together (the store of one tile and the prefetch of the next,
// the loads of a tile's operands), queued and then sent as one chain
// (dma_command::also) so their bursts meet in the memory controller. Each command's end
// is folded into its target time. After a failure nothing more is sent; the first
// failed command's field and tag (a stripe chain's layer) are kept for the refusal.
#pragma once

#include "accel_protocol.h"

#include <algorithm>
#include <vector>

namespace dwvp::models {

template <typename Socket> class dma_batch {
public:
  dma_batch(Socket& socket, bool functional)
      : m_socket(socket), m_functional(functional) {}

  // Queues x; *end becomes at least x.start now and x.end once sent.
  void queue(const dma_command& x, dwvp_desc_field field, sc_core::sc_time* end,
             uint32_t tag = 0) {
    *end = std::max(*end, x.start);
    m_pending.push_back({x, field, tag, end});
  }

  // Sends what is queued as one chain (a command on its own is a chain of one).
  void flush() {
    if (m_pending.empty())
      return;
    if (m_ok) {
      for (size_t k = 0; k < m_pending.size(); ++k) {
        m_pending[k].x.timing_only = !m_functional;
        m_pending[k].x.also = k + 1 < m_pending.size() ? &m_pending[k + 1].x : nullptr;
      }
      sc_core::sc_time delay;
      if (send_command(m_socket, m_pending[0].x, delay) != tlm::TLM_OK_RESPONSE) {
        m_ok = false;
        const pending* failed = &m_pending[0];
        for (const pending& p : m_pending)
          if (p.x.failed) {
            failed = &p;
            break;
          }
        m_failed_field = failed->field;
        m_failed_tag = failed->tag;
      } else {
        for (const pending& p : m_pending)
          *p.end = std::max(*p.end, p.x.end);
      }
    }
    m_pending.clear();
  }

  bool ok() const { return m_ok; }
  dwvp_desc_field failed_field() const { return m_failed_field; }
  uint32_t failed_tag() const { return m_failed_tag; }

private:
  struct pending {
    dma_command x;
    dwvp_desc_field field;
    uint32_t tag;
    sc_core::sc_time* end;
  };
  Socket& m_socket;
  bool m_functional;
  std::vector<pending> m_pending;
  bool m_ok = true;
  dwvp_desc_field m_failed_field = DWVP_FIELD_NONE;
  uint32_t m_failed_tag = 0;
};

} // namespace dwvp::models
