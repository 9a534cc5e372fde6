/* Hardware abstraction layer the driver firmware is written against.
 *
 * On the virtual platform these calls are served by the host CPU model (timed TLM
 * transactions, interrupt wait, simulated clock); on silicon another implementation
 * of the same functions would use volatile pointers and the real IRQ controller.
 * Addresses are physical bus addresses. */
#ifndef DWVP_HAL_H
#define DWVP_HAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 32-bit register access. A bus error is counted (hal_bus_errors) and a read
 * returns 0xFFFFFFFF, as most SoC buses do. */
uint32_t hal_mmio_read32(uint32_t addr);
void hal_mmio_write32(uint32_t addr, uint32_t value);

/* Copy between host memory and DRAM. Return 0 on success, -1 on a bus error.
 * A null src / dst makes a timing-only transfer: the same bus transactions at the same
 * times, no bytes moved (the virtual platform's --no-data runs; a silicon HAL may
 * treat it as a no-op). */
int hal_mem_write(uint32_t dram_addr, const void* src, uint32_t len);
int hal_mem_read(void* dst, uint32_t dram_addr, uint32_t len);

/* Sleep until the accelerator interrupt line is high or timeout_ns has passed
 * (0 = no timeout). Returns 0 if the line is high, -1 on timeout. */
int hal_wait_irq(uint64_t timeout_ns);

/* Charges `cycles` cycles of the firmware's own computation (host.clock_mhz) to
 * simulated time, so host-side work between accelerator calls (pre- and
 * post-processing, a layer the accelerator does not run) shows in the run's time. On
 * the virtual platform the host's local time advances under temporal decoupling; a
 * silicon HAL makes it a no-op, the work itself taking the time. */
void hal_charge_cycles(uint64_t cycles);

/* Elapsed time since reset in nanoseconds. */
uint64_t hal_time_ns(void);

/* Number of bus errors seen so far. */
uint32_t hal_bus_errors(void);

/* Marks a firmware phase (shown on the VCD as host.fw_phase). */
void hal_set_phase(uint32_t phase);

/* Firmware log line (printf format). */
void hal_log(const char* fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The entry point a firmware scenario defines (dwvp_add_firmware_scenario,
 * docs/firmware.md): runs on the host CPU model; its return value is the program's
 * exit code. */
int dwvp_firmware_main(void);

#ifdef __cplusplus
}
#endif

#endif /* DWVP_HAL_H */
