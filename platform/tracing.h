// VCD waveform output. SystemC's writer stamps the wall-clock date into the header;
// the file is rewritten on close with a fixed date so identical runs give identical
// files.
#pragma once

#include <systemc>

#include <string>

namespace dwvp {

class vcd_trace {
public:
  // path is the file to write, e.g. "run.vcd". Throws std::runtime_error if it cannot
  // be created.
  explicit vcd_trace(const std::string& path);
  ~vcd_trace();
  vcd_trace(const vcd_trace&) = delete;
  vcd_trace& operator=(const vcd_trace&) = delete;

  sc_core::sc_trace_file* file() { return m_file; }
  const std::string& path() const { return m_path; }
  // Closes the trace and normalises the header. Called by the destructor too.
  void close();

private:
  std::string m_path;
  sc_core::sc_trace_file* m_file = nullptr;
};

} // namespace dwvp
