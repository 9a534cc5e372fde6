#include "input_file.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace dwvp {

std::string read_input_file(const std::string& path, uint64_t max_bytes,
                            const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::invalid_argument(path + ": cannot read the " + what + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::invalid_argument(path + ": cannot open the " + what);
  // Read in pieces up to one byte past the limit: the size a file claims (or a device
  // that never ends) is not trusted.
  std::string text;
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw std::invalid_argument(path + ": the " + what + " is larger than " +
                                  format_bytes(max_bytes) + " (the limit)");
  }
  if (in.bad())
    throw std::invalid_argument(path + ": cannot read the " + what);
  return text;
}

bool strip_utf8_bom(std::string& text) {
  if (text.compare(0, 3, "\xEF\xBB\xBF") != 0)
    return false;
  text.erase(0, 3);
  return true;
}

std::string format_bytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30) && bytes % (uint64_t{1} << 30) == 0)
    return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (uint64_t{1} << 20) && bytes % (uint64_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

} // namespace dwvp
