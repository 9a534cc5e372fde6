#include "tensor_load.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <type_traits>

namespace dwvp::scenarios {
namespace {

// Reads a version 1.0/2.0 .npy file of little-endian int8 ('|i1') or int32 ('<i4'),
// C order. Returns the flat data; the element count must match `expected`.
template <typename T>
std::vector<T> read_npy(const std::string& path, const char* dtype, size_t expected) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::invalid_argument(path + ": cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw std::invalid_argument(path + ": not a .npy file");
  uint32_t header_len = 0;
  unsigned char len[4] = {0, 0, 0, 0};
  const int width = magic[6] == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(len), width))
    throw std::invalid_argument(path + ": truncated header");
  for (int i = width - 1; i >= 0; --i)
    header_len = header_len * 256 + len[i];
  std::string header(header_len, ' ');
  if (!in.read(header.data(), header_len))
    throw std::invalid_argument(path + ": truncated header");
  if (header.find("'descr': '" + std::string(dtype) + "'") == std::string::npos)
    throw std::invalid_argument(path + ": dtype must be " + dtype);
  if (header.find("'fortran_order': True") != std::string::npos)
    throw std::invalid_argument(path + ": Fortran order is not supported");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'shape': \\(([0-9, ]*)\\)")))
    throw std::invalid_argument(path + ": no shape in header");
  size_t count = 1;
  const std::string dims = m[1];
  std::regex number("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number);
       it != std::sregex_iterator(); ++it)
    count *= std::stoull(it->str());
  if (count != expected)
    throw std::invalid_argument(path + ": " + std::to_string(count) +
                                " elements, expected " + std::to_string(expected));
  std::vector<T> data(count);
  if (!in.read(reinterpret_cast<char*>(data.data()), std::streamsize(count * sizeof(T))))
    throw std::invalid_argument(path + ": truncated data");
  return data;
}

} // namespace

void load_tensors(const std::string& dir, runtime::network& net) {
  const std::string index_path = dir + "/index.json";
  std::ifstream in(index_path);
  if (!in)
    throw std::invalid_argument(index_path + ": cannot open");
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(index_path + ": " + e.what());
  }
  const auto& layers = index.at("layers");
  if (layers.size() != net.layers.size())
    throw std::invalid_argument(index_path + ": " + std::to_string(layers.size()) +
                                " layers, the network has " +
                                std::to_string(net.layers.size()));
  if (std::ifstream(dir + "/network_input.npy"))
    net.input = read_npy<int8_t>(dir + "/network_input.npy", "|i1", net.input.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    runtime::layer& l = net.layers[i];
    const auto& entry = layers[i];
    if (entry.value("name", "") != l.name)
      throw std::invalid_argument(index_path + ": layer " + std::to_string(i) + " is '" +
                                  entry.value("name", "") + "', the network has '" +
                                  l.name + "'");
    // Per-tensor quantisation: zero points, clamp bounds, per-tensor rescales.
    auto number = [&](const char* key, auto& field) {
      if (!entry.contains(key))
        throw std::invalid_argument(index_path + ": layer " + l.name + " lacks '" + key +
                                    "'");
      field = entry.at(key).get<std::decay_t<decltype(field)>>();
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
    const auto& files = entry.value("files", nlohmann::json::object());
    auto file = [&](const char* what) {
      if (!files.contains(what))
        throw std::invalid_argument(index_path + ": layer " + l.name + " has no '" +
                                    what + "' file");
      return dir + "/" + files.at(what).get<std::string>();
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
