// The topology CSV format's vocabulary (docs/networks.md): its columns, layer types,
// activations and field limits, and how a line splits into cells. Internal to
// topology_csv.cpp, apart so that the reader holds only the reading.
#pragma once

#include "dwvp/descriptor.h"

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace dwvp::networks::topology_format {

enum col {
  c_name,
  c_ifmap_h,
  c_ifmap_w,
  c_filter_h,
  c_filter_w,
  c_channels,
  c_filters,
  c_stride,
  c_type,
  c_input,
  c_aux,
  c_activation,
  c_padding,
  c_dataflow,
  c_count
};

// Window limits the accelerator validates (docs/descriptor.md): pools may be global.
constexpr int k_max_kernel = 15;
constexpr int k_max_pool = 255;
constexpr int k_max_stride = 8;
// Every size is a 16-bit descriptor field.
constexpr int k_max_size = 65535;

struct column_def {
  const char* header;
  bool required;
};
inline const column_def k_columns[c_count] = {
    {"Layer name", true},    {"IFMAP Height", true}, {"IFMAP Width", true},
    {"Filter Height", true}, {"Filter Width", true}, {"Channels", true},
    {"Num Filter", true},    {"Strides", true},      {"Type", true},
    {"Input", false},        {"Aux", false},         {"Activation", false},
    {"Padding", false},      {"Dataflow", false}};

struct type_def {
  const char* name;
  int op;
};
inline const type_def k_types[] = {
    {"conv", DWVP_OP_CONV2D},    {"dw", DWVP_OP_DEPTHWISE},
    {"dw1xk", DWVP_OP_DW_1XK},   {"dwkx1", DWVP_OP_DW_KX1},
    {"pw", DWVP_OP_POINTWISE},   {"fc", DWVP_OP_FC},
    {"add", DWVP_OP_ADD},        {"avgpool", DWVP_OP_AVG_POOL},
    {"mul", DWVP_OP_CHANNEL_MUL}};

struct activation_def {
  const char* name;
  int fn, lut;
};
inline const activation_def k_activations[] = {{"none", DWVP_ACT_NONE, 0},
                                               {"relu", DWVP_ACT_RELU, 0},
                                               {"relu6", DWVP_ACT_RELU6, 0},
                                               {"hswish", DWVP_ACT_LUT, 0},
                                               {"hsigmoid", DWVP_ACT_LUT, 1}};

inline std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a])))
    ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1])))
    --b;
  return s.substr(a, b - a);
}

inline std::string lower(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ','))
    cells.push_back(trim(cell));
  if (!line.empty() && line.back() == ',')
    cells.push_back(""); // getline drops a trailing empty field
  return cells;
}

template <class T> std::string join_names(const T& defs) {
  std::string s;
  for (const auto& d : defs)
    s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

} // namespace dwvp::networks::topology_format
