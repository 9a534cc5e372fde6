#include "tracing.h"

#include "output_file.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace dwvp {

std::string vcd_file_path(const std::string& path) {
  const bool has_suffix =
      path.size() > 4 && path.compare(path.size() - 4, 4, ".vcd") == 0;
  return has_suffix ? path : path + ".vcd";
}

std::string gtkw_file_path(const std::string& path) {
  const std::string vcd = vcd_file_path(path);
  return vcd.substr(0, vcd.size() - 4) + ".gtkw";
}

vcd_trace::vcd_trace(const std::string& path) : m_path(vcd_file_path(path)) {
  // Fail early with a clear message instead of SystemC's warning.
  check_output_path(m_path, "VCD trace");
  check_output_path(gtkw_path(), "GTKWave save file");
  // SystemC writes "<stem>.vcd" as the run goes: a temporary name beside the target,
  // renamed onto it by close(), so a killed run leaves the previous trace intact.
  const std::string stem = temporary_name(m_path);
  m_temp = stem + ".vcd";
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
  std::ifstream in(m_temp);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::error_code ec;
  std::filesystem::remove(m_temp, ec);
  std::string s = text.str();
  const auto begin = s.find("$date");
  const auto end = begin == std::string::npos ? begin : s.find("$end", begin);
  if (end != std::string::npos)
    s.replace(begin, end - begin, "$date\n     (fixed for reproducible output)\n");
  write_output(m_path, "VCD trace", s);
  write_output(gtkw_path(), "GTKWave save file", gtkw_for_vcd(m_path, s));
}

std::string vcd_trace::gtkw_path() const {
  return gtkw_file_path(m_path);
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
