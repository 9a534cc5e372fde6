#include "topology_csv.h"

#include "calibrate.h"
#include "input_file.h"
#include "network_builder.h"
#include "topology_csv_format.h"
#include "topology_scalesim.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace dwvp::networks {
namespace {

using scenarios::layer_spec;
using scenarios::network_builder;

using namespace topology_format;

class reader {
public:
  // scale_to > 0 builds the rows scaled to an input of at most scale_to pixels a side
  // (for calibration): shapes follow from the producers instead of the IFMAP cells.
  reader(const std::string& source, policy p, uint32_t seed, int dataflow, bool with_data,
         int scale_to = 0)
      : m_source(source), m_policy(p), m_seed(seed), m_dataflow(dataflow),
        m_with_data(with_data), m_scale_to(scale_to) {}

  runtime::network parse(std::string text) {
    strip_utf8_bom(text); // spreadsheets start CSV files with one
    std::istringstream in(text);
    std::string line;
    bool have_header = false;
    std::vector<std::pair<int, std::vector<std::string>>> rows;
    while (std::getline(in, line)) {
      ++m_line;
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#')
        continue;
      if (!have_header) {
        header(split(t));
        have_header = true;
        continue;
      }
      rows.push_back({m_line, split(t)});
    }
    if (!have_header)
      throw std::invalid_argument(m_source + ": no header row (expected " +
                                  required_headers() + ")");
    if (m_plain)
      plain_inputs(rows);
    for (auto& [line, cells] : rows) {
      m_line = line;
      row(std::move(cells));
    }
    if (!m_builder)
      throw std::invalid_argument(m_source + ": no layers after the header row");
    return m_builder->network();
  }

private:
  static std::string required_headers() {
    std::string s;
    for (const auto& c : k_columns)
      if (c.required)
        s += (s.empty() ? "" : ", ") + std::string(c.header);
    return s;
  }

  [[noreturn]] void fail_line(const std::string& what) const {
    throw std::invalid_argument(m_source + ":" + std::to_string(m_line) + ": " + what);
  }
  [[noreturn]] void fail(col c, const std::string& what) const {
    fail_line("column " + std::to_string(m_index[c] + 1) + " (" + k_columns[c].header +
              "): " + what);
  }

  // A builder error: at the column its descriptor field comes from, if one does.
  [[noreturn]] void fail_field(const scenarios::layer_error& e) const {
    static const std::pair<const char*, col> columns[] = {
        {"in_h", c_ifmap_h},  {"in_w", c_ifmap_w},      {"in_c", c_channels},
        {"out_c", c_filters}, {"kernel_h", c_filter_h}, {"kernel_w", c_filter_w},
        {"stride", c_stride}};
    for (const auto& [field, c] : columns)
      if (e.field() == field && m_index[c] >= 0)
        fail(c, e.what());
    fail_line(e.what());
  }

  void header(const std::vector<std::string>& cells) {
    m_index.fill(-1);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty())
        continue; // SCALE-Sim rows end with a comma
      bool known = false;
      for (int c = 0; c < c_count; ++c) {
        if (lower(cells[i]) == lower(k_columns[c].header)) {
          if (m_index[c] >= 0)
            fail_line("column " + std::to_string(i + 1) + " (" + cells[i] +
                      "): duplicate column");
          m_index[c] = static_cast<int>(i);
          known = true;
        }
      }
      if (!known) {
        std::string all;
        for (const auto& c : k_columns)
          all += (all.empty() ? "" : ", ") + std::string(c.header);
        fail_line("column " + std::to_string(i + 1) + " (" + cells[i] +
                  "): unknown column; known: " + all);
      }
    }
    // No Type column: a plain SCALE-Sim file, its eight columns only.
    m_plain = m_index[c_type] < 0;
    for (int c = 0; c < c_count; ++c) {
      if (m_plain && c > c_type && m_index[c] >= 0)
        fail_line("column " + std::to_string(m_index[c] + 1) + " (" +
                  k_columns[c].header +
                  "): needs a Type column (without one the file is plain SCALE-Sim: " +
                  required_headers() + ")");
      if (k_columns[c].required && c != c_type && m_index[c] < 0)
        fail_line(std::string("header row has no '") + k_columns[c].header +
                  "' column (a header row with " + required_headers() + " is required)");
    }
  }

  // Plain SCALE-Sim rows (no Type column) are independent layers, as SCALE-Sim runs
  // them: each reads its own IFMAP (the first bytes of the network input, which is as
  // large as the largest) with VALID windows; their types are inferred
  // (topology_scalesim.h).
  void plain_inputs(std::vector<std::pair<int, std::vector<std::string>>>& rows) {
    if (m_scale_to)
      throw std::invalid_argument(m_source + ": plain SCALE-Sim rows are not scaled");
    std::vector<scalesim_row> cells;
    for (auto& [line, row_cells] : rows) {
      m_line = line;
      m_cells = row_cells;
      cells.push_back({cell(c_name), number(c_ifmap_h), number(c_ifmap_w),
                       number(c_filter_h), number(c_filter_w), number(c_channels),
                       number(c_filters), number(c_stride)});
    }
    m_plain_rows = infer_scalesim_layers(cells);
    if (rows.empty())
      return;
    const auto largest = std::max_element(
        m_plain_rows.begin(), m_plain_rows.end(), [](const auto& a, const auto& b) {
          return uint64_t(a.h) * a.w * a.c < uint64_t(b.h) * b.w * b.c;
        });
    try {
      m_builder = std::make_unique<network_builder>(
          network_name(), largest->h, largest->w, largest->c, m_seed, m_with_data);
    } catch (const scenarios::layer_error& e) {
      fail_line(e.what());
    }
  }

  const std::string& cell(col c) const {
    static const std::string empty;
    if (m_index[c] < 0 || m_index[c] >= static_cast<int>(m_cells.size()))
      return empty;
    return m_cells[m_index[c]];
  }

  // A decimal number 1..65535, all of the cell.
  int number(col c) const {
    const std::string& s = cell(c);
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ptr != s.data() + s.size() ||
        (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
      fail(c, "'" + s + "' is not a number");
    if (r.ec == std::errc::result_out_of_range || v > k_max_size)
      fail(c, "must be at most " + std::to_string(k_max_size) +
                  " (a 16-bit descriptor field), got " + s);
    if (v < 1)
      fail(c, "must be at least 1, got " + s);
    return v;
  }

  void at_most(col c, int v, int limit) const {
    if (v > limit)
      fail(c, "must be at most " + std::to_string(limit) +
                  " (the accelerator's limit), got " + std::to_string(v));
  }

  // A producer named in column c: "input" is the network input, else an earlier row.
  int producer(col c) const {
    const std::string& s = cell(c);
    if (lower(s) == "input")
      return -1;
    auto it = m_layers.find(s);
    if (it == m_layers.end())
      fail(c, "unknown producer layer '" + s + "' (names an earlier row, or 'input')");
    return it->second;
  }

  // "<got> does not match <what> (<want>)"
  void expect(col c, int got, int want, const std::string& what) const {
    if (got != want)
      fail(c, std::to_string(got) + " does not match " + what + " (" +
                  std::to_string(want) + ")");
  }

  void row(std::vector<std::string> cells) {
    m_cells = std::move(cells);
    int needed = 0;
    for (int c = 0; c < c_count; ++c)
      if (k_columns[c].required)
        needed = std::max(needed, m_index[c] + 1);
    if (static_cast<int>(m_cells.size()) < needed)
      fail_line("expected at least " + std::to_string(needed) + " fields, got " +
                std::to_string(m_cells.size()));

    const std::string name = cell(c_name);
    if (name.empty())
      fail(c_name, "empty layer name");
    if (lower(name) == "input")
      fail(c_name, "'input' is reserved for the network input");
    if (m_layers.count(name))
      fail(c_name, "duplicate layer name '" + name + "'");

    const scalesim_layer* plain = m_plain ? &m_plain_rows[m_layers.size()] : nullptr;
    const std::string type = plain ? plain->type : lower(cell(c_type));
    const type_def* t = nullptr;
    for (const auto& d : k_types)
      if (type == d.name)
        t = &d;
    if (!t)
      fail(c_type, "unknown type '" + cell(c_type) + "'; known: " + join_names(k_types));

    const int ifmap_h = number(c_ifmap_h), ifmap_w = number(c_ifmap_w);
    const int filter_h = number(c_filter_h), filter_w = number(c_filter_w);
    const int channels = plain ? plain->c : number(c_channels);
    const int filters =
        plain && plain->c != number(c_channels) ? plain->c : number(c_filters);
    const int stride = number(c_stride);
    const int max_window = t->op == DWVP_OP_AVG_POOL ? k_max_pool : k_max_kernel;
    at_most(c_filter_h, filter_h, max_window);
    at_most(c_filter_w, filter_w, max_window);
    at_most(c_stride, stride, k_max_stride);

    // Producer: the Input column, else the previous row (the network input first).
    int input = m_last;
    if (!cell(c_input).empty())
      input = producer(c_input);
    if (!m_builder) {
      if (input != -1)
        fail(c_input, "unknown producer layer '" + cell(c_input) +
                          "' (the first row reads the network input)");
      int h = ifmap_h, w = ifmap_w;
      if (m_scale_to && std::max(h, w) > m_scale_to) {
        const double f = double(m_scale_to) / std::max(h, w);
        h = std::max(1, int(std::lround(h * f)));
        w = std::max(1, int(std::lround(w * f)));
      }
      try {
        m_builder = std::make_unique<network_builder>(network_name(), h, w, channels,
                                                      m_seed, m_with_data);
      } catch (const scenarios::layer_error& e) {
        fail_field(e);
      }
    }
    layer_spec s;
    if (plain) { // its own IFMAP, read from the network input
      input = -1;
      s.input_h = ifmap_h;
      s.input_w = ifmap_w;
      s.input_c = channels;
    }
    network_builder::tensor in = m_builder->output(input);
    if (plain) {
      in.h = ifmap_h;
      in.w = ifmap_w;
      in.c = channels;
    }
    const std::string from =
        input < 0
            ? std::string("the network input")
            : "the output of producer '" + m_builder->network().layers[input].name + "'";
    if (!m_scale_to) {
      expect(c_ifmap_h, ifmap_h, in.h, "the height of " + from);
      expect(c_ifmap_w, ifmap_w, in.w, "the width of " + from);
    }
    expect(c_channels, channels, in.c, "the channels of " + from);

    s.op = t->op;
    s.input = input;
    s.kernel_h = filter_h;
    s.kernel_w = filter_w;
    s.stride = stride;
    s.out_c = filters;
    const bool windowed = t->op == DWVP_OP_CONV2D || t->op == DWVP_OP_DEPTHWISE ||
                          t->op == DWVP_OP_DW_1XK || t->op == DWVP_OP_DW_KX1 ||
                          t->op == DWVP_OP_AVG_POOL;
    const bool same_channels =
        t->op != DWVP_OP_CONV2D && t->op != DWVP_OP_POINTWISE && t->op != DWVP_OP_FC;
    if (same_channels)
      expect(c_filters, filters, channels, "Channels (a " + type + " layer keeps them)");
    if (!windowed) {
      expect(c_filter_h, filter_h, 1, "the filter height of a " + type + " layer");
      expect(c_filter_w, filter_w, 1, "the filter width of a " + type + " layer");
      expect(c_stride, stride, 1, "the stride of a " + type + " layer");
    }
    if (t->op == DWVP_OP_DW_1XK)
      expect(c_filter_h, filter_h, 1, "the filter height of a dw1xk layer");
    if (t->op == DWVP_OP_DW_KX1)
      expect(c_filter_w, filter_w, 1, "the filter width of a dwkx1 layer");
    if (t->op == DWVP_OP_FC) {
      expect(c_ifmap_h, ifmap_h, 1, "the input height of a fc layer");
      expect(c_ifmap_w, ifmap_w, 1, "the input width of a fc layer");
    }

    // Mapping by the policy; dataflow: ST-OS for 1xK / Kx1, else the row's Dataflow
    // cell, else the run's.
    s.dataflow = DWVP_DF_OS;
    s.mapping = DWVP_MAP_DEFAULT;
    if (t->op == DWVP_OP_DEPTHWISE)
      s.mapping = depthwise_mapping(m_policy);
    if (t->op == DWVP_OP_DW_1XK || t->op == DWVP_OP_DW_KX1)
      s.dataflow = DWVP_DF_ST_OS;
    if (takes_gemm_dataflow(s.op, s.mapping, s.dataflow))
      s.dataflow = m_dataflow;
    if (!cell(c_dataflow).empty()) {
      int df = DWVP_DF_OS;
      if (!parse_gemm_dataflow(lower(cell(c_dataflow)), df))
        fail(c_dataflow, "unknown dataflow '" + cell(c_dataflow) + "'; known: os, ws");
      if (t->op == DWVP_OP_DW_1XK || t->op == DWVP_OP_DW_KX1)
        fail(c_dataflow, "a " + type + " layer runs on ST-OS; leave Dataflow empty");
      if (t->op != DWVP_OP_CONV2D && t->op != DWVP_OP_DEPTHWISE &&
          t->op != DWVP_OP_POINTWISE && t->op != DWVP_OP_FC)
        fail(c_dataflow, "a " + type +
                             " layer has no os | ws dataflow (conv, dw, pw and fc have); "
                             "leave Dataflow empty");
      s.dataflow = df; // a vector or channel_mvm dw layer carries it, unused
    }

    // Activation: relu6 for layers with weights except fc, none for the rest.
    const bool conv_like = windowed && t->op != DWVP_OP_AVG_POOL;
    const bool weights = conv_like || t->op == DWVP_OP_POINTWISE;
    s.activation = weights && !plain ? DWVP_ACT_RELU6 : DWVP_ACT_NONE;
    if (!cell(c_activation).empty()) {
      const activation_def* a = nullptr;
      for (const auto& d : k_activations)
        if (lower(cell(c_activation)) == d.name)
          a = &d;
      if (!a)
        fail(c_activation, "unknown activation '" + cell(c_activation) +
                               "'; known: " + join_names(k_activations));
      s.activation = a->fn;
      s.lut = a->lut;
    }

    // Padding: TF SAME for convolutions, VALID for pooling, unless given.
    s.same_padding = t->op != DWVP_OP_AVG_POOL && !plain; // SCALE-Sim does not pad
    if (!cell(c_padding).empty()) {
      const std::string pad = lower(cell(c_padding));
      if (pad != "same" && pad != "valid")
        fail(c_padding, "unknown padding '" + cell(c_padding) + "'; known: same, valid");
      s.same_padding = pad == "same";
    }
    if (t->op == DWVP_OP_AVG_POOL && filter_h == ifmap_h && filter_w == ifmap_w) {
      s.global_pool = true;
      s.kernel_h = in.h; // the same as the cells, or the scaled input's size
      s.kernel_w = in.w;
    }

    // Second operand.
    const bool needs_aux = t->op == DWVP_OP_ADD || t->op == DWVP_OP_CHANNEL_MUL;
    if (needs_aux) {
      if (cell(c_aux).empty())
        fail(c_aux, "a " + type + " layer needs an Aux operand");
      s.aux_input = producer(c_aux);
      const auto& aux = m_builder->output(s.aux_input);
      const std::string what = "the " + type + " operand '" + cell(c_aux) + "':";
      if (t->op == DWVP_OP_ADD && (aux.h != in.h || aux.w != in.w || aux.c != in.c))
        fail(c_aux,
             what + " shape " + shape(aux) + " differs from the input's " + shape(in));
      if (t->op == DWVP_OP_CHANNEL_MUL && (aux.h != 1 || aux.w != 1 || aux.c != in.c))
        fail(c_aux,
             what + " shape " + shape(aux) + " is not 1x1x" + std::to_string(in.c));
    } else if (!cell(c_aux).empty()) {
      fail(c_aux, "a " + type + " layer takes no Aux operand");
    }

    int index = 0;
    try {
      index = m_builder->add(name, s);
    } catch (const scenarios::layer_error& e) {
      fail_field(e);
    } catch (const std::invalid_argument& e) {
      fail_line(e.what());
    }
    m_layers[name] = index;
    m_last = index;
  }

  static std::string shape(const network_builder::tensor& t) {
    return std::to_string(t.h) + "x" + std::to_string(t.w) + "x" + std::to_string(t.c);
  }

  std::string network_name() const {
    std::string n = m_source;
    const auto slash = n.find_last_of("/\\");
    if (slash != std::string::npos)
      n = n.substr(slash + 1);
    const auto dot = n.find_last_of('.');
    if (dot != std::string::npos && dot > 0)
      n = n.substr(0, dot);
    return n;
  }

  std::string m_source;
  policy m_policy;
  uint32_t m_seed;
  int m_dataflow; // the run's, for rows without a Dataflow cell
  bool m_with_data;
  int m_scale_to;
  int m_line = 0;
  std::array<int, c_count> m_index{};
  std::vector<std::string> m_cells;
  std::map<std::string, int> m_layers;
  int m_last = -1;
  std::unique_ptr<network_builder> m_builder;
  bool m_plain = false; // no Type column: plain SCALE-Sim
  std::vector<scalesim_layer> m_plain_rows;
};

} // namespace

// Calibration builds of topology CSVs: inputs at most this many pixels a side (the
// zoo's k_calibration_resolution).
constexpr int k_calibration_side = 96;

runtime::network parse_topology_csv(const std::string& text, const std::string& source,
                                    policy p, uint32_t seed, int dataflow, constants c,
                                    calibration_record* record) {
  if (dataflow != DWVP_DF_OS && dataflow != DWVP_DF_WS)
    throw std::invalid_argument(source + ": the run's dataflow must be os or ws");
  runtime::network net =
      reader(source, p, seed, dataflow, c != constants::none).parse(text);
  if (c != constants::calibrated)
    return net;
  const auto start = std::chrono::steady_clock::now();
  runtime::network small;
  bool scaled = false;
  try {
    small = reader(source, p, seed, dataflow, true, k_calibration_side).parse(text);
    scaled = true;
  } catch (const std::invalid_argument&) {
    // Some row does not fit the scaled input: calibrate the full build instead.
  }
  try {
    if (scaled && small.layers.front().desc.in_h < net.layers.front().desc.in_h)
      apply_calibration(net, calibrate(small, record));
    else
      calibrate(net, record);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(source + ": calibration: " + e.what());
  }
  if (record)
    record->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return net;
}

runtime::network read_topology_csv(const std::string& path, policy p, uint32_t seed,
                                   int dataflow, constants c,
                                   calibration_record* record) {
  const std::string text = read_input_file(path, k_max_topology_bytes, "topology file");
  return parse_topology_csv(text, path, p, seed, dataflow, c, record);
}

} // namespace dwvp::networks
