// Forwards the C HAL functions to the installed backend.
#include "hal.h"
#include "hal_backend.h"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>

namespace dwvp::hal {
namespace {
backend* g_backend = nullptr;

backend& require() {
  if (!g_backend)
    throw std::logic_error("HAL called with no backend installed");
  return *g_backend;
}
} // namespace

void set_backend(backend* b) {
  g_backend = b;
}
backend* current_backend() {
  return g_backend;
}

} // namespace dwvp::hal

using dwvp::hal::require;

extern "C" {

uint32_t hal_mmio_read32(uint32_t addr) {
  return require().mmio_read32(addr);
}
void hal_mmio_write32(uint32_t addr, uint32_t value) {
  require().mmio_write32(addr, value);
}
int hal_mem_write(uint32_t addr, const void* src, uint32_t len) {
  return require().mem_write(addr, src, len) ? 0 : -1;
}
int hal_mem_read(void* dst, uint32_t addr, uint32_t len) {
  return require().mem_read(dst, addr, len) ? 0 : -1;
}
int hal_wait_irq(uint64_t timeout_ns) {
  return require().wait_irq(timeout_ns) ? 0 : -1;
}
void hal_charge_cycles(uint64_t cycles) {
  require().charge_cycles(cycles);
}
uint64_t hal_time_ns(void) {
  return require().time_ns();
}
uint32_t hal_bus_errors(void) {
  return require().bus_errors();
}
void hal_set_phase(uint32_t phase) {
  require().set_phase(phase);
}
void hal_log(const char* fmt, ...) {
  char line[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  require().log(line);
}

} // extern "C"
