#include "locality_setup.h"

#include "accel.h"
#include "analytical.h"
#include "soc.h"

#include <set>
#include <tuple>

namespace dwvp::studies {

std::vector<budget_split> budget_splits() {
  std::vector<budget_split> out;
  for (int i = 1; i <= 6; ++i)
    for (int w = 1; i + w <= 7; ++w)
      out.push_back({i, w, 8 - i - w});
  return out;
}

std::string describe(const budget_split& s) {
  return std::to_string(s.input) + "/" + std::to_string(s.weight) + "/" +
         std::to_string(s.output);
}

const std::vector<locality_variant>& locality_variants() {
  static const std::vector<locality_variant> v{
      {"layer-by-layer", false, false, false, false},
      {"row-major", true, false, false, false},
      {"scan", true, true, false, false},
      {"scan+fuse", true, true, true, false},
      {"scan+blocks", true, true, true, true}};
  return v;
}

run_spec locality_spec(const run_spec& base, uint64_t entries, int bits,
                       const budget_split& split, const locality_variant& v,
                       const std::string& dram_spec) {
  run_spec s = base;
  const uint64_t eighth_kb = entries * uint64_t(bits) / 8 / 8 / 1024;
  auto kb = [&](int parts) { return std::to_string(parts * eighth_kb); };
  s.sets.push_back({"sram.input_kb", kb(split.input)});
  s.sets.push_back({"sram.weight_kb", kb(split.weight)});
  s.sets.push_back({"sram.output_kb", kb(split.output)});
  s.sets.push_back({"sram.entry_bits", std::to_string(bits)});
  if (!v.reuse)
    s.sets.push_back({"sequencer.reuse", "false"});
  if (!dram_spec.empty())
    s.sets.push_back({"dram.spec", dram_spec});
  s.scan_order = v.scan;
  s.fuse = v.fuse;
  s.fuse_blocks = v.fuse_blocks;
  return s;
}

namespace {

// The layers as the runtime describes them, and what the sequencer plans them with.
struct planned_network {
  runtime::network net;
  std::vector<analytical::layer_input> layers;
  models::sequencer_params seq;
};

planned_network plan_network(const run_spec& spec) {
  planned_network p;
  p.net = build_network_of(spec);
  const models::accel_params a = accel_params_from(config_of(spec));
  p.seq = models::sequencer_of(a);
  // As the harness: a fused activation fills at most the whole output and input
  // buffers, in entries.
  const uint64_t fuse_limit =
      2 * std::min(a.buffers.output, a.buffers.input) / a.buffer_use.entry_bytes;
  p.layers = analytical::layers_of(p.net, spec.scan_order, spec.fuse, fuse_limit);
  return p;
}

sequencer::plan plan_of(const planned_network& p, const dwvp_desc& d) {
  const timing::engine unit = timing::layer_compute(d, p.seq.compute).unit;
  const models::tile_planning t = models::planning_for(p.seq, unit);
  sequencer::plan plan = sequencer::plan_layer(d, t.capacity, t.align);
  if (plan.ok() && !p.seq.buffer_use.reuse)
    sequencer::load_every_tile(plan);
  return plan;
}

} // namespace

bool budget_fits(const run_spec& spec, std::string* why) {
  const planned_network p = plan_network(spec);
  for (const auto& l : p.layers) {
    const sequencer::plan plan = plan_of(p, l.desc);
    if (!plan.ok()) {
      if (why)
        *why = l.name + ": " + plan.message;
      return false;
    }
  }
  return true;
}

std::vector<layer_traffic> traffic_of(const run_spec& spec) {
  const planned_network p = plan_network(spec);
  const uint64_t entry = p.seq.buffer_use.entry_bytes;
  std::vector<layer_traffic> out;
  for (size_t i = 0; i < p.layers.size(); ++i) {
    const dwvp_desc& d = p.layers[i].desc;
    const sequencer::plan plan = plan_of(p, d);
    layer_traffic t;
    t.name = p.layers[i].name;
    t.type = timing::opcode_name(d.opcode);
    if (!plan.ok()) {
      out.push_back(t);
      continue;
    }
    // Weight slices: the weights (entries) and the int32 constants (4 bytes each).
    auto slice_bytes = [&](int c0, int c1) {
      const uint64_t all = sequencer::weight_slice_bytes(d, c0, c1);
      const uint64_t constants =
          d.opcode == DWVP_OP_CHANNEL_MUL || all == 0 ? 0 : 12ull * (c1 - c0);
      return (all - constants) * entry + constants;
    };
    const uint64_t operands = d.opcode == DWVP_OP_ADD ? 2 : 1;
    const bool fuse_in = d.flags & DWVP_FLAG_FUSE_IN,
               fuse_out = d.flags & DWVP_FLAG_FUSE_OUT;
    uint64_t loaded_input = 0, unique_input = 0, loaded_weights = 0;
    std::set<std::tuple<int, int, int, int, int, int>> regions;
    for (const auto& tile : plan.tiles) {
      if (tile.load_input)
        loaded_input += tile.input_bytes;
      if (regions.insert({tile.iy0, tile.iy1, tile.ix0, tile.ix1, tile.ic0, tile.ic1})
              .second)
        unique_input += tile.input_bytes;
      if (tile.load_weights)
        loaded_weights += slice_bytes(tile.c0, tile.c1);
    }
    if (!fuse_in) {
      t.input = uint64_t(d.in_h) * d.in_w * d.in_c * operands * entry;
      t.halo = unique_input * entry - t.input;
      t.input_refetch = (loaded_input - unique_input) * entry;
    }
    t.weights = slice_bytes(0, d.out_c);
    t.weight_refetch = loaded_weights - t.weights;
    t.output = fuse_out ? 0 : uint64_t(d.out_h) * d.out_w * d.out_c * entry;
    out.push_back(t);
  }
  // Intermediates of inverted-residual blocks: an expand (pointwise) output read only
  // by the depthwise layer after it, a depthwise output read only by the pointwise
  // (project) layer after it.
  const auto& layers = p.net.layers;
  for (size_t i = 0; i + 1 < layers.size(); ++i) {
    const uint8_t op = layers[i].desc.opcode, next = layers[i + 1].desc.opcode;
    const bool expand = op == DWVP_OP_POINTWISE && next == DWVP_OP_DEPTHWISE;
    const bool project = op == DWVP_OP_DEPTHWISE && next == DWVP_OP_POINTWISE;
    if (!expand && !project)
      continue;
    int readers = 0;
    for (const auto& l : layers)
      readers += (l.input == int(i)) + (l.aux_input == int(i));
    if (readers != 1 || layers[i + 1].input != int(i))
      continue;
    const layer_traffic& c = out[i + 1];
    out[i].block_intermediate = true;
    out[i].consumer_reads = c.input + c.halo + c.input_refetch;
    out[i + 1].reads_intermediate = true;
  }
  return out;
}

} // namespace dwvp::studies
