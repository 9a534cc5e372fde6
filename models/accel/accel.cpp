#include "accel.h"

namespace dwvp::models {

timing::compute_config compute_config_from(const accel_params& p) {
  timing::compute_config c;
  c.array = p.array;
  c.gemm_options = p.gemm_options;
  c.model = p.timing_model;
  c.vector_lanes = p.vector_lanes;
  c.vector_pipeline = p.vector_pipeline;
  c.vector_issue_interval = p.vector_issue_interval;
  c.vector_requant_ops = p.vector_requant_ops;
  c.ppu_lanes = p.ppu_lanes;
  return c;
}

namespace {

sram_params sram_of(const accel_params& p, uint64_t half_bytes) {
  return {half_bytes, p.sram_port_bytes, p.sram_banks, p.clock_period};
}

engine_params engine_of(const accel_params& p) {
  return {p.clock_period, compute_config_from(p), p.functional,
          uint64_t(p.sram_banks) * p.sram_port_bytes};
}

} // namespace

sequencer_params sequencer_of(const accel_params& p) {
  return {p.clock_period,
          compute_config_from(p),
          p.buffers,
          p.vector_buffers,
          p.fault_tile_input_offset,
          p.functional,
          p.vector_memory,
          p.buffer_use};
}

accel::accel(sc_core::sc_module_name name, const accel_params& params)
    : sc_module(name), regs_socket("regs_socket"), dma_socket("dma_socket"), irq("irq"),
      m_params(params), m_events("events"),
      m_local_bus("local_bus", sc_core::SC_ZERO_TIME),
      m_input_buffer("input_buffer", sram_of(params, params.buffers.input)),
      m_weight_buffer("weight_buffer", sram_of(params, params.buffers.weight)),
      m_output_buffer("output_buffer", sram_of(params, params.buffers.output)),
      m_vector_memory("vector_memory", sram_of(params, params.vector_buffers.input +
                                                           params.vector_buffers.weight +
                                                           params.vector_buffers.output)),
      m_cmd(
          "cmd_proc", params.clock_period, [this] { return traffic(); }, params.limits),
      m_sequencer("sequencer", sequencer_of(params)), m_dma("dma", params.dma, m_events),
      m_gemm("gemm_core", engine_of(params)), m_dwc("dwc", engine_of(params)),
      m_vector("vector_unit", engine_of(params)),
      m_ppu("ppu", engine_of(params), m_events) {
  // Outside world: registers in, DMA out, the interrupt line.
  regs_socket.bind(m_cmd.regs_socket);
  m_dma.bus_socket.bind(dma_socket);
  m_cmd.irq(irq);

  // Control: command processor -> sequencer -> DMA and engines.
  m_cmd.layer_socket.bind(m_sequencer.layer_socket);
  m_cmd.dma_socket.bind(m_dma.cmd_socket);
  m_sequencer.dma_socket.bind(m_dma.cmd_socket);
  m_sequencer.gemm_socket.bind(m_gemm.cmd_socket);
  m_sequencer.dwc_socket.bind(m_dwc.cmd_socket);
  m_sequencer.vector_socket.bind(m_vector.cmd_socket);
  m_sequencer.ppu_socket.bind(m_ppu.cmd_socket);
  m_dwc.array_socket.bind(m_gemm.array_socket);
  m_gemm.ppu_socket.bind(m_ppu.requant_socket);
  m_dwc.ppu_socket.bind(m_ppu.requant_socket);
  m_vector.ppu_socket.bind(m_ppu.requant_socket);

  // Data: the DMA and the engines reach the on-chip memories over the local bus.
  m_dma.local_socket.bind(m_local_bus.target_socket);
  m_gemm.mem_socket.bind(m_local_bus.target_socket);
  m_dwc.mem_socket.bind(m_local_bus.target_socket);
  m_vector.mem_socket.bind(m_local_bus.target_socket);
  m_ppu.mem_socket.bind(m_local_bus.target_socket);
  unsigned port = 0;
  auto attach = [&](auto& target_socket, uint64_t base, uint64_t size, const char* what) {
    m_local_bus.initiator_socket.bind(target_socket);
    m_local_bus.map(base, size, port++, what);
  };
  attach(m_input_buffer.socket, local_map::input_buffer, m_input_buffer.size(),
         "input_buffer");
  attach(m_weight_buffer.socket, local_map::weight_buffer, m_weight_buffer.size(),
         "weight_buffer");
  attach(m_output_buffer.socket, local_map::output_buffer, m_output_buffer.size(),
         "output_buffer");
  attach(m_vector_memory.socket, local_map::vector_memory, m_vector_memory.size(),
         "vector_memory");
  attach(m_ppu.lut_socket, local_map::ppu_lut, 256, "ppu_lut");
  attach(m_cmd.staging_socket, local_map::cmd_staging, 256, "cmd_staging");
}

traffic_counters accel::traffic() const {
  traffic_counters t;
  t.dram_read = m_dma.bytes_read();
  t.dram_write = m_dma.bytes_written();
  for (const sram_buffer* b :
       {&m_input_buffer, &m_weight_buffer, &m_output_buffer, &m_vector_memory}) {
    t.sram_reads += b->reads();
    t.sram_writes += b->writes();
  }
  return t;
}

void accel::trace(sc_core::sc_trace_file* tf) {
  m_events.enable();
  m_cmd.trace(tf);
  m_sequencer.trace(tf);
  m_dma.trace(tf);
  m_gemm.trace(tf);
  m_dwc.trace(tf);
  m_vector.trace(tf);
  m_ppu.trace(tf);
}

} // namespace dwvp::models
