// The C++ side of the HAL: the host CPU model implements this interface and installs
// itself while its firmware thread runs.
#pragma once

#include <cstdint>
#include <string>

namespace dwvp::hal {

class backend {
public:
  virtual ~backend() = default;
  virtual uint32_t mmio_read32(uint32_t addr) = 0;
  virtual void mmio_write32(uint32_t addr, uint32_t value) = 0;
  virtual bool mem_write(uint32_t addr, const void* src, uint32_t len) = 0;
  virtual bool mem_read(void* dst, uint32_t addr, uint32_t len) = 0;
  virtual bool wait_irq(uint64_t timeout_ns) = 0;
  virtual void charge_cycles(uint64_t cycles) = 0;
  virtual uint64_t time_ns() = 0;
  virtual uint32_t bus_errors() const = 0;
  virtual void set_phase(uint32_t phase) = 0;
  virtual void log(const std::string& line) = 0;
};

// Installs the backend the C functions of hal.h forward to (nullptr to remove).
void set_backend(backend* b);
backend* current_backend();

} // namespace dwvp::hal
