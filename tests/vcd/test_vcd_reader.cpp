// Tests for the strict VCD reader: hand-written files, a real SystemC 2.3.4 trace saved
// as a fixture, every rejection path, and a trace written by SystemC in this process.
#include "vcd_reader.h"

#include <catch2/catch.hpp>
#include <systemc>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using dwvp::test::parse_vcd;
using dwvp::test::parse_vcd_file;
using dwvp::test::vcd_change;
using dwvp::test::vcd_error;
using dwvp::test::vcd_file;

// libsystemc needs the C-linkage sc_main (sc_externs.h). test_main.cpp defines it without
// including SystemC, so its definition is C++-mangled and does not satisfy the library.
// A weak definition here links either way: a strong C-linkage one, once test_main.cpp
// provides it, takes precedence over this one.
extern "C" __attribute__((weak)) int sc_main(int, char**) {
  return 0;
}

namespace {

vcd_file parse(const std::string& text) {
  std::istringstream in(text);
  return parse_vcd(in);
}

std::vector<std::uint64_t> times_of(const std::vector<vcd_change>& changes) {
  std::vector<std::uint64_t> out;
  for (const auto& c : changes)
    out.push_back(c.time);
  return out;
}

std::vector<std::string> values_of(const std::vector<vcd_change>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes)
    out.push_back(c.value);
  return out;
}

// `shape` uses A = upper-case letter, a = lower-case letter, 9 = digit; the rest is
// literal. (std::regex trips GCC 12 -Wmaybe-uninitialized in sanitizer builds.)
bool matches_shape(const std::string& text, const std::string& shape) {
  if (text.size() != shape.size())
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool ok = shape[i] == 'A'   ? std::isupper(c) != 0
                    : shape[i] == 'a' ? std::islower(c) != 0
                    : shape[i] == '9' ? std::isdigit(c) != 0
                                      : text[i] == shape[i];
    if (!ok)
      return false;
  }
  return true;
}

// The reader must refuse `text`, blaming `line`, with `fragment` in the message.
void require_rejected(const std::string& text, std::size_t line,
                      const std::string& fragment) {
  try {
    parse(text);
    FAIL("accepted malformed VCD:\n" << text);
  } catch (const vcd_error& e) {
    INFO("message: " << e.what());
    CHECK(e.line() == line);
    CHECK_THAT(e.what(), Catch::Contains("line " + std::to_string(line) + ":"));
    CHECK_THAT(e.what(), Catch::Contains(fragment));
  }
}

const std::string k_header = "$timescale 1 ns $end\n"          // 1
                             "$scope module top $end\n"        // 2
                             "$var wire 1 ! clk $end\n"        // 3
                             "$var wire 8 \" bus [7:0] $end\n" // 4
                             "$upscope $end\n"                 // 5
                             "$enddefinitions $end\n";         // 6

// A header in the layout a hand-written or third-party writer might use.
const std::string k_handwritten = R"($date
   Mon Jan  1 00:00:00 2024
$end
$version  handwriter 1.0  $end
$comment free text with $var inside is fine $end
$timescale 10ps $end
$scope module top $end
$var wire 1 ! clk $end
$var reg 8 # data [7:0] $end
$scope module core $end
$var wire 4 $ state [3:0] $end
$var real 64 % temp $end
$scope task t0 $end
$var wire 1 & clk $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
bxxxxxxxx #
b0 $
r0 %
z&
$end
#5
1!
b1010 #
#12
0!
B0011 $
r-2.5e3 %
#12
X&
$comment mid-stream comment $end
#20
1!
bZ1 #
1&
)";

} // namespace

TEST_CASE("header sections are read and trimmed", "[vcd]") {
  const vcd_file f = parse(k_handwritten);
  CHECK(f.date == "Mon Jan  1 00:00:00 2024");
  CHECK(f.version == "handwriter 1.0");
  CHECK(f.timescale_fs == 10000);
  CHECK(f.end_time == 20);
}

TEST_CASE("nested scopes and variable declarations", "[vcd]") {
  const vcd_file f = parse(k_handwritten);
  CHECK(f.scopes == std::vector<std::string>{"top", "top.core", "top.core.t0"});
  REQUIRE(f.variables.size() == 5);

  const auto& data = f.variables[1];
  CHECK(data.type == "reg");
  CHECK(data.width == 8);
  CHECK(data.id_code == "#");
  CHECK(data.scope == "top");
  CHECK(data.name == "data");
  CHECK(data.range == "[7:0]");

  const auto& temp = f.variables[3];
  CHECK(temp.type == "real");
  CHECK(temp.width == 64);
  CHECK(temp.scope == "top.core");
  CHECK(temp.range.empty());
  CHECK(temp.full_name() == "top.core.temp");
}

TEST_CASE("find resolves full names, unique suffixes and bare names", "[vcd]") {
  const vcd_file f = parse(k_handwritten);
  REQUIRE(f.find("top.core.state") != nullptr);
  CHECK(f.find("top.core.state")->id_code == "$");
  CHECK(f.find("core.state") == f.find("top.core.state"));
  CHECK(f.find("state") == f.find("top.core.state"));
  CHECK(f.find("top.clk")->id_code == "!");
  CHECK(f.find("t0.clk")->id_code == "&");
  CHECK(f.find("clk") == nullptr);       // two variables end in ".clk"
  CHECK(f.find("ore.state") == nullptr); // suffixes match whole scope names only
  CHECK(f.find("nothing") == nullptr);
  CHECK_THROWS_AS(f.changes_of("nothing"), std::out_of_range);
  CHECK_THROWS_AS(f.changes_of("clk"), std::out_of_range);
  CHECK_THROWS_AS(f.value_at("nothing", 0), std::out_of_range);
}

TEST_CASE("scalar and vector changes in time order", "[vcd]") {
  const vcd_file f = parse(k_handwritten);
  const auto& clk = f.changes_of("top.clk");
  CHECK(times_of(clk) == std::vector<std::uint64_t>{0, 5, 12, 20});
  CHECK(values_of(clk) == std::vector<std::string>{"0", "1", "0", "1"});

  // Vector digits are lower-cased but not left-extended to the width.
  CHECK(values_of(f.changes_of("data")) ==
        std::vector<std::string>{"xxxxxxxx", "1010", "z1"});
  CHECK(values_of(f.changes_of("state")) == std::vector<std::string>{"0", "0011"});
  CHECK(values_of(f.changes_of("temp")) == std::vector<std::string>{"0", "-2.5e3"});
  CHECK(values_of(f.changes_of("t0.clk")) == std::vector<std::string>{"z", "x", "1"});
  CHECK(times_of(f.changes_of("t0.clk")) == std::vector<std::uint64_t>{0, 12, 20});
  CHECK(f.changes.at("&").size() == 3);
}

TEST_CASE("value_at returns the last value at or before a time", "[vcd]") {
  const vcd_file f = parse(k_handwritten);
  CHECK(f.value_at("top.clk", 0) == "0");
  CHECK(f.value_at("top.clk", 4) == "0");
  CHECK(f.value_at("top.clk", 5) == "1");
  CHECK(f.value_at("top.clk", 11) == "1");
  CHECK(f.value_at("top.clk", 12) == "0");
  CHECK(f.value_at("top.clk", 1000) == "1");
  CHECK(f.value_at("data", 7) == "1010");
  CHECK(f.value_as_uint(*f.value_at("data", 7)) == 10);
  CHECK(f.value_as_uint(*f.value_at("state", 12)) == 3);

  // No $dumpvars for this one, so nothing is known before its first change.
  const vcd_file g = parse(k_header + "#3\n1!\n#9\nb101 \"\n");
  CHECK_FALSE(g.value_at("clk", 2).has_value());
  CHECK(g.value_at("clk", 3) == "1");
  CHECK_FALSE(g.value_at("bus", 8).has_value());
  CHECK(g.value_at("bus", 9) == "101");
}

TEST_CASE("repeated timestamps are legal and the later value wins", "[vcd]") {
  const vcd_file f = parse(k_header + "#0\n0!\n#7\n1!\n#7\n0!\n#7\n#8\n");
  CHECK(times_of(f.changes_of("clk")) == std::vector<std::uint64_t>{0, 7, 7});
  CHECK(f.value_at("clk", 7) == "0");
  CHECK(f.end_time == 8);
}

TEST_CASE("dump blocks other than $dumpvars are accepted", "[vcd]") {
  const vcd_file f =
      parse(k_header + "$dumpvars 0! b0 \" $end\n#4\n$dumpoff x! bxxxxxxxx \" $end\n"
                       "#6\n$dumpon 1! b11 \" $end\n#8\n$dumpall 1! b11 \" $end\n");
  CHECK(values_of(f.changes_of("clk")) == std::vector<std::string>{"0", "x", "1", "1"});
  CHECK(times_of(f.changes_of("bus")) == std::vector<std::uint64_t>{0, 4, 6, 8});
}

TEST_CASE("variables sharing an id code see the same changes", "[vcd]") {
  const vcd_file f = parse("$scope module a $end $var wire 1 ! x $end $upscope $end\n"
                           "$scope module b $end $var wire 1 ! y $end $upscope $end\n"
                           "$enddefinitions $end\n#1\n1!\n");
  CHECK(f.timescale_fs == 0); // $timescale is optional
  CHECK(f.changes_of("a.x").size() == 1);
  CHECK(&f.changes_of("a.x") == &f.changes_of("b.y"));
}

TEST_CASE("timescale units convert to femtoseconds", "[vcd]") {
  const std::vector<std::pair<std::string, std::uint64_t>> cases{
      {"1 fs", 1ULL},
      {"100 fs", 100ULL},
      {"1 ps", 1000ULL},
      {"10 ps", 10000ULL},
      {"1 ns", 1000000ULL},
      {"10 ns", 10000000ULL},
      {"100ns", 100000000ULL},
      {"1 us", 1000000000ULL},
      {"10 ms", 10000000000000ULL},
      {"1 s", 1000000000000000ULL},
      {"100 sec", 100000000000000000ULL},
  };
  for (const auto& [text, fs] : cases) {
    INFO(text);
    const vcd_file f = parse("$timescale\n   " + text + "\n$end\n$enddefinitions $end\n");
    CHECK(f.timescale_fs == fs);
  }
}

TEST_CASE("value_as_uint converts binary strings and refuses x and z", "[vcd]") {
  CHECK(vcd_file::value_as_uint("0") == 0);
  CHECK(vcd_file::value_as_uint("101") == 5);
  CHECK(vcd_file::value_as_uint("0000000000000101") == 5);
  CHECK(vcd_file::value_as_uint(std::string(64, '1')) == UINT64_MAX);
  CHECK(vcd_file::value_as_uint("000" + std::string(64, '1')) == UINT64_MAX);
  CHECK_THROWS_AS(vcd_file::value_as_uint("1" + std::string(64, '0')), std::out_of_range);
  CHECK_THROWS_AS(vcd_file::value_as_uint("10x1"), std::invalid_argument);
  CHECK_THROWS_AS(vcd_file::value_as_uint("z"), std::invalid_argument);
  CHECK_THROWS_AS(vcd_file::value_as_uint(""), std::invalid_argument);
  CHECK_THROWS_AS(vcd_file::value_as_uint("1.5"), std::invalid_argument);
}

// --- the SystemC 2.3.4 fixture (written by sc_create_vcd_trace_file, see test below) ---

TEST_CASE("real SystemC output: header and declarations", "[vcd][systemc]") {
  const vcd_file f = parse_vcd_file(DWVP_VCD_FIXTURE_DIR "/systemc_sample.vcd");
  // strftime("%b %d, %Y       %H:%M:%S"): the only line that differs between runs.
  CHECK(matches_shape(f.date, "Aaa 99, 9999       99:99:99"));
  CHECK(f.version == "SystemC 2.3.4-Accellera --- Jan 13 2023 17:28:48");
  CHECK(f.timescale_fs == 1000000);
  // SystemC wraps everything in a "SystemC" scope; dots in trace names become scopes.
  CHECK(f.scopes ==
        std::vector<std::string>{"SystemC", "SystemC.top", "SystemC.top.sub"});

  struct expected {
    const char* type;
    int width;
    const char* id;
    const char* scope;
    const char* name;
    const char* range;
  };
  const std::vector<expected> want{
      {"wire", 1, "aaaaa", "SystemC.top", "clk_en", ""},
      {"wire", 16, "aaaab", "SystemC.top", "count", "[15:0]"},
      {"wire", 32, "aaaac", "SystemC.top", "word", "[31:0]"},
      {"real", 1, "aaaad", "SystemC.top", "real_sig", ""},
      {"wire", 4, "aaaae", "SystemC.top", "lv", "[3:0]"},
      {"wire", 1, "aaaaf", "SystemC.top.sub", "flag", ""},
  };
  REQUIRE(f.variables.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("variable " << i);
    CHECK(f.variables[i].type == want[i].type);
    CHECK(f.variables[i].width == want[i].width);
    CHECK(f.variables[i].id_code == want[i].id);
    CHECK(f.variables[i].scope == want[i].scope);
    CHECK(f.variables[i].name == want[i].name);
    CHECK(f.variables[i].range == want[i].range);
  }
}

TEST_CASE("real SystemC output: change times and values", "[vcd][systemc]") {
  const vcd_file f = parse_vcd_file(DWVP_VCD_FIXTURE_DIR "/systemc_sample.vcd");
  // $dumpvars has no #0 before it; its values count at time 0.
  CHECK(times_of(f.changes_of("top.clk_en")) == std::vector<std::uint64_t>{0, 10, 40});
  CHECK(values_of(f.changes_of("top.clk_en")) == std::vector<std::string>{"0", "1", "0"});
  CHECK(times_of(f.changes_of("count")) == std::vector<std::uint64_t>{0, 10, 40});
  // Vectors lose leading zeros: 5 is "b101", 0 is "b0".
  CHECK(values_of(f.changes_of("count")) ==
        std::vector<std::string>{"0", "101", std::string(16, '1')});
  // word changed at 40.001 ns, which rounds down to a second "#40".
  CHECK(times_of(f.changes_of("word")) == std::vector<std::uint64_t>{0, 25, 40});
  CHECK(f.value_as_uint(*f.value_at("word", 30)) == 0xdeadbeef);
  CHECK(f.value_as_uint(*f.value_at("word", 40)) == 3);
  CHECK(values_of(f.changes_of("real_sig")) == std::vector<std::string>{"0", "1.5"});
  // sc_lv prints upper-case X/Z ("bXXXX", "b1XZ"); the reader lower-cases them.
  CHECK(values_of(f.changes_of("lv")) == std::vector<std::string>{"xxxx", "1xz"});
  CHECK(times_of(f.changes_of("SystemC.top.sub.flag")) ==
        std::vector<std::uint64_t>{0, 25});
  CHECK(f.value_at("sub.flag", 24) == "0");
  CHECK(f.value_at("sub.flag", 25) == "1");
  // sc_close_vcd_trace_file writes the end time as a bare timestamp.
  CHECK(f.end_time == 100);
}

// --- rejections: each names the offending line ---

TEST_CASE("rejects a file without $enddefinitions", "[vcd][error]") {
  require_rejected("$timescale 1 ns $end\n$scope module top $end\n"
                   "$var wire 1 ! clk $end\n$upscope $end\n",
                   5, "missing $enddefinitions");
}

TEST_CASE("rejects unknown id codes in the value section", "[vcd][error]") {
  require_rejected(k_header + "#0\n0!\n1?\n", 9, "unknown id code '?'");
  require_rejected(k_header + "#0\nb1 ?\n", 8, "unknown id code '?'");
  require_rejected(k_header + "#0\nr1 ?\n", 8, "unknown id code '?'");
}

TEST_CASE("rejects timestamps that go backwards", "[vcd][error]") {
  require_rejected(k_header + "#10\n1!\n#5\n0!\n", 9, "#5 goes backwards (previous #10)");
  require_rejected(k_header + "#1x\n", 7, "malformed timestamp '#1x'");
  require_rejected(k_header + "#\n", 7, "malformed timestamp");
  require_rejected(k_header + "#99999999999999999999\n", 7, "malformed timestamp");
}

TEST_CASE("rejects $var lines with the wrong field count", "[vcd][error]") {
  require_rejected("$scope module top $end\n$var wire 1 ! $end\n$upscope $end\n"
                   "$enddefinitions $end\n",
                   2, "got 3");
  require_rejected("$scope module top $end\n$var wire 8 ! bus [7:0] extra $end\n"
                   "$upscope $end\n$enddefinitions $end\n",
                   2, "got 6");
  // SystemC does not escape spaces in trace names; such a declaration is refused.
  require_rejected("$scope module SystemC $end\n"
                   "$var wire   32  aaaae  weird name(3) [31:0]  $end\n",
                   2, "got 6");
}

TEST_CASE("rejects $var lines with a bad width, type or range", "[vcd][error]") {
  require_rejected("$var wire eight ! bus $end\n", 1,
                   "width 'eight' is not a positive number");
  require_rejected("$var wire 0 ! bus $end\n", 1, "width '0'");
  require_rejected("$var wire -1 ! bus $end\n", 1, "width '-1'");
  require_rejected("$var wyre 1 ! bus $end\n", 1, "unknown type 'wyre'");
  require_rejected("$var wire 8 ! bus [7:1] $end\n", 1, "does not match width 8");
  require_rejected("$var wire 8 ! bus 7:0 $end\n", 1, "malformed range '7:0'");
}

TEST_CASE("rejects unterminated sections", "[vcd][error]") {
  require_rejected("$date\n  today\n", 1, "unterminated $date");
  require_rejected(k_header + "$comment never closed\n#1\n", 7, "unterminated $comment");
  require_rejected("$timescale 1 ns\n$scope module top $end\n", 1,
                   "unterminated $timescale section (found $scope on line 2)");
  require_rejected("$scope module top\n$var wire 1 ! clk $end\n", 1,
                   "unterminated $scope");
  require_rejected("$scope module top $end\n$var wire 1 ! clk\n$upscope $end\n", 2,
                   "unterminated $var");
  require_rejected(k_header + "$dumpvars\n0!\n", 7, "unterminated $dumpvars");
  require_rejected(k_header + "$dumpvars\n0!\n#5\n1!\n", 9, "timestamp inside $dumpvars");
  require_rejected("$scope module top $end\n$enddefinitions $end\n", 2,
                   "unclosed $scope 'top'");
  require_rejected("$upscope $end\n", 1, "$upscope without an open $scope");
}

TEST_CASE("rejects value changes before $enddefinitions", "[vcd][error]") {
  require_rejected("$scope module top $end\n$var wire 1 ! clk $end\n#0\n", 3,
                   "value change '#0' before $enddefinitions");
  require_rejected("$scope module top $end\n$var wire 1 ! clk $end\n1!\n", 3,
                   "value change '1!' before $enddefinitions");
  require_rejected("$var wire 1 ! clk $end\n$dumpvars\n", 2,
                   "value change '$dumpvars' before $enddefinitions");
}

TEST_CASE("rejects bad vector values", "[vcd][error]") {
  require_rejected(k_header + "b102 \"\n", 7, "bad vector value 'b102'");
  require_rejected(k_header + "b \"\n", 7, "empty vector value");
  require_rejected(k_header + "b101010101 \"\n", 7, "wider than top.bus (8 bits)");
  require_rejected(k_header + "b101", 7, "has no id code");
  const std::string real_header = "$var real 64 % t $end\n$enddefinitions $end\n";
  require_rejected(real_header + "b1 %\n", 3, "vector value for real variable 't'");
  require_rejected(real_header + "1%\n", 3, "scalar value for real variable 't'");
}

TEST_CASE("rejects other malformed value sections", "[vcd][error]") {
  require_rejected(k_header + "1\n", 7, "scalar value '1' has no id code");
  require_rejected(k_header + "q!\n", 7, "malformed value change 'q!'");
  require_rejected(k_header + "r1.2.3 !\n", 7, "bad real value");
  require_rejected(k_header + "$end\n", 7, "$end without an open section");
  require_rejected(k_header + "$var wire 1 # late $end\n", 7, "unexpected $var");
  require_rejected(k_header + "$enddefinitions $end\n", 7, "unexpected $enddefinitions");
  require_rejected("$timescale 3 ns $end\n$enddefinitions $end\n", 1,
                   "bad $timescale '3ns'");
  require_rejected("$timescale 1 min $end\n$enddefinitions $end\n", 1, "bad $timescale");
}

TEST_CASE("parse_vcd_file names the file in errors", "[vcd][error]") {
  CHECK_THROWS_WITH(parse_vcd_file("/nonexistent/x.vcd"),
                    Catch::Contains("/nonexistent/x.vcd") &&
                        Catch::Contains("cannot open"));
}

// --- the reader against SystemC's writer, in this process ---

namespace {

struct traced_leaf : sc_core::sc_module {
  sc_core::sc_signal<bool> m_flag{"flag"};
  explicit traced_leaf(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}
};

// Writes its signals at 10, 25 and 40 ns so the test knows every change time.
struct traced_top : sc_core::sc_module {
  sc_core::sc_signal<bool> m_enable{"enable"};
  sc_core::sc_signal<sc_dt::sc_uint<16>> m_count{"count"};
  sc_core::sc_signal<std::uint32_t> m_word{"word"};
  traced_leaf m_leaf{"leaf"};

  SC_HAS_PROCESS(traced_top);
  explicit traced_top(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
    SC_THREAD(run);
  }

  void run() {
    using sc_core::SC_NS;
    wait(10, SC_NS); // 10 ns
    m_enable.write(true);
    m_count.write(5);
    wait(15, SC_NS); // 25 ns
    m_word.write(0xcafef00d);
    m_leaf.m_flag.write(true);
    wait(15, SC_NS); // 40 ns
    m_enable.write(false);
    m_count.write(0xabcd);
    m_word.write(7);
    m_leaf.m_flag.write(true); // unchanged value: must not produce a change
  }
};

} // namespace

TEST_CASE("reads a trace SystemC writes in-process", "[vcd][systemc]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("dwvp_vcd_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string base = (dir / "trace").string(); // SystemC appends ".vcd"

  traced_top top("top");
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(base.c_str());
  tf->set_time_unit(1, sc_core::SC_NS);
  sc_core::sc_trace(tf, top.m_enable, top.m_enable.name());
  sc_core::sc_trace(tf, top.m_count, top.m_count.name());
  sc_core::sc_trace(tf, top.m_word, top.m_word.name());
  sc_core::sc_trace(tf, top.m_leaf.m_flag, top.m_leaf.m_flag.name());
  sc_core::sc_start(100, sc_core::SC_NS);
  sc_core::sc_close_vcd_trace_file(tf); // flushes and writes the final "#100"

  const vcd_file f = parse_vcd_file(base + ".vcd");
  fs::remove_all(dir);

  CHECK(f.timescale_fs == 1000000);
  CHECK(f.scopes ==
        std::vector<std::string>{"SystemC", "SystemC.top", "SystemC.top.leaf"});
  REQUIRE(f.variables.size() == 4);
  CHECK(f.find("SystemC.top.count")->width == 16);
  CHECK(f.find("SystemC.top.word")->width == 32);
  CHECK(f.find("SystemC.top.leaf.flag")->width == 1);

  CHECK(times_of(f.changes_of("top.enable")) == std::vector<std::uint64_t>{0, 10, 40});
  CHECK(values_of(f.changes_of("top.enable")) == std::vector<std::string>{"0", "1", "0"});
  CHECK(times_of(f.changes_of("top.count")) == std::vector<std::uint64_t>{0, 10, 40});
  CHECK(times_of(f.changes_of("top.word")) == std::vector<std::uint64_t>{0, 25, 40});
  CHECK(times_of(f.changes_of("top.leaf.flag")) == std::vector<std::uint64_t>{0, 25});

  CHECK(f.value_as_uint(*f.value_at("top.count", 9)) == 0);
  CHECK(f.value_as_uint(*f.value_at("top.count", 10)) == 5);
  CHECK(f.value_as_uint(*f.value_at("top.count", 39)) == 5);
  CHECK(f.value_as_uint(*f.value_at("top.count", 40)) == 0xabcd);
  CHECK(f.value_as_uint(*f.value_at("top.word", 30)) == 0xcafef00d);
  CHECK(f.value_as_uint(*f.value_at("top.word", 99)) == 7);
  CHECK(f.value_at("leaf.flag", 24) == "0");
  CHECK(f.value_at("leaf.flag", 25) == "1");
  CHECK(f.end_time == 100);
}
