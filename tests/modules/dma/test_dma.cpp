// The DMA (models/dma) on its own: a stimulus sends dma_command records into
// cmd_socket; bus_socket reaches a plain memory with a fixed latency per burst that
// records every burst; local_socket reaches two SRAM buffers behind a local bus.
// Checked: strided loads land packed, stores write back with strides, burst sizes,
// the outstanding-burst limit, the end time (computed here from the memory's latency),
// bus errors, counters, local moves, debug mirrors and refused payloads.
#include "module_bench.h"
#include "vcd_reader.h"

#include "bus.h"
#include "dma.h"
#include "sram_buffer.h"
#include "timeline.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace dwvp::test;
using dwvp::models::dma;
using dwvp::models::dma_command;
using dwvp::models::dma_params;
using dwvp::models::sram_buffer;
using dwvp::models::sram_params;
using dwvp::models::strided_region;
namespace local_map = dwvp::models::local_map;

namespace {

constexpr uint64_t k_mem = 0x8000'0000;
constexpr uint64_t k_mem_size = 64 * 1024;
const sc_time k_latency = ns(10); // per burst, whatever its length
constexpr uint32_t k_burst = 16;
constexpr uint32_t k_outstanding = 3;

// 2 x 2 KiB, 8 bytes per 1 ns clock (125 ps per byte).
sram_params sram_config() {
  sram_params p;
  p.half_bytes = 2048;
  p.port_bytes = 4;
  p.banks = 2;
  p.clock_period = ns(1);
  return p;
}

// stimulus socket 0: dma.cmd_socket; socket 1: the local bus (backdoor for the test).
struct dma_bench {
  quiet_logs quiet;
  dwvp::models::timeline events{"events"};
  test_memory mem{"mem", k_mem, k_mem_size, k_latency};
  dwvp::bus local_bus{"local_bus", SC_ZERO_TIME};
  sram_buffer input{"input_buffer", sram_config()};
  sram_buffer output{"output_buffer", sram_config()};
  dma dut;
  stimulus stim{"stim", 2};

  explicit dma_bench(dma_params p = {k_burst, k_outstanding}) : dut("dma", p, events) {
    stim[0].bind(dut.cmd_socket);
    stim[1].bind(local_bus.target_socket);
    dut.bus_socket.bind(mem.socket);
    dut.local_socket.bind(local_bus.target_socket);
    local_bus.initiator_socket.bind(input.socket);
    local_bus.map(local_map::input_buffer, input.size(), 0, "input_buffer");
    local_bus.initiator_socket.bind(output.socket);
    local_bus.map(local_map::output_buffer, output.size(), 1, "output_buffer");
    for (uint64_t i = 0; i < k_mem_size; ++i)
      *mem.at(k_mem + i) = static_cast<uint8_t>(i * 7 + 3);
  }
};

strided_region region(uint64_t addr, uint32_t row_bytes, uint32_t rows, uint32_t planes,
                      uint64_t row_stride, uint64_t plane_stride) {
  strided_region r;
  r.addr = addr;
  r.row_bytes = row_bytes;
  r.rows = rows;
  r.planes = planes;
  r.row_stride = row_stride;
  r.plane_stride = plane_stride;
  return r;
}

// The bytes of a strided region of the memory, packed.
std::vector<uint8_t> gather(test_memory& m, const strided_region& r) {
  std::vector<uint8_t> v;
  for (uint32_t p = 0; p < r.planes; ++p)
    for (uint32_t y = 0; y < r.rows; ++y)
      for (uint32_t b = 0; b < r.row_bytes; ++b)
        v.push_back(*m.at(r.addr + p * r.plane_stride + y * r.row_stride + b));
  return v;
}

// Expected bursts of a region: every contiguous run split into burst_bytes pieces.
struct expected_burst {
  uint64_t addr;
  unsigned len;
};
std::vector<expected_burst> split(const std::vector<std::pair<uint64_t, uint64_t>>& runs,
                                  uint32_t burst) {
  std::vector<expected_burst> v;
  for (const auto& run : runs)
    for (uint64_t done = 0; done < run.second; done += burst)
      v.push_back({run.first + done,
                   static_cast<unsigned>(std::min<uint64_t>(burst, run.second - done))});
  return v;
}

// Completion of the last of n bursts issued from `start`, each taking `latency`, with
// at most `outstanding` in flight: a slot model independent of the DMA's.
sc_time expected_end(size_t n, sc_time start, sc_time latency, unsigned outstanding) {
  std::vector<sc_time> done(n);
  sc_time last = start;
  for (size_t k = 0; k < n; ++k) {
    const sc_time issue =
        k >= outstanding ? std::max(start, done[k - outstanding]) : start;
    done[k] = issue + latency;
    last = std::max(last, done[k]);
  }
  return last;
}

void check_bursts(const std::vector<burst_record>& got,
                  const std::vector<expected_burst>& want, bool write) {
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    INFO("burst " << k);
    CHECK(got[k].addr == want[k].addr);
    CHECK(got[k].len == want[k].len);
    CHECK(got[k].len <= k_burst);
    CHECK(got[k].write == write);
  }
}

// Issue of burst k no earlier than the completion of burst k - outstanding, and never
// more than `outstanding` in flight at any issue.
void check_outstanding(const std::vector<burst_record>& b, unsigned outstanding) {
  for (size_t k = outstanding; k < b.size(); ++k) {
    INFO("burst " << k);
    CHECK(b[k].issue >= b[k - outstanding].complete);
  }
  for (size_t k = 0; k < b.size(); ++k) {
    unsigned in_flight = 0;
    for (size_t j = 0; j < b.size(); ++j)
      if (b[j].issue <= b[k].issue && b[k].issue < b[j].complete)
        ++in_flight;
    INFO("burst " << k);
    CHECK(in_flight <= outstanding);
  }
}

} // namespace

TEST_CASE("dma: a load of a strided 3D region lands packed in the SRAM",
          "[modules][dma]") {
  dma_bench b;
  const strided_region src = region(k_mem + 0x100, 20, 3, 2, 64, 1024);
  dma_command c;
  tlm::tlm_response_status status{};
  sc_time returned_at;
  b.stim.set_body([&](stimulus& s) {
    c.kind = dma_command::load;
    c.external = src;
    c.local_addr = local_map::input_buffer + 8;
    c.start = ns(5);
    status = s.send(0, c);
    returned_at = sc_core::sc_time_stamp();
  });
  run(b.stim);

  REQUIRE(status == tlm::TLM_OK_RESPONSE);
  const std::vector<uint8_t> want = gather(b.mem, src);
  REQUIRE(want.size() == 120);
  CHECK(std::vector<uint8_t>(b.input.data() + 8, b.input.data() + 128) == want);
  CHECK(b.input.data()[7] == 0);
  CHECK(b.input.data()[128] == 0);
  // Each 20-byte row is a run of its own: a 16-byte and a 4-byte burst.
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  for (uint32_t p = 0; p < 2; ++p)
    for (uint32_t y = 0; y < 3; ++y)
      runs.push_back({src.addr + p * 1024 + y * 64, 20});
  check_bursts(b.mem.bursts(), split(runs, k_burst), false);
  check_outstanding(b.mem.bursts(), k_outstanding);
  // 12 bursts, 3 in flight, 10 ns each, from 5 ns: 4 waves, done at 45 ns.
  const sc_time end = expected_end(12, ns(5), k_latency, k_outstanding);
  CHECK(end == ns(45));
  CHECK(c.end == end);
  CHECK(b.mem.bursts().front().issue == ns(5));
  CHECK(b.dut.bytes_read() == 120);
  CHECK(b.dut.bytes_written() == 0);
  CHECK(b.dut.bursts() == 12);
  CHECK(b.dut.busy_time() == end - ns(5));
  // The SRAM side: one local write per burst, ceil(len / 4) port words each.
  CHECK(b.input.bytes_written() == 120);
  CHECK(b.input.writes() == 6 * (4 + 1));
  // Loosely timed: the command returns at once with its end time annotated.
  CHECK(returned_at == SC_ZERO_TIME);
}

TEST_CASE("dma: bursts respect burst_bytes and the outstanding limit and the end time",
          "[modules][dma]") {
  dma_bench b;
  b.events.enable();
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file("module_dma_bursts");
  b.dut.trace(tf);

  dma_command contiguous, planes, late;
  std::vector<burst_record> first, second, third;
  tlm::tlm_response_status s1{}, s2{}, s3{};
  b.stim.set_body([&](stimulus& s) {
    // One contiguous run of 200 bytes (rows back to back): 12 x 16 + 8.
    contiguous.kind = dma_command::load;
    contiguous.external = region(k_mem + 0x1000, 50, 4, 1, 50, 0);
    contiguous.local_addr = local_map::input_buffer;
    contiguous.start = SC_ZERO_TIME;
    s1 = s.send(0, contiguous);
    first = b.mem.bursts();
    b.mem.clear_bursts();
    // Rows contiguous, planes apart: one run of 50 bytes per plane.
    planes.kind = dma_command::load;
    planes.external = region(k_mem + 0x2000, 10, 5, 2, 10, 100);
    planes.local_addr = local_map::input_buffer + 0x400;
    planes.start = contiguous.end;
    s2 = s.send(0, planes);
    second = b.mem.bursts();
    b.mem.clear_bursts();
    // A start in the past issues now.
    sc_core::wait(ns(500));
    late.kind = dma_command::load;
    late.external = region(k_mem + 0x3000, 48, 1, 1, 48, 0);
    late.local_addr = local_map::input_buffer + 0x600;
    late.start = ns(100);
    s3 = s.send(0, late);
    third = b.mem.bursts();
    // Let the timeline apply the in-flight levels.
    sc_core::wait(ns(100));
  });
  run(b.stim);
  sc_core::sc_close_vcd_trace_file(tf);

  REQUIRE(s1 == tlm::TLM_OK_RESPONSE);
  REQUIRE(s2 == tlm::TLM_OK_RESPONSE);
  REQUIRE(s3 == tlm::TLM_OK_RESPONSE);
  check_bursts(first, split({{k_mem + 0x1000, 200}}, k_burst), false);
  check_outstanding(first, k_outstanding);
  // Split accesses on the engine's read stream, with its window.
  for (const auto& x : first) {
    CHECK(x.stream == dma_params{}.stream);
    CHECK(x.window == k_outstanding);
  }
  CHECK(contiguous.end == expected_end(13, SC_ZERO_TIME, k_latency, k_outstanding));
  CHECK(contiguous.end == ns(50));
  check_bursts(second, split({{k_mem + 0x2000, 50}, {k_mem + 0x2064, 50}}, k_burst),
               false);
  check_outstanding(second, k_outstanding);
  CHECK(second.front().issue == ns(50));
  CHECK(planes.end == expected_end(8, ns(50), k_latency, k_outstanding));
  CHECK(late.start == ns(500));
  REQUIRE(third.size() == 3);
  for (const auto& x : third)
    CHECK(x.issue == ns(500));
  CHECK(late.end == ns(510));
  CHECK(b.dut.bytes_read() == 200 + 100 + 48);
  CHECK(b.dut.bursts() == 13 + 8 + 3);
  for (size_t i = 0; i < 200; ++i)
    REQUIRE(b.input.data()[i] == *b.mem.at(k_mem + 0x1000 + i));
  for (size_t i = 0; i < 100; ++i)
    REQUIRE(b.input.data()[0x400 + i] ==
            *b.mem.at(k_mem + 0x2000 + (i / 50) * 100 + i % 50));

  // The waveform shows the bytes in flight at the bursts' own times.
  const vcd_file vcd = parse_vcd_file("module_dma_bursts.vcd");
  REQUIRE(vcd.timescale_fs > 0);
  auto level_at = [&](sc_time t) {
    const auto v =
        vcd.value_at("dma.bytes_in_flight", t.value() * 1000 / vcd.timescale_fs);
    return v ? vcd_file::value_as_uint(*v) : 0;
  };
  auto expected_level = [&](const std::vector<burst_record>& bursts, sc_time t) {
    uint64_t n = 0;
    for (const auto& x : bursts)
      if (x.issue <= t && t < x.complete)
        n += x.len;
    return n;
  };
  for (double t : {1.0, 5.0, 15.0, 25.0, 35.0, 45.0}) {
    INFO("t = " << t << " ns");
    CHECK(level_at(ns(t)) == expected_level(first, ns(t)));
  }
  CHECK(level_at(ns(5)) == 48);
  CHECK(level_at(ns(45)) == 8);
  CHECK(level_at(ns(505)) == 48);
  CHECK(level_at(ns(515)) == 0);
  std::remove("module_dma_bursts.vcd");
}

TEST_CASE("dma: a store writes the packed local bytes back with strides",
          "[modules][dma]") {
  dma_bench b;
  const strided_region dst = region(k_mem + 0x2000, 10, 3, 2, 32, 200);
  std::vector<uint8_t> packed(60);
  for (size_t i = 0; i < packed.size(); ++i)
    packed[i] = static_cast<uint8_t>(0x80 + i);
  dma_command c;
  tlm::tlm_response_status status{};
  b.stim.set_body([&](stimulus& s) {
    s.poke(1, local_map::output_buffer + 0x40, packed.data(), 60);
    c.kind = dma_command::store;
    c.external = dst;
    c.local_addr = local_map::output_buffer + 0x40;
    c.start = ns(20);
    status = s.send(0, c);
  });
  b.mem.fill(0xee);
  run(b.stim);

  REQUIRE(status == tlm::TLM_OK_RESPONSE);
  CHECK(gather(b.mem, dst) == packed);
  // Every byte around and between the rows is untouched.
  size_t touched = 0;
  for (uint64_t a = dst.addr - 64; a < dst.addr + 600; ++a)
    if (*b.mem.at(a) != 0xee)
      ++touched;
  CHECK(touched == 60);
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  for (uint32_t p = 0; p < 2; ++p)
    for (uint32_t y = 0; y < 3; ++y)
      runs.push_back({dst.addr + p * 200 + y * 32, 10});
  check_bursts(b.mem.bursts(), split(runs, k_burst), true);
  check_outstanding(b.mem.bursts(), k_outstanding);
  CHECK(c.end == expected_end(6, ns(20), k_latency, k_outstanding));
  CHECK(c.end == ns(40));
  CHECK(b.dut.bytes_written() == 60);
  CHECK(b.dut.bytes_read() == 0);
  // Local reads of the packed source: one per burst, ceil(10 / 4) port words each.
  CHECK(b.output.bytes_read() == 60);
  CHECK(b.output.reads() == 6 * 3);
}

TEST_CASE("dma: a bus error returns a non-OK response and the failing address",
          "[modules][dma]") {
  dma_bench b;
  b.mem.fail_range(k_mem + 0x800, k_mem + 0x810);
  dma_command load, store, bad_local, after;
  tlm::tlm_response_status s_load{}, s_store{}, s_local{}, s_after{};
  uint64_t read_after_load = 0, written_after_store = 0;
  b.stim.set_body([&](stimulus& s) {
    // 48 contiguous bytes from 0x7f0: the second burst (0x800) fails.
    load.kind = dma_command::load;
    load.external = region(k_mem + 0x7f0, 48, 1, 1, 48, 0);
    load.local_addr = local_map::input_buffer;
    s_load = s.send(0, load);
    read_after_load = b.dut.bytes_read();
    // A store to an address no memory holds.
    store.kind = dma_command::store;
    store.external = region(0x1000, 8, 1, 1, 8, 0);
    store.local_addr = local_map::output_buffer;
    s_store = s.send(0, store);
    written_after_store = b.dut.bytes_written();
    // A load into a local address nothing is mapped at.
    bad_local.kind = dma_command::load;
    bad_local.external = region(k_mem, 8, 1, 1, 8, 0);
    bad_local.local_addr = 0x7000'0000;
    s_local = s.send(0, bad_local);
    // The DMA still works afterwards.
    after.kind = dma_command::load;
    after.external = region(k_mem + 0x900, 16, 1, 1, 16, 0);
    after.local_addr = local_map::input_buffer + 0x100;
    s_after = s.send(0, after);
  });
  run(b.stim);

  CHECK(s_load != tlm::TLM_OK_RESPONSE);
  CHECK(load.failed_addr == k_mem + 0x800);
  CHECK(read_after_load == 16); // only the burst before the failing one
  CHECK(s_store != tlm::TLM_OK_RESPONSE);
  CHECK(store.failed_addr == 0x1000);
  CHECK(written_after_store == 0);
  CHECK(s_local != tlm::TLM_OK_RESPONSE);
  CHECK(s_after == tlm::TLM_OK_RESPONSE);
  CHECK(after.failed_addr == 0);
  CHECK(std::equal(b.input.data() + 0x100, b.input.data() + 0x110,
                   b.mem.at(k_mem + 0x900)));
  CHECK(b.mem.errors() == 2);
}

TEST_CASE("dma: bytes_read and bytes_written count the bus bytes", "[modules][dma]") {
  dma_bench b;
  std::vector<std::pair<uint64_t, uint64_t>> counts;
  b.stim.set_body([&](stimulus& s) {
    dma_command c;
    c.kind = dma_command::load;
    c.external = region(k_mem, 33, 2, 1, 40, 0);
    c.local_addr = local_map::input_buffer;
    s.send(0, c);
    counts.push_back({b.dut.bytes_read(), b.dut.bytes_written()});
    dma_command st;
    st.kind = dma_command::store;
    st.external = region(k_mem + 0x4000, 7, 3, 1, 9, 0);
    st.local_addr = local_map::input_buffer;
    s.send(0, st);
    counts.push_back({b.dut.bytes_read(), b.dut.bytes_written()});
    dma_command empty; // zero bytes: OK, no burst, ends at its start
    empty.kind = dma_command::load;
    empty.external = region(k_mem, 0, 1, 1, 0, 0);
    empty.start = ns(3);
    const auto st_empty = s.send(0, empty);
    counts.push_back({st_empty == tlm::TLM_OK_RESPONSE, empty.end == ns(3)});
  });
  run(b.stim);
  REQUIRE(counts.size() == 3);
  CHECK(counts[0] == std::pair<uint64_t, uint64_t>{66, 0});
  CHECK(counts[1] == std::pair<uint64_t, uint64_t>{66, 21});
  CHECK(counts[2] == std::pair<uint64_t, uint64_t>{1, 1});
  CHECK(b.mem.bytes_read() == 66);
  CHECK(b.mem.bytes_written() == 21);
  CHECK(b.dut.bursts() == 2 * 3 + 3);
}

TEST_CASE("dma: move copies a strided local region to a packed one", "[modules][dma]") {
  dma_bench b;
  const auto src_bytes = byte_source(11).u8(1024);
  dma_command c;
  tlm::tlm_response_status status{};
  b.stim.set_body([&](stimulus& s) {
    s.poke(1, local_map::input_buffer, src_bytes.data(), 1024);
    c.kind = dma_command::move;
    c.local_src = region(local_map::input_buffer + 0x10, 24, 3, 2, 40, 200);
    c.local_addr = local_map::output_buffer + 0x20;
    c.start = ns(7);
    status = s.send(0, c);
  });
  run(b.stim);

  REQUIRE(status == tlm::TLM_OK_RESPONSE);
  std::vector<uint8_t> want;
  for (uint32_t p = 0; p < 2; ++p)
    for (uint32_t y = 0; y < 3; ++y)
      for (uint32_t x = 0; x < 24; ++x)
        want.push_back(src_bytes[0x10 + p * 200 + y * 40 + x]);
  CHECK(std::vector<uint8_t>(b.output.data() + 0x20, b.output.data() + 0x20 + 144) ==
        want);
  CHECK(b.output.data()[0x1f] == 0);
  CHECK(b.output.data()[0x20 + 144] == 0);
  // The read port's time: 144 bytes at 8 bytes per 1 ns clock = 18 ns after the start.
  CHECK(c.end == ns(7) + ns(18));
  // Nothing on the bus.
  CHECK(b.mem.bursts().empty());
  CHECK(b.dut.bytes_read() == 0);
  CHECK(b.dut.bytes_written() == 0);
  // Rows of 24 bytes in 16 + 8 byte pieces: 4 + 2 port words each way, 6 rows.
  CHECK(b.input.reads() == 6 * 6);
  CHECK(b.output.writes() == 6 * 6);
}

TEST_CASE("dma: mirror is an untimed debug copy of local bytes to the bus",
          "[modules][dma]") {
  dma_bench b;
  const auto local = byte_source(5).u8(512);
  dma_command c;
  tlm::tlm_response_status status{};
  const strided_region ext = region(k_mem + 0x5000, 12, 4, 1, 20, 0);
  b.stim.set_body([&](stimulus& s) {
    s.poke(1, local_map::output_buffer, local.data(), 512);
    c.kind = dma_command::mirror;
    c.external = ext;
    c.local_addr = local_map::output_buffer + 4;
    status = s.send(0, c);
  });
  b.mem.fill(0);
  run(b.stim);
  REQUIRE(status == tlm::TLM_OK_RESPONSE);
  // The local bytes lie with the same strides as the external ones.
  for (uint32_t y = 0; y < 4; ++y)
    for (uint32_t x = 0; x < 12; ++x)
      CHECK(*b.mem.at(ext.addr + y * 20 + x) == local[4 + y * 20 + x]);
  CHECK(b.mem.bursts().empty());
  CHECK(b.dut.bytes_written() == 0);
  CHECK(b.output.reads() == 0);
}

TEST_CASE("dma: a payload that is not a dma_command gets TLM_COMMAND_ERROR_RESPONSE",
          "[modules][dma]") {
  dma_bench b;
  tlm::tlm_response_status short_status{}, read_status{};
  b.stim.set_body([&](stimulus& s) {
    uint32_t word = 0;
    sc_time d;
    short_status = s.write(0, 0, &word, 4, d);
    dma_command c;
    c.kind = dma_command::load;
    c.external = region(k_mem, 16, 1, 1, 16, 0);
    c.local_addr = local_map::input_buffer;
    read_status = s.read(0, 0, &c, sizeof c, d);
  });
  run(b.stim);
  CHECK(short_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(read_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(b.mem.bursts().empty());
  CHECK(b.dut.bursts() == 0);
}

TEST_CASE("dma: chained commands run together on the read and write streams",
          "[modules][dma]") {
  dma_bench b;
  std::vector<uint8_t> packed(64);
  for (size_t i = 0; i < packed.size(); ++i)
    packed[i] = static_cast<uint8_t>(0x40 + i);
  dma_command store, load, move, chained_move;
  tlm::tlm_response_status status{}, move_status{};
  b.stim.set_body([&](stimulus& s) {
    s.poke(1, local_map::output_buffer, packed.data(), 64);
    // A store of 64 bytes (4 bursts) from 10 ns with a load of 96 bytes (6 bursts) from
    // 0 ns: both are submitted before either completes, each on its own stream.
    store.kind = dma_command::store;
    store.external = region(k_mem + 0x4000, 64, 1, 1, 64, 0);
    store.local_addr = local_map::output_buffer;
    store.start = ns(10);
    load.kind = dma_command::load;
    load.external = region(k_mem + 0x5000, 96, 1, 1, 96, 0);
    load.local_addr = local_map::input_buffer;
    load.start = SC_ZERO_TIME;
    store.also = &load;
    status = s.send(0, store);
    // A move cannot be chained.
    move.kind = dma_command::move;
    move.local_src = region(local_map::input_buffer, 16, 1, 1, 16, 0);
    move.local_addr = local_map::output_buffer + 0x100;
    chained_move = move;
    move.also = &chained_move;
    move_status = s.send(0, move);
  });
  run(b.stim);

  REQUIRE(status == tlm::TLM_OK_RESPONSE);
  CHECK(move_status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(gather(b.mem, store.external) == packed);
  for (size_t i = 0; i < 96; ++i)
    REQUIRE(b.input.data()[i] == *b.mem.at(k_mem + 0x5000 + i));
  const auto& bursts = b.mem.bursts();
  REQUIRE(bursts.size() == 4 + 6);
  // Submitted in chain order: the store's 4 bursts, then the load's 6.
  for (size_t k = 0; k < bursts.size(); ++k) {
    INFO("burst " << k);
    CHECK(bursts[k].write == (k < 4));
    CHECK(bursts[k].stream == dma_params{}.stream + (k < 4 ? 1 : 0));
    CHECK(bursts[k].window == k_outstanding);
  }
  // Each stream's window is its own: the load is not held back by the store.
  CHECK(store.end == expected_end(4, ns(10), k_latency, k_outstanding));
  CHECK(load.end == expected_end(6, SC_ZERO_TIME, k_latency, k_outstanding));
  CHECK(load.end == ns(20));
  CHECK(store.end == ns(30));
  CHECK_FALSE(store.failed);
  CHECK_FALSE(load.failed);
}
