// Per rank: refresh (all-bank or per-bank), power-down and background states; the
// statistics and DRAMPower-style energy of the channel.
#include "dram_channel.h"

#include <algorithm>

namespace dwvp::dram {

uint64_t dram_stats::latency_percentile_ps(double fraction) const {
  if (!requests || latency_histogram.empty())
    return 0;
  const double need = std::max(1.0, fraction * double(requests));
  uint64_t seen = 0;
  for (size_t b = 0; b < latency_histogram.size(); ++b) {
    seen += latency_histogram[b];
    if (double(seen) >= need)
      return uint64_t(b) * tck_ps;
  }
  return uint64_t(latency_histogram.size() - 1) * tck_ps;
}

void dram_channel::wake(rank_state& r, ps_t t) {
  // Power-down: a rank with nothing queued for `powerdown_idle` clocks after its last
  // command powers down; a request for it waits for tCKE (minimum residency) and tXP.
  if (m_idle == 0 || t < r.last_activity + m_idle)
    return;
  const ps_t enter = r.last_activity + m_idle;
  const ps_t exit = max2(t, enter + m_cke);
  (r.open_banks ? r.pd_open_ps : r.pd_closed_ps) += static_cast<uint64_t>(exit - enter);
  ++m_stats.powerdowns;
  r.cmd_ok = max2(r.cmd_ok, exit + m_xp);
  invalidate_all(); // the rank's bounds moved
  r.last_activity = exit + m_xp;
}

void dram_channel::set_open(rank_state& r, int delta, ps_t t) {
  if (r.open_banks > 0 && t > r.state_since)
    r.open_ps += static_cast<uint64_t>(t - r.state_since);
  r.state_since = max2(r.state_since, t);
  r.open_banks = static_cast<uint32_t>(int(r.open_banks) + delta);
}

void dram_channel::refresh(uint32_t ri) {
  rank_state& r = m_ranks[ri];
  const ps_t start = max2(r.next_ref, r.cmd_ok);
  const uint32_t first = ri * m_banks_per_rank;
  if (m_params.refresh == refresh_mode::per_bank) {
    // REFpb to one bank at a time, round robin; the other banks keep working.
    const uint32_t bi = first + r.ref_bank;
    r.ref_bank = (r.ref_bank + 1) % m_banks_per_rank;
    bank_state& b = m_banks[bi];
    touch(bi);
    ps_t ref = max2(start, b.ok[k_activate]);
    if (b.open_row != k_closed) {
      const ps_t pre = max2(start, b.ok[k_precharge]);
      ++m_stats.precharges;
      set_open(r, -1, pre);
      if (m_observer)
        m_observer(bi, -1, static_cast<uint64_t>(pre));
      ref = max2(ref, pre + m_rp);
    }
    b.open_row = k_closed;
    clear_hits(b);
    b.ok[k_activate] = max2(b.ok[k_activate], ref + m_rfc_pb);
    ++m_refresh_pb;
    r.next_ref += m_refi_pb;
    r.last_activity = max2(r.last_activity, ref + m_rfc_pb);
  } else {
    // Precharge-all once every open bank may be precharged, then REF for tRFC.
    ps_t pre = start;
    uint32_t open = 0;
    for (uint32_t k = 0; k < m_banks_per_rank; ++k) {
      const bank_state& b = m_banks[first + k];
      if (b.open_row != k_closed) {
        pre = max2(pre, b.ok[k_precharge]);
        ++open;
      }
    }
    ps_t ref = pre + (open ? m_rp : 0);
    for (uint32_t k = 0; k < m_banks_per_rank; ++k)
      ref = max2(ref, m_banks[first + k].ok[k_activate]);
    const ps_t end = ref + m_rfc;
    for (uint32_t k = 0; k < m_banks_per_rank; ++k) {
      bank_state& b = m_banks[first + k];
      touch(first + k);
      if (b.open_row != k_closed && m_observer)
        m_observer(first + k, -1, static_cast<uint64_t>(pre));
      b.open_row = k_closed;
      clear_hits(b);
      b.ok[k_activate] = max2(b.ok[k_activate], end);
    }
    m_stats.precharges += open;
    if (open)
      set_open(r, -int(open), pre);
    ++m_refresh_ab;
    r.next_ref += m_refi;
    r.last_activity = max2(r.last_activity, end);
  }
  ++m_stats.refreshes;
}

void dram_channel::advance_to(uint64_t now_ps) {
  const ps_t now = static_cast<ps_t>(now_ps);
  // Only what happens before `now`: a snapshot must not change what comes after it
  // (posted writes still queued stay queued).
  while (step(now)) {
  }
  for (uint32_t i = 0; i < m_ranks.size(); ++i)
    while (m_ranks[i].next_ref <= now)
      refresh(i);
  m_window_end = max2(m_window_end, now);
}

dram_stats dram_channel::stats() const {
  dram_stats s = m_stats;
  ps_t end = max2(m_window_end, static_cast<ps_t>(s.last_done_ps));
  for (const rank_state& r : m_ranks)
    end = max2(end, r.last_activity);
  s.end_ps = static_cast<uint64_t>(end);
  const uint64_t window = static_cast<uint64_t>(max2(0, end - m_window_start));
  for (const rank_state& r : m_ranks) {
    uint64_t open = r.open_ps;
    if (r.open_banks > 0 && end > r.state_since)
      open += static_cast<uint64_t>(end - r.state_since);
    uint64_t pd_open = r.pd_open_ps, pd_closed = r.pd_closed_ps;
    if (m_idle && r.queued == 0 && end > r.last_activity + m_idle) {
      // Idle at the end of the window: powered down since the timer expired.
      (r.open_banks ? pd_open : pd_closed) +=
          static_cast<uint64_t>(end - (r.last_activity + m_idle));
    }
    open = std::min(open, window);
    pd_open = std::min(pd_open, open);
    pd_closed = std::min(pd_closed, window - open);
    s.active_standby_ps += open - pd_open;
    s.active_powerdown_ps += pd_open;
    s.precharge_standby_ps += window - open - pd_closed;
    s.precharge_powerdown_ps += pd_closed;
  }

  // mA * V * ps = 1e-15 J = 1e-3 pJ; per device, times the devices of a rank.
  const dram_spec& p = m_spec;
  const double scale = 1e-3 * p.vdd * p.devices_per_rank();
  const double tck = p.tck_ps;
  dram_energy& e = s.energy;
  e.act_pj = double(s.activates) * (p.idd0 - p.idd3n) * (p.ras * tck) * scale;
  e.pre_pj = double(s.precharges) * (p.idd0 - p.idd2n) * ((p.rc - p.ras) * tck) * scale;
  e.read_pj =
      double(s.read_bursts) * (p.idd4r - p.idd3n) * (p.burst_cycles() * tck) * scale;
  e.write_pj =
      double(s.write_bursts) * (p.idd4w - p.idd3n) * (p.burst_cycles() * tck) * scale;
  e.refresh_pj =
      (double(m_refresh_ab) * (p.idd5b - p.idd3n) * (p.rfc * tck) +
       double(m_refresh_pb) * std::max(0.0, p.idd5pb - p.idd3n) * (p.rfc_pb * tck)) *
      scale;
  e.background_pj =
      (p.idd3n * double(s.active_standby_ps) + p.idd2n * double(s.precharge_standby_ps) +
       p.idd3p * double(s.active_powerdown_ps) +
       p.idd2p * double(s.precharge_powerdown_ps)) *
      scale;
  return s;
}

void dram_channel::reset_stats() {
  ps_t end = max2(m_window_end, static_cast<ps_t>(m_stats.last_done_ps));
  for (const rank_state& r : m_ranks)
    end = max2(end, r.last_activity);
  m_stats = {};
  m_stats.peak_gbps = m_spec.peak_bandwidth_gbps();
  m_stats.tck_ps = m_spec.tck_ps;
  m_stats.latency_histogram.assign(k_histogram_clocks, 0);
  m_refresh_ab = m_refresh_pb = 0;
  m_any_request = false;
  for (rank_state& r : m_ranks) {
    if (r.open_banks > 0 && end > r.state_since)
      r.open_ps += static_cast<uint64_t>(end - r.state_since);
    r.state_since = max2(r.state_since, end);
    r.open_ps = 0;
    r.pd_open_ps = 0;
    r.pd_closed_ps = 0;
  }
  m_window_start = end;
  m_window_end = end;
}

} // namespace dwvp::dram
