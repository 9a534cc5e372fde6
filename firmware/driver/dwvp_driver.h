/* dwvp accelerator driver: initialisation, command ring, interrupts, counters.
 * Plain C over the HAL (firmware/hal/hal.h); see docs/firmware.md.
 *
 * Completion rule. dwvp_run writes a batch of descriptors, moves RING_TAIL, rings the
 * doorbell and then services interrupts until the batch is over. After every wake-up
 * it reads IRQ_STATUS and acknowledges (write-1-to-clear) exactly the bits it read,
 * then decides:
 *   - ERROR seen: the device stopped; fill dwvp_status, return DWVP_E_DEVICE;
 *   - DONE seen (in this or an earlier wake-up of the batch) and RING_HEAD equals the
 *     tail written: the batch is complete (the next one is written, or DWVP_OK);
 *   - anything else (a LAYER interrupt, DONE with HEAD short of the tail): wait again.
 * A LAYER interrupt alone never completes a batch. Every wait is bounded by
 * timeout_ns counted from the last interrupt that brought a status bit; when it runs
 * out IRQ_STATUS is read once more and, if that does not finish the batch, dwvp_run
 * returns DWVP_E_TIMEOUT (timeout_ns 0 waits forever).
 *
 * Interrupt masks. Firmware may set IRQ_MASK as it likes between calls (dwvp_init
 * unmasks DONE and ERROR). While dwvp_run runs it owns DONE and ERROR: it saves
 * IRQ_MASK, clears stale DONE and LAYER status bits, unmasks DONE and ERROR if
 * firmware masked them, and writes the saved mask back before it returns (on every
 * path). LAYER is left as firmware set it: unmasked, each DWVP_FLAG_IRQ descriptor
 * wakes the driver once more (and restarts the timeout); masked, its status bit is
 * still acknowledged along the way. So completion and errors are detected by
 * interrupt, without polling, under every mask, and the completion time is exact.
 *
 * A device already holding an error ignores doorbells: dwvp_run then returns
 * DWVP_E_DEVICE at once with the status filled; dwvp_init (soft reset) clears it. */
#ifndef DWVP_DRIVER_H
#define DWVP_DRIVER_H

#include <stdint.h>

#include "dwvp/descriptor.h"
#include "dwvp/regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Driver return codes (negative) beside DWVP_OK. */
#define DWVP_OK 0
#define DWVP_E_NO_DEVICE (-1) /* ID register did not match */
#define DWVP_E_BUS (-2)       /* a HAL bus error happened */
#define DWVP_E_TIMEOUT (-3)   /* no interrupt within the timeout */
#define DWVP_E_DEVICE (-4)    /* the accelerator reported an error (see dwvp_status) */
#define DWVP_E_ARG (-5)       /* bad argument to a driver call */

typedef struct dwvp_dev {
  uint32_t regs;         /* register block base address */
  uint32_t ring_base;    /* DRAM address of the command ring */
  uint32_t ring_entries; /* ring capacity in descriptors */
  uint32_t tail;         /* next slot the driver writes */
  uint64_t timeout_ns;   /* per wait, 0 = forever */
  uint32_t irqs_taken;   /* interrupts serviced */
} dwvp_dev;

/* What the accelerator reported when it stopped. */
typedef struct dwvp_status {
  uint32_t status;     /* STATUS register */
  uint32_t irq_status; /* IRQ_STATUS bits seen during the run */
  uint32_t error_code; /* enum dwvp_error */
  uint32_t error_layer; /* ERR_LAYER: the layer_id, or DWVP_ERR_LAYER_UNKNOWN */
  uint32_t error_field; /* enum dwvp_desc_field */
  uint32_t error_index; /* ring index */
  /* Descriptors of this dwvp_run that completed: all of them on DWVP_OK; on
   * DWVP_E_DEVICE the index in descs of the one that failed (from ERR_INDEX, so it
   * does not depend on what the failing entry holds); otherwise those of the batches
   * already complete. */
  uint32_t completed;
} dwvp_status;

/* Checks the ID, soft-resets, programs the ring, unmasks interrupts and enables. */
int dwvp_init(dwvp_dev* dev, uint32_t regs_base, uint32_t ring_base,
              uint32_t ring_entries, uint64_t timeout_ns);
/* Allows the accelerator's DMA to touch [base, base + size); size 0 disables. The
 * window must lie inside DRAM and the device must be idle, else DWVP_E_BUS (the device
 * refuses the write with a bus error). Writes SIZE 0 first, so a window can move. */
int dwvp_set_window(dwvp_dev* dev, uint32_t index, uint32_t base, uint32_t size);
/* Runs count descriptors through the ring, refilling it as it drains, and waits for
 * completion (the rule above). On a device error fills *st (if given) and returns
 * DWVP_E_DEVICE. st->irq_status collects every IRQ_STATUS bit seen during the run. */
int dwvp_run(dwvp_dev* dev, const dwvp_desc* descs, uint32_t count, dwvp_status* st);
/* Reads every performance counter (DWVP_PERF_COUNT values). */
int dwvp_read_perf(dwvp_dev* dev, uint64_t* counters);
int dwvp_clear_perf(dwvp_dev* dev);

/* Error and field names: dwvp_error_name() (regs.h), dwvp_desc_field_name()
 * (descriptor.h). */
const char* dwvp_result_name(int result);

#ifdef __cplusplus
}
#endif

#endif /* DWVP_DRIVER_H */
