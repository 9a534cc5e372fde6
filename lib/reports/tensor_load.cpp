#include "tensor_load.h"

#include "input_file.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace dwvp::scenarios {
namespace {

// The value of `key` in a .npy header's dict literal: the text after "'key':" up to
// the next top-level ',' or '}' (a shape's parentheses are kept whole).
std::string header_value(const std::string& header, const std::string& key) {
  const std::string quoted = "'" + key + "':";
  const size_t at = header.find(quoted);
  if (at == std::string::npos)
    return {};
  size_t i = at + quoted.size(), end = i;
  int depth = 0;
  for (; end < header.size(); ++end) {
    const char ch = header[end];
    if (ch == '(')
      ++depth;
    else if (ch == ')')
      --depth;
    else if (depth == 0 && (ch == ',' || ch == '}'))
      break;
  }
  while (i < end && header[i] == ' ')
    ++i;
  while (end > i && header[end - 1] == ' ')
    --end;
  return header.substr(i, end - i);
}

// The element count of a shape "(a, b, c)", checked against `expected` as it is
// multiplied so no dimension list can overflow it.
size_t shape_count(const std::string& path, const std::string& shape, size_t expected) {
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    throw std::invalid_argument(path + ": no shape in header");
  size_t count = 1;
  const char* p = shape.data() + 1;
  const char* end = shape.data() + shape.size() - 1;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == ','))
      ++p;
    if (p == end)
      break;
    uint64_t dim = 0;
    const auto r = std::from_chars(p, end, dim);
    if (r.ec != std::errc() || r.ptr == p)
      throw std::invalid_argument(path + ": bad shape " + shape + " in header");
    if (dim != 0 && count > expected / dim)
      throw std::invalid_argument(path + ": shape " + shape + " holds more than the " +
                                  std::to_string(expected) + " elements expected");
    count *= static_cast<size_t>(dim);
    p = r.ptr;
  }
  return count;
}

// Reads a version 1.0/2.0/3.0 .npy file of little-endian int8 ('|i1') or int32
// ('<i4'), C order. Returns the flat data; the element count must match `expected`.
// Nothing is allocated beyond what the file holds: the header is capped and the data
// size checked against the file's size first.
template <typename T>
std::vector<T> read_npy(const std::string& path, const char* dtype, size_t expected) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::invalid_argument(path + ": cannot open (not a regular file)");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (!in || ec)
    throw std::invalid_argument(path + ": cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw std::invalid_argument(path + ": not a .npy file");
  if (magic[6] < 1 || magic[6] > 3)
    throw std::invalid_argument(path + ": .npy version " + std::to_string(magic[6]) +
                                " is not 1, 2 or 3");
  uint32_t header_len = 0;
  unsigned char len[4] = {0, 0, 0, 0};
  const int width = magic[6] == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(len), width))
    throw std::invalid_argument(path + ": truncated header");
  for (int i = width - 1; i >= 0; --i)
    header_len = header_len * 256 + len[i];
  const uint64_t data_offset = 8 + width + uint64_t{header_len};
  if (header_len > k_max_npy_header_bytes)
    throw std::invalid_argument(path + ": header of " + std::to_string(header_len) +
                                " bytes, more than the " +
                                std::to_string(k_max_npy_header_bytes) + " allowed");
  if (data_offset > file_size)
    throw std::invalid_argument(
        path + ": truncated header (" + std::to_string(header_len) +
        " bytes declared, the file has " + std::to_string(file_size) + ")");
  std::string header(header_len, ' ');
  if (!in.read(header.data(), header_len))
    throw std::invalid_argument(path + ": truncated header");
  if (header_value(header, "descr") != "'" + std::string(dtype) + "'")
    throw std::invalid_argument(path + ": dtype must be " + dtype);
  if (header_value(header, "fortran_order") != "False")
    throw std::invalid_argument(path + ": Fortran order is not supported");
  const size_t count = shape_count(path, header_value(header, "shape"), expected);
  if (count != expected)
    throw std::invalid_argument(path + ": " + std::to_string(count) +
                                " elements, expected " + std::to_string(expected));
  const uint64_t bytes = uint64_t{count} * sizeof(T);
  if (file_size - data_offset != bytes)
    throw std::invalid_argument(path + ": " + std::to_string(file_size - data_offset) +
                                " bytes of data, the shape needs " +
                                std::to_string(bytes));
  std::vector<T> data(count);
  if (!in.read(reinterpret_cast<char*>(data.data()), std::streamsize(bytes)))
    throw std::invalid_argument(path + ": truncated data");
  return data;
}

// index.json nested deeper than this is no index (it has three levels).
constexpr int k_max_index_depth = 16;

nlohmann::json parse_index(const std::string& path) {
  const std::string text = read_input_file(path, k_max_index_bytes, "tensor index");
  try {
    return nlohmann::json::parse(
        text, [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
          if (depth > k_max_index_depth)
            throw std::invalid_argument(path + ": nested deeper than " +
                                        std::to_string(k_max_index_depth) + " levels");
          return true;
        });
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

// A value of index.json as the descriptor field's type: an integer the type holds.
template <typename T>
T index_number(const nlohmann::json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key))
    throw std::invalid_argument(where + " lacks '" + key + "'");
  const nlohmann::json& v = entry.at(key);
  using limits = std::numeric_limits<T>;
  const bool fits =
      (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(limits::max())) ||
      (v.is_number_integer() && !v.is_number_unsigned() &&
       v.get<int64_t>() >= int64_t(limits::min()) &&
       v.get<int64_t>() <= int64_t(limits::max()));
  if (!fits)
    throw std::invalid_argument(where + ": '" + key + "' must be an integer " +
                                std::to_string(int64_t(limits::min())) + ".." +
                                std::to_string(int64_t(limits::max())) + ", got " +
                                v.dump());
  return static_cast<T>(v.is_number_unsigned() ? int64_t(v.get<uint64_t>())
                                               : v.get<int64_t>());
}

} // namespace

void load_tensors(const std::string& dir, runtime::network& net) {
  const std::string index_path = dir + "/index.json";
  const nlohmann::json index = parse_index(index_path);
  if (!index.is_object() || !index.contains("layers") || !index.at("layers").is_array())
    throw std::invalid_argument(index_path + ": no 'layers' array");
  const auto& layers = index.at("layers");
  if (layers.size() != net.layers.size())
    throw std::invalid_argument(index_path + ": " + std::to_string(layers.size()) +
                                " layers, the network has " +
                                std::to_string(net.layers.size()));
  if (std::filesystem::exists(dir + "/network_input.npy"))
    net.input = read_npy<int8_t>(dir + "/network_input.npy", "|i1", net.input.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    runtime::layer& l = net.layers[i];
    const auto& entry = layers[i];
    const std::string where = index_path + ": layer " + std::to_string(i);
    if (!entry.is_object() || !entry.contains("name") || !entry.at("name").is_string())
      throw std::invalid_argument(where + ": an object with a 'name' string expected");
    const std::string name = entry.at("name").get<std::string>();
    if (name != l.name)
      throw std::invalid_argument(where + " is '" + name + "', the network has '" +
                                  l.name + "'");
    // Per-tensor quantisation: zero points, clamp bounds, per-tensor rescales, each
    // range-checked for its descriptor field before it is narrowed.
    const std::string layer_where = index_path + ": layer " + l.name;
    auto number = [&](const char* key, auto& field) {
      field = index_number<std::decay_t<decltype(field)>>(entry, key, layer_where);
    };
    dwvp_desc& d = l.desc;
    number("input_zp", d.input_zp);
    number("output_zp", d.output_zp);
    number("aux_zp", d.aux_zp);
    number("act_min", d.act_min);
    number("act_max", d.act_max);
    number("input_multiplier", d.input_mult);
    number("input_shift", d.input_shift);
    number("aux_multiplier", d.aux_mult);
    number("aux_shift", d.aux_shift);
    number("add_left_shift", d.add_left_shift);
    number("output_multiplier", d.output_mult);
    number("output_shift", d.output_shift);
    const nlohmann::json no_files = nlohmann::json::object();
    const nlohmann::json& files = entry.contains("files") && entry.at("files").is_object()
                                      ? entry.at("files")
                                      : no_files;
    // A file of DIR, named as --dump-tensors names them: no folders, nothing outside.
    auto file = [&](const char* what) {
      if (!files.contains(what) || !files.at(what).is_string())
        throw std::invalid_argument(layer_where + " has no '" + what + "' file");
      const std::string name = files.at(what).get<std::string>();
      if (name.empty() || name == "." || name == ".." ||
          name.find_first_of("/\\") != std::string::npos)
        throw std::invalid_argument(layer_where + ": '" + what + "' file '" + name +
                                    "' must be a file name inside " + dir);
      return dir + "/" + name;
    };
    if (!l.weights.empty()) {
      l.weights = read_npy<int8_t>(file("weights"), "|i1", l.weights.size());
      l.bias = read_npy<int32_t>(file("bias"), "<i4", l.bias.size());
      l.multiplier = read_npy<int32_t>(file("multiplier"), "<i4", l.multiplier.size());
      l.shift = read_npy<int32_t>(file("shift"), "<i4", l.shift.size());
    }
    if (!l.lut.empty())
      l.lut = read_npy<int8_t>(file("lut"), "|i1", l.lut.size());
  }
}

} // namespace dwvp::scenarios
