// The tile sequencer: takes a validated layer from the command processor
// (`layer_socket`, layer_command), plans its tiles for the buffers (tile_plan.h), and
// runs them as a pipeline over the ping-pong halves: DMA-in of tile i+1 (`dma_socket`),
// compute of tile i on the engine the layer maps to (`gemm_socket`, `dwc_socket`,
// `vector_socket`, `ppu_socket`), DMA-out of tile i-1. It owns the ping-pong protocol:
// which half each tile's operands go to, when a half may be refilled, when an output
// half may be overwritten. docs/architecture.md, "Tile sequencer".
#pragma once

#include "accel_protocol.h"
#include "layer_timing.h"
#include "tile_plan.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/logger.h>

#include <memory>

namespace dwvp::models {

// How the vector unit's memory and DMA work (docs/architecture.md, "Vector unit";
// docs/genesys.md). The defaults are the ideal unit: int8 operands, ping-pong halves,
// DMA overlapped with compute.
struct vector_memory_options {
  uint32_t operand_bytes = 1;     // bytes an operand takes in the vector memory: tiles
                                  // are planned for capacity / operand_bytes int8 values
  uint32_t dram_input_bytes = 1;  // bytes per input activation and weight in DRAM
  uint32_t dram_output_bytes = 1; // bytes per output activation in DRAM
  bool double_buffer = true;      // false: one buffer of the whole region per operand
  bool dma_overlap = true;        // false: load, compute, store one tile at a time
};

// How every engine's tiles use the SRAM buffers and DRAM (docs/memory.md, "Entry width
// and reuse"). The defaults are today's platform: int8 entries, residency across tiles.
struct buffer_use_options {
  uint32_t entry_bytes = 1; // bytes an activation or weight takes on chip and in DRAM
                            // (sram.entry_bits / 8): tiles are planned for capacity /
                            // entry_bytes values, and the DMA moves entry_bytes per
                            // value (the extra bytes timing only: values stay int8)
  bool reuse = true;        // false: every tile loads its input region and weight
                            // slice, resident or not (sequencer.reuse)
};

struct sequencer_params {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  timing::compute_config compute{};         // picks the engine of a layer
  sequencer::buffer_sizes buffers{};        // one half of each GEMM-side buffer
  sequencer::buffer_sizes vector_buffers{}; // one half of each vector-memory region
  // Fault injection: bytes added to the DRAM input address of every tile but the first
  // of each layer, so tests can check that a tile-address bug is caught.
  int32_t fault_input_offset = 0;
  // false (--no-data): the tiles' DMA transfers move no bytes (same bursts and times).
  bool functional = true;
  vector_memory_options vector_memory{};
  buffer_use_options buffer_use{};
};

// What the tile planner is given for a layer on `unit`: the values a buffer half (or
// a single-buffered vector memory's whole buffer) holds, after the entry width and the
// vector unit's operand width, and the array the tiles should fill.
struct tile_planning {
  sequencer::buffer_sizes capacity;
  sequencer::tile_alignment align;
};
tile_planning planning_for(const sequencer_params& p, timing::engine unit);

class tile_sequencer : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<tile_sequencer> layer_socket;
  tlm_utils::simple_initiator_socket<tile_sequencer> dma_socket;
  tlm_utils::simple_initiator_socket<tile_sequencer> gemm_socket;
  tlm_utils::simple_initiator_socket<tile_sequencer> dwc_socket;
  tlm_utils::simple_initiator_socket<tile_sequencer> vector_socket;
  tlm_utils::simple_initiator_socket<tile_sequencer> ppu_socket;

  tile_sequencer(sc_core::sc_module_name name, const sequencer_params& params);

  void trace(sc_core::sc_trace_file* tf) const;

private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void run_layer(layer_command& c);
  void run_chain(layer_command& c); // stripe_chain_run.cpp

  sequencer_params m_params;
  std::shared_ptr<spdlog::logger> m_log;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> m_tile_sig;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> m_input_half_sig;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> m_output_half_sig;
};

} // namespace dwvp::models
