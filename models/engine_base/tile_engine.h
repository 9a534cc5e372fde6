// What the compute engines (GEMM core, DwC datapath, vector unit, PPU) share: a
// `cmd_socket` target that takes one tile_command (accel_protocol.h) per tile, and a
// `mem_socket` initiator onto the local bus through which the engine reads the tile's
// operands out of the SRAM buffers and writes its outputs back. The values come from
// the int8 kernels (models/kernels) run on the bytes read; the time from the layer
// timing formulas (models/gemm_core/layer_timing.h) for the tile's shape, bounded
// below by the time the buffers take to deliver the operands. The engine is busy (and
// its VCD signal high) for that many cycles: one wait per tile.
#pragma once

#include "accel_protocol.h"
#include "layer_kernels.h"
#include "layer_timing.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dwvp::models {

struct engine_params {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  timing::compute_config compute{};
  bool functional = true; // false: timing only, the kernels do not run
  // Width of the engine's read port into the buffers (sram.banks x sram.port_bytes):
  // a tile's operands take at least their bytes over this many cycles to arrive.
  uint64_t feed_bytes_per_cycle = 512;
};

class tile_engine : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<tile_engine> cmd_socket;
  tlm_utils::simple_initiator_socket<tile_engine> mem_socket;

  tile_engine(sc_core::sc_module_name name, const engine_params& params);

  virtual void trace(sc_core::sc_trace_file* tf) const;

  uint64_t busy_cycles() const { return m_busy_cycles; }
  uint64_t tiles() const { return m_tiles; }
  uint64_t macs() const { return m_macs; }
  const engine_params& params() const { return m_params; }

protected:
  // Empty if this engine runs the tile; else why not (a sequencer bug).
  virtual std::string refuses(const dwvp_desc& tile) const = 0;
  // Called as the tile's compute starts, with its duration (the DwC datapath occupies
  // the GEMM array, array engines hand requantisation to the PPU).
  virtual void starting(const tile_command&, uint64_t /*cycles*/) {}
  // Called when the engine's last tile's outputs are complete and no tile follows
  // (from a method process: must not wait).
  virtual void idle() {}

  // Operand accesses over the local bus. Their annotated times are the buffers' own,
  // pipelined behind the engine's read port: the tile's busy time covers them.
  bool mem_access(uint64_t addr, void* data, uint64_t len, bool write);
  bool read_region(const strided_region& r, uint8_t* dst);
  bool write_region(const strided_region& r, const uint8_t* src);

  engine_params m_params;
  std::shared_ptr<spdlog::logger> m_log;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> m_busy_sig;

private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // The busy signal's only writer: high from a tile's start until the last tile's
  // outputs are complete.
  void update_busy();
  // Reads the operands, runs the kernel, writes the outputs; false on a refused
  // operand or bus error (the command says which). `fed` counts the operand bytes.
  bool compute(tile_command& c, uint64_t& fed);
  // K tiling: m_acc = the output tile's partial sums with this slice's added.
  bool partial_sums(tile_command& c, const kernels::layer_operands& ops);
  std::vector<int32_t> m_acc;

  std::vector<int8_t> m_input, m_aux, m_weights, m_output, m_lut;
  std::vector<int32_t> m_bias, m_quant;
  uint64_t m_busy_cycles = 0, m_tiles = 0, m_macs = 0;
  sc_core::sc_time m_done; // when the previous tile's outputs were complete
  sc_core::sc_event m_busy_event;
};

} // namespace dwvp::models
