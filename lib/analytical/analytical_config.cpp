#include "analytical_config.h"

#include "accel.h"
#include "soc.h"

namespace dwvp::analytical {

platform_params params_from_config(const config& cfg) {
  const models::accel_params a = accel_params_from(cfg);
  platform_params p;
  p.entry_bytes = a.buffer_use.entry_bytes;
  p.reuse = a.buffer_use.reuse;
  p.vector_memory.operand_bytes = a.vector_memory.operand_bytes;
  p.vector_memory.dram_input_bytes = a.vector_memory.dram_input_bytes;
  p.vector_memory.dram_output_bytes = a.vector_memory.dram_output_bytes;
  p.vector_memory.double_buffer = a.vector_memory.double_buffer;
  p.vector_memory.dma_overlap = a.vector_memory.dma_overlap;
  p.clock_mhz = cfg.get_real("clock.accel_mhz");
  p.compute = models::compute_config_from(a);
  p.buffers = a.buffers;
  p.vector_buffers = a.vector_buffers;
  p.sram_banks = a.sram_banks;
  p.sram_port_bytes = a.sram_port_bytes;
  p.dma_burst_bytes = a.dma.burst_bytes;
  p.dma_outstanding = a.dma.outstanding;
  p.bus_latency_ns = double(cfg.get_uint("bus.latency_ns"));
  const dram_setup d = dram_setup_from(cfg);
  p.dram_fixed = d.fixed;
  if (d.fixed) {
    p.fixed_latency_ns = double(cfg.get_uint("dram.latency_ns"));
    p.fixed_bandwidth_gbps = cfg.get_real("dram.bandwidth_gbps");
  } else {
    p.dram = d.spec;
    p.controller = d.controller;
  }
  return p;
}

} // namespace dwvp::analytical
