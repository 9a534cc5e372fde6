// VCD waveform output. SystemC's writer stamps the wall-clock date into the header;
// the file is rewritten on close with a fixed date so identical runs give identical
// files.
#pragma once

#include <systemc>

#include <string>

namespace dwvp {

// A GTKWave save file for a VCD header: one group per module scope, 1-bit signals in
// binary, status words in hex, other vectors in decimal. `vcd_text` needs only the
// header.
std::string gtkw_for_vcd(const std::string& vcd_path, const std::string& vcd_text);

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
  // Closes the trace, normalises the header and writes the GTKWave save file beside it
  // (gtkw_path()). Called by the destructor too.
  void close();
  // "run.vcd" -> "run.gtkw": opens the waveform in GTKWave with every module's signals
  // in a group of its own (gtkwave run.gtkw).
  std::string gtkw_path() const;

private:
  std::string m_path;
  sc_core::sc_trace_file* m_file = nullptr;
};

} // namespace dwvp
