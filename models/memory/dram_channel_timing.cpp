#include "dram_channel_timing.h"

namespace dwvp::models {

namespace {
// Kernel time ticks per picosecond (the time resolution is fixed by the first sc_time;
// it is 1 ps unless a scenario sets a finer one). Converting through it is exact for
// whole picoseconds and avoids sc_time's double arithmetic per burst.
uint64_t ticks_per_ps() {
  static const uint64_t ticks = sc_core::sc_time(1, sc_core::SC_PS).value();
  return ticks;
}
uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value() / ticks_per_ps();
}
sc_core::sc_time from_ps(uint64_t ps) {
  return sc_core::sc_time::from_value(ps * ticks_per_ps());
}
} // namespace

dram_channel_timing::dram_channel_timing(const dram::dram_spec& spec,
                                         const dram::address_mapping& mapping,
                                         const dram::controller_params& params)
    : m_channel(spec, mapping, params) {}

sc_core::sc_time dram_channel_timing::access(const sc_core::sc_time& start,
                                             uint64_t offset, bool is_write,
                                             unsigned len) {
  const uint64_t issue = to_ps(start);
  const uint64_t done = m_channel.access(issue, offset, is_write, len);
  return from_ps(done - issue);
}

uint64_t dram_channel_timing::submit(uint32_t stream, uint32_t window,
                                     const sc_core::sc_time& start, uint64_t offset,
                                     bool is_write, unsigned len) {
  auto it = m_sources.find(stream);
  if (it == m_sources.end())
    it = m_sources.emplace(stream, m_channel.add_source(window)).first;
  return m_channel.submit(it->second, to_ps(start), offset, is_write, len);
}

memory_timing::times dram_channel_timing::complete(uint64_t ticket) {
  const dram::dram_channel::completion_times t = m_channel.completion(ticket);
  return {from_ps(t.issued_ps), from_ps(t.done_ps)};
}

dram::dram_stats dram_channel_timing::stats(const sc_core::sc_time& now) {
  m_channel.advance_to(to_ps(now));
  return m_channel.stats();
}

void dram_channel_timing::trace(sc_core::sc_trace_file* tf, const std::string& prefix,
                                timeline& events) {
  const sc_dt::sc_lv<31> closed(sc_dt::SC_LOGIC_Z);
  for (uint32_t b = 0; b < m_channel.bank_count(); ++b) {
    const std::string name = "open_row_bank" + std::to_string(b);
    std::string object_name = prefix + "_" + name; // SystemC names may not contain '.'
    for (char& ch : object_name)
      if (ch == '.')
        ch = '_';
    m_open_row.push_back(std::make_unique<row_signal>(object_name.c_str(), closed));
    sc_core::sc_trace(tf, *m_open_row.back(), prefix + "." + name);
  }
  events.enable();
  m_channel.set_command_observer(
      [this, &events, closed](uint32_t bank, int64_t row, uint64_t ps) {
        row_signal* signal = m_open_row[bank].get();
        const sc_dt::sc_lv<31> value =
            row < 0 ? closed : sc_dt::sc_lv<31>(static_cast<uint64_t>(row));
        events.post(from_ps(ps), [signal, value] { signal->write(value); });
      });
}

} // namespace dwvp::models
