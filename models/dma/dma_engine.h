// DMA engine: strided 1D/2D/3D transfers between DRAM and the accelerator, split into
// bursts, several bursts in flight (loosely timed: each burst is one b_transport
// issued at its own start time, no earlier than `outstanding` bursts before it
// completed). The DRAM channel behind the bus decides each burst's latency, so
// transfers overlap where the banks allow.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <vector>

namespace dwvp::models {

struct dma_params {
  uint32_t burst_bytes = 256; // largest burst
  uint32_t outstanding = 8;   // bursts in flight per transfer
};

// planes x rows x row_bytes; rows row_stride apart, planes plane_stride apart. `data`
// holds the bytes packed (planes * rows * row_bytes).
struct dma_transfer {
  uint64_t addr = 0;
  bool write = false;
  uint32_t row_bytes = 0;
  uint32_t rows = 1;
  uint32_t planes = 1;
  uint64_t row_stride = 0;
  uint64_t plane_stride = 0;
  uint8_t* data = nullptr;
  uint64_t bytes() const { return uint64_t(row_bytes) * rows * planes; }
};

class dma_engine {
public:
  dma_engine(tlm::tlm_initiator_socket<>& socket, const dma_params& params);

  // Runs a transfer whose first burst may issue at `start` (absolute time, not before
  // now). Returns false on a bus error. `end` receives the completion time.
  bool run(const dma_transfer& t, const sc_core::sc_time& start, sc_core::sc_time& end);

  uint64_t bytes_read() const { return m_bytes_read; }
  uint64_t bytes_written() const { return m_bytes_written; }
  uint64_t bursts() const { return m_bursts; }
  uint64_t failed_address() const { return m_failed_address; }

private:
  bool burst(uint64_t addr, uint8_t* data, uint32_t len, bool write,
             sc_core::sc_time& when);

  tlm::tlm_initiator_socket<>& m_socket;
  dma_params m_params;
  std::vector<sc_core::sc_time> m_done; // completion of the last `outstanding` bursts
  uint64_t m_bytes_read = 0;
  uint64_t m_bytes_written = 0;
  uint64_t m_bursts = 0;
  uint64_t m_failed_address = 0;
};

} // namespace dwvp::models
