#include "runtime.h"

#include "hal.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace dwvp::runtime {
namespace {

// Bump allocator over the DRAM window; 64-byte alignment keeps bursts aligned.
class dram_allocator {
public:
  dram_allocator(uint32_t base, uint32_t size)
      : m_next(base), m_end(uint64_t{base} + size) {}
  uint32_t take(uint64_t bytes, const std::string& what) {
    uint64_t addr = (m_next + 63) & ~uint64_t{63};
    if (addr + bytes > m_end)
      throw std::invalid_argument(what + ": network does not fit in DRAM (needs " +
                                  std::to_string(bytes) + " more bytes)");
    m_next = addr + bytes;
    return static_cast<uint32_t>(addr);
  }

private:
  uint64_t m_next;
  uint64_t m_end;
};

uint64_t tensor_channels(const layer& l) {
  return l.out_channels_total ? l.out_channels_total : l.desc.out_c;
}

uint64_t expected_weights(const dwvp_desc& d) {
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    return uint64_t{d.out_c} * d.kernel_h * d.kernel_w * d.in_c;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    return uint64_t{d.kernel_h} * d.kernel_w * d.in_c;
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    return uint64_t{d.out_c} * d.in_c;
  default:
    return 0;
  }
}

struct placement {
  uint32_t weights = 0, bias = 0, quant = 0, lut = 0, output = 0, stats = 0;
  uint32_t tensor =
      0; // base of the tensor the output lives in (shared when concatenated)
};

bool needs_aux(const dwvp_desc& d) {
  return d.opcode == DWVP_OP_ADD || d.opcode == DWVP_OP_CHANNEL_MUL;
}

// The host buffer of a transfer, or null for a timing-only network: the HAL then makes
// the same timed transfer without moving bytes (hal.h).
template <class T> T* values(const network& net, T* data) {
  return net.timing_only ? nullptr : data;
}

void upload(uint32_t addr, const void* data, uint64_t bytes, const std::string& what) {
  if (bytes && hal_mem_write(addr, data, static_cast<uint32_t>(bytes)) != 0)
    throw std::runtime_error(what + ": upload to DRAM failed");
}

} // namespace

std::vector<bool> fusable_pairs(const network& net, const options& opt) {
  std::vector<bool> fused(net.layers.size(), false);
  if (!opt.fuse)
    return fused;
  std::vector<int> consumers(net.layers.size(), 0);
  for (const layer& l : net.layers) {
    if (l.input >= 0)
      consumers[l.input]++;
    if (l.aux_input >= 0)
      consumers[l.aux_input]++;
    if (l.output_into >= 0)
      consumers[l.output_into] += 2; // concatenations stay in DRAM
  }
  for (size_t i = 0; i + 1 < net.layers.size(); ++i) {
    const dwvp_desc& a = net.layers[i].desc;
    const layer& next = net.layers[i + 1];
    const bool depthwise = a.opcode == DWVP_OP_DEPTHWISE || a.opcode == DWVP_OP_DW_1XK ||
                           a.opcode == DWVP_OP_DW_KX1;
    const uint64_t bytes = uint64_t{a.out_h} * a.out_w * a.out_c;
    fused[i] = depthwise && next.desc.opcode == DWVP_OP_POINTWISE &&
               next.input == static_cast<int>(i) && next.input_channel_offset == 0 &&
               consumers[i] == 1 && net.layers[i].out_channels_total == 0 &&
               net.layers[i].output_into < 0 && bytes <= opt.fuse_limit;
  }
  return fused;
}

run_result run_network(const network& net, const options& opt) {
  run_result result;
  dram_allocator dram(opt.dram_base, opt.dram_size);
  const uint32_t ring =
      dram.take(uint64_t{opt.ring_entries} * DWVP_DESC_SIZE, "command ring");
  const uint32_t input_addr = dram.take(net.input.size(), "network input");

  // Place every tensor, then upload constants.
  hal_set_phase(1); // load
  std::vector<placement> places(net.layers.size());
  std::vector<dwvp_desc> descs(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const layer& l = net.layers[i];
    const dwvp_desc& t = l.desc;
    const std::string what = "layer " + std::to_string(i) + " (" + l.name + ")";
    if (l.input < -1 || l.input >= static_cast<int>(i))
      throw std::invalid_argument(what + ": input must be -1 or an earlier layer");
    if (needs_aux(t) != (l.aux_input != layer::k_no_aux))
      throw std::invalid_argument(what + (needs_aux(t)
                                              ? ": needs an aux input"
                                              : ": has an aux input it does not use"));
    if (l.aux_input < layer::k_no_aux || l.aux_input >= static_cast<int>(i))
      throw std::invalid_argument(what + ": aux input must be -1 or an earlier layer");
    if ((t.activation == DWVP_ACT_LUT) != (l.lut.size() == 256))
      throw std::invalid_argument(what +
                                  ": a LUT activation needs exactly 256 table entries");
    const uint64_t weight_bytes =
        net.timing_only ? expected_weights(t) : l.weights.size();
    if (net.timing_only && !l.weights.empty())
      throw std::invalid_argument(what + ": a timing-only network carries no weights");
    if (weight_bytes != expected_weights(t))
      throw std::invalid_argument(what + ": expected " +
                                  std::to_string(expected_weights(t)) + " weights, got " +
                                  std::to_string(l.weights.size()));
    const bool has_params = expected_weights(t) != 0;
    if (has_params && (l.bias.size() != t.out_c || l.multiplier.size() != t.out_c ||
                       l.shift.size() != t.out_c))
      throw std::invalid_argument(what +
                                  ": bias, multiplier and shift need out_c entries");
    placement& p = places[i];
    if (has_params) {
      p.weights = dram.take(weight_bytes, what + " weights");
      p.bias = dram.take(4 * l.bias.size(), what + " bias");
      p.quant = dram.take(8 * l.multiplier.size(), what + " quantisation");
      std::vector<int32_t> quant;
      if (!net.timing_only) {
        quant = l.multiplier;
        quant.insert(quant.end(), l.shift.begin(), l.shift.end());
      }
      upload(p.weights, values(net, l.weights.data()), weight_bytes, what);
      upload(p.bias, values(net, l.bias.data()), 4 * l.bias.size(), what);
      upload(p.quant, values(net, quant.data()), 8 * l.multiplier.size(), what);
    }
    if (!l.lut.empty()) {
      p.lut = dram.take(l.lut.size(), what + " lut");
      upload(p.lut, values(net, l.lut.data()), l.lut.size(), what);
    }
    uint32_t out_stride = 0;
    if (l.output_into >= 0) {
      if (l.output_into >= static_cast<int>(i))
        throw std::invalid_argument(what + ": output_into must name an earlier layer");
      const layer& target = net.layers[l.output_into];
      if (target.output_into >= 0)
        throw std::invalid_argument(what + ": output_into must name a tensor's owner");
      const dwvp_desc& td = target.desc;
      if (td.out_h != t.out_h || td.out_w != t.out_w || l.output_channel_offset < 0 ||
          uint64_t(l.output_channel_offset) + t.out_c > tensor_channels(target))
        throw std::invalid_argument(what + ": does not fit the tensor of layer " +
                                    std::to_string(l.output_into));
      p.tensor = places[l.output_into].tensor;
      p.output = p.tensor + static_cast<uint32_t>(l.output_channel_offset);
      out_stride = static_cast<uint32_t>(tensor_channels(target));
    } else {
      if (tensor_channels(l) < t.out_c)
        throw std::invalid_argument(what + ": out_channels_total smaller than out_c");
      p.output = p.tensor =
          dram.take(uint64_t{t.out_h} * t.out_w * tensor_channels(l), what + " output");
      out_stride = static_cast<uint32_t>(tensor_channels(l));
    }
    p.stats = dram.take(DWVP_LAYER_STATS_SIZE, what + " stats");

    dwvp_desc d = t;
    d.magic = DWVP_DESC_MAGIC;
    d.layer_id = static_cast<uint16_t>(i);
    d.input_addr = (l.input < 0 ? input_addr : places[l.input].tensor) +
                   static_cast<uint32_t>(l.input_channel_offset);
    d.weight_addr = p.weights;
    d.bias_addr = p.bias;
    d.quant_addr = p.quant;
    d.output_addr = p.output;
    if (out_stride != t.out_c)
      d.out_pixel_stride = static_cast<uint16_t>(out_stride);
    d.lut_addr = p.lut;
    if (l.aux_input != layer::k_no_aux)
      d.aux_addr = l.aux_input < 0 ? input_addr : places[l.aux_input].tensor;
    d.stats_addr = p.stats;
    descs[i] = d;
  }
  upload(input_addr, values(net, net.input.data()), net.input.size(), "network input");
  const std::vector<bool> fused = fusable_pairs(net, opt);
  for (size_t i = 0; i < descs.size(); ++i) {
    if (opt.loop_order >= 0)
      descs[i].loop_order = static_cast<uint8_t>(opt.loop_order);
    if (fused[i]) {
      descs[i].flags |= DWVP_FLAG_FUSE_OUT;
      descs[i + 1].flags |= DWVP_FLAG_FUSE_IN;
    }
  }

  // Initialise the device and run.
  hal_set_phase(2); // run
  dwvp_dev dev;
  int rc = dwvp_init(&dev, opt.regs_base, ring, opt.ring_entries, opt.timeout_ns);
  if (rc == DWVP_OK)
    rc = dwvp_set_window(&dev, 0, opt.dram_base, opt.dram_size);
  if (rc == DWVP_OK) {
    result.start_ns = hal_time_ns();
    rc =
        dwvp_run(&dev, descs.data(), static_cast<uint32_t>(descs.size()), &result.device);
    result.end_ns = hal_time_ns();
  }
  result.driver_status = rc;
  if (rc != DWVP_OK) {
    result.error = std::string("driver: ") + dwvp_result_name(rc);
    if (rc == DWVP_E_DEVICE)
      result.error += std::string(": ") + dwvp_error_name(result.device.error_code) +
                      " in field " + dwvp_desc_field_name(result.device.error_field) +
                      " of layer " + std::to_string(result.device.completed);
  }

  // Read back counters, per-layer records and outputs of the layers that ran.
  hal_set_phase(3); // read back
  dwvp_read_perf(&dev, result.perf.data());
  // The driver counts from the ring index, not from ERR_LAYER: a corrupted entry's
  // layer_id is garbage (and the device reports it as unknown).
  const size_t ran = rc == DWVP_OK         ? net.layers.size()
                     : rc == DWVP_E_DEVICE ? result.device.completed
                                           : 0;
  result.layers.resize(std::min(ran, net.layers.size()));
  for (size_t i = 0; i < result.layers.size(); ++i) {
    hal_mem_read(&result.layers[i].stats, places[i].stats, DWVP_LAYER_STATS_SIZE);
    const layer& l = net.layers[i];
    const size_t owner = l.output_into >= 0 ? static_cast<size_t>(l.output_into) : i;
    const layer& o = net.layers[owner];
    const size_t bytes = size_t{o.desc.out_h} * o.desc.out_w * tensor_channels(o);
    if (!net.timing_only)
      result.layers[i].output.resize(bytes);
    hal_mem_read(values(net, result.layers[i].output.data()), places[owner].tensor,
                 static_cast<uint32_t>(bytes));
  }
  hal_set_phase(0);
  return result;
}

} // namespace dwvp::runtime
