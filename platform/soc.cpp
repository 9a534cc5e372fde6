#include "soc.h"

#include "dwvp/regs.h"

#include <cstdio>

namespace dwvp {
namespace {

sc_core::sc_time ns(uint64_t v) {
  return sc_core::sc_time(static_cast<double>(v), sc_core::SC_NS);
}

std::string hex32(uint64_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08llx", static_cast<unsigned long long>(v));
  return text;
}

models::host_params host_params_from(const config& cfg) {
  models::host_params p;
  p.mmio_latency = ns(cfg.get_uint("host.mmio_latency_ns"));
  p.copy_bytes_per_ns = cfg.get_real("host.copy_bytes_per_ns"); // at least 0.001
  p.clock_period =
      sc_core::sc_time(1000.0 / cfg.get_real("host.clock_mhz"), sc_core::SC_NS);
  return p;
}

uint64_t dram_size_from(const config& cfg) {
  return cfg.get_uint("dram.size_mb") << 20; // 1..2048, the key's range
}

// A controller key's value as uint32_t (its range in the config table is below 2^32;
// the rules between keys are checked by dram::validate).
uint32_t u32_key(const config& cfg, const char* key) {
  return static_cast<uint32_t>(cfg.get_uint(key));
}

// The config key behind each controller_params field (dram::field_error::field()).
const char* controller_key(const std::string& field) {
  static const std::pair<const char*, const char*> keys[] = {
      {"read_queue", "dram.read_queue"},        {"write_queue", "dram.write_queue"},
      {"write_high", "dram.write_high"},        {"write_low", "dram.write_low"},
      {"latency", "dram.ctrl_latency"},         {"refresh", "dram.refresh"},
      {"powerdown_idle", "dram.powerdown_idle"}};
  for (const auto& [f, key] : keys)
    if (field == f)
      return key;
  return "dram";
}

} // namespace

dram_setup dram_setup_from(const config& cfg) {
  dram_setup d;
  const std::string& model = cfg.get_string("dram.model");
  const std::string& file = cfg.get_string("dram.spec");
  if (model == "fixed") {
    if (!file.empty())
      throw config_error("keys 'dram.spec' and 'dram.model': dram.model=fixed has no "
                         "DRAM channel to take the spec file '" +
                         file + "'");
    d.fixed = true;
    d.label = "fixed";
    return d;
  }
  std::string mapping_text;
  if (!file.empty()) {
    try {
      const dram::memspec m = dram::load_memspec_file(file);
      d.spec = m.spec;
      mapping_text = m.mapping;
    } catch (const std::invalid_argument& e) {
      throw config_error(std::string("key 'dram.spec': ") + e.what());
    }
    d.label = d.spec.standard + " (" + file + ")";
  } else {
    try {
      d.spec = dram::preset(model);
    } catch (const std::invalid_argument&) {
      throw config_error("key 'dram.model': unknown DRAM model '" + model +
                         "' (fixed, ddr4_2400_x64, lpddr4_3200)");
    }
    d.label = model;
  }
  const std::string& text = cfg.get_string("dram.mapping");
  try {
    if (!text.empty())
      d.mapping = dram::address_mapping::parse(text, d.spec);
    else if (!mapping_text.empty())
      d.mapping = dram::address_mapping::parse(mapping_text, d.spec);
    else
      d.mapping = dram::address_mapping::default_for(d.spec);
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string("key 'dram.mapping': ") + e.what());
  }
  if ((cfg.get_uint("dram.size_mb") << 20) > d.spec.capacity_bytes())
    throw config_error("key 'dram.size_mb' exceeds the capacity of " + d.label + ", " +
                       std::to_string(d.spec.capacity_bytes() >> 20) + " MiB");

  dram::controller_params& c = d.controller;
  c.read_queue = u32_key(cfg, "dram.read_queue");
  c.write_queue = u32_key(cfg, "dram.write_queue");
  c.write_high = u32_key(cfg, "dram.write_high");
  c.write_low = u32_key(cfg, "dram.write_low");
  c.latency = u32_key(cfg, "dram.ctrl_latency");
  c.powerdown_idle = u32_key(cfg, "dram.powerdown_idle");
  const std::string& refresh = cfg.get_string("dram.refresh");
  if (!dram::parse_refresh_mode(refresh, c.refresh))
    throw config_error("key 'dram.refresh': unknown refresh mode '" + refresh +
                       "' (all_bank, per_bank)");
  try {
    dram::validate(c, d.spec);
  } catch (const dram::field_error& e) {
    throw config_error(std::string("key '") + controller_key(e.field()) + "' " +
                       e.reason());
  }
  return d;
}

namespace {

std::unique_ptr<models::memory_timing>
dram_timing_from(const config& cfg, models::dram_channel_timing*& channel,
                 std::string& label) {
  const dram_setup d = dram_setup_from(cfg);
  label = d.label;
  if (d.fixed)
    return std::make_unique<models::fixed_latency_timing>(
        ns(cfg.get_uint("dram.latency_ns")), cfg.get_real("dram.bandwidth_gbps"));
  auto timing =
      std::make_unique<models::dram_channel_timing>(d.spec, d.mapping, d.controller);
  channel = timing.get();
  return timing;
}

} // namespace

models::accel_params accel_params_from(const config& cfg) {
  models::accel_params p;
  // Every key's range is checked when it is set (platform/config.cpp).
  p.clock_period =
      sc_core::sc_time(1e6 / cfg.get_real("clock.accel_mhz"), sc_core::SC_PS);
  const int64_t rows = cfg.get_int("gemm.rows"), cols = cfg.get_int("gemm.cols");
  p.array = {static_cast<int>(rows), static_cast<int>(cols)};
  if (!gemm::parse_schedule(cfg.get_string("gemm.schedule"), p.gemm_options.sched))
    throw config_error("key 'gemm.schedule': unknown schedule '" +
                       cfg.get_string("gemm.schedule") +
                       "' (pipelined, serial_drain, scalesim)");
  if (!timing::parse_timing_model(cfg.get_string("timing.model"), p.timing_model))
    throw config_error("key 'timing.model': unknown model '" +
                       cfg.get_string("timing.model") + "' (physical, fuse_paper)");
  p.ppu_lanes = static_cast<int>(cfg.get_int("ppu.lanes"));
  p.vector_lanes = static_cast<int>(cfg.get_int("vector.lanes"));
  p.vector_pipeline = static_cast<int>(cfg.get_int("vector.pipeline"));
  p.vector_issue_interval = static_cast<int>(cfg.get_int("vector.issue_interval"));
  p.vector_requant_ops = static_cast<int>(cfg.get_int("vector.requant_ops"));
  auto operand_bytes = [&](const char* key) {
    const int64_t bits = cfg.get_int(key);
    if (bits != 8 && bits != 16 && bits != 32)
      throw config_error(std::string("key '") + key + "' must be 8, 16 or 32, got " +
                         std::to_string(bits));
    return static_cast<uint32_t>(bits / 8);
  };
  p.vector_memory.operand_bytes = operand_bytes("vector.operand_bits");
  p.vector_memory.dram_input_bytes = operand_bytes("vector.dram_input_bits");
  p.vector_memory.dram_output_bytes = operand_bytes("vector.dram_output_bits");
  p.vector_memory.double_buffer = cfg.get_bool("vector.double_buffer");
  p.vector_memory.dma_overlap = cfg.get_bool("vector.dma_overlap");
  if (p.vector_memory.dma_overlap && !p.vector_memory.double_buffer)
    throw config_error("keys 'vector.dma_overlap' and 'vector.double_buffer': a single "
                       "buffer cannot load the next tile while one computes (set "
                       "vector.dma_overlap=false)");
  const int64_t entry_bits = cfg.get_int("sram.entry_bits");
  if (entry_bits != 8 && entry_bits != 16)
    throw config_error("key 'sram.entry_bits' must be 8 or 16, got " +
                       std::to_string(entry_bits));
  p.buffer_use.entry_bytes = static_cast<uint32_t>(entry_bits / 8);
  p.buffer_use.reuse = cfg.get_bool("sequencer.reuse");
  auto kb = [&](const char* key) {
    return cfg.get_uint(key) * 1024 / 2; // one ping-pong half
  };
  p.buffers = {kb("sram.input_kb"), kb("sram.weight_kb"), kb("sram.output_kb")};
  const uint64_t vkb = kb("vector.buffer_kb");
  p.vector_buffers = {vkb, vkb, vkb};
  p.sram_port_bytes = static_cast<uint32_t>(cfg.get_uint("sram.port_bytes"));
  p.sram_banks = static_cast<uint32_t>(cfg.get_uint("sram.banks"));
  p.dma = {static_cast<uint32_t>(cfg.get_uint("dma.burst_bytes")),
           static_cast<uint32_t>(cfg.get_uint("dma.outstanding"))};
  p.functional = cfg.get_bool("sim.functional");
  p.fault_tile_input_offset =
      static_cast<int32_t>(cfg.get_int("fault.tile_input_offset"));
  p.limits.dram_base = cfg.get_uint("dram.base");
  p.limits.dram_size = dram_size_from(cfg);
  p.limits.watchdog_cycles = cfg.get_uint("accel.watchdog_cycles");
  return p;
}

soc::soc(sc_core::sc_module_name name, const config& cfg)
    : sc_module(name), host("host", host_params_from(cfg)),
      interconnect("bus", ns(cfg.get_uint("bus.latency_ns"))),
      dram("dram", dram_size_from(cfg),
           dram_timing_from(cfg, m_dram_channel, m_dram_label)),
      accelerator("accel", accel_params_from(cfg)), irq("irq"),
      m_dram_base(cfg.get_uint("dram.base")),
      m_regs_base(cfg.get_uint("accel.regs_base")) {
  m_max_time = sc_core::sc_time(static_cast<double>(cfg.get_uint("sim.max_time_ms")),
                                sc_core::SC_MS);
  if (m_dram_base + dram.size() > (uint64_t{1} << 32))
    throw config_error(
        "keys 'dram.base' + 'dram.size_mb' exceed the 32-bit address space");
  // The bus would refuse the overlap too, without naming the keys.
  if (m_regs_base < m_dram_base + dram.size() &&
      m_dram_base < m_regs_base + DWVP_ACCEL_REGS_SIZE)
    throw config_error("keys 'accel.regs_base' and 'dram.base': the register block at " +
                       hex32(m_regs_base) + " overlaps DRAM (" + hex32(m_dram_base) +
                       ", " + std::to_string(dram.size() >> 20) + " MiB)");
  tlm_utils::tlm_quantumkeeper::set_global_quantum(ns(cfg.get_uint("sim.quantum_ns")));

  host.socket.bind(interconnect.target_socket);
  accelerator.dma_socket.bind(interconnect.target_socket);
  interconnect.initiator_socket.bind(dram.socket);             // port 0
  interconnect.initiator_socket.bind(accelerator.regs_socket); // port 1
  interconnect.map(m_dram_base, dram.size(), 0, "dram");
  interconnect.map(m_regs_base, DWVP_ACCEL_REGS_SIZE, 1, "accel.regs");
  accelerator.irq.bind(irq);
  host.irq.bind(irq);
}

bool soc::run() {
  if (m_max_time == sc_core::SC_ZERO_TIME)
    sc_core::sc_start();
  else
    sc_core::sc_start(m_max_time, sc_core::SC_EXIT_ON_STARVATION);
  if (host.finished())
    return true;
  // The firmware thread is still suspended: say where, or the run would end as if it
  // had succeeded with nothing to show.
  const bool limit =
      m_max_time != sc_core::SC_ZERO_TIME && sc_core::sc_pending_activity();
  host.stopped_unfinished(limit ? "the run reached its time limit (sim.max_time_ms = " +
                                      std::to_string(static_cast<uint64_t>(
                                          m_max_time.to_seconds() * 1000 + 0.5)) +
                                      " ms)"
                                : "no event was left to simulate");
  return false;
}

void soc::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, irq, std::string(name()) + ".irq");
  if (m_dram_channel)
    m_dram_channel->trace(tf, std::string(name()) + ".dram", accelerator.events());
  accelerator.trace(tf);
  host.trace(tf);
}

} // namespace dwvp
