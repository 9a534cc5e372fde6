// memory_timing backed by the DRAM channel model (models/dram): banks, open rows,
// refresh and the shared data bus decide each transaction's latency, so the order of
// accesses changes timing. Loosely timed: requests are served in the order they
// arrive, at the time the initiator annotates; split accesses let an initiator have
// several requests in flight for the controller to reorder (docs/dram.md).
#pragma once

#include "dram_channel.h"
#include "memory.h"
#include "timeline.h"

#include <systemc>

#include <memory>
#include <unordered_map>
#include <vector>

namespace dwvp::models {

class dram_channel_timing : public memory_timing {
public:
  dram_channel_timing(const dram::dram_spec& spec, const dram::address_mapping& mapping,
                      const dram::controller_params& params = {});

  sc_core::sc_time access(const sc_core::sc_time& start, uint64_t offset, bool is_write,
                          unsigned len) override;
  // Split accesses: each stream is a source of the controller with its own window, so
  // the requests of several engines meet in its queues and are reordered there.
  uint64_t submit(uint32_t stream, uint32_t window, const sc_core::sc_time& start,
                  uint64_t offset, bool is_write, unsigned len) override;
  times complete(uint64_t ticket) override;

  // Statistics up to `now` (closes the energy window there); leaves later commands, such
  // as queued posted writes, to their own time.
  dram::dram_stats stats(const sc_core::sc_time& now);
  // Serves everything queued (posted writes included): at the end of simulation.
  void drain() { m_channel.drain(); }
  const dram::dram_channel& channel() const { return m_channel; }

  // Traces the open row of every bank, changing at the simulated time of each ACT and
  // PRE (posted to `events`); a closed bank shows as high impedance (all 'z').
  // Must be called during elaboration.
  void trace(sc_core::sc_trace_file* tf, const std::string& prefix, timeline& events);

private:
  dram::dram_channel m_channel;
  std::unordered_map<uint32_t, uint32_t> m_sources; // stream -> controller source
  // Created only when traced, so untraced runs pay nothing per access. 31 bits hold
  // every row index (rows are a power of two below 2^32); a width that is a multiple
  // of 32 would make SystemC 2.3.4's sc_lv_base::clean_tail shift a 32-bit word by 32
  // on every assignment (undefined behaviour, reported by UBSan).
  using row_signal = sc_core::sc_signal<sc_dt::sc_lv<31>, sc_core::SC_MANY_WRITERS>;
  std::vector<std::unique_ptr<row_signal>> m_open_row;
};

} // namespace dwvp::models
