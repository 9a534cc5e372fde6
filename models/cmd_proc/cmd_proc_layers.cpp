// The command processor's work per ring entry: fetch the descriptor, check it, hand
// the layer (or the stripe chain that starts at it) to the sequencer, and write each
// layer's statistics record. docs/architecture.md, "Command processor".
#include "cmd_proc.h"

#include "dwvp/stripe_chain.h"
#include "model_log.h"

#include <cstring>

namespace dwvp::models {

using sc_core::sc_time;

bool cmd_proc::staged_transfer(bool store, uint32_t addr, uint32_t staging_offset,
                               uint32_t bytes) {
  dma_command x;
  x.kind = store ? dma_command::store : dma_command::load;
  x.external.addr = addr;
  x.external.row_bytes = bytes;
  x.external.row_stride = bytes;
  x.local_addr = local_map::cmd_staging + staging_offset;
  x.start = sc_core::sc_time_stamp();
  sc_time delay;
  if (send_command(dma_socket, x, delay) != tlm::TLM_OK_RESPONSE)
    return false;
  const uint64_t period = m_period.value();
  const uint64_t edge = (x.end.value() + period - 1) / period * period;
  sc_core::wait(sc_time::from_value(edge) - sc_core::sc_time_stamp());
  return true;
}

bool cmd_proc::fetch_descriptor(uint32_t index, dwvp_desc& d) {
  m_current_index = index;
  m_current_layer = DWVP_ERR_LAYER_UNKNOWN;
  // The ring entry goes through the same window check as the data it describes.
  const uint32_t entry = m_ring_base + index * DWVP_DESC_SIZE;
  if (!inside_windows(m_windows, entry, DWVP_DESC_SIZE)) {
    report_error(index, {DWVP_ERR_ADDR_WINDOW, DWVP_FIELD_RING_ENTRY,
                         "ring entry outside every DMA window"});
    return false;
  }
  if (!staged_transfer(false, entry, 0, DWVP_DESC_SIZE)) {
    report_error(index, {DWVP_ERR_BUS, DWVP_FIELD_NONE, "descriptor fetch failed"});
    return false;
  }
  if (abandoned())
    return false;
  std::memcpy(&d, m_staging.data(), DWVP_DESC_SIZE);
  m_layer_sig.write(d.layer_id);
  // Without the magic the entry is not a descriptor: its layer_id means nothing.
  if (d.magic == DWVP_DESC_MAGIC)
    m_current_layer = d.layer_id;
  const ring_region ring{m_ring_base, uint64_t{m_ring_size} * DWVP_DESC_SIZE};
  check_result r = check_descriptor(d, m_windows, ring);
  if (!r.ok()) {
    report_error(index, r);
    return false;
  }
  return true;
}

bool cmd_proc::fetch_chain(uint32_t index, std::vector<dwvp_desc>& chain) {
  // chain[0] is fetched; the chain runs to the first entry without STRIPE.
  for (;;) {
    const dwvp_desc& prev = chain.back();
    const uint32_t prev_index = (index + uint32_t(chain.size()) - 1) % m_ring_size;
    check_result r = check_chain_layer(prev);
    if (!r.ok()) {
      report_error(prev_index, r);
      return false;
    }
    if (!(prev.flags & DWVP_FLAG_STRIPE))
      return true;
    if (chain.size() == DWVP_CHAIN_MAX_LAYERS) {
      report_error(prev_index, {DWVP_ERR_UNSUPPORTED, DWVP_FIELD_FLAGS,
                                "stripe chain longer than " +
                                    std::to_string(DWVP_CHAIN_MAX_LAYERS) + " layers"});
      return false;
    }
    const uint32_t next_index = (prev_index + 1) % m_ring_size;
    if (next_index == m_ring_tail) {
      report_error(prev_index, {DWVP_ERR_BAD_FIELD, DWVP_FIELD_FLAGS,
                                "stripe chain continues past the ring tail"});
      return false;
    }
    dwvp_desc next{};
    if (!fetch_descriptor(next_index, next))
      return false;
    r = check_chain_link(chain.back(), next);
    if (!r.ok()) {
      report_error(next_index, r);
      return false;
    }
    chain.push_back(next);
  }
}

bool cmd_proc::process_descriptor(uint32_t index) {
  if (m_start_observer)
    m_start_observer();
  const uint64_t start = now_cycles();
  const traffic_counters before = m_traffic();
  m_layer_epoch = m_epoch;
  if (m_limits.watchdog_cycles)
    m_watchdog_event.notify(m_period * static_cast<double>(m_limits.watchdog_cycles));
  dwvp_desc d{};
  if (!fetch_descriptor(index, d))
    return false;
  std::vector<dwvp_desc> chain;
  if (d.flags & DWVP_FLAG_STRIPE) {
    chain.push_back(d);
    if (!fetch_chain(index, chain))
      return false;
  }
  const uint64_t fetch_cycles = now_cycles() - start;
  m_perf[DWVP_PERF_DMA_STALL] += fetch_cycles;

  layer_command layer;
  layer.desc = d;
  layer.chain = chain;
  layer.generation = &m_epoch;
  layer.generation_at_start = m_layer_epoch;
  sc_time delay;
  if (send_command(layer_socket, layer, delay) != tlm::TLM_OK_RESPONSE) {
    report_error(index, {DWVP_ERR_UNSUPPORTED, DWVP_FIELD_OPCODE, "sequencer refused"});
    return false;
  }
  if (layer.abandoned || abandoned())
    return false;
  if (layer.error != DWVP_ERR_NONE) {
    const uint32_t failed = chain.empty() ? 0 : layer.failed_layer;
    if (!chain.empty()) {
      m_current_layer = chain[failed].layer_id;
      m_current_index = (index + failed) % m_ring_size;
    }
    report_error((index + failed) % m_ring_size,
                 {layer.error, layer.field, layer.message});
    return false;
  }

  const traffic_counters after = m_traffic();
  const uint64_t total = now_cycles() - start;
  std::vector<dwvp_layer_stats> records;
  if (chain.empty()) {
    dwvp_layer_stats stats{};
    stats.total_cycles = total;
    stats.compute_cycles = layer.compute_cycles;
    stats.macs = layer.macs;
    stats.dram_read_bytes = after.dram_read - before.dram_read;
    stats.dram_write_bytes = after.dram_write - before.dram_write;
    stats.sram_reads = after.sram_reads - before.sram_reads;
    stats.sram_writes = after.sram_writes - before.sram_writes;
    stats.tiles = layer.tiles;
    stats.engine = layer.engine;
    records.push_back(stats);
    m_perf[layer.engine == 0   ? DWVP_PERF_GEMM_BUSY
           : layer.engine == 1 ? DWVP_PERF_VECTOR_BUSY
                               : DWVP_PERF_PPU_BUSY] += layer.compute_cycles;
    if (layer.engine != 2)
      m_perf[DWVP_PERF_PPU_BUSY] += layer.ppu_cycles;
  } else {
    // A chain's layers run interleaved: each record has its own compute cycles, MACs,
    // stripes and DMA bytes (plus its descriptor fetch); the last layer takes the rest
    // of the chain's time, bytes and SRAM accesses, so the records sum to the chain.
    uint64_t cycles = 0, reads = 0, writes = 0;
    for (size_t j = 0; j < chain.size(); ++j) {
      const chain_layer_result& res = layer.chain_results[j];
      dwvp_layer_stats stats{};
      stats.compute_cycles = res.compute_cycles;
      stats.macs = res.macs;
      stats.tiles = res.tiles;
      stats.engine = res.engine;
      if (j + 1 < chain.size()) {
        stats.total_cycles = res.compute_cycles;
        stats.dram_read_bytes = res.dram_read_bytes + DWVP_DESC_SIZE;
        stats.dram_write_bytes = res.dram_write_bytes;
        cycles += stats.total_cycles;
        reads += stats.dram_read_bytes;
        writes += stats.dram_write_bytes;
      } else {
        stats.total_cycles = total - std::min(total, cycles);
        stats.dram_read_bytes = (after.dram_read - before.dram_read) - reads;
        stats.dram_write_bytes = (after.dram_write - before.dram_write) - writes;
        stats.sram_reads = after.sram_reads - before.sram_reads;
        stats.sram_writes = after.sram_writes - before.sram_writes;
      }
      records.push_back(stats);
      m_perf[DWVP_PERF_GEMM_BUSY] += res.compute_cycles;
      m_perf[DWVP_PERF_PPU_BUSY] += res.ppu_cycles;
    }
  }
  m_perf[DWVP_PERF_DMA_STALL] += total - fetch_cycles - layer.compute_cycles;
  bool irq = false;
  for (size_t j = 0; j < records.size(); ++j) {
    const dwvp_desc& dj = chain.empty() ? d : chain[j];
    records[j].layer_id = dj.layer_id;
    records[j].start_cycle = start;
    records[j].dma_cycles = records[j].total_cycles - records[j].compute_cycles;
    m_current_layer = dj.layer_id;
    m_current_index = (index + uint32_t(j)) % m_ring_size;
    if (!finish_layer(m_current_index, dj, records[j]))
      return false;
    irq = irq || (dj.flags & DWVP_FLAG_IRQ);
  }
  m_watchdog_event.cancel();
  const traffic_counters final_counts = m_traffic();
  m_perf[DWVP_PERF_DRAM_RD_BYTES] += final_counts.dram_read - before.dram_read;
  m_perf[DWVP_PERF_DRAM_WR_BYTES] += final_counts.dram_write - before.dram_write;
  m_ring_head = (index + uint32_t(records.size())) % m_ring_size;
  m_ring_head_sig.write(m_ring_head);
  if (irq)
    raise_irq(DWVP_IRQ_LAYER);
  return true;
}

bool cmd_proc::finish_layer(uint32_t index, const dwvp_desc& d,
                            const dwvp_layer_stats& stats) {
  m_perf[DWVP_PERF_BUSY_CYCLES] += stats.total_cycles;
  m_perf[DWVP_PERF_LAYERS_DONE] += 1;
  m_perf[DWVP_PERF_MACS] += stats.macs;
  m_perf[DWVP_PERF_SRAM_READS] += stats.sram_reads;
  m_perf[DWVP_PERF_SRAM_WRITES] += stats.sram_writes;
  if (m_layer_observer)
    m_layer_observer(stats);
  m_log->info("layer {} done: {} cycles ({} compute, {} DMA), {} MACs", d.layer_id,
              stats.total_cycles, stats.compute_cycles, stats.dma_cycles, stats.macs);
  if (d.stats_addr) {
    // The record is written after the layer; its own DMA time is not in the record.
    std::memcpy(m_staging.data() + k_stats_offset, &stats, sizeof stats);
    const uint64_t before_write = now_cycles();
    if (!staged_transfer(true, d.stats_addr, k_stats_offset, sizeof stats)) {
      report_error(index, {DWVP_ERR_BUS, DWVP_FIELD_STATS_ADDR, "stats write failed"});
      return false;
    }
    if (abandoned())
      return false;
    m_perf[DWVP_PERF_DMA_STALL] += now_cycles() - before_write;
    m_perf[DWVP_PERF_BUSY_CYCLES] += now_cycles() - before_write;
  }
  return true;
}

} // namespace dwvp::models
