#include "calibrate.h"

#include "golden.h"
#include "networks.h"

#include "output_file.h"
#include "splitmix64.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace dwvp::networks {
namespace {

// The input RMS (|x - zp| in quantisation steps) network_builder assumes: uniform int8.
constexpr double k_assumed_rms = 74.0;
constexpr double k_min_factor = 1.0 / 64, k_max_factor = 256.0;

bool has_weights(int op) {
  return op == DWVP_OP_CONV2D || op == DWVP_OP_DEPTHWISE || op == DWVP_OP_DW_1XK ||
         op == DWVP_OP_DW_KX1 || op == DWVP_OP_POINTWISE || op == DWVP_OP_FC;
}

void scale_multipliers(runtime::layer& l, double factor) {
  for (size_t o = 0; o < l.multiplier.size(); ++o) {
    const double real = std::ldexp(double(l.multiplier[o]), l.shift[o] - 31) * factor;
    int32_t m = 0;
    int sh = 0;
    golden::quantize_multiplier(real, &m, &sh);
    l.multiplier[o] = m;
    l.shift[o] = sh;
  }
}

size_t tensor_channels(const runtime::layer& l) {
  return l.out_channels_total ? size_t(l.out_channels_total) : size_t(l.desc.out_c);
}

// Bumped whenever the calibration's result for a given network changes (its constants,
// the golden kernels it runs): old cache entries then miss.
constexpr uint64_t k_calibration_version = 1;

// 64-bit content hash: each 8-byte word (the tail zero-padded) xor-ed into the state
// and mixed with SplitMix64's finaliser; lengths are hashed too so that
// concatenations differ.
class content_hash {
public:
  void bytes(const void* data, size_t n) {
    word(n);
    const auto* p = static_cast<const unsigned char*>(data);
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      word(w);
    }
    if (n) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      word(w);
    }
  }
  template <class T> void vec(const std::vector<T>& v) {
    static_assert(std::has_unique_object_representations_v<T>);
    bytes(v.data(), v.size() * sizeof(T));
  }
  void str(const std::string& s) { bytes(s.data(), s.size()); }
  void word(uint64_t w) {
    splitmix64 m{m_state ^ w};
    m_state = m.next();
  }
  uint64_t value() const { return m_state; }

private:
  uint64_t m_state = 0x64777670ull; // "dwvp"
};

uint64_t network_key(const runtime::network& net) {
  static_assert(std::has_unique_object_representations_v<dwvp_desc>,
                "dwvp_desc must have no padding to be hashed as bytes");
  content_hash h;
  h.word(k_calibration_version);
  h.str(net.name);
  h.vec(net.input);
  for (const runtime::layer& l : net.layers) {
    h.str(l.name);
    h.bytes(&l.desc, sizeof l.desc);
    h.vec(l.weights);
    h.vec(l.bias);
    h.vec(l.multiplier);
    h.vec(l.shift);
    h.vec(l.lut);
    for (int v : {l.input, l.input_channel_offset, l.out_channels_total, l.output_into,
                  l.output_channel_offset, l.aux_input})
      h.word(static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
  return h.value();
}

// A cache entry: "dwvp-calibration 1" then one "<layer> <factor as hex float>" line per
// weighted layer. Returns false for anything else (missing, foreign, truncated), which
// the caller treats as a miss.
bool load_factors(const std::string& file, const runtime::network& net,
                  std::map<std::string, double>& out) {
  std::ifstream in(file);
  std::string magic;
  uint64_t version = 0;
  if (!(in >> magic >> version) || magic != "dwvp-calibration" ||
      version != k_calibration_version)
    return false;
  std::map<std::string, double> f;
  std::string name, value;
  while (in >> name >> value) {
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || !std::isfinite(v) || v <= 0)
      return false;
    f[name] = v;
  }
  if (!in.eof())
    return false;
  size_t weighted = 0;
  for (const auto& l : net.layers) {
    if (!has_weights(l.desc.opcode))
      continue;
    ++weighted;
    if (!f.count(l.name))
      return false;
  }
  if (f.size() != weighted)
    return false;
  out = std::move(f);
  return true;
}

// Written through output_file (a temporary renamed when complete), so concurrent runs
// (sweeps) never read half an entry. Failure to save only costs the next run a
// recomputation.
void save_factors(const std::string& dir, const std::string& file,
                  const std::map<std::string, double>& f) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ostringstream text;
  text << "dwvp-calibration " << k_calibration_version << "\n";
  char buf[64];
  for (const auto& [name, v] : f) {
    std::snprintf(buf, sizeof buf, "%a", v);
    text << name << " " << buf << "\n";
  }
  try {
    write_output(file, "calibration cache entry", text.str());
  } catch (const output_error&) {
  }
}

// The golden pass proper.
std::map<std::string, double> compute_factors(runtime::network& net) {
  std::map<std::string, double> factors;
  // Tensors by owning layer (a layer with output_into writes its owner's tensor).
  std::vector<std::vector<int8_t>> tensors(net.layers.size());
  auto owner_of = [&](int i) {
    return net.layers[i].output_into >= 0 ? net.layers[i].output_into : i;
  };
  for (size_t i = 0; i < net.layers.size(); ++i) {
    runtime::layer& l = net.layers[i];
    const dwvp_desc& d = l.desc;
    const std::vector<int8_t>& producer =
        l.input < 0 ? net.input : tensors[owner_of(l.input)];
    std::vector<int8_t> in;
    const size_t pixels = size_t(d.in_h) * d.in_w;
    const size_t stride = d.in_pixel_stride ? d.in_pixel_stride : d.in_c;
    in.resize(pixels * d.in_c);
    for (size_t px = 0; px < pixels; ++px)
      for (size_t c = 0; c < d.in_c; ++c)
        in[px * d.in_c + c] = producer[px * stride + l.input_channel_offset + c];
    if (has_weights(d.opcode)) {
      double sum = 0;
      for (int8_t x : in)
        sum += double(x - d.input_zp) * double(x - d.input_zp);
      const double rms = std::sqrt(sum / std::max<size_t>(in.size(), 1));
      const double f =
          std::clamp(k_assumed_rms / std::max(rms, 1.0), k_min_factor, k_max_factor);
      scale_multipliers(l, f);
      factors[l.name] = f;
    }
    const std::vector<int8_t>* aux = nullptr;
    if (l.aux_input != runtime::layer::k_no_aux)
      aux = l.aux_input < 0 ? &net.input : &tensors[owner_of(l.aux_input)];
    const std::vector<int8_t> out = scenarios::golden_layer(l, in, aux);
    // Place the output in its tensor (own, possibly wider, or its owner's).
    const int owner = owner_of(int(i));
    const size_t total = tensor_channels(net.layers[owner]);
    const size_t offset = l.output_into >= 0 ? size_t(l.output_channel_offset) : 0;
    std::vector<int8_t>& t = tensors[owner];
    const size_t out_pixels = size_t(d.out_h) * d.out_w;
    t.resize(out_pixels * total);
    for (size_t px = 0; px < out_pixels; ++px)
      for (size_t c = 0; c < d.out_c; ++c)
        t[px * total + offset + c] = out[px * d.out_c + c];
  }
  return factors;
}

} // namespace

std::string calibration_cache_dir() {
  if (const char* d = std::getenv("DWVP_CALIBRATION_CACHE"))
    return std::string(d) == "off" ? std::string() : std::string(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/dwvp/calibration";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/dwvp/calibration";
  return {};
}

std::map<std::string, double> calibrate(runtime::network& net,
                                        calibration_record* record) {
  return calibrate(net, calibration_cache_dir(), record);
}

std::map<std::string, double> calibrate(runtime::network& net,
                                        const std::string& cache_dir,
                                        calibration_record* record) {
  const auto start = std::chrono::steady_clock::now();
  calibration_record rec;
  rec.resolution =
      static_cast<int>(net.layers.empty() ? 0 : net.layers.front().desc.in_h);
  std::map<std::string, double> factors;
  if (!cache_dir.empty()) {
    char key[32];
    std::snprintf(key, sizeof key, "%016llx",
                  static_cast<unsigned long long>(network_key(net)));
    rec.cache_file = cache_dir + "/" + key + ".txt";
    rec.cached = load_factors(rec.cache_file, net, factors);
  }
  if (rec.cached) {
    apply_calibration(net, factors);
  } else {
    factors = compute_factors(net);
    if (!cache_dir.empty())
      save_factors(cache_dir, rec.cache_file, factors);
  }
  rec.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (record)
    *record = rec;
  return factors;
}

void apply_calibration(runtime::network& net, const std::map<std::string, double>& f) {
  for (auto& l : net.layers) {
    auto it = f.find(l.name);
    if (it != f.end() && has_weights(l.desc.opcode))
      scale_multipliers(l, it->second);
  }
}

} // namespace dwvp::networks
