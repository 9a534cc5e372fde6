/* dwvp accelerator register map: the one definition shared by models and firmware.
 *
 * All registers are 32 bits wide, little endian, and must be accessed with aligned
 * 4-byte transactions. Offsets are relative to the register block base
 * (DWVP_ACCEL_REGS_BASE on the default SoC). Holes, wrong sizes and misaligned
 * accesses get a TLM error response. 64-bit counters are split LO/HI: reading LO
 * latches HI so a LO-then-HI pair is consistent.
 *
 * Plain C so that driver firmware compiles against it unchanged. */
#ifndef DWVP_REGS_H
#define DWVP_REGS_H

#include <stdint.h>

/* Default SoC address map (docs/architecture.md). */
#define DWVP_ACCEL_REGS_BASE 0x40000000u
#define DWVP_ACCEL_REGS_SIZE 0x00001000u
#define DWVP_DRAM_BASE 0x80000000u

/* Identification. */
#define DWVP_REG_ID 0x000u        /* RO: DWVP_ID_VALUE */
#define DWVP_REG_VERSION 0x004u   /* RO: major << 16 | minor */
#define DWVP_ID_VALUE 0x44575650u /* "DWVP" */
#define DWVP_VERSION_VALUE 0x00010000u

/* Control. */
#define DWVP_REG_CTRL 0x008u           /* RW */
#define DWVP_CTRL_ENABLE (1u << 0)     /* command processor accepts doorbells */
#define DWVP_CTRL_SOFT_RESET (1u << 1) /* write 1: reset state, reads back 0 */

/* Status. */
#define DWVP_REG_STATUS 0x00Cu /* RO */
#define DWVP_STATUS_BUSY (1u << 0)
#define DWVP_STATUS_ERROR (1u << 1)
#define DWVP_STATUS_ERR_CODE_SHIFT 8u /* bits 15:8: enum dwvp_error */
#define DWVP_STATUS_ERR_CODE_MASK (0xFFu << DWVP_STATUS_ERR_CODE_SHIFT)
/* RO: layer_id of the failing descriptor, or DWVP_ERR_LAYER_UNKNOWN */
#define DWVP_REG_ERR_LAYER 0x010u
/* ERR_LAYER when the failing entry's layer_id cannot be trusted: the fetch failed or
 * was refused, the magic is wrong, or the watchdog fired during the fetch. ERR_INDEX
 * still names the ring entry. */
#define DWVP_ERR_LAYER_UNKNOWN 0xFFFFFFFFu
#define DWVP_REG_ERR_FIELD 0x014u /* RO: enum dwvp_desc_field naming the bad field */
#define DWVP_REG_ERR_INDEX 0x018u /* RO: ring index of the failing descriptor */

/* Interrupts. Status bits are set by the hardware; the line is
 * (IRQ_STATUS & IRQ_MASK) != 0. */
#define DWVP_REG_IRQ_STATUS 0x020u /* RO */
#define DWVP_REG_IRQ_MASK 0x024u   /* RW, 1 = enabled, reset 0 */
#define DWVP_REG_IRQ_CLEAR 0x028u  /* WO, write 1 to clear a status bit */
#define DWVP_IRQ_DONE (1u << 0)    /* ring drained (head reached tail) */
#define DWVP_IRQ_ERROR (1u << 1)   /* a descriptor failed; processing stopped */
#define DWVP_IRQ_LAYER (1u << 2)   /* a descriptor with DWVP_FLAG_IRQ completed */
#define DWVP_IRQ_ALL (DWVP_IRQ_DONE | DWVP_IRQ_ERROR | DWVP_IRQ_LAYER)

/* Command ring: an array of RING_SIZE descriptors in DRAM. Firmware produces at
 * TAIL, the accelerator consumes at HEAD; both are indices modulo RING_SIZE. Each
 * fetch must lie inside an enabled DMA window. RING_BASE and RING_SIZE are locked
 * while the device is busy (a doorbell pending or the ring not drained): writes then
 * get a bus error (TLM_GENERIC_ERROR_RESPONSE) and change nothing. */
#define DWVP_REG_RING_BASE 0x030u /* RW: DRAM address, 64-byte aligned */
#define DWVP_REG_RING_SIZE 0x034u /* RW: number of entries, 2..DWVP_RING_MAX_ENTRIES */
#define DWVP_REG_RING_HEAD 0x038u /* RO: next entry the accelerator will fetch */
#define DWVP_REG_RING_TAIL 0x03Cu /* RW: next entry firmware will write */
#define DWVP_REG_DOORBELL 0x040u  /* WO: any write starts fetching from HEAD to TAIL */
#define DWVP_RING_MAX_ENTRIES 4096u

/* DMA address windows: the accelerator may only touch DRAM inside an enabled
 * window. A descriptor whose tensor falls outside every window is refused. An enabled
 * window must lie entirely inside DRAM: a BASE or SIZE write that would make it reach
 * outside gets a bus error (TLM_GENERIC_ERROR_RESPONSE) and changes nothing (so to
 * move an enabled window, write SIZE 0 first). Like the ring registers, the windows
 * are locked while the device is busy. */
#define DWVP_DMA_WINDOWS 4u
#define DWVP_REG_DMA_WIN_BASE(i) (0x080u + 0x10u * (i)) /* RW */
#define DWVP_REG_DMA_WIN_SIZE(i) (0x084u + 0x10u * (i)) /* RW: bytes, 0 = disabled */

/* Performance counters (RO, 64 bit as LO/HI). Cleared by soft reset or by writing
 * DWVP_PERF_CTRL_CLEAR. Cycles are accelerator clock cycles. */
#define DWVP_REG_PERF_CTRL 0x0FCu /* WO */
#define DWVP_PERF_CTRL_CLEAR (1u << 0)
#define DWVP_REG_PERF_BASE 0x100u
enum dwvp_perf_counter {
  DWVP_PERF_BUSY_CYCLES = 0,   /* accelerator busy (a descriptor in flight) */
  DWVP_PERF_MACS = 1,          /* multiply-accumulates performed */
  DWVP_PERF_DRAM_RD_BYTES = 2, /* bytes read from DRAM (descriptors included) */
  DWVP_PERF_DRAM_WR_BYTES = 3, /* bytes written to DRAM */
  DWVP_PERF_GEMM_BUSY = 4,     /* systolic array busy cycles */
  DWVP_PERF_DMA_STALL = 5,     /* cycles not computing: fetch, DMA not hidden, stats */
  DWVP_PERF_VECTOR_BUSY = 6,   /* vector unit busy cycles */
  DWVP_PERF_PPU_BUSY = 7,      /* post-processing unit busy cycles */
  DWVP_PERF_LAYERS_DONE = 8,   /* descriptors completed */
  DWVP_PERF_SRAM_READS = 9,    /* on-chip buffer reads, port-width words */
  DWVP_PERF_SRAM_WRITES = 10,  /* on-chip buffer writes, port-width words */
  DWVP_PERF_COUNT = 11
};
#define DWVP_REG_PERF_LO(n) (DWVP_REG_PERF_BASE + 8u * (n))
#define DWVP_REG_PERF_HI(n) (DWVP_REG_PERF_BASE + 8u * (n) + 4u)

/* Error codes reported in STATUS[15:8]. */
enum dwvp_error {
  DWVP_ERR_NONE = 0,
  DWVP_ERR_BAD_MAGIC = 1,     /* descriptor magic/version wrong */
  DWVP_ERR_BAD_OPCODE = 2,    /* unknown or unsupported opcode */
  DWVP_ERR_BAD_FIELD = 3,     /* a field is out of range; ERR_FIELD names it */
  DWVP_ERR_BAD_SHAPE = 4,     /* shapes inconsistent; ERR_FIELD names the field */
  DWVP_ERR_ADDR_WINDOW = 5,   /* a tensor lies outside every DMA window */
  DWVP_ERR_BUS = 6,           /* a DRAM access returned a TLM error */
  DWVP_ERR_RING_CONFIG = 7,   /* ring base/size invalid at doorbell */
  DWVP_ERR_UNSUPPORTED = 8,   /* valid but not implemented by this model */
  DWVP_ERR_BUFFER_FIT = 9,    /* no tiling fits the on-chip buffers; ERR_FIELD names the
                                 tile field */
  DWVP_ERR_RING_OVERLAP = 10, /* a region the descriptor writes overlaps the command
                                 ring; ERR_FIELD names it */
  DWVP_ERR_TIMEOUT = 11       /* the descriptor ran past the watchdog's cycle budget
                                 (accel.watchdog_cycles); the layer was abandoned */
};

static inline const char* dwvp_error_name(unsigned code) {
  switch (code) {
  case DWVP_ERR_NONE:
    return "none";
  case DWVP_ERR_BAD_MAGIC:
    return "bad_magic";
  case DWVP_ERR_BAD_OPCODE:
    return "bad_opcode";
  case DWVP_ERR_BAD_FIELD:
    return "bad_field";
  case DWVP_ERR_BAD_SHAPE:
    return "bad_shape";
  case DWVP_ERR_ADDR_WINDOW:
    return "address_outside_dma_windows";
  case DWVP_ERR_BUS:
    return "bus_error";
  case DWVP_ERR_RING_CONFIG:
    return "bad_ring_config";
  case DWVP_ERR_UNSUPPORTED:
    return "unsupported";
  case DWVP_ERR_BUFFER_FIT:
    return "does_not_fit_buffers";
  case DWVP_ERR_RING_OVERLAP:
    return "overlaps_command_ring";
  case DWVP_ERR_TIMEOUT:
    return "watchdog_timeout";
  default:
    return "unknown";
  }
}

#endif /* DWVP_REGS_H */
