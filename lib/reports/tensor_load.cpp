#include "tensor_load.h"

#include "input_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>
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

// The dtype a .npy of T declares.
template <typename T> const char* npy_dtype() {
  static_assert(std::is_same_v<T, int8_t> || std::is_same_v<T, int32_t>);
  return std::is_same_v<T, int8_t> ? "|i1" : "<i4";
}

// Reads a .npy file for parse_npy. A valid file is its preamble, header and data, so
// no more than that is read: no file costs more memory than the tensor it must hold.
template <typename T> std::vector<T> read_npy(const std::string& path, size_t expected) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::invalid_argument(path + ": cannot open (not a regular file)");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (!in || ec)
    throw std::invalid_argument(path + ": cannot open");
  const uint64_t most =
      12 + uint64_t{k_max_npy_header_bytes} + uint64_t{expected} * sizeof(T);
  std::string bytes(static_cast<size_t>(std::min(file_size, most)), '\0');
  in.read(bytes.data(), std::streamsize(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount())); // a file that shrank reads short
  return parse_npy<T>(bytes, file_size, path, expected);
}

// index.json nested deeper than this is no index (it has three levels).
constexpr int k_max_index_depth = 16;

nlohmann::json parse_index(const std::string& text, const std::string& path) {
  if (text.size() > k_max_index_bytes)
    throw std::invalid_argument(path + ": the tensor index is larger than " +
                                format_bytes(k_max_index_bytes) + " (the limit)");
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

template <typename T>
std::vector<T> parse_npy(std::string_view bytes, uint64_t file_size,
                         const std::string& path, size_t expected) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    throw std::invalid_argument(path + ": not a .npy file");
  const unsigned version = static_cast<unsigned char>(bytes[6]);
  if (version < 1 || version > 3)
    throw std::invalid_argument(path + ": .npy version " + std::to_string(version) +
                                " is not 1, 2 or 3");
  const size_t width = version == 1 ? 2 : 4;
  if (bytes.size() < 8 + width)
    throw std::invalid_argument(path + ": truncated header");
  uint32_t header_len = 0;
  for (size_t i = width; i-- > 0;)
    header_len = header_len * 256 + static_cast<unsigned char>(bytes[8 + i]);
  const uint64_t data_offset = 8 + width + uint64_t{header_len};
  if (header_len > k_max_npy_header_bytes)
    throw std::invalid_argument(path + ": header of " + std::to_string(header_len) +
                                " bytes, more than the " +
                                std::to_string(k_max_npy_header_bytes) + " allowed");
  if (data_offset > file_size || data_offset > bytes.size())
    throw std::invalid_argument(
        path + ": truncated header (" + std::to_string(header_len) +
        " bytes declared, the file has " + std::to_string(file_size) + ")");
  const std::string header(bytes.substr(8 + width, header_len));
  const char* dtype = npy_dtype<T>();
  if (header_value(header, "descr") != "'" + std::string(dtype) + "'")
    throw std::invalid_argument(path + ": dtype must be " + dtype);
  if (header_value(header, "fortran_order") != "False")
    throw std::invalid_argument(path + ": Fortran order is not supported");
  const size_t count = shape_count(path, header_value(header, "shape"), expected);
  if (count != expected)
    throw std::invalid_argument(path + ": " + std::to_string(count) +
                                " elements, expected " + std::to_string(expected));
  const uint64_t data_bytes = uint64_t{count} * sizeof(T);
  if (file_size - data_offset != data_bytes)
    throw std::invalid_argument(path + ": " + std::to_string(file_size - data_offset) +
                                " bytes of data, the shape needs " +
                                std::to_string(data_bytes));
  if (bytes.size() - data_offset < data_bytes)
    throw std::invalid_argument(path + ": truncated data");
  std::vector<T> data(count);
  if (data_bytes)
    std::memcpy(data.data(), bytes.data() + data_offset, data_bytes);
  return data;
}

template std::vector<int8_t> parse_npy<int8_t>(std::string_view, uint64_t,
                                               const std::string&, size_t);
template std::vector<int32_t> parse_npy<int32_t>(std::string_view, uint64_t,
                                                 const std::string&, size_t);

std::vector<tensor_file> apply_tensor_index(const std::string& text,
                                            const std::string& index_path,
                                            const std::string& dir,
                                            runtime::network& net) {
  const nlohmann::json index = parse_index(text, index_path);
  if (!index.is_object() || !index.contains("layers") || !index.at("layers").is_array())
    throw std::invalid_argument(index_path + ": no 'layers' array");
  const auto& layers = index.at("layers");
  if (layers.size() != net.layers.size())
    throw std::invalid_argument(index_path + ": " + std::to_string(layers.size()) +
                                " layers, the network has " +
                                std::to_string(net.layers.size()));
  std::vector<tensor_file> files_to_read;
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
      const std::string file_name = files.at(what).get<std::string>();
      if (file_name.empty() || file_name == "." || file_name == ".." ||
          file_name.find_first_of("/\\") != std::string::npos)
        throw std::invalid_argument(layer_where + ": '" + what + "' file '" + file_name +
                                    "' must be a file name inside " + dir);
      files_to_read.push_back({i, what, dir + "/" + file_name});
    };
    if (!l.weights.empty())
      for (const char* what : {"weights", "bias", "multiplier", "shift"})
        file(what);
    if (!l.lut.empty())
      file("lut");
  }
  return files_to_read;
}

void load_tensors(const std::string& dir, runtime::network& net) {
  const std::string index_path = dir + "/index.json";
  const std::vector<tensor_file> files =
      apply_tensor_index(read_input_file(index_path, k_max_index_bytes, "tensor index"),
                         index_path, dir, net);
  if (std::filesystem::exists(dir + "/network_input.npy"))
    net.input = read_npy<int8_t>(dir + "/network_input.npy", net.input.size());
  for (const tensor_file& f : files) {
    runtime::layer& l = net.layers[f.layer];
    if (f.what == "weights")
      l.weights = read_npy<int8_t>(f.path, l.weights.size());
    else if (f.what == "bias")
      l.bias = read_npy<int32_t>(f.path, l.bias.size());
    else if (f.what == "multiplier")
      l.multiplier = read_npy<int32_t>(f.path, l.multiplier.size());
    else if (f.what == "shift")
      l.shift = read_npy<int32_t>(f.path, l.shift.size());
    else
      l.lut = read_npy<int8_t>(f.path, l.lut.size());
  }
}

} // namespace dwvp::scenarios
