// Input files read with a size limit: whatever a path names (a huge file, /dev/zero, a
// pipe), at most `max_bytes` are read before the input is refused, so no input file
// costs more memory than its limit. Errors name the path and what the file is.
#pragma once

#include <cstdint>
#include <string>

namespace dwvp {

// The whole content of `path`. Throws std::invalid_argument naming `path` and `what`
// ("topology file") when it cannot be opened, is a folder, or holds more than
// `max_bytes` bytes.
std::string read_input_file(const std::string& path, uint64_t max_bytes,
                            const std::string& what);

// Removes a UTF-8 byte order mark at the start of `text` (spreadsheet programs write
// one at the start of CSV files). Returns whether there was one.
bool strip_utf8_bom(std::string& text);

// "16 MiB", "512 KiB" or "100 bytes": limits in messages.
std::string format_bytes(uint64_t bytes);

} // namespace dwvp
