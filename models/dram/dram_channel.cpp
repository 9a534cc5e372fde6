#include "dram_channel.h"

#include <algorithm>
#include <stdexcept>

namespace dwvp::dram {
namespace {

using ps_t = int64_t;

inline ps_t max2(ps_t a, ps_t b) {
  return a > b ? a : b;
}

} // namespace

dram_channel::dram_channel(const dram_spec& spec)
    : dram_channel(spec, address_mapping::default_for(spec)) {}

dram_channel::dram_channel(const dram_spec& spec, const address_mapping& mapping)
    : dram_channel(spec, mapping, controller_params{}) {}

dram_channel::dram_channel(const dram_spec& spec, const address_mapping& mapping,
                           const controller_params& params)
    : m_spec(spec), m_mapping(mapping), m_params(params) {
  validate(m_spec);
  validate(m_params, m_spec);
  m_groups_per_rank = m_spec.bank_groups;
  m_banks_per_group = m_spec.banks_per_group;
  const ps_t t = m_spec.tck_ps;
  m_tck = t;
  m_cl = t * m_spec.cl;
  m_cwl = t * m_spec.cwl;
  m_rcd = t * m_spec.rcd;
  m_rp = t * m_spec.rp;
  m_ras = t * m_spec.ras;
  m_rc = t * m_spec.rc;
  m_ccd_s = t * m_spec.ccd_s;
  m_ccd_l = t * m_spec.ccd_l;
  m_rrd_s = t * m_spec.rrd_s;
  m_rrd_l = t * m_spec.rrd_l;
  m_faw = t * m_spec.faw;
  m_wr = t * m_spec.wr;
  m_wtr_s = t * m_spec.wtr_s;
  m_wtr_l = t * m_spec.wtr_l;
  m_rtp = t * m_spec.rtp;
  m_rtw = t * m_spec.rtw;
  m_refi = t * m_spec.refi;
  m_rfc = t * m_spec.rfc;
  m_burst = t * m_spec.burst_cycles();
  m_burst_mask = m_spec.burst_bytes() - 1;
  m_banks.resize(size_t{m_spec.ranks} * m_spec.banks_per_rank());
  m_groups.resize(size_t{m_spec.ranks} * m_spec.bank_groups);
  m_ranks.resize(m_spec.ranks);
  init();
}

void dram_channel::init() {
  for (bank_state& b : m_banks) {
    b = {k_closed, 0, 0, 0};
  }
  for (group_state& g : m_groups) {
    g = {k_never, k_never, k_never};
  }
  for (rank_state& r : m_ranks) {
    r.last_act = k_never;
    std::fill(std::begin(r.faw), std::end(r.faw), k_never);
    r.faw_next = 0;
  }
  m_next_ref = m_refi;
  m_stats = {};
  m_stats.peak_gbps = m_spec.peak_bandwidth_gbps();
}

int64_t dram_channel::open_row(uint32_t bank_index) const {
  if (bank_index >= m_banks.size() || m_banks[bank_index].open_row == k_closed) {
    return -1;
  }
  return m_banks[bank_index].open_row;
}

uint64_t dram_channel::access(uint64_t issue_ps, uint64_t address, bool is_write,
                              uint32_t size_bytes) {
  if (size_bytes == 0) {
    throw std::invalid_argument("dram_channel::access: size_bytes must be > 0");
  }
  // Commands start on a clock edge.
  const ps_t issue = static_cast<ps_t>(issue_ps);
  const ps_t arrive = (issue + m_tck - 1) / m_tck * m_tck;

  const uint64_t first = address & ~m_burst_mask;
  const uint64_t last = (address + size_bytes - 1) & ~m_burst_mask;
  uint64_t done = 0;
  for (uint64_t a = first;; a += m_burst_mask + 1) {
    done = do_burst(arrive, a, is_write);
    if (a == last) {
      break;
    }
  }

  dram_stats& s = m_stats;
  if (!m_any_request || issue_ps < s.first_issue_ps) {
    s.first_issue_ps = issue_ps;
  }
  m_any_request = true;
  ++s.requests;
  if (is_write) {
    ++s.writes;
    s.bytes_written += size_bytes;
  } else {
    ++s.reads;
    s.bytes_read += size_bytes;
  }
  const uint64_t latency = done - issue_ps;
  s.total_latency_ps += latency;
  s.max_latency_ps = std::max(s.max_latency_ps, latency);
  s.last_done_ps = std::max(s.last_done_ps, done);
  return done;
}

uint64_t dram_channel::do_burst(ps_t arrive, uint64_t address, bool is_write) {
  const dram_address d = m_mapping.decode(address);
  const uint32_t group_index = d.rank * m_groups_per_rank + d.bank_group;
  bank_state& b = m_banks[size_t{group_index} * m_banks_per_group + d.bank];
  group_state& g = m_groups[group_index];
  rank_state& r = m_ranks[d.rank];

  for (;;) {
    // Row commands.
    ps_t t_act = 0, t_pre = 0;
    ps_t col_ready;
    const bool hit = b.open_row == d.row;
    const bool conflict = !hit && b.open_row != k_closed;
    if (hit) {
      col_ready = b.col_ok;
    } else {
      ps_t act_from = max2(arrive, b.act_ok);
      if (conflict) {
        t_pre = max2(arrive, b.pre_ok);
        act_from = max2(act_from, t_pre + m_rp);
      }
      t_act = max2(act_from, r.last_act + m_rrd_s);
      t_act = max2(t_act, g.last_act + m_rrd_l);
      t_act = max2(t_act, r.faw[r.faw_next] + m_faw);
      col_ready = t_act + m_rcd;
    }

    // Column command.
    ps_t t_col = max2(max2(arrive, col_ready), m_last_col + m_ccd_s);
    t_col = max2(t_col, g.last_col + m_ccd_l);
    if (is_write) {
      t_col = max2(t_col, m_last_rd + m_rtw);
      t_col = max2(t_col, m_bus_free - m_cwl);
    } else {
      t_col = max2(t_col, m_wr_end + m_wtr_s);
      t_col = max2(t_col, g.wr_end + m_wtr_l);
      t_col = max2(t_col, m_bus_free - m_cl);
    }

    // A refresh due before this burst's column command goes first; it closes every
    // row, so the burst is planned again.
    if (t_col >= m_next_ref) {
      refresh(arrive);
      continue;
    }

    // Commit.
    if (hit) {
      ++m_stats.row_hits;
    } else {
      if (conflict) {
        ++m_stats.row_conflicts;
        ++m_stats.precharges;
      } else {
        ++m_stats.row_misses;
      }
      ++m_stats.activates;
      r.faw[r.faw_next] = t_act;
      r.faw_next = (r.faw_next + 1) & 3u;
      r.last_act = t_act;
      g.last_act = t_act;
      b.open_row = d.row;
      b.act_ok = t_act + m_rc;
      b.pre_ok = t_act + m_ras;
      b.col_ok = t_act + m_rcd;
      if (m_all_closed) {
        m_precharged_ps += static_cast<uint64_t>(t_act - m_all_closed_since);
        m_all_closed = false;
      }
      if (m_observer) {
        const uint32_t flat = group_index * m_banks_per_group + d.bank;
        if (conflict)
          m_observer(flat, -1, static_cast<uint64_t>(t_pre));
        m_observer(flat, d.row, static_cast<uint64_t>(t_act));
      }
    }
    m_last_col = t_col;
    g.last_col = t_col;
    ps_t data_end;
    if (is_write) {
      data_end = t_col + m_cwl + m_burst;
      ++m_stats.write_bursts;
      m_wr_end = data_end;
      g.wr_end = data_end;
      b.pre_ok = max2(b.pre_ok, data_end + m_wr);
    } else {
      data_end = t_col + m_cl + m_burst;
      ++m_stats.read_bursts;
      m_last_rd = t_col;
      b.pre_ok = max2(b.pre_ok, t_col + m_rtp);
    }
    m_bus_free = data_end;
    ++m_stats.bursts;
    return static_cast<uint64_t>(data_end);
  }
}

void dram_channel::refresh(ps_t arrive) {
  // Precharge-all once every open bank may be precharged, then REF for tRFC.
  ps_t start = m_next_ref;
  uint32_t open = 0;
  for (const bank_state& b : m_banks) {
    if (b.open_row != k_closed) {
      start = max2(start, b.pre_ok);
      ++open;
    }
  }
  if (open) {
    if (m_observer)
      for (uint32_t i = 0; i < m_banks.size(); ++i)
        if (m_banks[i].open_row != k_closed)
          m_observer(i, -1, static_cast<uint64_t>(start));
    start += m_rp;
    m_stats.precharges += open;
  } else if (m_all_closed) {
    m_precharged_ps += static_cast<uint64_t>(max2(0, start - m_all_closed_since));
  }
  ps_t end = start + m_rfc;
  ++m_stats.refreshes;
  m_next_ref += m_refi;

  // An idle channel refreshes exactly on schedule: account for every refresh due
  // before the request arrives at once instead of one loop turn each.
  if (m_next_ref <= arrive && m_next_ref >= end) {
    const ps_t n = (arrive - m_next_ref) / m_refi + 1;
    const ps_t last_due = m_next_ref + (n - 1) * m_refi;
    m_precharged_ps +=
        static_cast<uint64_t>((m_next_ref - end) + (n - 1) * (m_refi - m_rfc));
    end = last_due + m_rfc;
    m_stats.refreshes += static_cast<uint64_t>(n);
    m_next_ref = last_due + m_refi;
  }

  for (bank_state& b : m_banks) {
    b.open_row = k_closed;
    b.act_ok = max2(b.act_ok, end);
  }
  m_all_closed = true;
  m_all_closed_since = end;
  m_last_ref_end = end;
}

void dram_channel::advance_to(uint64_t now_ps) {
  const ps_t now = static_cast<ps_t>(now_ps);
  while (m_next_ref <= now) {
    refresh(now);
  }
  m_window_end = max2(m_window_end, now);
}

dram_stats dram_channel::stats() const {
  dram_stats s = m_stats;
  const ps_t end =
      max2(max2(m_window_end, static_cast<ps_t>(s.last_done_ps)), m_last_ref_end);
  uint64_t precharged = m_precharged_ps;
  if (m_all_closed && end > m_all_closed_since) {
    precharged += static_cast<uint64_t>(end - m_all_closed_since);
  }
  const uint64_t window = static_cast<uint64_t>(end - m_window_start);
  precharged = std::min(precharged, window);
  s.end_ps = static_cast<uint64_t>(end);
  s.precharge_standby_ps = precharged;
  s.active_standby_ps = window - precharged;

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
  e.refresh_pj = double(s.refreshes) * (p.idd5b - p.idd3n) * (p.rfc * tck) * scale;
  e.background_pj =
      (p.idd3n * double(s.active_standby_ps) + p.idd2n * double(s.precharge_standby_ps)) *
      scale * p.ranks;
  return s;
}

void dram_channel::reset_stats() {
  const ps_t end =
      max2(max2(m_window_end, static_cast<ps_t>(m_stats.last_done_ps)), m_last_ref_end);
  m_stats = {};
  m_stats.peak_gbps = m_spec.peak_bandwidth_gbps();
  m_any_request = false;
  m_precharged_ps = 0;
  m_window_start = end;
  m_window_end = end;
  if (m_all_closed) {
    m_all_closed_since = max2(m_all_closed_since, end);
  }
}

} // namespace dwvp::dram
