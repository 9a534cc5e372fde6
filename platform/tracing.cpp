#include "tracing.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dwvp {

vcd_trace::vcd_trace(const std::string& path) : m_path(path) {
  // sc_create_vcd_trace_file appends ".vcd" to the name it is given.
  std::string stem = path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0)
    stem.resize(stem.size() - 4);
  else
    m_path = path + ".vcd";
  { // fail early with a clear message instead of SystemC's warning
    std::ofstream probe(m_path);
    if (!probe)
      throw std::runtime_error(m_path + ": cannot create VCD file");
  }
  m_file = sc_core::sc_create_vcd_trace_file(stem.c_str());
  // Picoseconds: the kernel resolution, so every event time is representable.
  // SystemC reports the unit change as an info message; keep stdout for results.
  const auto info_actions =
      sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  m_file->set_time_unit(1, sc_core::SC_PS);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, info_actions);
}

vcd_trace::~vcd_trace() {
  try {
    close();
  } catch (...) {
  }
}

void vcd_trace::close() {
  if (!m_file)
    return;
  sc_core::sc_close_vcd_trace_file(m_file);
  m_file = nullptr;
  std::ifstream in(m_path);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::string s = text.str();
  const auto begin = s.find("$date");
  const auto end = begin == std::string::npos ? begin : s.find("$end", begin);
  if (end == std::string::npos)
    return;
  s.replace(begin, end - begin, "$date\n     (fixed for reproducible output)\n");
  std::ofstream out(m_path, std::ios::trunc);
  out << s;
}

} // namespace dwvp
