// The C++ binding of the C layer runtime (dwvp_runtime.h): converts a network held in
// vectors into the C runtime's view of it, runs it and reads every layer back. All the
// placement, upload and run logic is the C runtime's, so a C++ harness and a
// freestanding firmware issue the same transactions.
#include "runtime.h"

#include "dwvp_runtime.h"
#include "hal.h"

#include <algorithm>
#include <stdexcept>

namespace dwvp::runtime {
namespace {

dwvp_rt_options c_options(const options& opt) {
  dwvp_rt_options o;
  dwvp_rt_default_options(&o);
  o.regs_base = opt.regs_base;
  o.dram_base = opt.dram_base;
  o.dram_size = opt.dram_size;
  o.ring_entries = opt.ring_entries;
  o.timeout_ns = opt.timeout_ns;
  o.loop_order = opt.loop_order;
  o.fuse = opt.fuse;
  o.fuse_limit = opt.fuse_limit;
  o.fuse_blocks = opt.fuse_blocks;
  o.chain_budget = opt.chain_budget;
  return o;
}

// The C view of a network; `quant` holds each layer's multipliers then shifts, the
// layout the device reads.
struct c_network {
  std::vector<dwvp_rt_layer> layers;
  std::vector<std::vector<int32_t>> quant;
  dwvp_rt_network net{};
};

uint32_t count32(size_t n) {
  return n > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(n);
}

void to_c(const network& net, c_network& c) {
  c.layers.resize(net.layers.size());
  c.quant.resize(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const layer& l = net.layers[i];
    dwvp_rt_layer& cl = c.layers[i];
    cl = dwvp_rt_layer{};
    cl.name = l.name.c_str();
    cl.desc = l.desc;
    cl.weights = l.weights.data();
    cl.weight_count = count32(l.weights.size());
    cl.bias = l.bias.data();
    cl.bias_count = count32(l.bias.size());
    // Mismatched multiplier and shift counts cannot form the device's layout: passed
    // as an impossible count, which the runtime refuses naming the layer.
    std::vector<int32_t>& q = c.quant[i];
    if (l.multiplier.size() == l.shift.size()) {
      if (!net.timing_only) {
        q = l.multiplier;
        q.insert(q.end(), l.shift.begin(), l.shift.end());
      }
      cl.quant_count = count32(2 * l.multiplier.size());
    } else {
      cl.quant_count = UINT32_MAX;
    }
    cl.quant = q.data();
    cl.lut = l.lut.data();
    cl.lut_count = count32(l.lut.size());
    cl.input = l.input;
    cl.input_channel_offset = l.input_channel_offset;
    cl.out_channels_total = static_cast<uint32_t>(l.out_channels_total);
    cl.output_into = l.output_into;
    cl.output_channel_offset = l.output_channel_offset;
    cl.aux_input = l.aux_input == layer::k_no_aux ? DWVP_RT_NO_AUX : l.aux_input;
  }
  c.net.layers = c.layers.data();
  c.net.layer_count = count32(c.layers.size());
  c.net.input = net.input.data();
  c.net.input_bytes = count32(net.input.size());
  c.net.timing_only = net.timing_only;
}

} // namespace

std::vector<bool> fusable_pairs(const network& net, const options& opt) {
  c_network c;
  to_c(net, c);
  const dwvp_rt_options o = c_options(opt);
  std::vector<uint8_t> fused(net.layers.size());
  dwvp_rt_fusable_pairs(&c.net, &o, fused.data());
  return std::vector<bool>(fused.begin(), fused.end());
}

std::vector<bool> stripe_chains(const network& net, const std::vector<dwvp_desc>& descs,
                                const options& opt) {
  if (descs.size() != net.layers.size())
    throw std::invalid_argument("stripe_chains: one descriptor per layer");
  c_network c;
  to_c(net, c);
  const dwvp_rt_options o = c_options(opt);
  std::vector<uint8_t> stripe(net.layers.size());
  dwvp_rt_stripe_chains(&c.net, descs.data(), &o, stripe.data());
  return std::vector<bool>(stripe.begin(), stripe.end());
}

run_result run_network(const network& net, const options& opt) {
  c_network c;
  to_c(net, c);
  const dwvp_rt_options o = c_options(opt);
  std::vector<unsigned char> arena(dwvp_rt_arena_bytes(c.net.layer_count));
  dwvp_rt_result r;
  const int rc = dwvp_rt_run(&c.net, &o, {arena.data(), arena.size()}, &r);
  switch (rc) {
  case DWVP_RT_E_INVALID:
  case DWVP_RT_E_DRAM:
  case DWVP_RT_E_ARENA:
    throw std::invalid_argument(r.error);
  case DWVP_RT_E_UPLOAD:
    throw std::runtime_error(r.error);
  default:
    break;
  }
  run_result result;
  result.driver_status = rc;
  result.device = r.device;
  if (rc != DWVP_OK)
    result.error = r.error;
  std::copy(std::begin(r.perf), std::end(r.perf), result.perf.begin());
  result.start_ns = r.start_ns;
  result.end_ns = r.end_ns;
  // Read back every layer that ran: its stats record, then its output tensor.
  result.layers.resize(r.layers_run);
  for (uint32_t i = 0; i < r.layers_run; ++i) {
    dwvp_rt_read_stats(&r, i, &result.layers[i].stats);
    if (!net.timing_only)
      result.layers[i].output.resize(dwvp_rt_output_bytes(&c.net, i));
    dwvp_rt_read_output(&c.net, &r, i,
                        net.timing_only ? nullptr : result.layers[i].output.data());
  }
  hal_set_phase(0);
  return result;
}

} // namespace dwvp::runtime
