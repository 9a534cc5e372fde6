// Puts traced values on the waveform at the simulated time they happen, not when a
// loosely-timed model computed them. A model that knows an event lies ahead (a DMA
// burst issued at t, a DRAM activate at t') posts it; the timeline's thread applies it
// at that time. Disabled (posts are dropped) unless a VCD is being written, so untraced
// runs pay one branch per event.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace dwvp::models {

class timeline : public sc_core::sc_module {
public:
  explicit timeline(sc_core::sc_module_name name);

  void enable() { m_enabled = true; }
  bool enabled() const { return m_enabled; }

  // Applies `action` at absolute time `at` (now if `at` has passed). Actions posted for
  // the same time run in the order posted.
  void post(const sc_core::sc_time& at, std::function<void()> action);

private:
  struct entry {
    sc_core::sc_time at;
    uint64_t order;
    std::function<void()> action;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const {
      return a.at != b.at ? a.at > b.at : a.order > b.order;
    }
  };
  void run();

  bool m_enabled = false;
  uint64_t m_order = 0;
  std::priority_queue<entry, std::vector<entry>, later> m_queue;
  sc_core::sc_event m_wake;
};

// A traced counter (e.g. bytes in flight) that timed events raise and lower.
class timed_level {
public:
  timed_level(timeline& t, sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS>& s,
              sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS>* nonzero = nullptr)
      : m_timeline(t), m_signal(s), m_nonzero(nonzero) {}
  // Adds `amount` over [from, to).
  void add(const sc_core::sc_time& from, const sc_core::sc_time& to, uint32_t amount);

private:
  timeline& m_timeline;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS>& m_signal;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS>* m_nonzero; // level > 0
  void apply(int64_t delta);
  int64_t m_level = 0; // the level as of the last applied event
};

} // namespace dwvp::models
