// Output files that are complete or absent: written under a temporary name in the same
// folder and renamed onto the target when complete, so a reader, a failed write or a
// killed run never leaves half a file where the previous good one was. Write errors
// (a full disk, /dev/full) are errors naming the path.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>

namespace dwvp {

// A file that could not be written: the CLI exits 1 naming the path (bad arguments
// exit 2).
struct output_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class output_file {
public:
  // Opens "<path>.tmp-<pid>" beside `path`; throws output_error naming `path` and
  // `what` ("JSON report") if it cannot. A path that exists and is not a regular file
  // (a device such as /dev/null or /dev/full, a pipe) is written in place: renaming
  // over it would replace the device.
  output_file(std::string path, std::string what, bool binary = false);
  // Without commit() the temporary is removed and the target left as it was.
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  std::ostream& stream() { return m_out; }
  // Flushes, checks every write, closes and renames onto the target; throws
  // output_error naming the path on any failure (the temporary is removed).
  void commit();

private:
  std::string m_path, m_what, m_temp;
  std::ofstream m_out;
  bool m_in_place = false, m_done = false;
};

// Writes `text` to `path` through an output_file.
void write_output(const std::string& path, const std::string& what,
                  const std::string& text, bool binary = false);

// Checks, before a run produces anything, that `path` can be written: its folder exists
// and a file can be created in it. Throws output_error "<path>: cannot write the <what>:
// <reason>".
void check_output_path(const std::string& path, const std::string& what);

// The temporary name output_file uses for `path` (for writers that cannot use a stream,
// e.g. SystemC's VCD writer, which then rename with commit_output()).
std::string temporary_name(const std::string& path);
// Renames `temp` onto `path` (or, for a non-regular target, copies it there); throws
// output_error naming `path` and removes `temp` on failure.
void commit_output(const std::string& temp, const std::string& path,
                   const std::string& what);

} // namespace dwvp
