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
  wr(dev, DWVP_REG_DMA_WIN_BASE(index), base);
  wr(dev, DWVP_REG_DMA_WIN_SIZE(index), size);
  return hal_bus_errors() == errors_before ? DWVP_OK : DWVP_E_BUS;
}

/* Waits for the interrupt, records and clears what it says. */
static int wait_and_ack(dwvp_dev* dev, dwvp_status* st) {
  if (hal_wait_irq(dev->timeout_ns) != 0)
    return DWVP_E_TIMEOUT;
  uint32_t irq = rd(dev, DWVP_REG_IRQ_STATUS);
  wr(dev, DWVP_REG_IRQ_CLEAR, irq);
  dev->irqs_taken++;
  if (irq & DWVP_IRQ_ERROR) {
    if (st) {
      st->status = rd(dev, DWVP_REG_STATUS);
      st->irq_status = irq;
      st->error_code =
          (st->status & DWVP_STATUS_ERR_CODE_MASK) >> DWVP_STATUS_ERR_CODE_SHIFT;
      st->error_layer = rd(dev, DWVP_REG_ERR_LAYER);
      st->error_field = rd(dev, DWVP_REG_ERR_FIELD);
      st->error_index = rd(dev, DWVP_REG_ERR_INDEX);
    }
    return DWVP_E_DEVICE;
  }
  if (st) {
    st->irq_status = irq;
    st->status = 0;
  }
  return DWVP_OK;
}

int dwvp_run(dwvp_dev* dev, const dwvp_desc* descs, uint32_t count, dwvp_status* st) {
  uint32_t errors_before = hal_bus_errors();
  if (!dev || (!descs && count))
    return DWVP_E_ARG;
  if (st) {
    st->status = st->irq_status = st->error_code = 0;
    st->error_layer = st->error_field = st->error_index = 0;
  }
  uint32_t done = 0;
  while (done < count) {
    /* The ring is empty here (every batch is waited for): fill all but one slot so
     * head == tail keeps meaning empty. */
    uint32_t batch = count - done;
    if (batch > dev->ring_entries - 1)
      batch = dev->ring_entries - 1;
    for (uint32_t i = 0; i < batch; ++i) {
      uint32_t slot = dev->tail;
      if (hal_mem_write(dev->ring_base + slot * DWVP_DESC_SIZE, &descs[done + i],
                        DWVP_DESC_SIZE))
        return DWVP_E_BUS;
      dev->tail = (slot + 1) % dev->ring_entries;
    }
    wr(dev, DWVP_REG_RING_TAIL, dev->tail);
    wr(dev, DWVP_REG_DOORBELL, 1);
    int rc = wait_and_ack(dev, st);
    if (rc != DWVP_OK)
      return rc;
    if (hal_bus_errors() != errors_before)
      return DWVP_E_BUS;
    done += batch;
  }
  return DWVP_OK;
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
