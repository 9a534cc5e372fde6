// sram_buffer (models/sram) driven through its target socket by a stimulus module:
// data, port-word counters, annotated delay (bytes over banks x port bytes per clock),
// the TLM error responses, debug transport and the DMI pointer.
#include "module_bench.h"
#include "sram_buffer.h"

#include <catch2/catch.hpp>

#include <cmath>

#include <cstring>
#include <vector>

using namespace dwvp::test;
using dwvp::models::sram_buffer;
using dwvp::models::sram_params;

namespace {

// 2 x 1 KiB, 2 banks of 4-byte ports: 8 bytes per 1 ns clock, 125 ps per byte.
sram_params small_params() {
  sram_params p;
  p.half_bytes = 1024;
  p.port_bytes = 4;
  p.banks = 2;
  p.clock_period = ns(1);
  return p;
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(seed + 13 * i);
  return v;
}

} // namespace

TEST_CASE("sram: writes then reads return the bytes counted in port words",
          "[modules][sram]") {
  quiet_models();
  sram_buffer sram("sram", small_params());
  stimulus stim("stim", 1);
  stim[0].bind(sram.socket);

  std::vector<uint8_t> read_back, whole_end, high_half;
  sc_time write_delay, read_delay, accumulated, time_after;
  tlm::tlm_response_status w_status{}, r_status{}, end_status{}, high_status{};
  stim.set_body([&](stimulus& s) {
    const auto data = pattern(37, 1);
    write_delay = SC_ZERO_TIME;
    w_status = s.write(0, 100, data.data(), 37, write_delay);
    read_back.assign(37, 0);
    read_delay = SC_ZERO_TIME;
    r_status = s.read(0, 100, read_back.data(), 37, read_delay);
    // The last 8 bytes of the buffer (second half), with a delay already annotated.
    const auto tail = pattern(8, 99);
    accumulated = ns(3);
    end_status = s.write(0, 2040, tail.data(), 8, accumulated);
    whole_end.assign(8, 0);
    sc_time d;
    s.read(0, 2040, whole_end.data(), 8, d);
    // One byte in the second half.
    uint8_t b = 0x5a;
    high_status = s.write(0, 1024, &b, 1, d);
    high_half = s.peek(0, 1024, 1);
    time_after = sc_core::sc_time_stamp();
  });
  run(stim);

  CHECK(sram.size() == 2048);
  CHECK(w_status == tlm::TLM_OK_RESPONSE);
  CHECK(r_status == tlm::TLM_OK_RESPONSE);
  CHECK(end_status == tlm::TLM_OK_RESPONSE);
  CHECK(high_status == tlm::TLM_OK_RESPONSE);
  CHECK(read_back == pattern(37, 1));
  CHECK(std::memcmp(sram.data() + 100, pattern(37, 1).data(), 37) == 0);
  CHECK(sram.data()[99] == 0);
  CHECK(sram.data()[137] == 0);
  CHECK(whole_end == pattern(8, 99));
  CHECK(high_half == std::vector<uint8_t>{0x5a});
  // 37 bytes at 8 bytes per 1 ns clock: 4.625 ns, added to what was annotated.
  CHECK(write_delay == ps(4625));
  CHECK(read_delay == ps(4625));
  CHECK(accumulated == ns(3) + ns(1));
  // Loosely timed: the buffer annotates, it never waits.
  CHECK(time_after == SC_ZERO_TIME);
  // Port words: ceil(37 / 4) = 10 per 37-byte access, 2 per 8-byte one, 1 per byte.
  CHECK(sram.writes() == 10 + 2 + 1);
  CHECK(sram.reads() == 10 + 2);
  CHECK(sram.bytes_written() == 37 + 8 + 1);
  CHECK(sram.bytes_read() == 37 + 8);
}

TEST_CASE("sram: annotated delay is length / (banks x port bytes) clock periods",
          "[modules][sram]") {
  quiet_models();
  struct config {
    uint32_t port, banks;
    double period_ns;
  };
  const std::vector<config> configs = {
      {32, 16, 1.0}, // 512 B per cycle
      {1, 1, 2.0},   // 1 B per 2 ns
      {8, 4, 2.5},   // 32 B per 2.5 ns
      {16, 1, 1.0},  // 16 B per cycle
  };
  std::vector<std::unique_ptr<sram_buffer>> srams;
  for (size_t i = 0; i < configs.size(); ++i) {
    sram_params p;
    p.half_bytes = 4096;
    p.port_bytes = configs[i].port;
    p.banks = configs[i].banks;
    p.clock_period = ns(configs[i].period_ns);
    srams.push_back(
        std::make_unique<sram_buffer>(("sram_" + std::to_string(i)).c_str(), p));
  }
  stimulus stim("stim", static_cast<unsigned>(configs.size()));
  for (size_t i = 0; i < configs.size(); ++i)
    stim[static_cast<unsigned>(i)].bind(srams[i]->socket);

  struct sample {
    size_t sram;
    unsigned len;
    sc_time delay;
  };
  std::vector<sample> samples;
  const std::vector<unsigned> lengths = {1, 7, 32, 64, 512, 1000, 4096};
  stim.set_body([&](stimulus& s) {
    std::vector<uint8_t> buf(4096, 0x11);
    for (size_t i = 0; i < configs.size(); ++i)
      for (unsigned len : lengths) {
        sc_time d;
        s.write(static_cast<unsigned>(i), 0, buf.data(), len, d);
        samples.push_back({i, len, d});
        sc_time r;
        s.read(static_cast<unsigned>(i), 0, buf.data(), len, r);
        samples.push_back({i, len, r});
      }
  });
  run(stim);

  REQUIRE(samples.size() == configs.size() * lengths.size() * 2);
  for (const sample& x : samples) {
    const config& c = configs[x.sram];
    // Independent: bytes / (banks * port) cycles of period, in picoseconds (an sc_time
    // holds whole picoseconds at the default resolution: within half a picosecond).
    const double exact_ps = double(x.len) * c.period_ns * 1000.0 / (c.banks * c.port);
    INFO("sram " << x.sram << " len " << x.len << " delay " << x.delay);
    CHECK(x.delay.to_seconds() * 1e12 == Approx(exact_ps).margin(0.5001));
  }
  // Whole cycles where the length is a multiple of the width.
  CHECK(samples[2 * 6].delay == ns(8)); // 4096 B at 512 B per cycle
}

TEST_CASE("sram: refused accesses get the TLM error responses and change nothing",
          "[modules][sram]") {
  quiet_models();
  sram_buffer sram("sram", small_params());
  stimulus stim("stim", 1);
  stim[0].bind(sram.socket);

  struct outcome {
    const char* what;
    tlm::tlm_response_status got, want;
    sc_time delay;
  };
  std::vector<outcome> outcomes;
  tlm::tlm_response_status ignore_status{};
  stim.set_body([&](stimulus& s) {
    std::vector<uint8_t> buf(64, 0xcc);
    auto attempt = [&](const char* what, tlm::tlm_response_status want, uint64_t addr,
                       unsigned len, tlm::tlm_command cmd, unsigned char* be,
                       unsigned be_len, unsigned width) {
      tlm::tlm_generic_payload t;
      stimulus::prepare(t, cmd, addr, buf.data(), len);
      t.set_byte_enable_ptr(be);
      t.set_byte_enable_length(be_len);
      t.set_streaming_width(width);
      sc_time d = ns(2);
      s[0]->b_transport(t, d);
      outcomes.push_back({what, t.get_response_status(), want, d});
    };
    unsigned char be[4] = {0xff, 0, 0xff, 0};
    using tlm::TLM_READ_COMMAND;
    using tlm::TLM_WRITE_COMMAND;
    attempt("write at the size", tlm::TLM_ADDRESS_ERROR_RESPONSE, 2048, 4,
            TLM_WRITE_COMMAND, nullptr, 0, 4);
    attempt("read far outside", tlm::TLM_ADDRESS_ERROR_RESPONSE, 0x10000000, 4,
            TLM_READ_COMMAND, nullptr, 0, 4);
    attempt("write crossing the end", tlm::TLM_ADDRESS_ERROR_RESPONSE, 2040, 16,
            TLM_WRITE_COMMAND, nullptr, 0, 16);
    attempt("read crossing the end", tlm::TLM_ADDRESS_ERROR_RESPONSE, 2047, 2,
            TLM_READ_COMMAND, nullptr, 0, 2);
    attempt("zero length", tlm::TLM_ADDRESS_ERROR_RESPONSE, 0, 0, TLM_READ_COMMAND,
            nullptr, 0, 0);
    attempt("write with byte enables", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, 0, 4,
            TLM_WRITE_COMMAND, be, 4, 4);
    attempt("read with byte enables", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, 8, 4,
            TLM_READ_COMMAND, be, 4, 4);
    attempt("write, streaming width below length", tlm::TLM_BURST_ERROR_RESPONSE, 0, 8,
            TLM_WRITE_COMMAND, nullptr, 0, 4);
    attempt("read, streaming width below length", tlm::TLM_BURST_ERROR_RESPONSE, 0, 8,
            TLM_READ_COMMAND, nullptr, 0, 1);
    // The same length as the streaming width, and a wider streaming width, are fine.
    attempt("streaming width = length", tlm::TLM_OK_RESPONSE, 0, 8, TLM_READ_COMMAND,
            nullptr, 0, 8);
    attempt("streaming width > length", tlm::TLM_OK_RESPONSE, 0, 8, TLM_READ_COMMAND,
            nullptr, 0, 64);
    // TLM_IGNORE_COMMAND: answered OK, no effect.
    tlm::tlm_generic_payload t;
    stimulus::prepare(t, tlm::TLM_IGNORE_COMMAND, 0, buf.data(), 4);
    sc_time d;
    s[0]->b_transport(t, d);
    ignore_status = t.get_response_status();
  });
  run(stim);

  for (const outcome& o : outcomes) {
    INFO(o.what);
    CHECK(o.got == o.want);
    if (o.want != tlm::TLM_OK_RESPONSE)
      CHECK(o.delay == ns(2)); // a refused access takes no time
  }
  CHECK(ignore_status == tlm::TLM_OK_RESPONSE);
  // Nothing written; only the two OK reads counted (8 bytes each, 2 port words each).
  for (uint64_t i = 0; i < sram.size(); ++i)
    REQUIRE(sram.data()[i] == 0);
  CHECK(sram.writes() == 0);
  CHECK(sram.bytes_written() == 0);
  CHECK(sram.reads() == 4);
  CHECK(sram.bytes_read() == 16);
}

TEST_CASE("sram: debug transport moves bytes without time or counts",
          "[modules][sram]") {
  quiet_models();
  sram_buffer sram("sram", small_params());
  stimulus stim("stim", 1);
  stim[0].bind(sram.socket);

  unsigned wrote = 0, read = 0, outside = 0, crossing = 0, with_be = 0;
  std::vector<uint8_t> back(300);
  tlm::tlm_response_status outside_status{};
  stim.set_body([&](stimulus& s) {
    const auto data = pattern(300, 7);
    wrote = s.debug(0, tlm::TLM_WRITE_COMMAND, 1500, const_cast<uint8_t*>(data.data()),
                    300);
    read = s.debug(0, tlm::TLM_READ_COMMAND, 1500, back.data(), 300);
    tlm::tlm_generic_payload t;
    uint8_t b[4];
    stimulus::prepare(t, tlm::TLM_READ_COMMAND, 4096, b, 4);
    outside = s[0]->transport_dbg(t);
    outside_status = t.get_response_status();
    crossing = s.debug(0, tlm::TLM_READ_COMMAND, 2046, b, 4);
    unsigned char be[4] = {0xff, 0xff, 0xff, 0xff};
    stimulus::prepare(t, tlm::TLM_READ_COMMAND, 0, b, 4);
    t.set_byte_enable_ptr(be);
    t.set_byte_enable_length(4);
    with_be = s[0]->transport_dbg(t);
  });
  run(stim);

  CHECK(wrote == 300);
  CHECK(read == 300);
  CHECK(back == pattern(300, 7));
  CHECK(std::memcmp(sram.data() + 1500, pattern(300, 7).data(), 300) == 0);
  CHECK(outside == 0);
  CHECK(outside_status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(crossing == 0);
  CHECK(with_be == 0);
  CHECK(sram.reads() == 0);
  CHECK(sram.writes() == 0);
  CHECK(sram.bytes_read() == 0);
  CHECK(sram.bytes_written() == 0);
  CHECK(sc_core::sc_time_stamp() == SC_ZERO_TIME);
}

TEST_CASE("sram: the DMI pointer covers the whole buffer", "[modules][sram]") {
  quiet_models();
  sram_buffer sram("sram", small_params());
  stimulus stim("stim", 1);
  stim[0].bind(sram.socket);

  bool granted = false;
  tlm::tlm_dmi dmi;
  std::vector<uint8_t> via_debug;
  stim.set_body([&](stimulus& s) {
    tlm::tlm_generic_payload t;
    uint8_t b = 0;
    stimulus::prepare(t, tlm::TLM_READ_COMMAND, 1030, &b, 1);
    granted = s[0]->get_direct_mem_ptr(t, dmi);
    if (granted && dmi.get_dmi_ptr()) {
      // Writes through the pointer are the buffer's bytes, at both ends.
      dmi.get_dmi_ptr()[0] = 0x12;
      dmi.get_dmi_ptr()[2047] = 0x34;
      via_debug = s.peek(0, 0, 1);
      const auto last = s.peek(0, 2047, 1);
      via_debug.push_back(last[0]);
    }
  });
  run(stim);

  REQUIRE(granted);
  CHECK(dmi.get_dmi_ptr() == sram.data());
  CHECK(dmi.get_start_address() == 0);
  CHECK(dmi.get_end_address() == sram.size() - 1);
  CHECK(dmi.is_read_write_allowed());
  // Per-byte latency: 125 ps at 8 bytes per 1 ns clock.
  CHECK(dmi.get_read_latency() == ps(125));
  CHECK(dmi.get_write_latency() == ps(125));
  CHECK(via_debug == std::vector<uint8_t>{0x12, 0x34});
}

// Each access's time is the bytes over the width rounded to the kernel's 1 ps
// resolution (sram_buffer.h): many small accesses sum to the exact time within half a
// picosecond per access. (Engines bound their feed time by counting bytes instead.)
TEST_CASE("sram: many small accesses sum to the bytes over the width within the rounding",
          "[modules][sram]") {
  quiet_models();
  sram_params p;
  p.half_bytes = 4096;
  p.port_bytes = 3; // 3 bytes per 1 ns clock: 333.33 ps per byte
  p.banks = 1;
  p.clock_period = ns(1);
  sram_buffer sram("sram", p);
  stimulus stim("stim", 1);
  stim[0].bind(sram.socket);
  sc_time ones, twos, whole;
  stim.set_body([&](stimulus& s) {
    uint8_t buf[3000] = {};
    for (int i = 0; i < 3000; ++i)
      s.read(0, i, buf, 1, ones); // 3000 bytes, one at a time
    for (int i = 0; i < 1500; ++i)
      s.read(0, 2 * i, buf, 2, twos); // 3000 bytes, two at a time
    s.read(0, 0, buf, 3000, whole); // 3000 bytes at once
  });
  run(stim);
  CHECK(whole == ns(1000));
  CHECK(ones == ps(999000));  // 3000 x 333 ps: 1000 ns - 3000 x 1/3 ps
  CHECK(twos == ps(1000500)); // 1500 x 667 ps: 1000 ns + 1500 x 1/3 ps
  const double exact_ps = 1e6;
  CHECK(std::abs(ones.to_seconds() * 1e12 - exact_ps) <= 3000 * 0.5);
  CHECK(std::abs(twos.to_seconds() * 1e12 - exact_ps) <= 1500 * 0.5);
}
