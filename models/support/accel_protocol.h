// What the accelerator's blocks say to each other over their TLM sockets: the local
// address map of the on-chip memories, and the command records the command processor,
// tile sequencer, DMA and engines exchange. A command travels as the data of a
// tlm_generic_payload (WRITE to address 0 of the receiving block's command socket);
// the receiver fills in the result fields and sets the response status.
// docs/architecture.md draws the blocks and sockets.
#pragma once

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::models {

// Accelerator-local address map (the local bus behind the DMA and the engines).
namespace local_map {
constexpr uint64_t input_buffer = 0x0000'0000;  // input SRAM, two ping-pong halves
constexpr uint64_t weight_buffer = 0x1000'0000; // weights, bias, quantisation data
constexpr uint64_t output_buffer = 0x2000'0000; // output SRAM, two halves
constexpr uint64_t vector_memory = 0x3000'0000; // the vector unit's own memory
constexpr uint64_t ppu_lut = 0x4000'0000;       // the PPU's 256-entry activation table
constexpr uint64_t cmd_staging = 0x5000'0000;   // command processor: descriptor, stats
constexpr uint64_t region_size = 0x1000'0000;   // address space of each region
} // namespace local_map

// A strided region: planes x rows x row_bytes, rows row_stride apart, planes
// plane_stride apart.
struct strided_region {
  uint64_t addr = 0;
  uint32_t row_bytes = 0;
  uint32_t rows = 1;
  uint32_t planes = 1;
  uint64_t row_stride = 0;
  uint64_t plane_stride = 0;
  uint64_t bytes() const { return uint64_t(row_bytes) * rows * planes; }
};

// DMA command: moves `external` (SoC bus addresses, strided) to or from the local
// memory at `local_addr` (packed), or, for `move`, `local_src` (strided, local) to
// `local_addr` (packed). Bursts issue no earlier than `start` (absolute time).
struct dma_command {
  // mirror: an untimed debug copy of local bytes to the bus (a fused activation that
  // never leaves the chip, made visible to checkers and tensor dumps).
  enum kind_t : uint8_t { load, store, move, mirror } kind = load;
  strided_region external;  // bus side (load, store)
  strided_region local_src; // local side of a move
  uint64_t local_addr = 0;  // packed local destination (load, move) or source (store)
  sc_core::sc_time start;
  bool timing_only = false; // --no-data: the same bursts and times, no bytes moved
  // Mirror: the local bytes are packed (a stripe chain's tile) rather than laid out with
  // the external strides (a fused layer's whole output).
  bool local_packed = false;
  // Load and store: each byte of `external` stands for `element_bytes` bytes in DRAM
  // (an operand format wider than int8, e.g. a vector unit's 32-bit operands). The DMA
  // moves the int8 bytes and, after each burst, the rest of the wide elements as
  // timing-only bursts at the following addresses: time and byte counters see the
  // wide traffic, the values stay int8.
  uint32_t element_bytes = 1;
  // Another command the DMA runs concurrently with this one (each from its own start),
  // e.g. the store of one tile and the prefetch of the next: their bus requests meet
  // in the memory controller together. Load and store only.
  dma_command* also = nullptr;
  // Filled in by the DMA.
  sc_core::sc_time end;     // completion of the last burst
  uint64_t failed_addr = 0; // on a bus error
  bool failed = false;      // this command failed (in a chain)
};

// Engine command: compute one tile. `tile` is the tile as a layer of its own: its
// shapes, the padding that falls inside it, packed operands (in_pixel_stride and
// out_pixel_stride 0). Operand addresses are local.
struct tile_command {
  dwvp_desc tile{};
  strided_region input;     // in_h x in_w pixels of in_c bytes (rows = pixels)
  uint64_t aux_addr = 0;    // ADD: second input, packed like the tile's input
  uint64_t weight_addr = 0; // weights of the tile's channels, packed
  uint64_t bias_addr = 0;   // int32 [out_c]
  uint64_t quant_addr = 0;  // int32 multiplier [out_c] then shift [out_c]
  uint64_t lut_addr = 0;    // 256-byte table (activation == LUT)
  strided_region output;    // out_h x out_w pixels of out_c bytes
  // The previous tile of the same layer ran on this engine: this tile's first fold may
  // overlap its last drain (pipelined schedule, docs/timing.md).
  bool chain = false;
  // K tiling: the tile is one slice of its output tile's input channels. Its int32
  // partial sums (out_h x out_w x out_c) live at partial_addr: the first slice starts
  // them, the others add to them, the last requantises them into `output`.
  bool k_sliced = false, k_first = true, k_last = true;
  uint64_t partial_addr = 0;
  // Set: the tile takes exactly `fixed_cycles` (an accounting model charges the layer
  // as a whole and the sequencer shares it out over the tiles; timing.model=fuse_paper).
  bool fixed = false;
  uint64_t fixed_cycles = 0;
  // Filled in by the engine. The engine returns when it can take the next tile (its
  // last fold's second phase may still run); `done` is when the outputs are complete.
  sc_core::sc_time done;
  uint64_t cycles = 0;     // cycles this tile adds to the engine's busy span
  uint64_t ppu_cycles = 0; // requantisation on the PPU, overlapped
  uint64_t macs = 0;
  dwvp_error error = DWVP_ERR_NONE; // a refused operand (e.g. bad quantisation data)
  dwvp_desc_field field = DWVP_FIELD_NONE;
  std::string message;
};

// True if a depthwise layer (or tile) runs on the DwC datapath (channel-parallel MVMs
// or ST-OS) rather than on the plain array or the vector unit.
inline bool runs_on_dwc(const dwvp_desc& d) {
  const bool dw = d.opcode == DWVP_OP_DEPTHWISE || d.opcode == DWVP_OP_DW_1XK ||
                  d.opcode == DWVP_OP_DW_KX1;
  return dw && (d.mapping == DWVP_MAP_CHANNEL_MVM || d.dataflow == DWVP_DF_ST_OS);
}

// The occupancy message the DwC datapath sends the GEMM core (cycles > 0 as it starts,
// 0 as it ends), and the requantisation message array engines send the PPU (`cycles`
// from now, overlapped with the engine's own).
struct occupancy {
  uint64_t cycles = 0;
};

// Layer command: the command processor hands a validated descriptor to the tile
// sequencer, which runs it to completion (the call returns when the layer is done).
// What one layer of a stripe chain (DWVP_FLAG_STRIPE) did, filled in by the sequencer.
struct chain_layer_result {
  uint64_t compute_cycles = 0, ppu_cycles = 0, macs = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0; // its own DMA loads and stores
  uint32_t tiles = 0, engine = 0;
};

struct layer_command {
  dwvp_desc desc{};
  // A stripe chain: every layer's descriptor, desc first (empty: desc alone). The
  // sequencer fills `chain_results` (one per layer) and, on a refusal, `failed_layer`.
  std::vector<dwvp_desc> chain;
  std::vector<chain_layer_result> chain_results;
  uint32_t failed_layer = 0;
  // The layer is abandoned (soft reset) when *generation moves off `generation_at_start`.
  const uint64_t* generation = nullptr;
  uint64_t generation_at_start = 0;
  // Filled in by the sequencer.
  uint64_t compute_cycles = 0; // engine busy cycles, summed over tiles
  uint64_t ppu_cycles = 0;     // requantisation, overlapped
  uint64_t macs = 0;
  uint32_t tiles = 0;
  uint32_t engine = 0; // 0 GEMM core (incl. DwC datapath), 1 vector unit, 2 PPU
  bool abandoned = false;
  dwvp_error error = DWVP_ERR_NONE;
  dwvp_desc_field field = DWVP_FIELD_NONE;
  std::string message;
};

// Marks a payload as timing only (--no-data): the target times and counts it as usual
// but moves no bytes, and the data pointer's contents are undefined. Attach with
// timing_only_scope so the payload never owns it.
struct timing_only_extension : tlm::tlm_extension<timing_only_extension> {
  tlm::tlm_extension_base* clone() const override { return new timing_only_extension; }
  void copy_from(const tlm::tlm_extension_base&) override {}
};

inline bool is_timing_only(const tlm::tlm_generic_payload& trans) {
  return trans.get_extension<timing_only_extension>() != nullptr;
}

// Attaches the (shared, static) timing-only marker to a payload for the scope's life
// when `active`.
class timing_only_scope {
public:
  timing_only_scope(tlm::tlm_generic_payload& trans, bool active)
      : m_trans(active ? &trans : nullptr) {
    static timing_only_extension marker;
    if (m_trans)
      m_trans->set_extension(&marker);
  }
  ~timing_only_scope() {
    if (m_trans)
      m_trans->clear_extension<timing_only_extension>();
  }
  timing_only_scope(const timing_only_scope&) = delete;
  timing_only_scope& operator=(const timing_only_scope&) = delete;

private:
  tlm::tlm_generic_payload* m_trans;
};

// Split memory access, so that an initiator can have several requests in flight and a
// memory controller can reorder them (loosely timed, docs/dram.md). Phase `submit`: the
// target moves the data now (functional) and queues the request for timing on the
// initiator's `stream` (one per engine and direction; at most `window` of its requests
// in flight), returning a `ticket`. Phase `complete`, with that ticket, on the same
// address: the target returns the request's completion as the delay and the time it
// left the initiator. A target without timing queues completes the request at once. The
// initiator owns the extension (attach with split_access_scope).
struct split_access_extension : tlm::tlm_extension<split_access_extension> {
  enum phase_t : uint8_t { submit, complete } phase = submit;
  uint32_t stream = 0;
  uint32_t window = 1;
  uint64_t ticket = 0;
  sc_core::sc_time arrival; // submit: when the request reached the target
  sc_core::sc_time issued;  // complete: when it left the stream's window, at the target
  tlm::tlm_extension_base* clone() const override {
    return new split_access_extension(*this);
  }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const split_access_extension&>(other);
  }
};

// Attaches an initiator-owned extension for the scope's life.
template <typename Extension> class extension_scope {
public:
  extension_scope(tlm::tlm_generic_payload& trans, Extension* ext) : m_trans(trans) {
    m_trans.set_extension(ext);
  }
  ~extension_scope() { m_trans.clear_extension<Extension>(); }
  extension_scope(const extension_scope&) = delete;
  extension_scope& operator=(const extension_scope&) = delete;

private:
  tlm::tlm_generic_payload& m_trans;
};

// A plain data payload: `len` bytes at `addr`, no byte enables, status incomplete.
inline void prepare_payload(tlm::tlm_generic_payload& trans, bool write, uint64_t addr,
                            void* data, uint64_t len) {
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(addr);
  trans.set_data_ptr(static_cast<unsigned char*>(data));
  trans.set_data_length(static_cast<unsigned>(len));
  trans.set_streaming_width(static_cast<unsigned>(len));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// Sends `command` over `socket` as the data of one payload; returns the response.
template <typename Socket, typename Command>
tlm::tlm_response_status send_command(Socket& socket, Command& command,
                                      sc_core::sc_time& delay) {
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(0);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&command));
  trans.set_data_length(sizeof(Command));
  trans.set_streaming_width(sizeof(Command));
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  socket->b_transport(trans, delay);
  return trans.get_response_status();
}

// The command a payload carries, or nullptr if the payload is not one (wrong size or
// command): the receiver then answers with TLM_COMMAND_ERROR_RESPONSE.
template <typename Command> Command* command_of(tlm::tlm_generic_payload& trans) {
  if (trans.get_command() != tlm::TLM_WRITE_COMMAND ||
      trans.get_data_length() != sizeof(Command) || !trans.get_data_ptr())
    return nullptr;
  return reinterpret_cast<Command*>(trans.get_data_ptr());
}

} // namespace dwvp::models
