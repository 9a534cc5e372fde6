#include "timeline.h"

namespace dwvp::models {

timeline::timeline(sc_core::sc_module_name name) : sc_module(name) {
  SC_HAS_PROCESS(timeline);
  SC_THREAD(run);
}

void timeline::post(const sc_core::sc_time& at, std::function<void()> action) {
  if (!m_enabled)
    return;
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time when = at < now ? now : at;
  const bool earliest = m_queue.empty() || when < m_queue.top().at;
  m_queue.push({when, m_order++, std::move(action)});
  if (earliest)
    m_wake.notify(when - now);
}

void timeline::run() {
  for (;;) {
    if (m_queue.empty()) {
      sc_core::wait(m_wake);
      continue;
    }
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (m_queue.top().at > now) {
      sc_core::wait(m_queue.top().at - now, m_wake);
      continue;
    }
    while (!m_queue.empty() && m_queue.top().at <= now) {
      // Copy out before pop: the action may post further events.
      std::function<void()> action = m_queue.top().action;
      m_queue.pop();
      action();
    }
  }
}

void timed_level::apply(int64_t delta) {
  m_level += delta;
  if (m_level < 0)
    m_level = 0;
  m_signal.write(static_cast<uint32_t>(m_level));
  if (m_nonzero)
    m_nonzero->write(m_level > 0);
}

void timed_level::add(const sc_core::sc_time& from, const sc_core::sc_time& to,
                      uint32_t amount) {
  if (!m_timeline.enabled() || amount == 0)
    return;
  m_timeline.post(from, [this, amount] { apply(amount); });
  m_timeline.post(to, [this, amount] { apply(-int64_t(amount)); });
}

} // namespace dwvp::models
