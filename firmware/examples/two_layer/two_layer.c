/* Example firmware (docs/firmware.md): two pointwise layers, 8x8x16 -> 32 with ReLU6
 * and 32 -> 8, run through the layer runtime. Each output is read back and checked
 * against a plain C reference of docs/numerics.md; the reference's own work is charged
 * to simulated time with hal_charge_cycles. Returns 0 when both layers are bit-exact.
 * Plain C, no C library: it builds for the platform (dwvp_add_firmware_scenario) and
 * for a bare-metal target alike. */
#include "dwvp_runtime.h"
#include "hal.h"

enum { H = 8, W = 8, C0 = 16, C1 = 32, C2 = 8, PIXELS = H * W };

static int8_t input[PIXELS * C0], w1[C1 * C0], w2[C2 * C1];
static int32_t bias1[C1], quant1[2 * C1], bias2[C2], quant2[2 * C2];
static int8_t out1[PIXELS * C1], out2[PIXELS * C2], ref1[PIXELS * C1], ref2[PIXELS * C2];
static uint64_t arena_words[256]; /* 2 KiB: dwvp_rt_arena_bytes(2) is about 400 */

static uint32_t rng = 12345u;
static int32_t next_random(int32_t lo, int32_t hi) { /* LCG, inclusive range */
  rng = rng * 1664525u + 1013904223u;
  return lo + (int32_t)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

/* docs/numerics.md: SRDHM, RDBPOT, MBQM (TFLite / gemmlowp). */
static int32_t srdhm(int32_t a, int32_t b) {
  int64_t p = (int64_t)a * b;
  if (a == INT32_MIN && b == INT32_MIN)
    return INT32_MAX;
  return (int32_t)((p + (p >= 0 ? (1ll << 30) : 1 - (1ll << 30))) / (1ll << 31));
}
static int32_t rdbpot(int32_t x, int e) {
  int32_t mask = (int32_t)((1ll << e) - 1), r = x & mask;
  int32_t t = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (r > t ? 1 : 0);
}
static int32_t mbqm(int32_t x, int32_t m, int32_t s) {
  return rdbpot(srdhm(x * (s > 0 ? (1 << s) : 1), m), s < 0 ? -s : 0);
}

static void pointwise_ref(const dwvp_desc* d, const int8_t* in, const int8_t* w,
                          const int32_t* bias, const int32_t* quant, int8_t* out) {
  for (int p = 0; p < PIXELS; ++p)
    for (int oc = 0; oc < d->out_c; ++oc) {
      int32_t acc = bias[oc], v;
      for (int ic = 0; ic < d->in_c; ++ic)
        acc += (in[p * d->in_c + ic] - d->input_zp) * w[oc * d->in_c + ic];
      v = mbqm(acc, quant[oc], quant[d->out_c + oc]) + d->output_zp;
      out[p * d->out_c + oc] = (int8_t)(v < d->act_min   ? d->act_min
                                        : v > d->act_max ? d->act_max
                                                         : v);
    }
}

static dwvp_desc pointwise(uint16_t in_c, uint16_t out_c, int32_t in_zp, int32_t out_zp,
                           uint8_t activation, int32_t act_max) {
  dwvp_desc d = {0};
  d.opcode = DWVP_OP_POINTWISE;
  d.activation = activation;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.in_h = d.out_h = H;
  d.in_w = d.out_w = W;
  d.in_c = in_c;
  d.out_c = out_c;
  d.input_zp = in_zp;
  d.output_zp = out_zp;
  d.act_min = activation == DWVP_ACT_NONE ? -128 : out_zp;
  d.act_max = act_max;
  return d;
}

static void random_constants(int8_t* w, int n_w, int32_t* bias, int32_t* quant, int out_c,
                             int32_t shift) {
  for (int i = 0; i < n_w; ++i)
    w[i] = (int8_t)next_random(-127, 127);
  for (int oc = 0; oc < out_c; ++oc) {
    bias[oc] = next_random(-2000, 2000);
    quant[oc] = next_random(1 << 30, INT32_MAX); /* multiplier in [2^30, 2^31) */
    quant[out_c + oc] = shift;
  }
}

static int count_mismatches(const int8_t* a, const int8_t* b, int n) {
  int bad = 0;
  for (int i = 0; i < n; ++i)
    bad += a[i] != b[i];
  return bad;
}

int dwvp_firmware_main(void) {
  dwvp_rt_layer layers[2] = {{0}, {0}};
  dwvp_rt_network net = {layers, 2, input, sizeof input, 0};
  dwvp_rt_options opt;
  dwvp_rt_result result;
  dwvp_rt_arena arena = {arena_words, sizeof arena_words};
  int bad1, bad2;

  for (int i = 0; i < PIXELS * C0; ++i)
    input[i] = (int8_t)next_random(-128, 127);
  random_constants(w1, C1 * C0, bias1, quant1, C1, -9);
  random_constants(w2, C2 * C1, bias2, quant2, C2, -7);

  layers[0].name = "pw1";
  layers[0].desc = pointwise(C0, C1, 3, -5, DWVP_ACT_RELU6, 115); /* 6.0 at scale 0.05 */
  layers[0].weights = w1;
  layers[0].weight_count = sizeof w1;
  layers[0].bias = bias1;
  layers[0].bias_count = C1;
  layers[0].quant = quant1;
  layers[0].quant_count = 2 * C1;
  layers[0].input = DWVP_RT_NETWORK_INPUT;
  layers[0].output_into = DWVP_RT_OWN_TENSOR;
  layers[0].aux_input = DWVP_RT_NO_AUX;
  layers[1] = layers[0];
  layers[1].name = "pw2";
  layers[1].desc = pointwise(C1, C2, -5, 7, DWVP_ACT_NONE, 127);
  layers[1].weights = w2;
  layers[1].weight_count = sizeof w2;
  layers[1].bias = bias2;
  layers[1].bias_count = C2;
  layers[1].quant = quant2;
  layers[1].quant_count = 2 * C2;
  layers[1].input = 0;

  dwvp_rt_default_options(&opt);
  if (arena.size < dwvp_rt_arena_bytes(net.layer_count))
    return 2;
  if (dwvp_rt_run(&net, &opt, arena, &result) != DWVP_OK) {
    hal_log("run failed: %s", result.error);
    return 1;
  }
  dwvp_rt_read_output(&net, &result, 0, out1);
  dwvp_rt_read_output(&net, &result, 1, out2);
  hal_set_phase(0);

  /* The check is the host's own work: about 2 cycles per multiply-accumulate. */
  pointwise_ref(&layers[0].desc, input, w1, bias1, quant1, ref1);
  pointwise_ref(&layers[1].desc, ref1, w2, bias2, quant2, ref2);
  hal_charge_cycles(2ull * PIXELS * (C0 * C1 + C1 * C2));

  bad1 = count_mismatches(out1, ref1, sizeof out1);
  bad2 = count_mismatches(out2, ref2, sizeof out2);
  hal_log("pw1: %d of %d values differ; pw2: %d of %d; accelerator %llu ns", bad1,
          (int)sizeof out1, bad2, (int)sizeof out2,
          (unsigned long long)(result.end_ns - result.start_ns));
  return bad1 || bad2 ? 1 : 0;
}
