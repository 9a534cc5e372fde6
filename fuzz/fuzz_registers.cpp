// The register block and command processor (models/cmd_proc) as the host sees them:
// MMIO sequences through its register socket. The real module runs, so every register
// handler, guard, the doorbell, the ring fetch, the descriptor check, the watchdog and
// soft reset are exercised. SystemC allows one elaboration per process and libFuzzer
// runs every input in one process, so the bench is built once; each input runs as one
// sc_start() that the stimulus thread ends with sc_pause(), and leaves the device as
// soft reset left it (CTRL.SOFT_RESET, then the command loop quiet).
//
// Input: 7-byte operations (a short tail is ignored):
//   byte 0      kind: bits 0-1 = 0 read, 1 write, 2 wait (value % 4096 ns), 3 write
//               the DRAM word at the offset (descriptors, ring); bit 2 = a 2-byte
//               access instead of 4 (refused by the block)
//   bytes 1-2   register offset, little-endian, masked to 0x1fff (holes, misaligned
//               and past the 4 KiB block included); DRAM: word index
//   bytes 3-6   value, little-endian
// The DRAM (64 KiB at DWVP_DRAM_BASE) starts every input holding a ring of four valid
// pointwise descriptors at its base (fuzz/corpus/registers runs them).
#include "fuzz_target.h"

#include "cmd_proc.h"
#include "module_bench.h" // tests/modules/common: stimulus::prepare, quiet_models

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <vector>

namespace {

namespace m = dwvp::models;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

constexpr uint32_t k_dram_base = DWVP_DRAM_BASE;
constexpr uint32_t k_dram_size = 0x10000;
constexpr size_t k_op_bytes = 7;

using dwvp::test::stimulus;

// Moves bytes between its DRAM and the command processor's staging memory, 10 ns each.
struct fuzz_dma : sc_core::sc_module {
  tlm_utils::simple_target_socket<fuzz_dma> cmd_socket;
  tlm_utils::simple_initiator_socket<fuzz_dma> staging_socket;
  std::vector<uint8_t> dram = std::vector<uint8_t>(k_dram_size, 0);

  explicit fuzz_dma(sc_core::sc_module_name n)
      : sc_module(n), cmd_socket("cmd_socket"), staging_socket("staging_socket") {
    cmd_socket.register_b_transport(this, &fuzz_dma::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time&) {
    m::dma_command* c = m::command_of<m::dma_command>(t);
    if (!c) {
      t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    const uint64_t bytes = c->external.bytes();
    if (c->external.addr < k_dram_base ||
        c->external.addr + bytes > uint64_t{k_dram_base} + k_dram_size) {
      c->failed_addr = c->external.addr;
      t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    tlm::tlm_generic_payload s;
    stimulus::prepare(
        s,
        c->kind == m::dma_command::load ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND,
        c->local_addr - m::local_map::cmd_staging,
        dram.data() + (c->external.addr - k_dram_base), static_cast<unsigned>(bytes));
    sc_time d;
    staging_socket->b_transport(s, d);
    c->end = c->start + sc_time(10, SC_NS);
    t.set_response_status(s.get_response_status());
  }
};

// Runs each layer for (layer_id % 256) * 10 ns, so some outlast the watchdog; layer
// ids ending in 4 or 9 come back with an error.
struct fuzz_sequencer : sc_core::sc_module {
  tlm_utils::simple_target_socket<fuzz_sequencer> layer_socket;

  explicit fuzz_sequencer(sc_core::sc_module_name n)
      : sc_module(n), layer_socket("layer_socket") {
    layer_socket.register_b_transport(this, &fuzz_sequencer::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    m::layer_command* c = m::command_of<m::layer_command>(t);
    if (!c) {
      t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    sc_core::wait(delay + sc_time(10.0 * (c->desc.layer_id % 256), SC_NS));
    delay = SC_ZERO_TIME;
    c->compute_cycles = c->desc.layer_id % 256;
    c->macs = 64;
    c->tiles = 1;
    if (c->desc.layer_id % 5 == 4) {
      c->error = DWVP_ERR_UNSUPPORTED;
      c->field = DWVP_FIELD_OPCODE;
      c->message = "refused by the fuzz sequencer";
    }
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// A valid 2x2x4 pointwise descriptor, its tensors 4 KiB apart in the DRAM.
dwvp_desc pointwise(uint16_t layer_id) {
  dwvp_desc d{};
  d.magic = DWVP_DESC_MAGIC;
  d.layer_id = layer_id;
  d.opcode = DWVP_OP_POINTWISE;
  d.flags = DWVP_FLAG_IRQ;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.in_h = d.out_h = d.in_w = d.out_w = 2;
  d.in_c = d.out_c = 4;
  d.act_min = -128;
  d.act_max = 127;
  uint32_t* tensors[] = {&d.input_addr, &d.weight_addr, &d.bias_addr,
                         &d.quant_addr, &d.output_addr, &d.stats_addr};
  for (uint32_t i = 0; i < std::size(tensors); ++i)
    *tensors[i] = k_dram_base + 0x1000 * (i + 1);
  return d;
}

struct fuzz_bench : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<fuzz_bench> regs;
  fuzz_dma dma{"dma"};
  fuzz_sequencer seq{"sequencer"};
  m::cmd_proc cp;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq{"irq"};
  std::vector<uint8_t> input;
  bool done = false;

  static m::cmd_proc_limits limits() {
    m::cmd_proc_limits l;
    l.dram_base = k_dram_base;
    l.dram_size = k_dram_size;
    l.watchdog_cycles = 1000;
    return l;
  }

  explicit fuzz_bench(sc_core::sc_module_name n)
      : sc_module(n), regs("regs"), cp(
                                        "cmd_proc", sc_time(1, SC_NS),
                                        [] { return m::traffic_counters{}; }, limits()) {
    regs.bind(cp.regs_socket);
    cp.dma_socket.bind(dma.cmd_socket);
    dma.staging_socket.bind(cp.staging_socket);
    cp.layer_socket.bind(seq.layer_socket);
    cp.irq(irq);
    SC_HAS_PROCESS(fuzz_bench);
    SC_THREAD(run);
  }

  // The DRAM as every input finds it: four descriptors at the base.
  void reset_dram() {
    std::fill(dma.dram.begin(), dma.dram.end(), 0);
    for (uint16_t i = 0; i < 4; ++i) {
      const dwvp_desc d = pointwise(static_cast<uint16_t>(i + 1));
      std::memcpy(dma.dram.data() + i * DWVP_DESC_SIZE, &d, sizeof d);
    }
  }

  void access(tlm::tlm_command cmd, uint64_t offset, uint32_t& value, unsigned len) {
    unsigned char bytes[4];
    std::memcpy(bytes, &value, 4);
    tlm::tlm_generic_payload t;
    stimulus::prepare(t, cmd, offset, bytes, len);
    sc_time delay = SC_ZERO_TIME;
    regs->b_transport(t, delay);
    sc_core::wait(delay);
  }

  void run() {
    for (;;) {
      for (size_t at = 0; at + k_op_bytes <= input.size(); at += k_op_bytes) {
        const uint8_t* op = input.data() + at;
        const unsigned len = op[0] & 4 ? 2 : 4;
        const uint32_t offset = (op[1] | uint32_t{op[2]} << 8) & 0x1fff;
        uint32_t value;
        std::memcpy(&value, op + 3, 4);
        switch (op[0] & 3) {
        case 0:
          access(tlm::TLM_READ_COMMAND, offset, value, len);
          break;
        case 1:
          access(tlm::TLM_WRITE_COMMAND, offset, value, len);
          break;
        case 2:
          sc_core::wait(sc_time(value % 4096, SC_NS));
          break;
        default:
          std::memcpy(dma.dram.data() + (offset * 4) % k_dram_size, &value, 4);
        }
      }
      // Let a ring in flight run a while, then soft reset: the next input finds the
      // device fresh. The longest layer (2.55 us) ends before the pause.
      sc_core::wait(sc_time(5, sc_core::SC_US));
      uint32_t reset = DWVP_CTRL_SOFT_RESET;
      access(tlm::TLM_WRITE_COMMAND, DWVP_REG_CTRL, reset, 4);
      sc_core::wait(sc_time(5, sc_core::SC_US));
      done = true;
      sc_core::sc_pause();
      sc_core::wait(sc_time(1, SC_NS)); // resumed by the next input's sc_start
    }
  }
};

fuzz_bench& bench() {
  // Built on first use and never destroyed: SystemC keeps its modules to process exit.
  static fuzz_bench* b = [] {
    dwvp::test::quiet_models(); // the block logs every refused access (DWVP_TEST_LOG=1)
    return new fuzz_bench("fuzz_bench");
  }();
  return *b;
}

} // namespace

DWVP_FUZZ_TARGET(registers) {
  fuzz_bench& b = bench();
  b.input.assign(data, data + size);
  b.reset_dram();
  b.done = false;
  sc_core::sc_start();
  if (!b.done) // the simulation starved or stopped before the input ended
    std::abort();
  return 0;
}
