// Timing-only builds (no constants) and the calibration cache (calibrate.h): a cached
// calibration gives exactly the network a computed one gives, a bad entry is
// recomputed, the key follows the network's content, and topology CSVs calibrate on a
// scaled build.
#include "calibrate.h"
#include "model_zoo.h"
#include "topology_csv.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace dwvp;
using namespace dwvp::networks;
namespace fs = std::filesystem;

namespace {

struct scratch_dir {
  fs::path path =
      fs::temp_directory_path() / ("dwvp_calibration_" + std::to_string(::getpid()) +
                                   "_" + std::to_string(std::rand()));
  scratch_dir() { fs::create_directories(path); }
  ~scratch_dir() { fs::remove_all(path); }
};

// Sets an environment variable for the scope, restoring the old value.
struct env_override {
  std::string name;
  bool had = false;
  std::string old;
  env_override(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) {
      had = true;
      old = v;
    }
    if (value)
      ::setenv(n, value, 1);
    else
      ::unsetenv(n);
  }
  ~env_override() {
    if (had)
      ::setenv(name.c_str(), old.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_same_quantisation(const runtime::network& a, const runtime::network& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    INFO(a.layers[i].name);
    CHECK(a.layers[i].multiplier == b.layers[i].multiplier);
    CHECK(a.layers[i].shift == b.layers[i].shift);
  }
}

// A small chain at `side` x `side`: conv 3x3/2, then depthwise 3x3/2 + pointwise three
// times (side / 16 left), a global pool and an FC layer.
std::string chain_csv(int side) {
  std::ostringstream s;
  s << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
       "Num Filter, Strides, Type\n";
  s << "conv1, " << side << ", " << side << ", 3, 3, 3, 16, 2, conv\n";
  int h = (side + 1) / 2;
  for (int i = 0; i < 3; ++i) {
    s << "dw" << i << ", " << h << ", " << h << ", 3, 3, 16, 16, 2, dw\n";
    h = (h + 1) / 2;
    s << "pw" << i << ", " << h << ", " << h << ", 1, 1, 16, 16, 1, pw\n";
  }
  s << "pool, " << h << ", " << h << ", " << h << ", " << h << ", 16, 16, 1, avgpool\n";
  s << "fc, 1, 1, 1, 1, 16, 10, 1, fc\n";
  return s.str();
}

} // namespace

TEST_CASE("timing-only builds carry no constants: the same descriptors, no weights",
          "[networks][calibration]") {
  for (const char* name : {"mobilenet_v2", "mobilenet_v3_small_fuse_half"}) {
    INFO(name);
    const auto full =
        build_network(name, policy::gemm_dwc, 7, 128, DWVP_DF_OS, constants::calibrated);
    const auto none =
        build_network(name, policy::gemm_dwc, 7, 128, DWVP_DF_OS, constants::none);
    CHECK_FALSE(full.timing_only);
    CHECK(none.timing_only);
    CHECK(none.input.size() == full.input.size());
    CHECK(std::all_of(none.input.begin(), none.input.end(), [](int8_t v) { return !v; }));
    REQUIRE(none.layers.size() == full.layers.size());
    size_t weighted = 0;
    for (size_t i = 0; i < full.layers.size(); ++i) {
      INFO(full.layers[i].name);
      CHECK(std::memcmp(&full.layers[i].desc, &none.layers[i].desc, sizeof(dwvp_desc)) ==
            0);
      CHECK(none.layers[i].weights.empty());
      CHECK(none.layers[i].bias.size() == full.layers[i].bias.size());
      CHECK(none.layers[i].lut == full.layers[i].lut);
      weighted += !full.layers[i].weights.empty();
    }
    CHECK(weighted > 10);
  }
}

TEST_CASE("a cached calibration gives the network a computed one gives",
          "[networks][calibration]") {
  const scratch_dir dir;
  const auto raw = build_network("mobilenet_v3_small", policy::gemm_dwc, 3, 64,
                                 DWVP_DF_OS, constants::uncalibrated);
  runtime::network uncached = raw, first = raw, second = raw;
  calibration_record r0, r1, r2;
  const auto f0 = calibrate(uncached, "", &r0);
  const auto f1 = calibrate(first, dir.path.string(), &r1);
  const auto f2 = calibrate(second, dir.path.string(), &r2);
  CHECK(r0.cache_file.empty());
  CHECK_FALSE(r0.cached);
  CHECK_FALSE(r1.cached);
  CHECK(r2.cached);
  CHECK(r1.cache_file == r2.cache_file);
  CHECK(fs::exists(r1.cache_file));
  CHECK(r1.resolution == 64);
  CHECK(f0 == f1); // exact: the entry holds hexadecimal floats
  CHECK(f1 == f2);
  check_same_quantisation(uncached, first);
  check_same_quantisation(uncached, second);
  // Calibration changed something, so the equality above is not vacuous.
  size_t changed = 0;
  for (size_t i = 0; i < raw.layers.size(); ++i)
    changed += raw.layers[i].multiplier != second.layers[i].multiplier;
  CHECK(changed > 0);
}

TEST_CASE("a malformed or foreign cache entry is recomputed and rewritten",
          "[networks][calibration]") {
  const scratch_dir dir;
  const auto raw = build_network("mobilenet_v1", policy::gemm_dwc, 3, 64, DWVP_DF_OS,
                                 constants::uncalibrated);
  runtime::network reference = raw;
  calibration_record r;
  const auto good = calibrate(reference, dir.path.string(), &r);
  const std::string valid = read_file(r.cache_file);
  const std::string first_layer_line = valid.substr(valid.find('\n') + 1);
  const std::string without_first_layer =
      valid.substr(0, valid.find('\n') + 1) +
      first_layer_line.substr(first_layer_line.find('\n') + 1);
  for (const std::string& bad :
       {std::string("garbage"), std::string(""), valid.substr(0, valid.size() / 2),
        std::string("dwvp-calibration 999\n"), without_first_layer,
        valid + "extra_layer 0x1p+0\n",
        valid.substr(0, valid.find(' ', valid.find('\n')) + 1) + "-0x1p+0\n"}) {
    INFO(bad.substr(0, 60));
    std::ofstream(r.cache_file) << bad;
    runtime::network net = raw;
    calibration_record again;
    const auto f = calibrate(net, dir.path.string(), &again);
    CHECK_FALSE(again.cached);
    CHECK(f == good);
    check_same_quantisation(reference, net);
    CHECK(read_file(r.cache_file) == valid); // rewritten
  }
}

TEST_CASE("the cache key follows the network's content", "[networks][calibration]") {
  const scratch_dir dir;
  auto entry = [&](const char* name, uint32_t seed, int resolution) {
    runtime::network net = build_network(name, policy::gemm_dwc, seed, resolution,
                                         DWVP_DF_OS, constants::uncalibrated);
    calibration_record r;
    calibrate(net, dir.path.string(), &r);
    return r.cache_file;
  };
  const std::string base = entry("mobilenet_v1", 1, 64);
  CHECK(entry("mobilenet_v1", 1, 64) == base);
  CHECK(entry("mobilenet_v1", 2, 64) != base);
  CHECK(entry("mobilenet_v1", 1, 96) != base);
  CHECK(entry("mobilenet_v1_fuse_half", 1, 64) != base);
  // A changed constant misses too.
  runtime::network net = build_network("mobilenet_v1", policy::gemm_dwc, 1, 64,
                                       DWVP_DF_OS, constants::uncalibrated);
  net.layers[3].weights[0] ^= 1;
  calibration_record r;
  calibrate(net, dir.path.string(), &r);
  CHECK(r.cache_file != base);
  CHECK_FALSE(r.cached);
}

TEST_CASE("the cache directory: DWVP_CALIBRATION_CACHE, XDG_CACHE_HOME, HOME",
          "[networks][calibration]") {
  {
    const env_override e("DWVP_CALIBRATION_CACHE", "off");
    CHECK(calibration_cache_dir().empty());
  }
  {
    const env_override e("DWVP_CALIBRATION_CACHE", "/some/dir");
    CHECK(calibration_cache_dir() == "/some/dir");
  }
  const env_override e("DWVP_CALIBRATION_CACHE", nullptr);
  {
    const env_override x("XDG_CACHE_HOME", "/xdg");
    CHECK(calibration_cache_dir() == "/xdg/dwvp/calibration");
  }
  const env_override x("XDG_CACHE_HOME", nullptr);
  {
    const env_override h("HOME", "/home/u");
    CHECK(calibration_cache_dir() == "/home/u/.cache/dwvp/calibration");
  }
  const env_override h("HOME", nullptr);
  CHECK(calibration_cache_dir().empty());
}

TEST_CASE("an unwritable cache directory only costs the cache",
          "[networks][calibration]") {
  const scratch_dir dir;
  const std::string file_not_dir = (dir.path / "plain_file").string();
  std::ofstream(file_not_dir) << "x";
  runtime::network a = build_network("mobilenet_v1", policy::gemm_dwc, 1, 64, DWVP_DF_OS,
                                     constants::uncalibrated);
  runtime::network b = a;
  calibration_record r;
  const auto f = calibrate(a, file_not_dir + "/sub", &r);
  CHECK_FALSE(r.cached);
  CHECK(f == calibrate(b, "", nullptr));
}

TEST_CASE("topology CSVs calibrate on a build scaled to 96 pixels a side",
          "[networks][calibration][topology]") {
  const env_override e("DWVP_CALIBRATION_CACHE", "off");
  calibration_record r;
  const auto big = parse_topology_csv(chain_csv(192), "chain.csv", policy::gemm_dwc, 5,
                                      DWVP_DF_OS, constants::calibrated, &r);
  CHECK(r.resolution == 96);
  CHECK(big.layers.front().desc.in_h == 192);
  // Independently: the same rows written at 96 and calibrated, the factors applied to
  // the uncalibrated 192 build by layer name.
  runtime::network small =
      parse_topology_csv(chain_csv(96), "chain.csv", policy::gemm_dwc, 5, DWVP_DF_OS,
                         constants::uncalibrated);
  runtime::network expected =
      parse_topology_csv(chain_csv(192), "chain.csv", policy::gemm_dwc, 5, DWVP_DF_OS,
                         constants::uncalibrated);
  apply_calibration(expected, calibrate(small, "", nullptr));
  check_same_quantisation(big, expected);
  // Small inputs calibrate as they are.
  calibration_record r64;
  parse_topology_csv(chain_csv(64), "chain.csv", policy::gemm_dwc, 5, DWVP_DF_OS,
                     constants::calibrated, &r64);
  CHECK(r64.resolution == 64);
}

TEST_CASE("a topology whose rows do not fit the scaled input calibrates at full size",
          "[networks][calibration][topology]") {
  const env_override e("DWVP_CALIBRATION_CACHE", "off");
  // Five stride-2 convolutions take 200 to 7 (96 to 3), then a 5x5 VALID pool: fits
  // 7x7, not 3x3.
  std::ostringstream s;
  s << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
       "Num Filter, Strides, Type, Input, Aux, Activation, Padding\n";
  int side = 200;
  for (int i = 0; i < 5; ++i) {
    s << "c" << i << ", " << side << ", " << side << ", 3, 3, " << (i ? 8 : 3)
      << ", 8, 2, conv, , , relu,\n";
    side = (side + 1) / 2;
  }
  s << "pool, " << side << ", " << side << ", 5, 5, 8, 8, 1, avgpool, , , none, valid\n";
  calibration_record r;
  const auto net = parse_topology_csv(s.str(), "deep.csv", policy::gemm_dwc, 5,
                                      DWVP_DF_OS, constants::calibrated, &r);
  CHECK(side == 7);
  CHECK(r.resolution == 200);
  CHECK(net.layers.size() == 6);
}
