/* dwvp layer command descriptor: the fixed-size record firmware writes into the
 * command ring in DRAM and the accelerator's command processor fetches.
 *
 * Shared by models and firmware (plain C). Little endian, DWVP_DESC_SIZE bytes.
 * Tensors are int8 NHWC (batch 1); see docs/descriptor.md for every field's meaning,
 * range and the validation rules the accelerator applies. */
#ifndef DWVP_DESCRIPTOR_H
#define DWVP_DESCRIPTOR_H

#include <stdint.h>

#define DWVP_DESC_MAGIC 0xD35Cu
#define DWVP_DESC_SIZE 128u

enum dwvp_opcode {
  DWVP_OP_CONV2D = 1,      /* KxK convolution, weights OHWI [out_c][kh][kw][in_c] */
  DWVP_OP_DEPTHWISE = 2,   /* KxK depthwise, weights [kh][kw][c] */
  DWVP_OP_DW_1XK = 3,      /* FuSe row filter: depthwise with kernel_h = 1 */
  DWVP_OP_DW_KX1 = 4,      /* FuSe column filter: depthwise with kernel_w = 1 */
  DWVP_OP_POINTWISE = 5,   /* 1x1 convolution / GEMM, weights [out_c][in_c] */
  DWVP_OP_FC = 6,          /* fully connected: 1x1 spatial pointwise */
  DWVP_OP_ADD = 7,         /* residual add of input and aux, TFLite ADD numerics */
  DWVP_OP_AVG_POOL = 8,    /* KxK average pool (global when kernel = input size) */
  DWVP_OP_CHANNEL_MUL = 9, /* x[h][w][c] * aux[c], squeeze-and-excite scaling */
  DWVP_OP_COUNT = 10
};

enum dwvp_mapping {
  DWVP_MAP_DEFAULT = 0,     /* the opcode's natural mapping (GEMM core for GEMMs) */
  DWVP_MAP_GEMM_NAIVE = 1,  /* depthwise as one-filter GEMMs: one array column busy */
  DWVP_MAP_VECTOR = 2,      /* depthwise on the vector (SIMD) unit */
  DWVP_MAP_CHANNEL_MVM = 3, /* depthwise as channel-parallel MVMs (added DwC datapath) */
  DWVP_MAP_COUNT = 4
};

enum dwvp_dataflow {
  DWVP_DF_OS = 0,    /* output stationary */
  DWVP_DF_WS = 1,    /* weight stationary */
  DWVP_DF_ST_OS = 2, /* spatial-tiled output stationary (FuSe 1D convolutions) */
  DWVP_DF_COUNT = 3
};

enum dwvp_activation {
  DWVP_ACT_NONE = 0,  /* clamp to [act_min, act_max] only */
  DWVP_ACT_RELU = 1,  /* same clamp; the firmware sets act_min to the output zero point */
  DWVP_ACT_RELU6 = 2, /* same clamp; act_max is the quantised 6.0 */
  DWVP_ACT_LUT = 3, /* after the clamp, out = lut[out + 128] (hard-swish, hard-sigmoid) */
  DWVP_ACT_COUNT = 4
};

enum dwvp_loop_order {
  DWVP_ORDER_ROW_MAJOR = 0,
  DWVP_ORDER_SCAN = 1, /* serpentine walk: consecutive tiles share buffered data */
  DWVP_ORDER_AUTO = 2, /* the accelerator plans both and takes the one that moves fewer
                          DRAM bytes (row-major on a tie) */
  DWVP_ORDER_COUNT = 3
};

/* flags */
#define DWVP_FLAG_IRQ (1u << 0)      /* raise DWVP_IRQ_LAYER when this layer completes */
#define DWVP_FLAG_FUSE_OUT (1u << 1) /* keep output on chip for the next layer */
#define DWVP_FLAG_FUSE_IN (1u << 2)  /* input is the previous layer's on-chip output */
/* ONNX numerics, docs/numerics.md. Weighted layers (conv2d, depthwise, 1xK, Kx1,
 * pointwise, FC): the multipliers at quant_addr are IEEE-754 binary32 scales (shifts
 * must be 0), out = clamp(round_half_even(float(acc) * scale) + output_zp), and aux_zp
 * is the weights' zero point (acc sums (x - input_zp) * (w - aux_zp)). ADD:
 * input_mult, aux_mult, output_mult hold the binary32 scales of a, b and y. */
#define DWVP_FLAG_ONNX (1u << 3)
/* Block fusion: this layer's output streams, stripe by stripe through an on-chip line
 * buffer, into the next ring entry's layer, which reads it whole (docs/memory.md "Block
 * fusion"). A chain is the run of entries up to the first without the flag, 2 to
 * DWVP_CHAIN_MAX_LAYERS layers (stripe_chain.h). */
#define DWVP_FLAG_STRIPE (1u << 4)
#define DWVP_FLAG_ALL                                                                    \
  (DWVP_FLAG_IRQ | DWVP_FLAG_FUSE_OUT | DWVP_FLAG_FUSE_IN | DWVP_FLAG_ONNX |             \
   DWVP_FLAG_STRIPE)

typedef struct dwvp_desc {
  uint16_t magic;            /*   0: DWVP_DESC_MAGIC */
  uint16_t layer_id;         /*   2: free-form id, reported in ERR_LAYER and on VCD */
  uint8_t opcode;            /*   4: enum dwvp_opcode */
  uint8_t mapping;           /*   5: enum dwvp_mapping */
  uint8_t dataflow;          /*   6: enum dwvp_dataflow */
  uint8_t activation;        /*   7: enum dwvp_activation */
  uint8_t loop_order;        /*   8: enum dwvp_loop_order */
  uint8_t kernel_h;          /*   9 */
  uint8_t kernel_w;          /*  10 */
  uint8_t stride_h;          /*  11 */
  uint8_t stride_w;          /*  12 */
  uint8_t pad_top;           /*  13 */
  uint8_t pad_left;          /*  14 */
  uint8_t pad_bottom;        /*  15 */
  uint8_t pad_right;         /*  16 */
  uint8_t add_left_shift;    /* 17: ADD: inputs scaled by 1 << add_left_shift first */
  uint8_t reserved0[2];      /* 18: must be 0 */
  uint32_t flags;            /*  20: DWVP_FLAG_* */
  uint16_t in_h;             /*  24 */
  uint16_t in_w;             /*  26 */
  uint16_t in_c;             /*  28 */
  uint16_t out_h;            /*  30 */
  uint16_t out_w;            /*  32 */
  uint16_t out_c;            /*  34 */
  uint16_t in_pixel_stride;  /* 36: bytes between input pixels, 0 = in_c (packed) */
  uint16_t out_pixel_stride; /* 38: bytes between output pixels, 0 = out_c (packed) */
  uint16_t tile_h;      /*  40: output rows per tile, 0 = let the accelerator choose */
  uint16_t tile_w;      /*  42: output columns per tile, 0 = choose */
  uint16_t tile_c;      /*  44: output channels per tile, 0 = choose */
  uint16_t tile_k;      /*  46: input channels per tile, 0 = choose */
  uint32_t input_addr;  /*  48 */
  uint32_t weight_addr; /*  52 */
  uint32_t bias_addr;   /*  56: int32 [out_c] */
  uint32_t quant_addr;  /*  60: int32 multiplier[out_c] then int32 shift[out_c] */
  uint32_t output_addr; /*  64 */
  uint32_t aux_addr;    /*  68: ADD second input; CHANNEL_MUL scale vector [c] */
  uint32_t lut_addr;    /*  72: 256-byte int8 table when activation == LUT */
  int32_t input_zp;     /*  76 */
  int32_t aux_zp;       /*  80: ADD / CHANNEL_MUL aux; with DWVP_FLAG_ONNX weight zp */
  int32_t output_zp;    /*  84 */
  int32_t act_min;      /*  88 */
  int32_t act_max;      /*  92 */
  int32_t input_mult;   /*  96: ADD: input rescale multiplier */
  int32_t input_shift;  /* 100 */
  int32_t aux_mult;     /* 104: ADD: aux rescale multiplier */
  int32_t aux_shift;    /* 108 */
  int32_t output_mult;  /* 112: ADD, CHANNEL_MUL: output multiplier */
  int32_t output_shift; /* 116 */
  uint32_t stats_addr;  /* 120: if non-zero, a dwvp_layer_stats record is written here */
  uint8_t reserved1[4]; /* 124: must be 0 */
} dwvp_desc;

/* Per-layer completion record the accelerator writes to stats_addr (96 bytes). All
 * cycle counts are accelerator clock cycles. */
typedef struct dwvp_layer_stats {
  uint64_t start_cycle;     /* accelerator cycle the descriptor fetch began */
  uint64_t total_cycles;    /* fetch to completion */
  uint64_t compute_cycles;  /* GEMM core / vector unit busy */
  uint64_t dma_cycles;      /* total - compute: fetch and DMA not hidden behind compute */
  uint64_t macs;            /* multiply-accumulates */
  uint64_t dram_read_bytes; /* descriptor, weights, inputs, parameters */
  uint64_t dram_write_bytes;
  uint32_t layer_id;
  uint32_t status;     /* 0 = ok */
  uint64_t sram_reads; /* on-chip buffer accesses (port-width words), all buffers */
  uint64_t sram_writes;
  uint32_t tiles;  /* tiles the layer was split into */
  uint32_t engine; /* 0 GEMM core, 1 vector unit, 2 post-processing unit */
  uint64_t reserved;
} dwvp_layer_stats;
#define DWVP_LAYER_STATS_SIZE 96u

/* Fields named by DWVP_REG_ERR_FIELD when a descriptor is refused. */
enum dwvp_desc_field {
  DWVP_FIELD_NONE = 0,
  DWVP_FIELD_MAGIC,
  DWVP_FIELD_OPCODE,
  DWVP_FIELD_MAPPING,
  DWVP_FIELD_DATAFLOW,
  DWVP_FIELD_ACTIVATION,
  DWVP_FIELD_LOOP_ORDER,
  DWVP_FIELD_KERNEL_H,
  DWVP_FIELD_KERNEL_W,
  DWVP_FIELD_STRIDE_H,
  DWVP_FIELD_STRIDE_W,
  DWVP_FIELD_PAD_TOP,
  DWVP_FIELD_PAD_LEFT,
  DWVP_FIELD_PAD_BOTTOM,
  DWVP_FIELD_PAD_RIGHT,
  DWVP_FIELD_ADD_LEFT_SHIFT,
  DWVP_FIELD_RESERVED,
  DWVP_FIELD_FLAGS,
  DWVP_FIELD_IN_H,
  DWVP_FIELD_IN_W,
  DWVP_FIELD_IN_C,
  DWVP_FIELD_OUT_H,
  DWVP_FIELD_OUT_W,
  DWVP_FIELD_OUT_C,
  DWVP_FIELD_IN_PIXEL_STRIDE,
  DWVP_FIELD_OUT_PIXEL_STRIDE,
  DWVP_FIELD_TILE_H,
  DWVP_FIELD_TILE_W,
  DWVP_FIELD_TILE_C,
  DWVP_FIELD_TILE_K,
  DWVP_FIELD_INPUT_ADDR,
  DWVP_FIELD_WEIGHT_ADDR,
  DWVP_FIELD_BIAS_ADDR,
  DWVP_FIELD_QUANT_ADDR,
  DWVP_FIELD_OUTPUT_ADDR,
  DWVP_FIELD_AUX_ADDR,
  DWVP_FIELD_LUT_ADDR,
  DWVP_FIELD_INPUT_ZP,
  DWVP_FIELD_AUX_ZP,
  DWVP_FIELD_OUTPUT_ZP,
  DWVP_FIELD_ACT_MIN,
  DWVP_FIELD_ACT_MAX,
  DWVP_FIELD_INPUT_MULT,
  DWVP_FIELD_INPUT_SHIFT,
  DWVP_FIELD_AUX_MULT,
  DWVP_FIELD_AUX_SHIFT,
  DWVP_FIELD_OUTPUT_MULT,
  DWVP_FIELD_OUTPUT_SHIFT,
  DWVP_FIELD_STATS_ADDR,
  DWVP_FIELD_QUANT_DATA, /* a per-channel multiplier/shift read from quant_addr */
  DWVP_FIELD_RING_ENTRY, /* not a field: the ring entry itself (its fetch was refused) */
  DWVP_FIELD_COUNT
};

/* Field names as used in error messages and docs/descriptor.md. */
static inline const char* dwvp_desc_field_name(unsigned field) {
  static const char* const names[DWVP_FIELD_COUNT] = {"none",
                                                      "magic",
                                                      "opcode",
                                                      "mapping",
                                                      "dataflow",
                                                      "activation",
                                                      "loop_order",
                                                      "kernel_h",
                                                      "kernel_w",
                                                      "stride_h",
                                                      "stride_w",
                                                      "pad_top",
                                                      "pad_left",
                                                      "pad_bottom",
                                                      "pad_right",
                                                      "add_left_shift",
                                                      "reserved",
                                                      "flags",
                                                      "in_h",
                                                      "in_w",
                                                      "in_c",
                                                      "out_h",
                                                      "out_w",
                                                      "out_c",
                                                      "in_pixel_stride",
                                                      "out_pixel_stride",
                                                      "tile_h",
                                                      "tile_w",
                                                      "tile_c",
                                                      "tile_k",
                                                      "input_addr",
                                                      "weight_addr",
                                                      "bias_addr",
                                                      "quant_addr",
                                                      "output_addr",
                                                      "aux_addr",
                                                      "lut_addr",
                                                      "input_zp",
                                                      "aux_zp",
                                                      "output_zp",
                                                      "act_min",
                                                      "act_max",
                                                      "input_mult",
                                                      "input_shift",
                                                      "aux_mult",
                                                      "aux_shift",
                                                      "output_mult",
                                                      "output_shift",
                                                      "stats_addr",
                                                      "quant_data",
                                                      "ring_entry"};
  return field < DWVP_FIELD_COUNT ? names[field] : "unknown";
}

#ifdef __cplusplus
static_assert(sizeof(dwvp_desc) == DWVP_DESC_SIZE, "descriptor layout");
static_assert(sizeof(dwvp_layer_stats) == DWVP_LAYER_STATS_SIZE, "stats layout");
#else
_Static_assert(sizeof(dwvp_desc) == DWVP_DESC_SIZE, "descriptor layout");
_Static_assert(sizeof(dwvp_layer_stats) == DWVP_LAYER_STATS_SIZE, "stats layout");
#endif

#endif /* DWVP_DESCRIPTOR_H */
