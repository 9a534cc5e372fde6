// Every bus error path: address decoding on the interconnect, the register block's
// access rules (size, alignment, byte enables, holes, access direction), the HAL's
// view of a bus error, and the accelerator's DMA kept off unmapped memory (a window
// may cover only DRAM, the ring fetch is window-checked: DWVP_ERR_BUS from the DMA
// needs a broken SoC, so tests/modules covers it).
//
// Raw transactions (odd sizes, byte enables) come from a small initiator on a bench
// wired like platform/soc.cpp, with a second accelerator bound directly to the
// initiator so the register block is also checked without the bus in between. Every
// case checks the exact response status and that the simulation went on afterwards.
#include "platform_helpers.h"

#include "accel.h"
#include "bus.h"
#include "memory.h"

#include "dwvp_driver.h"
#include "hal.h"

#include <catch2/catch.hpp>

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace dwvp::testing;
using tlm::tlm_response_status;

namespace {

// Issues arbitrary payloads from an SC_THREAD.
class raw_initiator : public sc_core::sc_module {
public:
  tlm_utils::simple_initiator_socket<raw_initiator> to_bus{"to_bus"};
  tlm_utils::simple_initiator_socket<raw_initiator> to_regs{"to_regs"};
  std::function<void()> program;
  bool finished = false;

  explicit raw_initiator(sc_core::sc_module_name name) : sc_module(name) {
    SC_HAS_PROCESS(raw_initiator);
    SC_THREAD(run);
  }

  struct request {
    tlm::tlm_command cmd = tlm::TLM_READ_COMMAND;
    uint64_t addr = 0;
    unsigned len = 4;
    unsigned streaming_width = 0; // 0: = len
    std::vector<unsigned char> byte_enables;
    uint32_t write_value = 0; // replicated over the data for writes
  };

  // Sends the request; `data` receives read data (pre-filled with 0xCC).
  tlm_response_status send(bool direct, const request& r,
                           std::vector<unsigned char>* data = nullptr) {
    std::vector<unsigned char> buf(r.len, 0xCC);
    if (r.cmd == tlm::TLM_WRITE_COMMAND)
      for (unsigned i = 0; i < r.len; ++i)
        buf[i] = static_cast<unsigned char>(r.write_value >> (8 * (i % 4)));
    std::vector<unsigned char> be = r.byte_enables;
    tlm::tlm_generic_payload t;
    t.set_command(r.cmd);
    t.set_address(r.addr);
    t.set_data_ptr(buf.data());
    t.set_data_length(r.len);
    t.set_streaming_width(r.streaming_width ? r.streaming_width : r.len);
    if (!be.empty()) {
      t.set_byte_enable_ptr(be.data());
      t.set_byte_enable_length(static_cast<unsigned>(be.size()));
    }
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    (direct ? to_regs : to_bus)->b_transport(t, delay);
    sc_core::wait(delay);
    if (data)
      *data = buf;
    return t.get_response_status();
  }

  tlm_response_status read32(bool direct, uint64_t addr, uint32_t& value) {
    request r;
    r.addr = addr;
    std::vector<unsigned char> d;
    tlm_response_status s = send(direct, r, &d);
    value = uint32_t{d[0]} | uint32_t{d[1]} << 8 | uint32_t{d[2]} << 16 |
            uint32_t{d[3]} << 24;
    return s;
  }
  tlm_response_status write32(bool direct, uint64_t addr, uint32_t value) {
    request r;
    r.cmd = tlm::TLM_WRITE_COMMAND;
    r.addr = addr;
    r.write_value = value;
    return send(direct, r);
  }

private:
  void run() {
    if (program)
      program();
    finished = true;
  }
};

constexpr uint32_t k_bench_dram_size = 16u << 20;

// bus + memory + accelerator wired as in platform/soc.cpp, plus a second accelerator
// whose register socket is bound straight to the initiator.
struct bench {
  dwvp::bus interconnect{"bus", sc_core::sc_time(2, sc_core::SC_NS)};
  dwvp::models::memory dram{"dram", k_bench_dram_size,
                            std::make_unique<dwvp::models::fixed_latency_timing>(
                                sc_core::sc_time(50, sc_core::SC_NS), 19.2)};
  dwvp::models::accel accelerator{"accel", dwvp::models::accel_params{}};
  dwvp::models::accel direct_accel{"direct_accel", dwvp::models::accel_params{}};
  raw_initiator cpu{"cpu"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq{"irq"}, direct_irq{"direct_irq"};

  bench() {
    cpu.to_bus.bind(interconnect.target_socket);
    accelerator.dma_socket.bind(interconnect.target_socket);
    direct_accel.dma_socket.bind(interconnect.target_socket);
    interconnect.initiator_socket.bind(dram.socket);             // port 0
    interconnect.initiator_socket.bind(accelerator.regs_socket); // port 1
    interconnect.map(k_dram, k_bench_dram_size, 0, "dram");
    interconnect.map(k_regs, DWVP_ACCEL_REGS_SIZE, 1, "accel.regs");
    cpu.to_regs.bind(direct_accel.regs_socket);
    accelerator.irq.bind(irq);
    direct_accel.irq.bind(direct_irq);
  }
};

// One observed access.
struct outcome {
  std::string what;
  tlm_response_status status;
  tlm_response_status expected;
};

std::string hex(uint64_t v) {
  char s[32];
  std::snprintf(s, sizeof s, "0x%llx", static_cast<unsigned long long>(v));
  return s;
}

// Register access through the bus (absolute address) and directly (offset).
struct reg_path {
  bool direct;
  uint64_t base;
  const char* name;
};
const reg_path k_paths[] = {{false, k_regs, "bus"}, {true, 0, "direct"}};

// After every refused access, the register block must still answer a good read.
void check_alive(raw_initiator& cpu, std::vector<outcome>& log, uint32_t& id_mismatches) {
  for (const reg_path& p : k_paths) {
    uint32_t id = 0;
    log.push_back({std::string(p.name) + " ID read after an error",
                   cpu.read32(p.direct, p.base + DWVP_REG_ID, id), tlm::TLM_OK_RESPONSE});
    if (id != DWVP_ID_VALUE)
      ++id_mismatches;
  }
}

void require_outcomes(const std::vector<outcome>& log) {
  REQUIRE(!log.empty());
  for (const outcome& o : log) {
    INFO(o.what << ": got " << o.status << ", expected " << o.expected);
    CHECK(o.status == o.expected);
  }
}

} // namespace

TEST_CASE("bus errors: unmapped addresses get TLM_ADDRESS_ERROR_RESPONSE",
          "[platform][bus_errors]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  std::vector<unsigned char> untouched_read;
  const uint64_t unmapped[] = {
      0x10000000u, k_regs + DWVP_ACCEL_REGS_SIZE, 0x60000000u, k_regs - 4,
      0x0u,        k_dram + k_bench_dram_size,    0xFFFFFFFCu};
  b.cpu.program = [&] {
    for (uint64_t a : unmapped) {
      raw_initiator::request r;
      r.addr = a;
      std::vector<unsigned char> d;
      log.push_back(
          {"read " + hex(a), b.cpu.send(false, r, &d), tlm::TLM_ADDRESS_ERROR_RESPONSE});
      if (a == unmapped[0])
        untouched_read = d;
      r.cmd = tlm::TLM_WRITE_COMMAND;
      r.write_value = 0x12345678;
      log.push_back(
          {"write " + hex(a), b.cpu.send(false, r), tlm::TLM_ADDRESS_ERROR_RESPONSE});
      check_alive(b.cpu, log, id_mismatches);
    }
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(b.interconnect.decode_errors() == 2 * std::size(unmapped));
  // The refused read left the initiator's buffer alone.
  CHECK(untouched_read == std::vector<unsigned char>(4, 0xCC));
  CHECK(b.dram.bytes_written() == 0);
}

TEST_CASE("bus errors: an access crossing the end of DRAM or of the register block is "
          "refused whole",
          "[platform][bus_errors]") {
  quiet_logs();
  bench b;
  const uint32_t last_word = k_dram + k_bench_dram_size - 4;
  uint8_t* mem = b.dram.data();
  std::memset(mem + k_bench_dram_size - 8, 0x5A, 8);
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  b.cpu.program = [&] {
    raw_initiator::request r;
    r.addr = last_word;
    r.len = 8;
    log.push_back({"8-byte read at DRAM end - 4", b.cpu.send(false, r),
                   tlm::TLM_ADDRESS_ERROR_RESPONSE});
    r.cmd = tlm::TLM_WRITE_COMMAND;
    r.write_value = 0x11111111;
    log.push_back({"8-byte write at DRAM end - 4", b.cpu.send(false, r),
                   tlm::TLM_ADDRESS_ERROR_RESPONSE});
    r.addr = last_word - 0x1000;
    r.len = 0x2000;
    log.push_back({"8 KiB write straddling DRAM end", b.cpu.send(false, r),
                   tlm::TLM_ADDRESS_ERROR_RESPONSE});
    // Exactly up to the end is fine.
    r.addr = last_word;
    r.len = 4;
    r.cmd = tlm::TLM_READ_COMMAND;
    log.push_back({"last DRAM word", b.cpu.send(false, r), tlm::TLM_OK_RESPONSE});
    // A register access running past the block's end is a decode error on the bus.
    r.addr = k_regs + DWVP_ACCEL_REGS_SIZE - 4;
    r.len = 8;
    log.push_back({"8-byte register read at block end - 4", b.cpu.send(false, r),
                   tlm::TLM_ADDRESS_ERROR_RESPONSE});
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(b.interconnect.decode_errors() == 4);
  for (int i = 0; i < 8; ++i)
    CHECK(mem[k_bench_dram_size - 8 + i] == 0x5A); // nothing written
  CHECK(mem[k_bench_dram_size - 4 - 0x1000] == 0);
}

TEST_CASE(
    "bus errors: register accesses of 1, 2 and 8 bytes get TLM_BURST_ERROR_RESPONSE",
    "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  uint32_t mask_after[2] = {99, 99};
  b.cpu.program = [&] {
    int k = 0;
    for (const reg_path& p : k_paths) {
      for (unsigned len : {1u, 2u, 8u}) {
        for (uint32_t off : {DWVP_REG_ID, DWVP_REG_IRQ_MASK}) {
          raw_initiator::request r;
          r.addr = p.base + off;
          r.len = len;
          const std::string where =
              std::string(p.name) + " " + std::to_string(len) + " bytes at " + hex(off);
          log.push_back(
              {"read " + where, b.cpu.send(p.direct, r), tlm::TLM_BURST_ERROR_RESPONSE});
          r.cmd = tlm::TLM_WRITE_COMMAND;
          r.write_value = DWVP_IRQ_ALL;
          log.push_back(
              {"write " + where, b.cpu.send(p.direct, r), tlm::TLM_BURST_ERROR_RESPONSE});
        }
      }
      // 4 bytes delivered with a streaming width of 2 are two 2-byte accesses.
      raw_initiator::request r;
      r.addr = p.base + DWVP_REG_ID;
      r.streaming_width = 2;
      log.push_back({std::string(p.name) + " streaming width 2", b.cpu.send(p.direct, r),
                     tlm::TLM_BURST_ERROR_RESPONSE});
      log.push_back({std::string(p.name) + " IRQ_MASK read",
                     b.cpu.read32(p.direct, p.base + DWVP_REG_IRQ_MASK, mask_after[k++]),
                     tlm::TLM_OK_RESPONSE});
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  // None of the refused writes reached IRQ_MASK.
  CHECK(mask_after[0] == 0);
  CHECK(mask_after[1] == 0);
}

TEST_CASE("bus errors: misaligned register offsets get TLM_ADDRESS_ERROR_RESPONSE",
          "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  uint32_t mask_after[2] = {99, 99};
  b.cpu.program = [&] {
    int k = 0;
    for (const reg_path& p : k_paths) {
      for (uint32_t off : {0x002u, 0x001u, 0x003u, 0x026u, 0x025u}) {
        raw_initiator::request r;
        r.addr = p.base + off;
        const std::string where = std::string(p.name) + " offset " + hex(off);
        log.push_back(
            {"read " + where, b.cpu.send(p.direct, r), tlm::TLM_ADDRESS_ERROR_RESPONSE});
        r.cmd = tlm::TLM_WRITE_COMMAND;
        r.write_value = 0xFFFFFFFF;
        log.push_back(
            {"write " + where, b.cpu.send(p.direct, r), tlm::TLM_ADDRESS_ERROR_RESPONSE});
      }
      log.push_back({std::string(p.name) + " IRQ_MASK read",
                     b.cpu.read32(p.direct, p.base + DWVP_REG_IRQ_MASK, mask_after[k++]),
                     tlm::TLM_OK_RESPONSE});
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(mask_after[0] == 0);
  CHECK(mask_after[1] == 0);
}

TEST_CASE("bus errors: register accesses with byte enables get "
          "TLM_BYTE_ENABLE_ERROR_RESPONSE",
          "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  uint32_t mask_after[2] = {99, 99};
  b.cpu.program = [&] {
    int k = 0;
    const std::vector<std::vector<unsigned char>> enables = {
        {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED},
        {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_DISABLED, TLM_BYTE_DISABLED}};
    for (const reg_path& p : k_paths) {
      for (size_t e = 0; e < enables.size(); ++e) {
        raw_initiator::request r;
        r.byte_enables = enables[e];
        r.addr = p.base + DWVP_REG_ID;
        const std::string where = std::string(p.name) + " enables #" + std::to_string(e);
        log.push_back({"read ID " + where, b.cpu.send(p.direct, r),
                       tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE});
        r.cmd = tlm::TLM_WRITE_COMMAND;
        r.addr = p.base + DWVP_REG_IRQ_MASK;
        r.write_value = DWVP_IRQ_ALL;
        log.push_back({"write IRQ_MASK " + where, b.cpu.send(p.direct, r),
                       tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE});
      }
      log.push_back({std::string(p.name) + " IRQ_MASK read",
                     b.cpu.read32(p.direct, p.base + DWVP_REG_IRQ_MASK, mask_after[k++]),
                     tlm::TLM_OK_RESPONSE});
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(mask_after[0] == 0);
  CHECK(mask_after[1] == 0);
}

TEST_CASE("bus errors: register holes get TLM_ADDRESS_ERROR_RESPONSE",
          "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  // Gaps of the map in regs.h: after ERR_INDEX, after IRQ_CLEAR, after DOORBELL, the
  // unused words of each DMA window slot, after the windows, before PERF_CTRL, after
  // the last counter, and the far end of the block.
  const uint32_t holes[] = {0x01C, 0x02C, 0x044, 0x048,
                            0x07C, 0x088, 0x08C, 0x0B8,
                            0x0C0, 0x0F0, 0x0F8, DWVP_REG_PERF_LO(DWVP_PERF_COUNT),
                            0x200, 0xFFC};
  b.cpu.program = [&] {
    for (const reg_path& p : k_paths) {
      for (uint32_t off : holes) {
        uint32_t v = 0;
        const std::string where = std::string(p.name) + " hole " + hex(off);
        log.push_back({"read " + where, b.cpu.read32(p.direct, p.base + off, v),
                       tlm::TLM_ADDRESS_ERROR_RESPONSE});
        log.push_back({"write " + where,
                       b.cpu.write32(p.direct, p.base + off, 0xFFFFFFFF),
                       tlm::TLM_ADDRESS_ERROR_RESPONSE});
      }
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(b.interconnect.decode_errors() == 0); // the bus decoded; the block refused
}

TEST_CASE("bus errors: writes to read-only registers get TLM_COMMAND_ERROR_RESPONSE",
          "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  const uint32_t read_only[] = {DWVP_REG_ID,
                                DWVP_REG_VERSION,
                                DWVP_REG_STATUS,
                                DWVP_REG_ERR_LAYER,
                                DWVP_REG_ERR_FIELD,
                                DWVP_REG_ERR_INDEX,
                                DWVP_REG_IRQ_STATUS,
                                DWVP_REG_RING_HEAD,
                                DWVP_REG_PERF_LO(DWVP_PERF_BUSY_CYCLES),
                                DWVP_REG_PERF_HI(DWVP_PERF_MACS),
                                DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE)};
  std::vector<uint32_t> after[2];
  b.cpu.program = [&] {
    int k = 0;
    for (const reg_path& p : k_paths) {
      for (uint32_t off : read_only)
        log.push_back({std::string(p.name) + " write " + hex(off),
                       b.cpu.write32(p.direct, p.base + off, 0x00000007),
                       tlm::TLM_COMMAND_ERROR_RESPONSE});
      for (uint32_t off : read_only) {
        uint32_t v = 0;
        log.push_back({std::string(p.name) + " read back " + hex(off),
                       b.cpu.read32(p.direct, p.base + off, v), tlm::TLM_OK_RESPONSE});
        after[k].push_back(v);
      }
      ++k;
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  for (int k = 0; k < 2; ++k) {
    REQUIRE(after[k].size() == std::size(read_only));
    CHECK(after[k][0] == DWVP_ID_VALUE);
    CHECK(after[k][1] == DWVP_VERSION_VALUE);
    for (size_t i = 2; i < after[k].size(); ++i) {
      INFO("read-only register " << hex(read_only[i]) << " path " << k);
      CHECK(after[k][i] == 0); // still the reset value
    }
  }
  CHECK(b.irq.read() == false);
}

TEST_CASE("bus errors: reads of write-only registers get TLM_COMMAND_ERROR_RESPONSE",
          "[platform][bus_errors][registers]") {
  quiet_logs();
  bench b;
  std::vector<outcome> log;
  uint32_t id_mismatches = 0;
  uint32_t status_after_reads[2] = {99, 99}, status_after_doorbell[2] = {99, 99};
  std::vector<unsigned char> buffer_after_refused_read;
  b.cpu.program = [&] {
    int k = 0;
    for (const reg_path& p : k_paths) {
      // Enabled with no ring configured: a real doorbell raises RING_CONFIG, so a read
      // that rang it by mistake would show in STATUS.
      log.push_back({std::string(p.name) + " enable",
                     b.cpu.write32(p.direct, p.base + DWVP_REG_CTRL, DWVP_CTRL_ENABLE),
                     tlm::TLM_OK_RESPONSE});
      for (uint32_t off : {DWVP_REG_DOORBELL, DWVP_REG_IRQ_CLEAR, DWVP_REG_PERF_CTRL}) {
        raw_initiator::request r;
        r.addr = p.base + off;
        std::vector<unsigned char> d;
        log.push_back({std::string(p.name) + " read " + hex(off),
                       b.cpu.send(p.direct, r, &d), tlm::TLM_COMMAND_ERROR_RESPONSE});
        if (off == DWVP_REG_DOORBELL && !p.direct)
          buffer_after_refused_read = d;
      }
      sc_core::wait(100, sc_core::SC_NS);
      log.push_back(
          {std::string(p.name) + " STATUS",
           b.cpu.read32(p.direct, p.base + DWVP_REG_STATUS, status_after_reads[k]),
           tlm::TLM_OK_RESPONSE});
      // Positive control: the real doorbell is seen.
      log.push_back({std::string(p.name) + " doorbell",
                     b.cpu.write32(p.direct, p.base + DWVP_REG_DOORBELL, 1),
                     tlm::TLM_OK_RESPONSE});
      sc_core::wait(100, sc_core::SC_NS);
      log.push_back(
          {std::string(p.name) + " STATUS after doorbell",
           b.cpu.read32(p.direct, p.base + DWVP_REG_STATUS, status_after_doorbell[k]),
           tlm::TLM_OK_RESPONSE});
      ++k;
    }
    check_alive(b.cpu, log, id_mismatches);
  };
  sc_core::sc_start();
  REQUIRE(b.cpu.finished);
  require_outcomes(log);
  CHECK(id_mismatches == 0);
  CHECK(buffer_after_refused_read == std::vector<unsigned char>(4, 0xCC));
  const uint32_t ring_config = DWVP_STATUS_ERROR | DWVP_ERR_RING_CONFIG
                                                       << DWVP_STATUS_ERR_CODE_SHIFT;
  for (int k = 0; k < 2; ++k) {
    CHECK(status_after_reads[k] == 0);
    CHECK(status_after_doorbell[k] == ring_config);
  }
}

// ------------------------------------------------------------------ through the HAL

TEST_CASE("bus errors: the HAL reads 0xFFFFFFFF and counts bus errors",
          "[platform][bus_errors][hal]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  uint32_t v_unmapped = 0, v_hole = 0, v_wo = 0, v_id = 0;
  uint32_t e0 = 99, e1 = 99, e2 = 99, e3 = 99, e4 = 99, e5 = 99, e6 = 99, e7 = 99;
  int mem_write_rc = 0, mem_read_rc = 0, mem_ok_rc = -1;
  uint64_t t_before = 0, t_after = 0;
  top.host.set_program([&] {
    e0 = hal_bus_errors();
    t_before = hal_time_ns();
    v_unmapped = hal_mmio_read32(0x10000000u);
    e1 = hal_bus_errors();
    v_id = hal_mmio_read32(k_regs + DWVP_REG_ID); // a good read counts nothing
    e2 = hal_bus_errors();
    hal_mmio_write32(0x60000000u, 1);
    e3 = hal_bus_errors();
    v_hole = hal_mmio_read32(k_regs + 0x044);
    e4 = hal_bus_errors();
    v_wo = hal_mmio_read32(k_regs + DWVP_REG_DOORBELL);
    e5 = hal_bus_errors();
    uint8_t buf[16] = {};
    mem_write_rc =
        hal_mem_write(k_dram + k_dram_size - 8, buf, sizeof buf); // crosses the end
    e6 = hal_bus_errors();
    mem_read_rc = hal_mem_read(buf, 0x20000000u, sizeof buf);
    e7 = hal_bus_errors();
    mem_ok_rc = hal_mem_read(buf, k_dram + k_dram_size - 16, sizeof buf);
    t_after = hal_time_ns();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(top.host.failure().empty());
  CHECK(e0 == 0);
  CHECK(v_unmapped == 0xFFFFFFFFu);
  CHECK(e1 == 1);
  CHECK(v_id == DWVP_ID_VALUE);
  CHECK(e2 == 1);
  CHECK(e3 == 2);
  CHECK(v_hole == 0xFFFFFFFFu);
  CHECK(e4 == 3);
  CHECK(v_wo == 0xFFFFFFFFu);
  CHECK(e5 == 4);
  CHECK(mem_write_rc == -1);
  CHECK(e6 == 5);
  CHECK(mem_read_rc == -1);
  CHECK(e7 == 6);
  CHECK(mem_ok_rc == 0);
  CHECK(t_after > t_before); // time went on
  CHECK(top.host.bus_errors() == 6);
  CHECK(top.interconnect.decode_errors() == 4); // two unmapped MMIOs, two memory copies
}

// ------------------------------------------------------------------ accelerator DMA

namespace {

// Runs one descriptor through the driver on the full SoC and records what happened.
struct dma_case {
  int rc = 99;
  dwvp_status st{};
  uint32_t status_reg = 0, head = 0, layers_done = 0, errors = 0;
};

dma_case run_one(const dwvp_desc& d, uint32_t window1_base, uint32_t window1_size) {
  dma_case c;
  dwvp_dev dev;
  dwvp_init(&dev, k_regs, k_ring, 8, 10'000'000);
  dwvp_set_window(&dev, 0, k_dram, k_dram_size);
  dwvp_set_window(&dev, 1, window1_base, window1_size);
  c.rc = dwvp_run(&dev, &d, 1, &c.st);
  c.status_reg = hal_mmio_read32(k_regs + DWVP_REG_STATUS);
  c.head = hal_mmio_read32(k_regs + DWVP_REG_RING_HEAD);
  c.layers_done = hal_mmio_read32(k_regs + DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
  c.errors = hal_bus_errors();
  return c;
}

constexpr uint32_t k_unmapped = 0x20000000u;

} // namespace

TEST_CASE("bus errors: a DMA window over unmapped memory is refused, and a tensor there "
          "never reaches the bus",
          "[platform][bus_errors][dma]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(2, 2, 8, 8, 41, k_dram + 0x100000);
  upload(top, p);
  dwvp_desc d = describe(p, 23);
  d.input_addr = k_unmapped; // the firmware asks for window 1 over it; no target is there
  dma_case c;
  top.host.set_program([&] {
    c = run_one(d, k_unmapped, 0x100000);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(c.errors == 1); // window 1's SIZE write: the window would reach outside DRAM
  CHECK(c.rc == DWVP_E_DEVICE);
  CHECK(c.st.error_code == DWVP_ERR_ADDR_WINDOW);
  CHECK(c.st.error_field == DWVP_FIELD_INPUT_ADDR);
  CHECK(c.st.error_layer == 23);
  CHECK(c.st.error_index == 0);
  CHECK((c.st.irq_status & DWVP_IRQ_ERROR) != 0);
  CHECK(c.status_reg ==
        (DWVP_STATUS_ERROR | DWVP_ERR_ADDR_WINDOW << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK(c.head == 0);
  CHECK(c.layers_done == 0);
  CHECK(mon.rises == 1);
  CHECK(top.interconnect.decode_errors() == 0); // the DMA never went near it
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("bus errors: an output in unmapped memory is refused on output_addr, the "
          "window over it having been refused",
          "[platform][bus_errors][dma]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(2, 2, 8, 8, 42, k_dram + 0x100000);
  upload(top, p);
  dwvp_desc d = describe(p, 24);
  d.output_addr = k_unmapped + 0x40;
  dma_case c;
  top.host.set_program([&] {
    c = run_one(d, k_unmapped, 0x100000);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(c.errors == 1);
  CHECK(c.rc == DWVP_E_DEVICE);
  CHECK(c.st.error_code == DWVP_ERR_ADDR_WINDOW);
  CHECK(c.st.error_field == DWVP_FIELD_OUTPUT_ADDR);
  CHECK(c.st.error_layer == 24);
  CHECK(c.status_reg ==
        (DWVP_STATUS_ERROR | DWVP_ERR_ADDR_WINDOW << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK(c.head == 0);
  CHECK(c.layers_done == 0);
  CHECK(mon.rises == 1);
  CHECK(top.interconnect.decode_errors() == 0);
  CHECK(untouched(top, p.stats_addr(),
                  DWVP_LAYER_STATS_SIZE)); // no stats for a failed layer
}

TEST_CASE("bus errors: a tensor outside every DMA window is refused before any DMA",
          "[platform][bus_errors][dma]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(2, 2, 8, 8, 43, k_dram + 0x100000);
  upload(top, p);
  dwvp_desc d = describe(p, 25);
  d.input_addr = k_unmapped;
  dma_case c;
  top.host.set_program([&] {
    c = run_one(d, 0, 0); // window 1 disabled: only DRAM is allowed
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(c.rc == DWVP_E_DEVICE);
  CHECK(c.st.error_code == DWVP_ERR_ADDR_WINDOW);
  CHECK(c.st.error_field == DWVP_FIELD_INPUT_ADDR);
  CHECK(c.st.error_layer == 25);
  CHECK(c.status_reg ==
        (DWVP_STATUS_ERROR | DWVP_ERR_ADDR_WINDOW << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK(mon.rises == 1);
  CHECK(top.interconnect.decode_errors() == 0); // nothing went near the unmapped range
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("bus errors: a command ring in unmapped memory is outside every window: the "
          "fetch is refused before the bus",
          "[platform][bus_errors][dma]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  int woke = -2;
  uint32_t status = 0, field = 99, layer = 99, index = 99, head = 99, irq_status = 0;
  top.host.set_program([&] {
    dwvp_dev dev;
    dwvp_init(&dev, k_regs, k_ring, 8, 0);
    dwvp_set_window(&dev, 0, k_dram, k_dram_size);
    hal_mmio_write32(k_regs + DWVP_REG_RING_BASE, k_unmapped); // aligned, nothing there
    hal_mmio_write32(k_regs + DWVP_REG_RING_TAIL, 1);
    hal_mmio_write32(k_regs + DWVP_REG_DOORBELL, 1);
    woke = hal_wait_irq(1'000'000);
    status = hal_mmio_read32(k_regs + DWVP_REG_STATUS);
    field = hal_mmio_read32(k_regs + DWVP_REG_ERR_FIELD);
    layer = hal_mmio_read32(k_regs + DWVP_REG_ERR_LAYER);
    index = hal_mmio_read32(k_regs + DWVP_REG_ERR_INDEX);
    head = hal_mmio_read32(k_regs + DWVP_REG_RING_HEAD);
    irq_status = hal_mmio_read32(k_regs + DWVP_REG_IRQ_STATUS);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(woke == 0);
  CHECK(status ==
        (DWVP_STATUS_ERROR | DWVP_ERR_ADDR_WINDOW << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK(field == DWVP_FIELD_RING_ENTRY);
  CHECK(layer == DWVP_ERR_LAYER_UNKNOWN);
  CHECK(index == 0);
  CHECK(head == 0);
  CHECK(irq_status == DWVP_IRQ_ERROR);
  CHECK(mon.rises == 1);
  CHECK(top.interconnect.decode_errors() == 0);
}
