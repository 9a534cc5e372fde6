#include "soc.h"

#include "dwvp/regs.h"

namespace dwvp {
namespace {

sc_core::sc_time ns(uint64_t v) {
  return sc_core::sc_time(static_cast<double>(v), sc_core::SC_NS);
}

models::host_params host_params_from(const config& cfg) {
  models::host_params p;
  p.mmio_latency = ns(cfg.get_uint("host.mmio_latency_ns"));
  p.copy_bytes_per_ns = cfg.get_real("host.copy_bytes_per_ns");
  if (p.copy_bytes_per_ns <= 0)
    throw config_error("key 'host.copy_bytes_per_ns' must be positive");
  return p;
}

// A controller key's value as uint32_t (its range is checked by dram::validate).
uint32_t u32_key(const config& cfg, const char* key) {
  const uint64_t v = cfg.get_uint(key);
  if (v > UINT32_MAX)
    throw config_error(std::string("key '") + key + "' must be below 2^32");
  return static_cast<uint32_t>(v);
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

uint64_t dram_size_from(const config& cfg) {
  uint64_t mb = cfg.get_uint("dram.size_mb");
  if (mb == 0 || mb > 2048)
    throw config_error("key 'dram.size_mb' must be 1..2048");
  return mb << 20;
}

} // namespace

models::accel_params accel_params_from(const config& cfg) {
  models::accel_params p;
  const double mhz = cfg.get_real("clock.accel_mhz");
  if (mhz <= 0 || mhz > 10000)
    throw config_error("key 'clock.accel_mhz' must be in (0, 10000]");
  p.clock_period = sc_core::sc_time(1e6 / mhz, sc_core::SC_PS);
  const int64_t rows = cfg.get_int("gemm.rows"), cols = cfg.get_int("gemm.cols");
  if (rows < 1 || rows > 1024)
    throw config_error("key 'gemm.rows' must be 1..1024");
  if (cols < 1 || cols > 1024)
    throw config_error("key 'gemm.cols' must be 1..1024");
  p.array = {static_cast<int>(rows), static_cast<int>(cols)};
  if (!gemm::parse_schedule(cfg.get_string("gemm.schedule"), p.gemm_options.sched))
    throw config_error("key 'gemm.schedule': unknown schedule '" +
                       cfg.get_string("gemm.schedule") +
                       "' (pipelined, serial_drain, scalesim)");
  if (!timing::parse_timing_model(cfg.get_string("timing.model"), p.timing_model))
    throw config_error("key 'timing.model': unknown model '" +
                       cfg.get_string("timing.model") + "' (physical, fuse_paper)");
  const int64_t lanes = cfg.get_int("ppu.lanes");
  if (lanes < 1 || lanes > 4096)
    throw config_error("key 'ppu.lanes' must be 1..4096");
  p.ppu_lanes = static_cast<int>(lanes);
  const int64_t vlanes = cfg.get_int("vector.lanes");
  if (vlanes < 1 || vlanes > 4096)
    throw config_error("key 'vector.lanes' must be 1..4096");
  p.vector_lanes = static_cast<int>(vlanes);
  const int64_t depth = cfg.get_int("vector.pipeline");
  if (depth < 0 || depth > 1000)
    throw config_error("key 'vector.pipeline' must be 0..1000");
  p.vector_pipeline = static_cast<int>(depth);
  auto kb = [&](const char* key) {
    const uint64_t v = cfg.get_uint(key);
    if (v < 1 || v > (1u << 20))
      throw config_error(std::string("key '") + key + "' must be 1..1048576");
    return v * 1024 / 2; // one ping-pong half
  };
  p.buffers = {kb("sram.input_kb"), kb("sram.weight_kb"), kb("sram.output_kb")};
  const uint64_t vkb = kb("vector.buffer_kb");
  p.vector_buffers = {vkb, vkb, vkb};
  const uint64_t port = cfg.get_uint("sram.port_bytes");
  if (port < 1 || port > 4096)
    throw config_error("key 'sram.port_bytes' must be 1..4096");
  p.sram_port_bytes = static_cast<uint32_t>(port);
  const uint64_t banks = cfg.get_uint("sram.banks");
  if (banks < 1 || banks > 1024)
    throw config_error("key 'sram.banks' must be 1..1024");
  p.sram_banks = static_cast<uint32_t>(banks);
  const uint64_t burst = cfg.get_uint("dma.burst_bytes");
  if (burst < 1 || burst > 65536)
    throw config_error("key 'dma.burst_bytes' must be 1..65536");
  const uint64_t outstanding = cfg.get_uint("dma.outstanding");
  if (outstanding < 1 || outstanding > 1024)
    throw config_error("key 'dma.outstanding' must be 1..1024");
  p.dma = {static_cast<uint32_t>(burst), static_cast<uint32_t>(outstanding)};
  p.functional = cfg.get_bool("sim.functional");
  const int64_t fault = cfg.get_int("fault.tile_input_offset");
  if (fault < -65536 || fault > 65536)
    throw config_error("key 'fault.tile_input_offset' must be -65536..65536");
  p.fault_tile_input_offset = static_cast<int32_t>(fault);
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
  if (m_dram_base + dram.size() > (uint64_t{1} << 32))
    throw config_error(
        "keys 'dram.base' + 'dram.size_mb' exceed the 32-bit address space");
  if (sc_core::sc_time(static_cast<double>(cfg.get_uint("sim.quantum_ns")),
                       sc_core::SC_NS) == sc_core::SC_ZERO_TIME)
    throw config_error("key 'sim.quantum_ns' must be positive");
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

void soc::trace(sc_core::sc_trace_file* tf) {
  sc_core::sc_trace(tf, irq, std::string(name()) + ".irq");
  if (m_dram_channel)
    m_dram_channel->trace(tf, std::string(name()) + ".dram", accelerator.events());
  accelerator.trace(tf);
  host.trace(tf);
}

} // namespace dwvp
