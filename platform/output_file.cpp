#include "output_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace dwvp {

namespace fs = std::filesystem;

namespace {

bool is_special(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  return !ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st);
}

[[noreturn]] void fail(const std::string& path, const std::string& what,
                       const std::string& reason) {
  throw output_error(path + ": cannot write the " + what + ": " + reason);
}

std::string errno_text() {
  return errno ? std::strerror(errno) : "write failed";
}

} // namespace

std::string temporary_name(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

output_file::output_file(std::string path, std::string what, bool binary)
    : m_path(std::move(path)), m_what(std::move(what)) {
  std::ios::openmode mode = std::ios::out | std::ios::trunc;
  if (binary)
    mode |= std::ios::binary;
  m_in_place = is_special(m_path);
  m_temp = m_in_place ? m_path : temporary_name(m_path);
  errno = 0;
  m_out.open(m_temp, mode);
  if (!m_out)
    fail(m_path, m_what, errno_text());
}

output_file::~output_file() {
  if (m_done)
    return;
  m_out.close();
  if (!m_in_place) {
    std::error_code ec;
    fs::remove(m_temp, ec);
  }
}

void output_file::commit() {
  errno = 0;
  m_out.flush();
  const bool written = static_cast<bool>(m_out);
  m_out.close();
  m_done = true;
  if (!written || m_out.fail()) {
    const std::string reason = errno_text();
    if (!m_in_place) {
      std::error_code ec;
      fs::remove(m_temp, ec);
    }
    fail(m_path, m_what, reason);
  }
  if (!m_in_place)
    commit_output(m_temp, m_path, m_what);
}

void commit_output(const std::string& temp, const std::string& path,
                   const std::string& what) {
  std::error_code ec;
  if (is_special(path)) {
    // Copy into the device or pipe; the temporary goes either way.
    {
      std::ifstream in(temp, std::ios::binary);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      errno = 0;
      out << in.rdbuf();
      out.flush();
      if (!out) {
        const std::string reason = errno_text();
        fs::remove(temp, ec);
        fail(path, what, reason);
      }
    }
    fs::remove(temp, ec);
    return;
  }
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    fail(path, what, ec.message());
  }
}

void write_output(const std::string& path, const std::string& what,
                  const std::string& text, bool binary) {
  output_file f(path, what, binary);
  f.stream() << text;
  f.commit();
}

void check_output_path(const std::string& path, const std::string& what) {
  if (path.empty())
    fail(path, what, "empty path");
  if (is_special(path))
    return; // a device or pipe: written in place
  std::error_code ec;
  if (fs::is_directory(path, ec))
    fail(path, what, "is a directory");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    fail(path, what, "folder " + parent.string() + " does not exist");
  // A probe under the temporary name: creating it is what the real write will do.
  const std::string probe = temporary_name(path);
  {
    errno = 0;
    std::ofstream out(probe);
    if (!out)
      fail(path, what, errno_text());
  }
  fs::remove(probe, ec);
}

} // namespace dwvp
