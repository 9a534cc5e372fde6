// Functional memory target (TLM-2.0 LT) with a pluggable timing model.
//
// Storage is calloc'ed so untouched pages cost nothing. The timing model is asked for
// the latency of each transaction; the fixed-latency model here is the placeholder the
// DRAM channel model replaces (docs/architecture.md).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace dwvp::models {

struct split_access_extension;

class memory_timing {
public:
  virtual ~memory_timing() = default;
  // Latency of an access of `len` bytes at `offset`, issued at `start`.
  virtual sc_core::sc_time access(const sc_core::sc_time& start, uint64_t offset,
                                  bool is_write, unsigned len) = 0;

  // Split access (split_access_extension): queue a request of `stream` (at most
  // `window` of its requests in flight) and later ask for its times. This default
  // serves each request through access() when it is submitted: it leaves when one of
  // the stream's window slots is free.
  virtual uint64_t submit(uint32_t stream, uint32_t window, const sc_core::sc_time& start,
                          uint64_t offset, bool is_write, unsigned len);
  struct times {
    sc_core::sc_time issued; // the request left the initiator (its window slot)
    sc_core::sc_time done;
  };
  // Throws std::invalid_argument for an unknown ticket.
  virtual times complete(uint64_t ticket);

private:
  std::unordered_map<uint32_t, std::vector<sc_core::sc_time>> m_slots; // per stream
  std::unordered_map<uint32_t, size_t> m_next_slot;
  std::unordered_map<uint64_t, times> m_done;
  uint64_t m_next_ticket = 0;
};

// latency + len / bandwidth for every transaction; no state.
class fixed_latency_timing : public memory_timing {
public:
  fixed_latency_timing(sc_core::sc_time latency, double bytes_per_ns);
  sc_core::sc_time access(const sc_core::sc_time& start, uint64_t offset, bool is_write,
                          unsigned len) override;

private:
  sc_core::sc_time m_latency;
  double m_bytes_per_ns;
};

class memory : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<memory> socket;

  memory(sc_core::sc_module_name name, uint64_t size_bytes,
         std::unique_ptr<memory_timing> timing);
  ~memory() override;

  uint64_t size() const { return m_size; }
  // Backdoor for test benches (no time, no statistics).
  uint8_t* data() { return m_data; }

  uint64_t bytes_read() const { return m_bytes_read; }
  uint64_t bytes_written() const { return m_bytes_written; }

private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  // Checks range and attributes; sets the response status and returns false on error.
  bool check(tlm::tlm_generic_payload& trans);
  void copy(tlm::tlm_generic_payload& trans);
  void split_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay,
                    split_access_extension& ext);

  uint64_t m_size;
  uint8_t* m_data;
  std::unique_ptr<memory_timing> m_timing;
  std::shared_ptr<spdlog::logger> m_log;
  uint64_t m_bytes_read = 0;
  uint64_t m_bytes_written = 0;
};

} // namespace dwvp::models
