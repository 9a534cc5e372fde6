// The memory target (models/memory) with split accesses (split_access_extension): the
// fixed-latency timing keeps each stream's window; the DRAM controller reorders the
// requests of a stream (FR-FCFS) through the TLM interface; bad tickets are errors.
// Expected times are worked out by hand (DDR4-2400: tCK 833 ps, see
// tests/dram/test_dram_channel.cpp for the counts).
#include "module_bench.h"

#include "dram_channel_timing.h"
#include "memory.h"

#include <catch2/catch.hpp>

#include <memory>

using namespace dwvp::test;
using dwvp::models::split_access_extension;

namespace {

constexpr uint64_t ck = 833; // ps

sc_time ps(uint64_t v) {
  return sc_time(static_cast<double>(v), sc_core::SC_PS);
}

struct split_bench {
  quiet_logs quiet;
  dwvp::models::memory mem;
  stimulus stim{"stim", 1};
  explicit split_bench(std::unique_ptr<dwvp::models::memory_timing> timing)
      : mem("mem", 1 << 20, std::move(timing)) {
    stim[0].bind(mem.socket);
  }
};

// One split access: submit (phase submit) or complete (phase complete, `ticket` in).
tlm::tlm_response_status split(stimulus& s, split_access_extension& ext, uint64_t addr,
                               uint8_t* data, unsigned len, bool write, sc_time& delay) {
  tlm::tlm_generic_payload t;
  stimulus::prepare(t, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, data,
                    len);
  dwvp::models::extension_scope<split_access_extension> scope(t, &ext);
  s[0]->b_transport(t, delay);
  return t.get_response_status();
}

} // namespace

TEST_CASE("memory: split accesses keep a stream's window with a fixed latency",
          "[modules][memory]") {
  split_bench b(std::make_unique<dwvp::models::fixed_latency_timing>(ns(10), 0.0));
  std::vector<sc_time> done, issued;
  uint8_t buf[4][16] = {};
  b.stim.set_body([&](stimulus& s) {
    split_access_extension ext;
    ext.stream = 5;
    ext.window = 2;
    std::vector<uint64_t> tickets;
    for (int k = 0; k < 4; ++k) {
      sc_time d;
      ext.phase = split_access_extension::submit;
      REQUIRE(split(s, ext, 64 * k, buf[k], 16, false, d) == tlm::TLM_OK_RESPONSE);
      tickets.push_back(ext.ticket);
    }
    for (uint64_t t : tickets) {
      sc_time d;
      ext.phase = split_access_extension::complete;
      ext.ticket = t;
      REQUIRE(split(s, ext, 0, buf[0], 16, false, d) == tlm::TLM_OK_RESPONSE);
      done.push_back(sc_core::sc_time_stamp() + d);
      issued.push_back(ext.issued);
    }
  });
  run(b.stim);
  // Two in flight: the third leaves when the first completes.
  CHECK(issued == std::vector<sc_time>{ns(0), ns(0), ns(10), ns(10)});
  CHECK(done == std::vector<sc_time>{ns(10), ns(10), ns(20), ns(20)});
}

TEST_CASE("memory: the DRAM controller reorders a stream's split accesses",
          "[modules][memory]") {
  const auto spec = dwvp::dram::preset("ddr4_2400_x64");
  split_bench b(std::make_unique<dwvp::models::dram_channel_timing>(
      spec, dwvp::dram::address_mapping::default_for(spec)));
  sc_time first, conflict, hit;
  tlm::tlm_response_status bad{};
  uint8_t buf[64] = {};
  b.stim.set_body([&](stimulus& s) {
    // A plain read opens row 0 of BG0 bank 0: ACT @1, RD @17, done @37 clocks.
    sc_time d;
    REQUIRE(s.read(0, 0x0, buf, 64, d) == tlm::TLM_OK_RESPONSE);
    first = d;
    // @100 clocks: a conflict (row 1) and then a hit (0x100) on one stream. The hit is
    // served first (RD @101, done @121); the conflict waits for it (PRE @110, ACT @126,
    // RD @142, done @162).
    split_access_extension ext;
    ext.stream = 1;
    ext.window = 4;
    uint64_t tickets[2];
    const uint64_t addrs[2] = {1u << 17, 0x100};
    for (int k = 0; k < 2; ++k) {
      sc_time at = ps(100 * ck);
      ext.phase = split_access_extension::submit;
      REQUIRE(split(s, ext, addrs[k], buf, 64, false, at) == tlm::TLM_OK_RESPONSE);
      tickets[k] = ext.ticket;
    }
    sc_time dc, dh;
    ext.phase = split_access_extension::complete;
    ext.ticket = tickets[0];
    REQUIRE(split(s, ext, addrs[0], buf, 64, false, dc) == tlm::TLM_OK_RESPONSE);
    ext.ticket = tickets[1];
    REQUIRE(split(s, ext, addrs[1], buf, 64, false, dh) == tlm::TLM_OK_RESPONSE);
    conflict = dc;
    hit = dh;
    // A ticket completed already (or never given) is an error, not an abort.
    sc_time dx;
    bad = split(s, ext, addrs[1], buf, 64, false, dx);
  });
  run(b.stim);
  CHECK(first == ps(37 * ck));
  CHECK(hit == ps(121 * ck));
  CHECK(conflict == ps(162 * ck));
  CHECK(bad == tlm::TLM_GENERIC_ERROR_RESPONSE);
}
