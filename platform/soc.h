// The SoC: host CPU and accelerator DMA as initiators on one bus, DRAM and the
// accelerator's registers as targets, and the accelerator's interrupt to the host
// (docs/architecture.md). Built from a dwvp::config.
#pragma once

#include "accel.h"
#include "bus.h"
#include "config.h"
#include "dram_channel_timing.h"
#include "host_cpu.h"
#include "memory.h"

#include <systemc>

#include <memory>
#include <string>

namespace dwvp {

class soc : public sc_core::sc_module {
  // Declared first: set while `dram` is constructed (members initialise in order).
  models::dram_channel_timing* m_dram_channel = nullptr; // owned by `dram`
  std::string m_dram_label;

public:
  soc(sc_core::sc_module_name name, const config& cfg);

  models::host_cpu host;
  bus interconnect;
  models::memory dram;
  models::accel accelerator;
  // Driven by register writes (host thread) and the command processor.
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq;

  uint64_t dram_base() const { return m_dram_base; }
  uint64_t regs_base() const { return m_regs_base; }
  sc_core::sc_time clock_period() const { return accelerator.params().clock_period; }

  // Runs the simulation until the events run out or for sim.max_time_ms of simulated
  // time. False when the firmware did not finish (it waits for an interrupt that never
  // comes, or still runs at the limit): host.failure() then says "firmware did not
  // finish: ..." with what it was doing.
  bool run();

  // Adds every module's activity to the VCD, plus the IRQ line and DRAM open rows.
  void trace(sc_core::sc_trace_file* tf);

  // The DRAM channel model, or nullptr when dram.model is 'fixed'.
  models::dram_channel_timing* dram_channel() { return m_dram_channel; }
  // "fixed", the preset ("ddr4_2400_x64") or the spec's name and file
  // ("lpddr4_3200 (configs/dram/lpddr4_3200.json)").
  const std::string& dram_label() const { return m_dram_label; }

private:
  uint64_t m_dram_base;
  uint64_t m_regs_base;
  sc_core::sc_time m_max_time; // 0 = no limit
};

// The DRAM the configuration selects: dram.model or the dram.spec file (which wins over
// a preset name), dram.mapping (else the file's, else the default) and the controller
// keys (dram.read_queue ... dram.powerdown_idle). Throws config_error naming the key,
// and for a spec file the file and field: "key 'dram.spec': x.json:
// memspec.timing.rcd: missing".
struct dram_setup {
  bool fixed = false; // dram.model=fixed: nothing below is used
  std::string label;  // as soc::dram_label()
  dram::dram_spec spec;
  dram::address_mapping mapping;
  dram::controller_params controller;
};
dram_setup dram_setup_from(const config& cfg);

// Reads the accelerator parameters from the configuration.
models::accel_params accel_params_from(const config& cfg);

} // namespace dwvp
