// What the module benches share: a stimulus module (initiator sockets plus a thread
// that runs the test's body), a plain memory target with a fixed latency per burst that
// records every burst, and silenced model logs (the tests provoke errors on purpose;
// DWVP_TEST_LOG=1 keeps the models' default stderr logging when debugging).
//
// SystemC allows one elaboration per process: build a bench once per TEST_CASE (no
// SECTIONs around module construction), call run(), then check what it recorded.
#pragma once

#include "accel_protocol.h"
#include "model_log.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::test {

using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

inline sc_time ns(double v) {
  return sc_time(v, SC_NS);
}
inline sc_time ps(double v) {
  return sc_time(v, SC_PS);
}

// Models log refused accesses at error level; silence them unless DWVP_TEST_LOG is set.
inline void quiet_models() {
  if (std::getenv("DWVP_TEST_LOG"))
    return;
  models::set_logger_factory([](const std::string& name) {
    return std::make_shared<spdlog::logger>(
        name, std::make_shared<spdlog::sinks::null_sink_mt>());
  });
}

// First member of a bench: silences the models' loggers before any module asks for one.
struct quiet_logs {
  quiet_logs() { quiet_models(); }
};

// An initiator with `sockets` simple initiator sockets and one thread that runs `body`.
// An exception in the body (a failed REQUIRE) is kept and rethrown by check().
class stimulus : public sc_core::sc_module {
public:
  using socket_type = tlm_utils::simple_initiator_socket<stimulus>;
  using body_type = std::function<void(stimulus&)>;

  stimulus(sc_core::sc_module_name name, unsigned sockets, body_type body = {})
      : sc_module(name), m_body(std::move(body)) {
    for (unsigned i = 0; i < sockets; ++i)
      m_sockets.push_back(
          std::make_unique<socket_type>(("socket_" + std::to_string(i)).c_str()));
    SC_HAS_PROCESS(stimulus);
    SC_THREAD(run);
  }

  socket_type& operator[](unsigned i) { return *m_sockets.at(i); }
  void set_body(body_type body) { m_body = std::move(body); }
  bool finished() const { return m_finished; }

  // Rethrows what the body threw; throws if the body did not run to its end (a
  // deadlock: the simulation starved while the body waited).
  void check() const {
    if (m_error)
      std::rethrow_exception(m_error);
    if (!m_finished)
      throw std::runtime_error("stimulus body did not finish");
  }

  // One b_transport; the response status.
  tlm::tlm_response_status access(unsigned port, tlm::tlm_command cmd, uint64_t addr,
                                  void* data, unsigned len, sc_time& delay) {
    tlm::tlm_generic_payload t;
    prepare(t, cmd, addr, data, len);
    (*this)[port]->b_transport(t, delay);
    return t.get_response_status();
  }
  tlm::tlm_response_status write(unsigned port, uint64_t addr, const void* data,
                                 unsigned len, sc_time& delay) {
    return access(port, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), len,
                  delay);
  }
  tlm::tlm_response_status read(unsigned port, uint64_t addr, void* data, unsigned len,
                                sc_time& delay) {
    return access(port, tlm::TLM_READ_COMMAND, addr, data, len, delay);
  }
  // Debug transport; the byte count it returned.
  unsigned debug(unsigned port, tlm::tlm_command cmd, uint64_t addr, void* data,
                 unsigned len) {
    tlm::tlm_generic_payload t;
    prepare(t, cmd, addr, data, len);
    return (*this)[port]->transport_dbg(t);
  }
  void poke(unsigned port, uint64_t addr, const void* data, unsigned len) {
    if (debug(port, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), len) != len)
      throw std::runtime_error("debug write failed at " + std::to_string(addr));
  }
  std::vector<uint8_t> peek(unsigned port, uint64_t addr, unsigned len) {
    std::vector<uint8_t> v(len);
    if (debug(port, tlm::TLM_READ_COMMAND, addr, v.data(), len) != len)
      throw std::runtime_error("debug read failed at " + std::to_string(addr));
    return v;
  }
  // A command record (accel_protocol.h) as the data of one payload.
  template <typename Command>
  tlm::tlm_response_status send(unsigned port, Command& c, sc_time& delay) {
    return models::send_command((*this)[port], c, delay);
  }
  template <typename Command> tlm::tlm_response_status send(unsigned port, Command& c) {
    sc_time delay = SC_ZERO_TIME;
    return send(port, c, delay);
  }

  static void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t addr,
                      void* data, unsigned len) {
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_byte_enable_length(0);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }

private:
  void run() {
    try {
      if (m_body)
        m_body(*this);
      m_finished = true;
    } catch (...) {
      m_error = std::current_exception();
    }
  }

  std::vector<std::unique_ptr<socket_type>> m_sockets;
  body_type m_body;
  bool m_finished = false;
  std::exception_ptr m_error;
};

// Runs the simulation until nothing is left to do, then rethrows the stimulus' failure.
inline void run(const stimulus& s) {
  sc_core::sc_start();
  s.check();
}

// One burst as the memory saw it.
struct burst_record {
  sc_time issue;    // simulated time of the request (time stamp + annotated delay)
  sc_time complete; // issue + the memory's latency
  uint64_t addr;
  unsigned len;
  bool write;
  uint32_t stream = 0; // split accesses: the initiator's stream and window
  uint32_t window = 0;
};

// A plain memory target at [base, base + size): every b_transport takes `latency`,
// whatever its length, and is recorded. Accesses outside, or touching a range given to
// fail_range(), get TLM_ADDRESS_ERROR_RESPONSE (and are counted, not recorded).
class test_memory : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<test_memory> socket;

  test_memory(sc_core::sc_module_name name, uint64_t base, uint64_t size, sc_time latency)
      : sc_module(name), socket("socket"), m_base(base), m_data(size, 0),
        m_latency(latency) {
    socket.register_b_transport(this, &test_memory::b_transport);
    socket.register_transport_dbg(this, &test_memory::transport_dbg);
  }

  uint64_t base() const { return m_base; }
  uint8_t* at(uint64_t addr) { return m_data.data() + (addr - m_base); }
  void fill(uint8_t v) { std::memset(m_data.data(), v, m_data.size()); }
  void load(uint64_t addr, const void* src, size_t n) { std::memcpy(at(addr), src, n); }
  using sc_module::dump; // sc_object's dump(ostream) stays visible (clang's -Wall)
  std::vector<uint8_t> dump(uint64_t addr, size_t n) {
    return std::vector<uint8_t>(at(addr), at(addr) + n);
  }
  void fail_range(uint64_t lo, uint64_t hi) { m_fail.push_back({lo, hi}); }
  const std::vector<burst_record>& bursts() const { return m_bursts; }
  void clear_bursts() { m_bursts.clear(); }
  unsigned errors() const { return m_errors; }
  uint64_t bytes_read() const { return sum(false); }
  uint64_t bytes_written() const { return sum(true); }

private:
  bool valid(uint64_t addr, unsigned len) const {
    if (addr < m_base || len == 0 || addr - m_base > m_data.size() ||
        len > m_data.size() - (addr - m_base))
      return false;
    for (const auto& f : m_fail)
      if (addr < f.second && f.first < addr + len)
        return false;
    return true;
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    const uint64_t addr = t.get_address();
    const unsigned len = t.get_data_length();
    if (!valid(addr, len) || t.get_byte_enable_ptr()) {
      ++m_errors;
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    auto* split = t.get_extension<dwvp::models::split_access_extension>();
    if (split && split->phase == dwvp::models::split_access_extension::complete) {
      // The times worked out when the burst was submitted.
      const auto& r = m_split.at(split->ticket);
      split->issued = r.first;
      delay = r.second - sc_core::sc_time_stamp();
      t.set_response_status(tlm::TLM_OK_RESPONSE);
      return;
    }
    // A timing-only burst (--no-data, the widening bursts of wide operands) moves no
    // bytes, as in the platform's memory.
    if (!dwvp::models::is_timing_only(t)) {
      if (t.is_read())
        std::memcpy(t.get_data_ptr(), at(addr), len);
      else if (t.is_write())
        std::memcpy(at(addr), t.get_data_ptr(), len);
    }
    sc_time issue = sc_core::sc_time_stamp() + delay;
    if (split) {
      split->arrival = issue;
      // At most `window` bursts of the stream in flight: a burst leaves when the one
      // `window` places before it has completed.
      std::vector<sc_time>& done = m_stream_done[split->stream];
      const size_t k = done.size();
      if (k >= split->window)
        issue = std::max(issue, done[k - split->window]);
      done.push_back(issue + m_latency);
      split->ticket = m_split.size();
      m_split.push_back({issue, issue + m_latency});
      m_bursts.push_back({issue, issue + m_latency, addr, len, t.is_write(),
                          split->stream, split->window});
    } else {
      delay += m_latency;
      m_bursts.push_back({issue, issue + m_latency, addr, len, t.is_write()});
    }
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    const uint64_t addr = t.get_address();
    const unsigned len = t.get_data_length();
    if (!valid(addr, len)) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return 0;
    }
    if (t.is_read())
      std::memcpy(t.get_data_ptr(), at(addr), len);
    else if (t.is_write())
      std::memcpy(at(addr), t.get_data_ptr(), len);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
  }
  std::map<uint32_t, std::vector<sc_time>> m_stream_done;
  std::vector<std::pair<sc_time, sc_time>> m_split; // per ticket: issue, completion
  uint64_t sum(bool write) const {
    uint64_t n = 0;
    for (const auto& b : m_bursts)
      if (b.write == write)
        n += b.len;
    return n;
  }

  uint64_t m_base;
  std::vector<uint8_t> m_data;
  sc_time m_latency;
  std::vector<std::pair<uint64_t, uint64_t>> m_fail;
  std::vector<burst_record> m_bursts;
  unsigned m_errors = 0;
};

// Deterministic pseudo-random bytes (xorshift), independent of <random>'s
// implementation-defined distributions.
class byte_source {
public:
  explicit byte_source(uint32_t seed) : m_state(seed ? seed : 1) {}
  uint32_t next() {
    m_state ^= m_state << 13;
    m_state ^= m_state >> 17;
    m_state ^= m_state << 5;
    return m_state;
  }
  int range(int lo, int hi) {
    return lo + static_cast<int>(next() % uint32_t(hi - lo + 1));
  }
  std::vector<int8_t> i8(size_t n, int lo = -128, int hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& x : v)
      x = static_cast<int8_t>(range(lo, hi));
    return v;
  }
  std::vector<uint8_t> u8(size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& x : v)
      x = static_cast<uint8_t>(next());
    return v;
  }

private:
  uint32_t m_state;
};

} // namespace dwvp::test
