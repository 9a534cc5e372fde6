#include "dwvp_runtime.h"

#include "hal.h"

/* ---- error text without libc ---------------------------------------------------- */

typedef struct message {
  char* text;
  uint32_t cap;
  uint32_t len;
} message;

static void put(message* m, const char* s) {
  while (s && *s && m->len + 1 < m->cap)
    m->text[m->len++] = *s++;
  m->text[m->len] = '\0';
}

static void put_u(message* m, uint64_t v) {
  char digits[21];
  char one[2] = {0, 0};
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) {
    one[0] = digits[--n];
    put(m, one);
  }
}

/* Starts result->error with "layer <i> (<name>)" (or `what` for a non-layer). */
static message begin(dwvp_rt_result* r, const dwvp_rt_network* net, int64_t layer,
                     const char* what) {
  message m = {r->error, sizeof r->error, 0};
  if (layer < 0) {
    put(&m, what);
    return m;
  }
  put(&m, "layer ");
  put_u(&m, (uint64_t)layer);
  put(&m, " (");
  put(&m, net->layers[layer].name);
  put(&m, ")");
  if (what) {
    put(&m, " ");
    put(&m, what);
  }
  return m;
}

static int fail(dwvp_rt_result* r, const dwvp_rt_network* net, int64_t layer, int code,
                const char* text) {
  message m = begin(r, net, layer, 0);
  put(&m, text);
  r->status = code;
  return code;
}

/* ---- placement -------------------------------------------------------------------- */

/* Bump allocator over the DRAM the runtime owns; 64-byte alignment keeps bursts
 * aligned. */
typedef struct dram_allocator {
  uint64_t next, end;
} dram_allocator;

/* Takes `bytes`; on failure fills the error ("<what>: network does not fit in DRAM
 * (needs N more bytes)") and returns 0. */
static int take(dram_allocator* a, uint64_t bytes, uint32_t* addr, dwvp_rt_result* r,
                const dwvp_rt_network* net, int64_t layer, const char* what) {
  uint64_t at = (a->next + 63) & ~(uint64_t)63;
  if (at + bytes > a->end) {
    message m = begin(r, net, layer, what);
    put(&m, ": network does not fit in DRAM (needs ");
    put_u(&m, bytes);
    put(&m, " more bytes)");
    r->status = DWVP_RT_E_DRAM;
    return 0;
  }
  a->next = at + bytes;
  *addr = (uint32_t)at;
  return 1;
}

static uint64_t tensor_channels(const dwvp_rt_layer* l) {
  return l->out_channels_total ? l->out_channels_total : l->desc.out_c;
}

static uint64_t expected_weights(const dwvp_desc* d) {
  switch (d->opcode) {
  case DWVP_OP_CONV2D:
    return (uint64_t)d->out_c * d->kernel_h * d->kernel_w * d->in_c;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    return (uint64_t)d->kernel_h * d->kernel_w * d->in_c;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    return (uint64_t)d->out_c * d->in_c;
  default:
    return 0;
  }
}

static int needs_aux(const dwvp_desc* d) {
  return d->opcode == DWVP_OP_ADD || d->opcode == DWVP_OP_CHANNEL_MUL;
}

static int is_depthwise(const dwvp_desc* d) {
  return d->opcode == DWVP_OP_DEPTHWISE || d->opcode == DWVP_OP_DW_1XK ||
         d->opcode == DWVP_OP_DW_KX1;
}

/* The host buffer of a transfer, or NULL for a timing-only network: the HAL then
 * makes the same timed transfer without moving bytes. */
static const void* values(const dwvp_rt_network* net, const void* data) {
  return net->timing_only ? 0 : data;
}

static int upload(uint32_t addr, const void* data, uint64_t bytes, dwvp_rt_result* r,
                  const dwvp_rt_network* net, int64_t layer, const char* what) {
  if (bytes && hal_mem_write(addr, data, (uint32_t)bytes) != 0) {
    message m = begin(r, net, layer, what);
    put(&m, ": upload to DRAM failed");
    r->status = DWVP_RT_E_UPLOAD;
    return 0;
  }
  return 1;
}

/* ---- public API ------------------------------------------------------------------- */

void dwvp_rt_default_options(dwvp_rt_options* opt) {
  opt->regs_base = DWVP_ACCEL_REGS_BASE;
  opt->dram_base = DWVP_DRAM_BASE;
  opt->dram_size = 512u << 20;
  opt->ring_entries = 64;
  opt->timeout_ns = 10000000000ull;
  opt->loop_order = -1;
  opt->fuse = 0;
  opt->fuse_limit = 0;
  opt->fuse_blocks = 0;
  opt->chain_budget.input_half = opt->chain_budget.weight_half = 0;
  opt->chain_budget.output_half = 0;
}

size_t dwvp_rt_arena_bytes(uint32_t layer_count) {
  return (size_t)layer_count * (sizeof(dwvp_rt_placement) + sizeof(dwvp_desc) + 2) + 64;
}

const char* dwvp_rt_result_name(int status) {
  switch (status) {
  case DWVP_RT_E_INVALID:
    return "invalid_network";
  case DWVP_RT_E_DRAM:
    return "no_dram_space";
  case DWVP_RT_E_ARENA:
    return "arena_too_small";
  case DWVP_RT_E_UPLOAD:
    return "transfer_failed";
  default:
    return dwvp_result_name(status);
  }
}

uint32_t dwvp_rt_output_bytes(const dwvp_rt_network* net, uint32_t layer) {
  const dwvp_rt_layer* l = &net->layers[layer];
  const dwvp_rt_layer* owner = l->output_into >= 0 ? &net->layers[l->output_into] : l;
  return (uint32_t)((uint64_t)owner->desc.out_h * owner->desc.out_w *
                    tensor_channels(owner));
}

/* Layers reading layer i's output; a concatenation into it counts as two (concatenated
 * tensors stay in DRAM). */
static uint32_t consumers_of(const dwvp_rt_network* net, uint32_t i) {
  uint32_t j, consumers = 0;
  for (j = 0; j < net->layer_count; ++j) {
    const dwvp_rt_layer* c = &net->layers[j];
    consumers += (c->input == (int32_t)i) + (c->aux_input == (int32_t)i) +
                 2u * (c->output_into == (int32_t)i);
  }
  return consumers;
}

void dwvp_rt_fusable_pairs(const dwvp_rt_network* net, const dwvp_rt_options* opt,
                           uint8_t* fused) {
  uint32_t i;
  for (i = 0; i < net->layer_count; ++i)
    fused[i] = 0;
  if (!opt->fuse)
    return;
  for (i = 0; i + 1 < net->layer_count; ++i) {
    const dwvp_rt_layer* a = &net->layers[i];
    const dwvp_rt_layer* next = &net->layers[i + 1];
    const uint64_t bytes = (uint64_t)a->desc.out_h * a->desc.out_w * a->desc.out_c;
    if (!is_depthwise(&a->desc) || next->desc.opcode != DWVP_OP_POINTWISE ||
        next->input != (int32_t)i || next->input_channel_offset != 0 ||
        a->out_channels_total != 0 || a->output_into >= 0 || bytes > opt->fuse_limit)
      continue;
    /* The pointwise layer must be its only consumer. */
    fused[i] = consumers_of(net, i) == 1;
  }
}

void dwvp_rt_stripe_chains(const dwvp_rt_network* net, const dwvp_desc* descs,
                           const dwvp_rt_options* opt, uint8_t* stripe) {
  /* The partition of the layers into chains (a lone layer is a chain of one) that
   * writes the fewest bytes to DRAM: each chain writes its last layer's output. By
   * dynamic programming from the end; best[m % 5] is the least for layers [m, n), and
   * stripe[i] first holds the length chosen at i. */
  const uint32_t n = net->layer_count;
  uint64_t best[DWVP_CHAIN_MAX_LAYERS + 1];
  uint32_t i, j, k;
  for (i = 0; i < n; ++i)
    stripe[i] = 0;
  if (!opt->fuse_blocks || n < 2)
    return;
  best[n % 5] = 0;
  for (i = n; i-- > 0;) {
    best[i % 5] = ~(uint64_t)0;
    for (k = 1; k <= DWVP_CHAIN_MAX_LAYERS && i + k <= n; ++k) {
      const dwvp_desc* last = &descs[i + k - 1];
      uint64_t cost;
      if (k >= 2) {
        /* Layers i..i+k-2 each feed only the next, linked; the run fits. */
        const uint32_t a = i + k - 2, b = i + k - 1;
        const dwvp_rt_layer* la = &net->layers[a];
        if (!dwvp_chain_layer_ok(&descs[a]) || !dwvp_chain_layer_ok(&descs[b]) ||
            net->layers[b].input != (int32_t)a ||
            net->layers[b].input_channel_offset != 0 || la->out_channels_total != 0 ||
            la->output_into >= 0 || !dwvp_chain_linked(&descs[a], &descs[b]) ||
            consumers_of(net, a) != 1)
          break;
        uint32_t rows, cols;
        if (!dwvp_chain_shape(&descs[i], k, &opt->chain_budget, &rows, &cols))
          continue;
      }
      cost = (uint64_t)last->out_h * last->out_w * last->out_c + best[(i + k) % 5];
      if (cost <= best[i % 5]) { /* ties: the longer chain */
        best[i % 5] = cost;
        stripe[i] = (uint8_t)k;
      }
    }
  }
  for (i = 0; i < n;) {
    k = stripe[i];
    for (j = i; j < i + k; ++j)
      stripe[j] = j + 1 < i + k;
    i += k;
  }
}

int dwvp_rt_run(const dwvp_rt_network* net, const dwvp_rt_options* opt,
                dwvp_rt_arena arena, dwvp_rt_result* r) {
  const uint32_t n = net->layer_count;
  dram_allocator dram = {opt->dram_base, (uint64_t)opt->dram_base + opt->dram_size};
  uintptr_t cursor = ((uintptr_t)arena.base + 15) & ~(uintptr_t)15;
  dwvp_rt_placement* places;
  dwvp_desc* descs;
  uint8_t *fused, *stripe;
  uint32_t ring = 0, i;
  dwvp_dev dev;
  int rc;

  /* Zero the result without memset (freestanding). */
  {
    unsigned char* p = (unsigned char*)r;
    size_t k;
    for (k = 0; k < sizeof *r; ++k)
      p[k] = 0;
  }
  r->status = DWVP_OK;
  if (arena.size < dwvp_rt_arena_bytes(n) || !arena.base)
    return fail(r, net, -1, DWVP_RT_E_ARENA, "arena smaller than dwvp_rt_arena_bytes()");
  places = (dwvp_rt_placement*)cursor;
  cursor += (uintptr_t)n * sizeof *places;
  descs = (dwvp_desc*)cursor;
  cursor += (uintptr_t)n * sizeof *descs;
  fused = (uint8_t*)cursor;
  stripe = fused + n;
  r->places = places;

  if (!take(&dram, (uint64_t)opt->ring_entries * DWVP_DESC_SIZE, &ring, r, net, -1,
            "command ring") ||
      !take(&dram, net->input_bytes, &r->input_addr, r, net, -1, "network input"))
    return r->status;

  /* Place every tensor, upload constants. */
  hal_set_phase(1); /* load */
  for (i = 0; i < n; ++i) {
    const dwvp_rt_layer* l = &net->layers[i];
    const dwvp_desc* t = &l->desc;
    dwvp_rt_placement* p = &places[i];
    const uint64_t expected = expected_weights(t);
    const uint64_t weight_bytes = net->timing_only ? expected : l->weight_count;
    uint32_t out_stride;
    dwvp_desc d;
    p->weights = p->bias = p->quant = p->lut = p->output = p->stats = p->tensor = 0;

    if (l->input < DWVP_RT_NETWORK_INPUT || l->input >= (int32_t)i)
      return fail(r, net, i, DWVP_RT_E_INVALID, ": input must be -1 or an earlier layer");
    if (needs_aux(t) != (l->aux_input != DWVP_RT_NO_AUX))
      return fail(r, net, i, DWVP_RT_E_INVALID,
                  needs_aux(t) ? ": needs an aux input"
                               : ": has an aux input it does not use");
    if (l->aux_input < DWVP_RT_NO_AUX || l->aux_input >= (int32_t)i)
      return fail(r, net, i, DWVP_RT_E_INVALID,
                  ": aux input must be -1 or an earlier layer");
    if ((t->activation == DWVP_ACT_LUT) != (l->lut_count == 256))
      return fail(r, net, i, DWVP_RT_E_INVALID,
                  ": a LUT activation needs exactly 256 table entries");
    if (net->timing_only && l->weight_count)
      return fail(r, net, i, DWVP_RT_E_INVALID,
                  ": a timing-only network carries no weights");
    if (weight_bytes != expected) {
      message m = begin(r, net, i, 0);
      put(&m, ": expected ");
      put_u(&m, expected);
      put(&m, " weights, got ");
      put_u(&m, l->weight_count);
      r->status = DWVP_RT_E_INVALID;
      return r->status;
    }
    if (expected && (l->bias_count != t->out_c || l->quant_count != 2u * t->out_c))
      return fail(r, net, i, DWVP_RT_E_INVALID,
                  ": bias, multiplier and shift need out_c entries");
    if (!net->timing_only &&
        ((weight_bytes && !l->weights) || (l->bias_count && !l->bias) ||
         (l->quant_count && !l->quant) || (l->lut_count && !l->lut)))
      return fail(r, net, i, DWVP_RT_E_INVALID, ": a constant's pointer is NULL");
    if (expected) {
      if (!take(&dram, weight_bytes, &p->weights, r, net, i, "weights") ||
          !take(&dram, 4ull * l->bias_count, &p->bias, r, net, i, "bias") ||
          !take(&dram, 4ull * l->quant_count, &p->quant, r, net, i, "quantisation") ||
          !upload(p->weights, values(net, l->weights), weight_bytes, r, net, i, 0) ||
          !upload(p->bias, values(net, l->bias), 4ull * l->bias_count, r, net, i, 0) ||
          !upload(p->quant, values(net, l->quant), 4ull * l->quant_count, r, net, i, 0))
        return r->status;
    }
    if (l->lut_count) {
      if (!take(&dram, l->lut_count, &p->lut, r, net, i, "lut") ||
          !upload(p->lut, values(net, l->lut), l->lut_count, r, net, i, 0))
        return r->status;
    }
    if (l->output_into >= 0) {
      const dwvp_rt_layer* target;
      if (l->output_into >= (int32_t)i)
        return fail(r, net, i, DWVP_RT_E_INVALID,
                    ": output_into must name an earlier layer");
      target = &net->layers[l->output_into];
      if (target->output_into >= 0)
        return fail(r, net, i, DWVP_RT_E_INVALID,
                    ": output_into must name a tensor's owner");
      if (target->desc.out_h != t->out_h || target->desc.out_w != t->out_w ||
          l->output_channel_offset < 0 ||
          (uint64_t)l->output_channel_offset + t->out_c > tensor_channels(target)) {
        message m = begin(r, net, i, 0);
        put(&m, ": does not fit the tensor of layer ");
        put_u(&m, (uint64_t)l->output_into);
        r->status = DWVP_RT_E_INVALID;
        return r->status;
      }
      p->tensor = places[l->output_into].tensor;
      p->output = p->tensor + (uint32_t)l->output_channel_offset;
      out_stride = (uint32_t)tensor_channels(target);
    } else {
      if (tensor_channels(l) < t->out_c)
        return fail(r, net, i, DWVP_RT_E_INVALID,
                    ": out_channels_total smaller than out_c");
      if (!take(&dram, (uint64_t)t->out_h * t->out_w * tensor_channels(l), &p->tensor, r,
                net, i, "output"))
        return r->status;
      p->output = p->tensor;
      out_stride = (uint32_t)tensor_channels(l);
    }
    if (!take(&dram, DWVP_LAYER_STATS_SIZE, &p->stats, r, net, i, "stats"))
      return r->status;

    d = *t;
    d.magic = DWVP_DESC_MAGIC;
    d.layer_id = (uint16_t)i;
    d.input_addr = (l->input < 0 ? r->input_addr : places[l->input].tensor) +
                   (uint32_t)l->input_channel_offset;
    d.weight_addr = p->weights;
    d.bias_addr = p->bias;
    d.quant_addr = p->quant;
    d.output_addr = p->output;
    if (out_stride != t->out_c)
      d.out_pixel_stride = (uint16_t)out_stride;
    d.lut_addr = p->lut;
    if (l->aux_input != DWVP_RT_NO_AUX)
      d.aux_addr = l->aux_input < 0 ? r->input_addr : places[l->aux_input].tensor;
    d.stats_addr = p->stats;
    descs[i] = d;
  }
  if (!upload(r->input_addr, values(net, net->input), net->input_bytes, r, net, -1,
              "network input"))
    return r->status;
  for (i = 0; i < n; ++i)
    if (opt->loop_order >= 0)
      descs[i].loop_order = (uint8_t)opt->loop_order;
  /* Chains first (decided on the placed descriptors), then pairs outside them. */
  dwvp_rt_stripe_chains(net, descs, opt, stripe);
  dwvp_rt_fusable_pairs(net, opt, fused);
  for (i = 0; i < n; ++i) {
    const int in_chain = stripe[i] || (i > 0 && stripe[i - 1]);
    const int next_in_chain = i + 1 < n && (stripe[i + 1] || stripe[i]);
    if (stripe[i])
      descs[i].flags |= DWVP_FLAG_STRIPE;
    else if (fused[i] && !in_chain && !next_in_chain) {
      descs[i].flags |= DWVP_FLAG_FUSE_OUT;
      descs[i + 1].flags |= DWVP_FLAG_FUSE_IN;
    }
  }

  /* Initialise the device and run. */
  hal_set_phase(2); /* run */
  rc = dwvp_init(&dev, opt->regs_base, ring, opt->ring_entries, opt->timeout_ns);
  if (rc == DWVP_OK)
    rc = dwvp_set_window(&dev, 0, opt->dram_base, opt->dram_size);
  if (rc == DWVP_OK) {
    r->start_ns = hal_time_ns();
    rc = dwvp_run(&dev, descs, n, &r->device);
    r->end_ns = hal_time_ns();
  }
  r->status = rc;
  if (rc != DWVP_OK) {
    message m = {r->error, sizeof r->error, 0};
    put(&m, "driver: ");
    put(&m, dwvp_result_name(rc));
    if (rc == DWVP_E_DEVICE) {
      put(&m, ": ");
      put(&m, dwvp_error_name(r->device.error_code));
      put(&m, " in field ");
      put(&m, dwvp_desc_field_name(r->device.error_field));
      put(&m, " of layer ");
      put_u(&m, r->device.completed);
    }
  }

  /* Counters; the layers that ran are those the driver counted from the ring index,
   * not from ERR_LAYER (a corrupted entry's layer_id is garbage). */
  hal_set_phase(3); /* read back */
  dwvp_read_perf(&dev, r->perf);
  r->layers_run = rc == DWVP_OK ? n : rc == DWVP_E_DEVICE ? r->device.completed : 0;
  if (r->layers_run > n)
    r->layers_run = n;
  return rc;
}

int dwvp_rt_read_stats(const dwvp_rt_result* result, uint32_t layer,
                       dwvp_layer_stats* stats) {
  if (layer >= result->layers_run)
    return DWVP_RT_E_INVALID;
  return hal_mem_read(stats, result->places[layer].stats, DWVP_LAYER_STATS_SIZE) == 0
             ? DWVP_OK
             : DWVP_RT_E_UPLOAD;
}

int dwvp_rt_read_output(const dwvp_rt_network* net, const dwvp_rt_result* result,
                        uint32_t layer, int8_t* dst) {
  const dwvp_rt_layer* l;
  if (layer >= result->layers_run)
    return DWVP_RT_E_INVALID;
  l = &net->layers[layer];
  return hal_mem_read(
             dst,
             result->places[l->output_into >= 0 ? (uint32_t)l->output_into : layer]
                 .tensor,
             dwvp_rt_output_bytes(net, layer)) == 0
             ? DWVP_OK
             : DWVP_RT_E_UPLOAD;
}
