#include "dram_channel_timing.h"

namespace dwvp::models {

namespace {
uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value() / sc_core::sc_time(1, sc_core::SC_PS).value();
}
} // namespace

dram_channel_timing::dram_channel_timing(const dram::dram_spec& spec,
                                         const dram::address_mapping& mapping)
    : m_channel(spec, mapping) {}

sc_core::sc_time dram_channel_timing::access(const sc_core::sc_time& start,
                                             uint64_t offset, bool is_write,
                                             unsigned len) {
  const uint64_t issue = to_ps(start);
  const uint64_t done = m_channel.access(issue, offset, is_write, len);
  for (size_t b = 0; b < m_open_row.size(); ++b) {
    const int32_t row =
        static_cast<int32_t>(m_channel.open_row(static_cast<uint32_t>(b)));
    if (m_open_row[b]->read() != row)
      m_open_row[b]->write(row);
  }
  return sc_core::sc_time(static_cast<double>(done - issue), sc_core::SC_PS);
}

dram::dram_stats dram_channel_timing::stats(const sc_core::sc_time& now) {
  m_channel.advance_to(to_ps(now));
  return m_channel.stats();
}

void dram_channel_timing::trace(sc_core::sc_trace_file* tf, const std::string& prefix) {
  for (uint32_t b = 0; b < m_channel.bank_count(); ++b) {
    const std::string name = "open_row_bank" + std::to_string(b);
    std::string object_name = prefix + "_" + name; // SystemC names may not contain '.'
    for (char& ch : object_name)
      if (ch == '.')
        ch = '_';
    m_open_row.push_back(
        std::make_unique<sc_core::sc_signal<int32_t, sc_core::SC_MANY_WRITERS>>(
            object_name.c_str(), -1));
    sc_core::sc_trace(tf, *m_open_row.back(), prefix + "." + name);
  }
}

} // namespace dwvp::models
