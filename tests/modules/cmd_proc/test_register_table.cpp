// register_table (models/cmd_proc) on its own: plain C++, no SystemC elaboration.
#include "register_table.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

using dwvp::models::register_table;

namespace {

struct fixture {
  register_table regs{0x40};
  uint32_t rw_value = 0x1234;
  std::vector<uint32_t> written_wo, written_rw;
  int ro_reads = 0;
  fixture() {
    regs.add(0x00, "RO", register_table::read_only,
             [this] {
               ++ro_reads;
               return 0xcafe0001u;
             },
             {});
    regs.add(0x04, "WO", register_table::write_only, {},
             [this](uint32_t v) { written_wo.push_back(v); });
    regs.add(0x10, "RW", register_table::read_write, [this] { return rw_value; },
             [this](uint32_t v) {
               written_rw.push_back(v);
               rw_value = v;
             });
    regs.add(0x3c, "LAST", register_table::read_only, [] { return 7u; }, {});
  }
};

} // namespace

TEST_CASE("register_table: reads and writes reach the handlers", "[modules][cmd_proc][regs]") {
  fixture f;
  uint32_t v = 0;
  CHECK(f.regs.access_register(0x00, true, v) == tlm::TLM_OK_RESPONSE);
  CHECK(v == 0xcafe0001u);
  CHECK(f.ro_reads == 1);
  v = 0xdeadbeef;
  CHECK(f.regs.access_register(0x04, false, v) == tlm::TLM_OK_RESPONSE);
  CHECK(f.written_wo == std::vector<uint32_t>{0xdeadbeef});
  v = 0x55;
  CHECK(f.regs.access_register(0x10, false, v) == tlm::TLM_OK_RESPONSE);
  v = 0;
  CHECK(f.regs.access_register(0x10, true, v) == tlm::TLM_OK_RESPONSE);
  CHECK(v == 0x55);
  CHECK(f.regs.access_register(0x3c, true, v) == tlm::TLM_OK_RESPONSE);
  CHECK(v == 7);
  REQUIRE(f.regs.find(0x10));
  CHECK(f.regs.find(0x10)->name == "RW");
  CHECK(f.regs.find(0x10)->offset == 0x10);
  REQUIRE(f.regs.entries().size() == 4);
  CHECK(f.regs.entries()[1].name == "WO");
}

TEST_CASE("register_table: holes and misaligned offsets are address errors",
          "[modules][cmd_proc][regs]") {
  fixture f;
  for (uint64_t off : {0x08ull, 0x0cull, 0x14ull, 0x38ull, 0x40ull, 0x1000ull, 0x02ull,
                       0x11ull, 0x3dull}) {
    INFO("offset " << off);
    uint32_t v = 0xabcd;
    CHECK(f.regs.find(off) == nullptr);
    CHECK(f.regs.access_register(off, true, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(v == 0xabcd);
    CHECK(f.regs.access_register(off, false, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
  CHECK(f.written_rw.empty());
  CHECK(f.written_wo.empty());
  CHECK(f.ro_reads == 0);
}

TEST_CASE("register_table: a forbidden direction is a command error with no side effect",
          "[modules][cmd_proc][regs]") {
  fixture f;
  uint32_t v = 0x99;
  // Write to read-only: refused, the reader not called, nothing stored.
  CHECK(f.regs.access_register(0x00, false, v) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(f.ro_reads == 0);
  // Read of write-only: refused, the value left alone, the writer not called.
  v = 0x77;
  CHECK(f.regs.access_register(0x04, true, v) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(v == 0x77);
  CHECK(f.written_wo.empty());
}

TEST_CASE("register_table: declarations are checked", "[modules][cmd_proc][regs]") {
  fixture f;
  auto reader = [] { return 0u; };
  auto writer = [](uint32_t) {};
  // A duplicate offset throws and leaves the first register in place.
  CHECK_THROWS_AS(f.regs.add(0x10, "DUP", register_table::read_write, reader, writer),
                  std::invalid_argument);
  CHECK(f.regs.find(0x10)->name == "RW");
  CHECK(f.regs.entries().size() == 4);
  CHECK_THROWS_AS(f.regs.add(0x06, "MISALIGNED", register_table::read_only, reader, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(f.regs.add(0x40, "OUTSIDE", register_table::read_only, reader, {}),
                  std::invalid_argument);
  // An access rule without its handler.
  CHECK_THROWS_AS(f.regs.add(0x20, "NO_READER", register_table::read_only, {}, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(f.regs.add(0x20, "NO_WRITER", register_table::write_only, {}, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(f.regs.add(0x20, "RW_NO_WRITER", register_table::read_write, reader, {}),
                  std::invalid_argument);
  CHECK(f.regs.find(0x20) == nullptr);
  // The offset is still free after the refused declarations.
  f.regs.add(0x20, "LATE", register_table::read_only, reader, {});
  CHECK(f.regs.find(0x20)->name == "LATE");
}

TEST_CASE("register_table: a guard may refuse a write, which then changes nothing",
          "[modules][cmd_proc][regs]") {
  fixture f;
  bool locked = false;
  uint32_t stored = 0;
  f.regs.add(
      0x20, "GUARDED", register_table::read_write, [&] { return stored; },
      [&](uint32_t v) { stored = v; },
      [&](uint32_t v) -> std::string {
        if (locked)
          return "locked";
        return v > 100 ? "too large" : "";
      });
  uint32_t v = 50;
  std::string why;
  CHECK(f.regs.access_register(0x20, false, v, &why) == tlm::TLM_OK_RESPONSE);
  CHECK(why.empty());
  CHECK(stored == 50);
  v = 101;
  CHECK(f.regs.access_register(0x20, false, v, &why) == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(why == "too large");
  CHECK(stored == 50);
  locked = true;
  v = 7;
  CHECK(f.regs.access_register(0x20, false, v) == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(stored == 50);
  // Reads are not guarded.
  v = 0;
  CHECK(f.regs.access_register(0x20, true, v) == tlm::TLM_OK_RESPONSE);
  CHECK(v == 50);
}
