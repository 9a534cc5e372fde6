// Tensors of an ONNX file (TensorProto through libonnx-dev's protobuf classes), the
// host's QuantizeLinear / DequantizeLinear and the conversions at the network's
// boundary.
#include "onnx_internal.h"

#include "golden.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dwvp::onnx_import {

const char* elem_type_name(int type) {
  switch (type) {
  case k_float:
    return "float";
  case k_uint8:
    return "uint8";
  case k_int8:
    return "int8";
  case k_int32:
    return "int32";
  case k_int64:
    return "int64";
  default:
    return "an unsupported element type";
  }
}

namespace detail {

uint64_t element_count(const std::vector<int64_t>& dims, const std::string& what) {
  uint64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > k_max_dim)
      throw std::invalid_argument(what + ": dimension " + std::to_string(d) +
                                  " outside 0.." + std::to_string(k_max_dim));
    n *= static_cast<uint64_t>(d);
    if (n > k_max_elements)
      throw std::invalid_argument(what + ": more than " + std::to_string(k_max_elements) +
                                  " elements");
  }
  return n;
}

tensor from_proto(const ::onnx::TensorProto& p, const std::string& what) {
  tensor t;
  t.name = p.name();
  t.type = p.data_type();
  t.dims.assign(p.dims().begin(), p.dims().end());
  if (p.data_location() == ::onnx::TensorProto::EXTERNAL)
    throw std::invalid_argument(what + ": external data is not supported");
  const uint64_t n = element_count(t.dims, what);
  size_t width = 0;
  switch (t.type) {
  case k_float:
  case k_int32:
    width = 4;
    break;
  case k_uint8:
  case k_int8:
    width = 1;
    break;
  case k_int64:
    width = 8;
    break;
  default:
    throw std::invalid_argument(what + ": element type " + std::to_string(t.type) +
                                " is not supported (float, uint8, int8, int32, int64)");
  }
  t.values.resize(n);
  auto count_error = [&](uint64_t got) {
    return std::invalid_argument(what + ": dims " + dims_text(t.dims) + " need " +
                                 std::to_string(n) + " values, the tensor holds " +
                                 std::to_string(got));
  };
  if (p.has_raw_data()) {
    const std::string& raw = p.raw_data();
    if (raw.size() != n * width)
      throw count_error(raw.size() / width);
    for (uint64_t i = 0; i < n; ++i) {
      const char* b = raw.data() + i * width;
      switch (t.type) {
      case k_float: {
        float f;
        std::memcpy(&f, b, 4);
        t.values[i] = f;
        break;
      }
      case k_int32: {
        int32_t v;
        std::memcpy(&v, b, 4);
        t.values[i] = v;
        break;
      }
      case k_int64: {
        int64_t v;
        std::memcpy(&v, b, 8);
        t.values[i] = static_cast<double>(v);
        break;
      }
      case k_uint8:
        t.values[i] = static_cast<uint8_t>(*b);
        break;
      default:
        t.values[i] = static_cast<int8_t>(*b);
        break;
      }
    }
    return t;
  }
  if (t.type == k_float) {
    if (static_cast<uint64_t>(p.float_data_size()) != n)
      throw count_error(p.float_data_size());
    for (uint64_t i = 0; i < n; ++i)
      t.values[i] = p.float_data(static_cast<int>(i));
  } else if (t.type == k_int64) {
    if (static_cast<uint64_t>(p.int64_data_size()) != n)
      throw count_error(p.int64_data_size());
    for (uint64_t i = 0; i < n; ++i)
      t.values[i] = static_cast<double>(p.int64_data(static_cast<int>(i)));
  } else {
    if (static_cast<uint64_t>(p.int32_data_size()) != n)
      throw count_error(p.int32_data_size());
    for (uint64_t i = 0; i < n; ++i) {
      const int32_t v = p.int32_data(static_cast<int>(i));
      const bool fits = t.type == k_int32 || (t.type == k_uint8 && v >= 0 && v <= 255) ||
                        (t.type == k_int8 && v >= -128 && v <= 127);
      if (!fits)
        throw std::invalid_argument(what + ": value " + std::to_string(v) +
                                    " outside the " + elem_type_name(t.type) + " range");
      t.values[i] = v;
    }
  }
  return t;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string read_limited(const std::string& path, uint64_t limit, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::invalid_argument(path + ": cannot open the " + std::string(what));
  std::string bytes;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<size_t>(in.gcount()));
    if (bytes.size() > limit)
      throw std::invalid_argument(path + ": larger than " + std::to_string(limit >> 20) +
                                  " MiB, refused unread");
  }
  return bytes;
}

} // namespace detail

using namespace detail;

tensor read_tensor_file(const std::string& path) {
  const std::string bytes = read_limited(path, k_max_model_bytes, "tensor file");
  ::onnx::TensorProto p;
  if (!p.ParseFromString(bytes))
    throw std::invalid_argument(path + ": not a serialised ONNX TensorProto");
  return from_proto(p, path);
}

namespace {

// Index along `axis` of flat element i, for per-axis parameters.
size_t axis_index(const tensor& x, size_t i, int axis) {
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.dims.size(); ++d)
    inner *= static_cast<size_t>(x.dims[d]);
  return (i / inner) % static_cast<size_t>(x.dims[static_cast<size_t>(axis)]);
}

// The parameter index for element i: 0 per tensor, else along the axis.
size_t param_index(const tensor& x, const tensor& scale, size_t i, int axis,
                   const char* fn) {
  if (scale.values.size() == 1 && scale.dims.size() <= 1)
    return 0;
  if (axis < 0)
    axis += static_cast<int>(x.dims.size());
  if (axis < 0 || axis >= static_cast<int>(x.dims.size()) ||
      scale.values.size() != static_cast<size_t>(x.dims[static_cast<size_t>(axis)]))
    throw std::invalid_argument(
        std::string(fn) + ": scale of " + std::to_string(scale.values.size()) +
        " values does not fit axis " + std::to_string(axis) + " of " + dims_text(x.dims));
  return axis_index(x, i, axis);
}

} // namespace

tensor quantize_linear(const tensor& x, const tensor& scale, const tensor* zero_point,
                       int axis) {
  tensor y;
  y.name = x.name;
  y.dims = x.dims;
  y.type = zero_point ? zero_point->type : k_uint8;
  if (y.type != k_uint8 && y.type != k_int8)
    throw std::invalid_argument("QuantizeLinear: zero point must be uint8 or int8");
  const double lo = y.type == k_uint8 ? 0 : -128, hi = y.type == k_uint8 ? 255 : 127;
  y.values.resize(x.values.size());
  for (size_t i = 0; i < x.values.size(); ++i) {
    const size_t k = param_index(x, scale, i, axis, "QuantizeLinear");
    const float q = static_cast<float>(x.values[i]) / static_cast<float>(scale.values[k]);
    const double zp = zero_point ? zero_point->values[k] : 0;
    y.values[i] =
        std::min(hi, std::max(lo, static_cast<double>(golden::onnx_round(q)) + zp));
  }
  return y;
}

tensor dequantize_linear(const tensor& x, const tensor& scale, const tensor* zero_point,
                         int axis) {
  tensor y;
  y.name = x.name;
  y.dims = x.dims;
  y.type = k_float;
  y.values.resize(x.values.size());
  for (size_t i = 0; i < x.values.size(); ++i) {
    const size_t k = param_index(x, scale, i, axis, "DequantizeLinear");
    const double zp = zero_point ? zero_point->values[k] : 0;
    // (x - zp) is exact in binary32 for 8-bit and small int32 values.
    y.values[i] =
        static_cast<float>(x.values[i] - zp) * static_cast<float>(scale.values[k]);
  }
  return y;
}

namespace {

// The flat ONNX index of device element (y, x, ch) for an io tensor.
size_t onnx_index(const io_tensor& t, int y, int x, int ch) {
  if (t.dims.size() == 4) // [1, C, H, W]
    return (static_cast<size_t>(ch) * t.h + y) * t.w + x;
  return static_cast<size_t>(y * t.w + x) * t.c + ch; // [N, K]: rows are pixels
}

} // namespace

std::vector<int8_t> device_input(const model& m, const tensor& value) {
  const io_tensor& t = m.input;
  if (value.dims != t.dims)
    throw std::invalid_argument("input '" + t.name + "': dims " + dims_text(value.dims) +
                                ", the model takes " + dims_text(t.dims));
  if (value.type != t.type)
    throw std::invalid_argument("input '" + t.name + "': " + elem_type_name(value.type) +
                                ", the model takes " + elem_type_name(t.type));
  tensor q = value;
  if (t.type == k_float) {
    const tensor s{"scale", k_float, {}, {t.scale}};
    const tensor zp{"zero_point", t.quant_type, {}, {static_cast<double>(t.zero_point)}};
    q = quantize_linear(value, s, &zp);
  }
  const int offset = q.type == k_uint8 ? 128 : 0;
  std::vector<int8_t> out(static_cast<size_t>(t.h) * t.w * t.c);
  for (int y = 0; y < t.h; ++y)
    for (int x = 0; x < t.w; ++x)
      for (int ch = 0; ch < t.c; ++ch)
        out[(static_cast<size_t>(y) * t.w + x) * t.c + ch] =
            static_cast<int8_t>(q.values[onnx_index(t, y, x, ch)] - offset);
  return out;
}

tensor onnx_output(const model& m, size_t index, const std::vector<int8_t>& device) {
  const io_tensor& t = m.outputs.at(index);
  const size_t n = static_cast<size_t>(t.h) * t.w * t.c;
  if (device.size() < n)
    throw std::invalid_argument("output '" + t.name + "': device tensor too small");
  tensor q;
  q.name = t.name;
  q.dims = t.dims;
  q.type = t.quant_type;
  q.values.resize(n);
  const int offset = q.type == k_uint8 ? 128 : 0;
  for (int y = 0; y < t.h; ++y)
    for (int x = 0; x < t.w; ++x)
      for (int ch = 0; ch < t.c; ++ch)
        q.values[onnx_index(t, y, x, ch)] =
            device[(static_cast<size_t>(y) * t.w + x) * t.c + ch] + offset;
  if (t.type != k_float)
    return q;
  const tensor s{"scale", k_float, {}, {t.scale}};
  const tensor zp{"zero_point", q.type, {}, {static_cast<double>(t.zero_point)}};
  return dequantize_linear(q, s, &zp);
}

} // namespace dwvp::onnx_import
