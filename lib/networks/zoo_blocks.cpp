#include "zoo_blocks.h"

#include <algorithm>
#include <stdexcept>

namespace dwvp::networks::zoo {
namespace {

// TF's make_divisible (MobileNet-v2/v3 reference implementations).
int make_divisible(double v, int divisor = 8) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v)
    n += divisor;
  return n;
}

} // namespace

int maker::depthwise(const std::string& name, int in, int k, int stride, act a) {
  const int block = m_dw_blocks++;
  layer_spec s;
  s.input = in;
  s.stride = stride;
  s.activation = a.fn;
  s.lut = a.lut;
  if (m_fuse == fuse::none || block >= m_fuse_blocks) {
    s.op = DWVP_OP_DEPTHWISE;
    s.kernel_h = s.kernel_w = k;
    s.mapping = depthwise_mapping(m_policy);
    s.dataflow = DWVP_DF_OS;
    return m_b.add(name, s);
  }
  const int c = channels(in);
  const std::string ks = std::to_string(k);
  s.dataflow = DWVP_DF_ST_OS;
  s.mapping = DWVP_MAP_DEFAULT;
  layer_spec row = s, col = s;
  row.op = DWVP_OP_DW_1XK;
  row.kernel_h = 1;
  row.kernel_w = k;
  col.op = DWVP_OP_DW_KX1;
  col.kernel_h = k;
  col.kernel_w = 1;
  if (m_fuse == fuse::half) {
    // Channels [0, C/2) get the row filter, [C/2, C) the column filter.
    const int first = c / 2;
    row.channels = first;
    row.out_channels_total = c;
    col.channel_offset = first;
    col.channels = c - first;
    col.output_channel_offset = first;
  } else {
    // Every channel gets both: rows into [0, C), columns into [C, 2C).
    row.out_channels_total = 2 * c;
    col.output_channel_offset = c;
  }
  const int owner = m_b.add(name + "_1x" + ks, row);
  col.output_into = owner;
  m_b.add(name + "_" + ks + "x1", col);
  return owner;
}

int maker::global_pool(const std::string& name, int in) {
  int h = out(in).h;
  int stage = 0;
  while (h > k_max_window || out(in).w > k_max_window) {
    if (out(in).w != h)
      throw std::invalid_argument(name + ": cannot split a " + std::to_string(h) + "x" +
                                  std::to_string(out(in).w) +
                                  " global pool (not square)");
    int d = 0;
    for (int f = k_max_stride; f >= 2 && !d; --f)
      if (h % f == 0)
        d = f;
    if (!d)
      throw std::invalid_argument(
          name + ": cannot split a " + std::to_string(h) + "x" + std::to_string(h) +
          " global pool into exact windows of at most " + std::to_string(k_max_stride) +
          " (choose another resolution)");
    layer_spec s;
    s.op = DWVP_OP_AVG_POOL;
    s.input = in;
    s.kernel_h = s.kernel_w = d;
    s.stride = d;
    s.same_padding = false;
    s.activation = DWVP_ACT_NONE;
    in = m_b.add(name + "_part" + std::to_string(stage++), s);
    h = out(in).h;
  }
  layer_spec s;
  s.op = DWVP_OP_AVG_POOL;
  s.input = in;
  s.global_pool = true;
  s.activation = DWVP_ACT_NONE;
  return m_b.add(name, s);
}

int maker::squeeze_excite(const std::string& name, int in, squeeze sq, act gate_out) {
  const int c = channels(in);
  const int width = sq == squeeze::quarter ? c / 4 : make_divisible(c / 4.0);
  const int pooled = global_pool(name + "_pool", in);
  const int reduced = fc(name + "_fc1", pooled, width, k_relu);
  const int scale = fc(name + "_fc2", reduced, c, k_hsigmoid);
  layer_spec s;
  s.op = DWVP_OP_CHANNEL_MUL;
  s.input = in;
  s.aux_input = scale;
  s.activation = gate_out.fn;
  s.lut = gate_out.lut;
  return m_b.add(name + "_scale", s);
}

} // namespace dwvp::networks::zoo
