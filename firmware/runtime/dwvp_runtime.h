/* dwvp layer runtime: places a network's tensors and the command ring in DRAM, builds
 * one descriptor per layer and runs them through the driver.
 *
 * Plain C over the HAL and the driver, freestanding: no libc, no heap. Its working
 * memory is an arena the caller gives (dwvp_rt_arena_bytes says how much); the
 * network's constants stay where the caller keeps them. So HAL + driver + runtime
 * build for a bare-metal target (docs/firmware.md, "Cross-building"); on the virtual
 * platform they run in the host CPU model's firmware thread.
 *
 * Transactions, in order: the ring and the input are placed first; then for each layer
 * its weights, bias and quantisation parameters (placed and uploaded), its LUT, its
 * output and its stats record; the input is uploaded; the device is initialised, one
 * DMA window opened over the DRAM the runtime owns, and the descriptors run. After
 * dwvp_rt_run, read the stats and outputs you need with dwvp_rt_read_stats and
 * dwvp_rt_read_output (firmware phase 3, "read back"). */
#ifndef DWVP_RUNTIME_H
#define DWVP_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "dwvp/stripe_chain.h"
#include "dwvp_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dwvp_rt_layer.input / aux_input: the network input instead of a layer. */
#define DWVP_RT_NETWORK_INPUT (-1)
/* dwvp_rt_layer.aux_input: the layer has no second input. */
#define DWVP_RT_NO_AUX (-2)
/* dwvp_rt_layer.output_into: the layer owns its output tensor. */
#define DWVP_RT_OWN_TENSOR (-1)

/* Runtime return codes beside the driver's (DWVP_OK, DWVP_E_*). */
#define DWVP_RT_E_INVALID                                                                \
  (-10)                       /* the network is malformed: result.error names the layer */
#define DWVP_RT_E_DRAM (-11)  /* the network does not fit the DRAM given */
#define DWVP_RT_E_ARENA (-12) /* the arena is smaller than dwvp_rt_arena_bytes() */
#define DWVP_RT_E_UPLOAD (-13) /* a HAL transfer to or from DRAM failed */

/* One layer: a descriptor template (opcode, shapes, quantisation, activation; the
 * runtime fills magic, layer_id and every address) and its constants. Constant
 * pointers may be NULL in a timing-only network; the counts are always given. */
typedef struct dwvp_rt_layer {
  const char* name; /* for error messages; may be NULL */
  dwvp_desc desc;
  const int8_t* weights; /* layout of docs/numerics.md */
  uint32_t weight_count; /* must equal what desc implies */
  const int32_t* bias;   /* out_c entries (layers with weights) */
  uint32_t bias_count;
  const int32_t* quant; /* out_c multipliers then out_c shifts, as in DRAM */
  uint32_t quant_count; /* 2 * out_c */
  const int8_t* lut;    /* 256 entries with DWVP_ACT_LUT */
  uint32_t lut_count;
  int32_t input;                /* producing layer (earlier), or DWVP_RT_NETWORK_INPUT */
  int32_t input_channel_offset; /* read channels [offset, offset + in_c) of it */
  /* Output placement: by default the layer owns a tensor of out_channels_total
   * channels (0 = out_c) and writes channels [0, out_c). With output_into = j it
   * writes channels [output_channel_offset, + out_c) of layer j's tensor instead
   * (concatenation). */
  uint32_t out_channels_total;
  int32_t output_into;
  int32_t output_channel_offset;
  int32_t aux_input; /* ADD's second input / CHANNEL_MUL's scale, or DWVP_RT_NO_AUX */
} dwvp_rt_layer;

typedef struct dwvp_rt_network {
  const dwvp_rt_layer* layers;
  uint32_t layer_count;
  const int8_t* input; /* packed NHWC; NULL when timing_only */
  uint32_t input_bytes;
  /* Timing only: the same placements and transactions, no bytes (the HAL's null
   * buffers), no constants needed. */
  int timing_only;
} dwvp_rt_network;

typedef struct dwvp_rt_options {
  uint32_t regs_base;
  uint32_t dram_base; /* the DRAM the runtime owns: [dram_base, + dram_size) */
  uint32_t dram_size;
  uint32_t ring_entries;
  uint64_t timeout_ns; /* per interrupt wait, 0 = forever */
  int32_t loop_order;  /* DWVP_ORDER_* written into every descriptor; -1 = each layer's */
  /* Fuse a depthwise (or FuSe 1D) layer with the pointwise layer that alone consumes
   * it when its output fits fuse_limit bytes: the intermediate stays on chip. */
  int fuse;
  uint64_t fuse_limit;
  /* Block fusion: chain runs of 2 to DWVP_CHAIN_MAX_LAYERS layers, each read only by
   * the next, that run stripe by stripe within chain_budget (entries per buffer half,
   * stripe_chain.h) with DWVP_FLAG_STRIPE; the longest chain that fits from each layer
   * on. Layer-level fusion (fuse) applies to the pairs no chain holds. */
  int fuse_blocks;
  dwvp_chain_budget chain_budget;
} dwvp_rt_options;

/* The defaults: the platform's register and DRAM base, 512 MiB, 64 ring entries, 10 s
 * per wait, each layer's loop order, no fusion. */
void dwvp_rt_default_options(dwvp_rt_options* opt);

/* Where a layer's data lives in DRAM. */
typedef struct dwvp_rt_placement {
  uint32_t weights, bias, quant, lut, output, stats;
  uint32_t tensor; /* base of the tensor the output lives in (shared when concatenated) */
} dwvp_rt_placement;

/* Caller-given working memory. */
typedef struct dwvp_rt_arena {
  void* base;
  size_t size;
} dwvp_rt_arena;

/* Arena bytes dwvp_rt_run needs for a network of layer_count layers. */
size_t dwvp_rt_arena_bytes(uint32_t layer_count);

typedef struct dwvp_rt_result {
  int status;          /* DWVP_OK, a driver DWVP_E_* code or a DWVP_RT_E_* code */
  dwvp_status device;  /* filled when status == DWVP_E_DEVICE */
  uint32_t layers_run; /* layers whose results can be read back */
  uint64_t perf[DWVP_PERF_COUNT];
  uint64_t start_ns; /* host time when the first doorbell was rung */
  uint64_t end_ns;   /* host time when the last interrupt was serviced */
  uint32_t input_addr;
  const dwvp_rt_placement* places; /* layer_count entries, in the arena */
  char error[192];                 /* why, when status != DWVP_OK */
} dwvp_rt_result;

/* Runs the whole network. The result (and its places) stays valid while the arena
 * does. */
int dwvp_rt_run(const dwvp_rt_network* net, const dwvp_rt_options* opt,
                dwvp_rt_arena arena, dwvp_rt_result* result);

/* Bytes of the tensor layer `layer` writes into (the owner's, when concatenated). */
uint32_t dwvp_rt_output_bytes(const dwvp_rt_network* net, uint32_t layer);

/* Read back a layer that ran: its stats record, and the whole tensor its output lives
 * in (dwvp_rt_output_bytes; dst NULL = a timing-only read). 0, or a DWVP_RT_E_* code. */
int dwvp_rt_read_stats(const dwvp_rt_result* result, uint32_t layer,
                       dwvp_layer_stats* stats);
int dwvp_rt_read_output(const dwvp_rt_network* net, const dwvp_rt_result* result,
                        uint32_t layer, int8_t* dst);

/* Marks the depthwise -> pointwise pairs dwvp_rt_run fuses under opt: fused[i] = 1 for
 * the depthwise layer i of each pair (layer_count entries). */
void dwvp_rt_fusable_pairs(const dwvp_rt_network* net, const dwvp_rt_options* opt,
                           uint8_t* fused);

/* Marks the stripe chains dwvp_rt_run forms under opt from the placed descriptors:
 * stripe[i] = 1 when layer i streams into layer i + 1 (layer_count entries). */
void dwvp_rt_stripe_chains(const dwvp_rt_network* net, const dwvp_desc* descs,
                           const dwvp_rt_options* opt, uint8_t* stripe);

/* "invalid_network", "no_dram_space", "arena_too_small", "transfer_failed", or the
 * driver's name (dwvp_result_name) for its codes. */
const char* dwvp_rt_result_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* DWVP_RUNTIME_H */
