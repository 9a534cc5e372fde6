#include "dwvp_driver.h"

#include "hal.h"

static uint32_t rd(const dwvp_dev* dev, uint32_t off) {
  return hal_mmio_read32(dev->regs + off);
}
static void wr(const dwvp_dev* dev, uint32_t off, uint32_t v) {
  hal_mmio_write32(dev->regs + off, v);
}

int dwvp_init(dwvp_dev* dev, uint32_t regs_base, uint32_t ring_base,
              uint32_t ring_entries, uint64_t timeout_ns) {
  uint32_t errors_before = hal_bus_errors();
  if (!dev || ring_entries < 2 || ring_entries > DWVP_RING_MAX_ENTRIES ||
      (ring_base & 63u))
    return DWVP_E_ARG;
  dev->regs = regs_base;
  dev->ring_base = ring_base;
  dev->ring_entries = ring_entries;
  dev->tail = 0;
  dev->timeout_ns = timeout_ns;
  dev->irqs_taken = 0;
  if (rd(dev, DWVP_REG_ID) != DWVP_ID_VALUE)
    return DWVP_E_NO_DEVICE;
  wr(dev, DWVP_REG_CTRL, DWVP_CTRL_SOFT_RESET);
  wr(dev, DWVP_REG_RING_BASE, ring_base);
  wr(dev, DWVP_REG_RING_SIZE, ring_entries);
  wr(dev, DWVP_REG_RING_TAIL, 0);
  wr(dev, DWVP_REG_IRQ_CLEAR, DWVP_IRQ_ALL);
  wr(dev, DWVP_REG_IRQ_MASK, DWVP_IRQ_DONE | DWVP_IRQ_ERROR);
  wr(dev, DWVP_REG_CTRL, DWVP_CTRL_ENABLE);
  return hal_bus_errors() == errors_before ? DWVP_OK : DWVP_E_BUS;
}

int dwvp_set_window(dwvp_dev* dev, uint32_t index, uint32_t base, uint32_t size) {
  uint32_t errors_before = hal_bus_errors();
  if (!dev || index >= DWVP_DMA_WINDOWS)
    return DWVP_E_ARG;
  /* Disabled first: the device refuses an enabled window reaching outside DRAM, which
   * the old size at the new base might. */
  wr(dev, DWVP_REG_DMA_WIN_SIZE(index), 0);
  wr(dev, DWVP_REG_DMA_WIN_BASE(index), base);
  if (size)
    wr(dev, DWVP_REG_DMA_WIN_SIZE(index), size);
  return hal_bus_errors() == errors_before ? DWVP_OK : DWVP_E_BUS;
}

/* Fills *st from the error registers (STATUS, ERR_LAYER, ERR_FIELD, ERR_INDEX). */
static void fill_error(const dwvp_dev* dev, dwvp_status* st) {
  if (!st)
    return;
  st->status = rd(dev, DWVP_REG_STATUS);
  st->error_code = (st->status & DWVP_STATUS_ERR_CODE_MASK) >> DWVP_STATUS_ERR_CODE_SHIFT;
  st->error_layer = rd(dev, DWVP_REG_ERR_LAYER);
  st->error_field = rd(dev, DWVP_REG_ERR_FIELD);
  st->error_index = rd(dev, DWVP_REG_ERR_INDEX);
}

/* Waits until the batch ending at dev->tail has completed (the completion rule in
 * dwvp_driver.h): after every wake-up it acknowledges the IRQ_STATUS bits it read,
 * returns DWVP_E_DEVICE on ERROR, DWVP_OK once DONE has been seen and RING_HEAD equals
 * the tail, and otherwise waits again. Each wait is bounded by dev->timeout_ns counted
 * from the last interrupt that set a status bit; when it runs out, IRQ_STATUS is
 * checked one last time before DWVP_E_TIMEOUT. */
static int wait_batch(dwvp_dev* dev, dwvp_status* st, uint32_t errors_before) {
  uint32_t seen = 0;
  uint64_t since = hal_time_ns();
  for (;;) {
    int woke;
    if (dev->timeout_ns == 0) {
      woke = hal_wait_irq(0) == 0;
    } else {
      uint64_t spent = hal_time_ns() - since;
      /* hal_wait_irq(0) would wait forever: an exhausted budget is a timeout. */
      woke = spent < dev->timeout_ns && hal_wait_irq(dev->timeout_ns - spent) == 0;
    }
    uint32_t irq = rd(dev, DWVP_REG_IRQ_STATUS);
    if (hal_bus_errors() != errors_before)
      return DWVP_E_BUS;
    irq &= DWVP_IRQ_ALL;
    if (irq) {
      wr(dev, DWVP_REG_IRQ_CLEAR, irq);
      seen |= irq;
      if (woke)
        dev->irqs_taken++;
      since = hal_time_ns();
    }
    if (st)
      st->irq_status |= irq;
    if (irq & DWVP_IRQ_ERROR) {
      fill_error(dev, st);
      return hal_bus_errors() == errors_before ? DWVP_E_DEVICE : DWVP_E_BUS;
    }
    if (seen & DWVP_IRQ_DONE) {
      uint32_t head = rd(dev, DWVP_REG_RING_HEAD);
      if (hal_bus_errors() != errors_before)
        return DWVP_E_BUS;
      if (head == dev->tail)
        return DWVP_OK;
    }
    if (!woke)
      return DWVP_E_TIMEOUT;
  }
}

/* Writes the batches and waits for each; dwvp_run wraps it with the IRQ_MASK save,
 * force and restore. */
static int run_batches(dwvp_dev* dev, const dwvp_desc* descs, uint32_t count,
                       dwvp_status* st, uint32_t errors_before) {
  uint32_t done = 0;
  if (st)
    st->completed = 0;
  while (done < count) {
    /* The ring is empty here (every batch is waited for): fill all but one slot so
     * head == tail keeps meaning empty. */
    uint32_t batch = count - done;
    uint32_t first = dev->tail;
    if (batch > dev->ring_entries - 1)
      batch = dev->ring_entries - 1;
    /* A stripe chain (DWVP_FLAG_STRIPE) goes in one batch: the device fetches it whole
     * and refuses one that runs past the tail. */
    while (batch > 1 && done + batch < count &&
           (descs[done + batch - 1].flags & DWVP_FLAG_STRIPE))
      --batch;
    for (uint32_t i = 0; i < batch; ++i) {
      uint32_t slot = dev->tail;
      if (hal_mem_write(dev->ring_base + slot * DWVP_DESC_SIZE, &descs[done + i],
                        DWVP_DESC_SIZE))
        return DWVP_E_BUS;
      dev->tail = (slot + 1) % dev->ring_entries;
    }
    wr(dev, DWVP_REG_RING_TAIL, dev->tail);
    wr(dev, DWVP_REG_DOORBELL, 1);
    if (hal_bus_errors() != errors_before)
      return DWVP_E_BUS;
    int rc = wait_batch(dev, st, errors_before);
    if (rc == DWVP_E_DEVICE && st) {
      /* The failing entry's place in the batch: the ring index is the device's own
       * count, unlike ERR_LAYER, which comes from the entry. */
      uint32_t in_batch =
          (st->error_index + dev->ring_entries - first) % dev->ring_entries;
      st->completed = done + (in_batch < batch ? in_batch : batch);
    }
    if (rc != DWVP_OK)
      return rc;
    done += batch;
    if (st)
      st->completed = done;
  }
  return DWVP_OK;
}

int dwvp_run(dwvp_dev* dev, const dwvp_desc* descs, uint32_t count, dwvp_status* st) {
  uint32_t errors_before = hal_bus_errors();
  if (!dev || (!descs && count))
    return DWVP_E_ARG;
  if (st) {
    st->status = st->irq_status = st->error_code = 0;
    st->error_layer = st->error_field = st->error_index = st->completed = 0;
  }
  if (count == 0)
    return DWVP_OK;
  /* A device holding an error ignores doorbells until a soft reset (dwvp_init). */
  uint32_t status = rd(dev, DWVP_REG_STATUS);
  uint32_t mask = rd(dev, DWVP_REG_IRQ_MASK);
  if (hal_bus_errors() != errors_before)
    return DWVP_E_BUS;
  if (status & DWVP_STATUS_ERROR) {
    if (st)
      st->irq_status = rd(dev, DWVP_REG_IRQ_STATUS);
    fill_error(dev, st);
    return hal_bus_errors() == errors_before ? DWVP_E_DEVICE : DWVP_E_BUS;
  }
  /* A DONE or LAYER bit left from earlier work must not count for this run (nor
   * raise the line when DONE is unmasked below). wait_batch acknowledges every bit it
   * reads, so later batches start clean too. */
  wr(dev, DWVP_REG_IRQ_CLEAR, DWVP_IRQ_DONE | DWVP_IRQ_LAYER);
  /* DONE and ERROR are unmasked while the run lasts, whatever firmware chose; LAYER
   * stays as firmware set it. The firmware's mask is restored on every return. */
  uint32_t forced = mask | DWVP_IRQ_DONE | DWVP_IRQ_ERROR;
  if (forced != mask)
    wr(dev, DWVP_REG_IRQ_MASK, forced);
  int rc = run_batches(dev, descs, count, st, errors_before);
  if (forced != mask)
    wr(dev, DWVP_REG_IRQ_MASK, mask);
  if (rc == DWVP_OK && hal_bus_errors() != errors_before)
    rc = DWVP_E_BUS;
  return rc;
}

int dwvp_read_perf(dwvp_dev* dev, uint64_t* counters) {
  uint32_t errors_before = hal_bus_errors();
  if (!dev || !counters)
    return DWVP_E_ARG;
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    uint64_t lo = rd(dev, DWVP_REG_PERF_LO(n)); /* latches HI */
    uint64_t hi = rd(dev, DWVP_REG_PERF_HI(n));
    counters[n] = (hi << 32) | lo;
  }
  return hal_bus_errors() == errors_before ? DWVP_OK : DWVP_E_BUS;
}

int dwvp_clear_perf(dwvp_dev* dev) {
  if (!dev)
    return DWVP_E_ARG;
  wr(dev, DWVP_REG_PERF_CTRL, DWVP_PERF_CTRL_CLEAR);
  return DWVP_OK;
}

const char* dwvp_result_name(int result) {
  switch (result) {
  case DWVP_OK:
    return "ok";
  case DWVP_E_NO_DEVICE:
    return "no_device";
  case DWVP_E_BUS:
    return "bus_error";
  case DWVP_E_TIMEOUT:
    return "timeout";
  case DWVP_E_DEVICE:
    return "device_error";
  case DWVP_E_ARG:
    return "bad_argument";
  default:
    return "unknown";
  }
}
