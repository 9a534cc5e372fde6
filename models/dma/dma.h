// DMA engine: strided transfers between the SoC bus (DRAM) and the accelerator's local
// memories, split into bursts with several in flight. Three sockets: `cmd_socket`
// takes dma_command records (accel_protocol.h) from the command processor and the tile
// sequencer; `bus_socket` issues the bursts onto the SoC bus; `local_socket` writes and
// reads the SRAM buffers over the local bus. Loosely timed, with split accesses
// (split_access_extension): every burst of a command, and of the commands chained to
// it (`also`), is submitted first, on the engine's read or write stream, each allowed
// `outstanding` bursts in flight across commands; then their completions are
// collected. So a tile's store and the next tile's prefetch reach the DRAM controller
// together and it orders them. The SRAM side is pipelined behind the bus beats and adds
// no time. docs/architecture.md, docs/dram.md.
#pragma once

#include "accel_protocol.h"
#include "timeline.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace dwvp::models {

struct dma_params {
  uint32_t burst_bytes = 256; // largest burst
  uint32_t outstanding = 8;   // bursts in flight per direction (read, write)
  uint32_t stream = 1;        // split-access stream ids: reads stream, writes stream + 1
};

class dma : public sc_core::sc_module {
public:
  tlm_utils::multi_passthrough_target_socket<dma>
      cmd_socket; // command processor, sequencer
  tlm_utils::simple_initiator_socket<dma> bus_socket;
  tlm_utils::simple_initiator_socket<dma> local_socket;

  // `events` puts the bytes in flight on the waveform at the bursts' own times.
  dma(sc_core::sc_module_name name, const dma_params& params, timeline& events);

  void trace(sc_core::sc_trace_file* tf) const;

  uint64_t bytes_read() const { return m_bytes_read; } // from the bus
  uint64_t bytes_written() const { return m_bytes_written; }
  uint64_t bursts() const { return m_bursts; }
  // Sum over commands of their span (start to completion), in simulated time.
  sc_core::sc_time busy_time() const { return m_busy_time; }

private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // One burst of an external transfer between submit and completion.
  struct burst_record {
    uint64_t addr;
    uint64_t local;
    uint32_t len;
    uint64_t ticket;
    size_t staged;        // offset of its bytes in the command's staging buffer
    sc_core::sc_time lag; // from its start at the DMA to its arrival at the target
    bool widening;        // timing only: the rest of wide elements (element_bytes)
  };
  struct transfer {
    dma_command* c;
    std::vector<burst_record> bursts;
    std::vector<uint8_t> staging; // the command's bytes (functional runs)
  };
  bool submit_external(transfer& x);
  bool finish_external(transfer& x);
  bool split(uint64_t addr, uint8_t* data, uint32_t len, bool write,
             split_access_extension& ext, sc_core::sc_time& delay, bool timing_only);
  bool run_move(dma_command& c);
  bool run_mirror(dma_command& c);
  bool local_access(uint64_t addr, uint8_t* data, uint32_t len, bool write,
                    sc_core::sc_time& delay, bool timing_only);

  dma_params m_params;
  timeline& m_events;
  std::shared_ptr<spdlog::logger> m_log;
  // The chain being run: its first m_transfer_count entries (kept with their buffers'
  // capacity from one command to the next).
  std::vector<transfer> m_transfers;
  size_t m_transfer_count = 0;
  std::vector<uint8_t> m_burst; // one burst's bytes on their way through
  // The payloads of the bus and local bursts, reused: a payload's construction and
  // destruction (its extension array is heap memory) cost more than the burst itself
  // in a timing-only run. Each use sets every field the targets read.
  tlm::tlm_generic_payload m_bus_trans, m_local_trans;
  uint64_t m_bytes_read = 0, m_bytes_written = 0, m_bursts = 0;
  sc_core::sc_time m_busy_time;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> m_in_flight_sig;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> m_busy_sig;
  timed_level m_in_flight;
};

} // namespace dwvp::models
