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

// The VCD file a --vcd path names ("run" -> "run.vcd") and its GTKWave save file
// ("run.gtkw").
std::string vcd_file_path(const std::string& path);
std::string gtkw_file_path(const std::string& path);

class vcd_trace {
public:
  // path is the file to write, e.g. "run.vcd" (".vcd" is appended when missing).
  // Throws output_error (output_file.h) if it or its GTKWave file cannot be written.
  // The trace goes to a temporary file until close() renames it onto `path`.
  explicit vcd_trace(const std::string& path);
  ~vcd_trace();
  vcd_trace(const vcd_trace&) = delete;
  vcd_trace& operator=(const vcd_trace&) = delete;

  sc_core::sc_trace_file* file() { return m_file; }
  const std::string& path() const { return m_path; }
  // Closes the trace, normalises the header, writes it to path() and the GTKWave save
  // file beside it (gtkw_path()), each complete or not at all. Called by the destructor
  // too (which swallows errors: call close() to see them).
  void close();
  // "run.vcd" -> "run.gtkw": opens the waveform in GTKWave with every module's signals
  // in a group of its own (gtkwave run.gtkw).
  std::string gtkw_path() const;

private:
  std::string m_path;
  std::string m_temp; // where SystemC writes until close()
  sc_core::sc_trace_file* m_file = nullptr;
};

} // namespace dwvp
