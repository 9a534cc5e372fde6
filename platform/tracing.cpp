#include "tracing.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

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
  out.close();
  std::ofstream gtkw(gtkw_path(), std::ios::trunc);
  gtkw << gtkw_for_vcd(m_path, s);
}

std::string vcd_trace::gtkw_path() const {
  std::string stem = m_path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0)
    stem.resize(stem.size() - 4);
  return stem + ".gtkw";
}

std::string gtkw_for_vcd(const std::string& vcd_path, const std::string& vcd_text) {
  // Signals in declaration order, grouped by the scope that declares them.
  std::vector<std::string> scope;
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  std::istringstream in(vcd_text);
  std::string word;
  while (in >> word) {
    if (word == "$enddefinitions")
      break;
    if (word == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scope.push_back(name);
    } else if (word == "$upscope") {
      if (!scope.empty())
        scope.pop_back();
    } else if (word == "$var") {
      std::string type, id, name, next;
      int width = 0;
      in >> type >> width >> id >> name >> next;
      std::string path;
      for (const std::string& part : scope)
        path += part + ".";
      std::string group = scope.empty() ? "top" : scope.back();
      // Binary for 1-bit signals, hex for status words, decimal for the rest.
      const char* format = width == 1                                 ? "@28\n"
                           : name.find("status") != std::string::npos ? "@22\n"
                                                                      : "@24\n";
      std::string entry = format + path + name;
      if (next != "$end")
        entry += next; // the [msb:lsb] range
      if (groups.empty() || groups.back().first != group)
        groups.push_back({group, {}});
      groups.back().second.push_back(entry);
    }
  }
  std::ostringstream out;
  out << "[*] GTKWave save file written by dwvp with the VCD; open with: gtkwave "
         "<this file>\n";
  out << "[dumpfile] \"" << vcd_path << "\"\n";
  out << "[timestart] 0\n";
  // Zoom to the whole run: GTKWave's zoom is a power of two of the time per pixel
  // (offset found by trying), for a wave pane about 480 pixels wide.
  const auto last = vcd_text.rfind("\n#");
  const double end_time =
      last == std::string::npos ? 0 : std::atof(vcd_text.c_str() + last + 2);
  if (end_time > 0)
    out << "*" << std::fixed << std::setprecision(6)
        << -(std::log2(end_time / 480.0) + 8.0) << " 0\n";
  for (const auto& [group, signals] : groups) {
    out << "@800200\n-" << group << "\n";
    for (const std::string& signal : signals)
      out << signal << "\n";
    out << "@1000200\n-" << group << "\n";
  }
  return out.str();
}

} // namespace dwvp
