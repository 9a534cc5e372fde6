// --weights input as an attacker would write it (issue 13, items 4 and 8): .npy headers
// and data sizes are checked against the file before anything is allocated, index.json
// is size- and depth-capped, its values are range-checked for their descriptor fields,
// file names stay inside the folder, and every message names the file.
#include "network_builder.h"
#include "tensor_load.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

using Catch::Contains;
using namespace dwvp;
namespace fs = std::filesystem;

namespace {

// A .npy file: magic, version, little-endian header length, header, data.
std::string npy(const std::string& descr, const std::string& shape,
                const std::string& data, int version = 1) {
  const std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const size_t n = header.size();
  for (int i = 0; i < (version == 1 ? 2 : 4); ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A one-layer network (pointwise 4x4x3 -> 2) and a folder it loads from.
struct fixture {
  runtime::network net;
  fs::path dir;
  nlohmann::json index;

  fixture() {
    scenarios::network_builder b("n", 4, 4, 3, 1);
    scenarios::layer_spec pw;
    pw.out_c = 2;
    b.add("pw", pw);
    net = b.network();
    dir = fs::temp_directory_path() /
          ("dwvp_hostile_weights_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    nlohmann::json layer = {{"name", "pw"}};
    const dwvp_desc& d = net.layers[0].desc;
    for (const char* key :
         {"input_zp", "output_zp", "aux_zp", "act_min", "act_max", "input_multiplier",
          "input_shift", "aux_multiplier", "aux_shift", "add_left_shift",
          "output_multiplier", "output_shift"})
      layer[key] = 0;
    layer["input_zp"] = d.input_zp;
    layer["output_zp"] = d.output_zp;
    layer["act_min"] = d.act_min;
    layer["act_max"] = d.act_max;
    layer["files"] = {{"weights", "w.npy"},
                      {"bias", "b.npy"},
                      {"multiplier", "m.npy"},
                      {"shift", "s.npy"}};
    index = {{"network", "n"}, {"layers", {layer}}};
    write(dir / "w.npy", npy("|i1", "(2, 3)", std::string(6, '\1')));
    write(dir / "b.npy", npy("<i4", "(2,)", std::string(8, '\0')));
    write(dir / "m.npy", npy("<i4", "(2,)", std::string("\0\0\0\x40\0\0\0\x40", 8)));
    write(dir / "s.npy", npy("<i4", "(2,)", std::string(8, '\0')));
    save();
  }
  ~fixture() { fs::remove_all(dir); }
  void save() { write(dir / "index.json", index.dump()); }
  std::string error() {
    save();
    runtime::network copy = net;
    try {
      scenarios::load_tensors(dir.string(), copy);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  }
};

} // namespace

TEST_CASE("well-formed tensors load", "[hostile][weights]") {
  fixture f;
  CHECK(f.error() == "(no error)");
  runtime::network net = f.net;
  scenarios::load_tensors(f.dir.string(), net);
  CHECK(net.layers[0].weights == std::vector<int8_t>(6, 1));
  CHECK(net.layers[0].multiplier == std::vector<int32_t>(2, 0x40000000));
}

TEST_CASE(".npy headers and data are checked against the file before allocating",
          "[hostile][weights]") {
  fixture f;
  const std::string w = (f.dir / "w.npy").string();
  // Issue 13: 18 bytes declaring a 4 GiB header cost 4 GB and 85 s.
  write(f.dir / "w.npy", std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{}\0\0\0\0", 18));
  CHECK(f.error() == w + ": header of 4294967295 bytes, more than the 65536 allowed");
  write(f.dir / "w.npy", std::string("\x93NUMPY\x01\x00\x00\xf0{}", 12));
  CHECK(f.error() == w + ": truncated header (61440 bytes declared, the file has 12)");
  write(f.dir / "w.npy", npy("|i1", "(99999999999999999999999, 3)", ""));
  CHECK(f.error() == w + ": bad shape (99999999999999999999999, 3) in header");
  write(f.dir / "w.npy", npy("|i1", "(4294967296, 4294967296, 2)", ""));
  CHECK(f.error() == w + ": shape (4294967296, 4294967296, 2) holds more than the 6 "
                         "elements expected");
  write(f.dir / "w.npy", npy("|i1", "(2, 3)", std::string(5, '\1')));
  CHECK(f.error() == w + ": 5 bytes of data, the shape needs 6");
  write(f.dir / "w.npy", npy("|i1", "(2, 3)", std::string(6, '\1'), 9));
  CHECK(f.error() == w + ": .npy version 9 is not 1, 2 or 3");
  write(f.dir / "w.npy", npy("<i4", "(2, 3)", std::string(24, '\1')));
  CHECK(f.error() == w + ": dtype must be |i1");
  write(f.dir / "w.npy", npy("|i1", "(2, 3)", std::string(6, '\1'), 3)); // version 3
  CHECK(f.error() == "(no error)");
  fs::remove(f.dir / "w.npy");
  fs::create_directory(f.dir / "w.npy");
  CHECK(f.error() == w + ": cannot open (not a regular file)");
}

TEST_CASE("index.json: structure, value ranges and file names are checked",
          "[hostile][weights]") {
  fixture f;
  const std::string index = (f.dir / "index.json").string();
  auto with = [&](const char* key, nlohmann::json v) {
    f.index["layers"][0][key] = v;
    const std::string e = f.error();
    f.index["layers"][0][key] = 0;
    return e;
  };
  // Raw nlohmann-json messages escaped before, without the file.
  CHECK(with("output_zp", "x") == index + ": layer pw: 'output_zp' must be an integer "
                                          "-2147483648..2147483647, got \"x\"");
  CHECK(with("output_zp", 1.5) == index + ": layer pw: 'output_zp' must be an integer "
                                          "-2147483648..2147483647, got 1.5");
  CHECK(with("output_shift", 4294967296) ==
        index + ": layer pw: 'output_shift' must be an integer -2147483648..2147483647, "
                "got 4294967296");
  // A uint8_t field took 276 as 20 before.
  CHECK(with("add_left_shift", 276) ==
        index + ": layer pw: 'add_left_shift' must be an integer 0..255, got 276");
  f.index["layers"][0]["files"]["weights"] = "../../etc/passwd";
  CHECK(f.error() == index +
                         ": layer pw: 'weights' file '../../etc/passwd' must be a "
                         "file name inside " +
                         f.dir.string());
  f.index["layers"][0]["files"]["weights"] = 7;
  CHECK(f.error() == index + ": layer pw has no 'weights' file");
  f.index["layers"][0] = true;
  CHECK(f.error() == index + ": layer 0: an object with a 'name' string expected");
  f.index = {{"network", "n"}};
  CHECK(f.error() == index + ": no 'layers' array");
}

TEST_CASE("index.json: size and nesting are capped", "[hostile][weights]") {
  fixture f;
  const std::string index = (f.dir / "index.json").string();
  auto raw = [&](const std::string& text) {
    write(f.dir / "index.json", text);
    runtime::network copy = f.net;
    try {
      scenarios::load_tensors(f.dir.string(), copy);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(raw(std::string(100000, '[') + std::string(100000, ']')) ==
        index + ": nested deeper than 16 levels");
  CHECK(raw(std::string(scenarios::k_max_index_bytes + 1, ' ')) ==
        index + ": the tensor index is larger than 8 MiB (the limit)");
  CHECK_THAT(raw("{\"layers\": [1,"), Contains(index + ": [json.exception.parse_error"));
  fs::remove(f.dir / "index.json");
  fs::create_symlink("/dev/zero", f.dir / "index.json");
  runtime::network copy = f.net;
  CHECK_THROWS_WITH(scenarios::load_tensors(f.dir.string(), copy),
                    index + ": the tensor index is larger than 8 MiB (the limit)");
}
