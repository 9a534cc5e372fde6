// The controller's scheduler: read/write mode, the FR-FCFS choice among the banks'
// candidates, and the commands (PRE, ACT, RD, WR) with their effect on the device state.
#include "dram_channel.h"

#include <algorithm>

namespace dwvp::dram {

bool dram_channel::step(ps_t limit) {
  // Arrivals at or before the next command slot enter first (they cannot be
  // overtaken by a command).
  ps_t adm_t;
  uint32_t who;
  for (;;) {
    adm_t = k_unknown;
    who = 0;
    for (uint32_t i = 0; i < m_sources.size(); ++i) {
      const ps_t t = admit_time(m_sources[i]);
      if (t < adm_t) {
        adm_t = t;
        who = i;
      }
    }
    if (adm_t == k_unknown || adm_t > m_now || adm_t >= limit)
      break;
    admit(who, adm_t);
  }

  // Mode: reads, or writes between the watermarks (or when no read is queued).
  const size_t reads = m_count[0], writes = m_count[1];
  if (!m_write_mode && (writes >= m_params.write_high || (reads == 0 && writes > 0)))
    m_write_mode = true;
  else if (m_write_mode && (writes == 0 || (writes <= m_params.write_low && reads > 0)))
    m_write_mode = false;
  const int w = m_write_mode ? 1 : 0;

  // Earliest command of the current mode: a column command (row hit) first, then the
  // row command (PRE / ACT) of the oldest request whose bank needs one; at equal times
  // the older request.
  ps_t cmd_t = k_unknown;
  uint64_t best_order = 0;
  uint32_t best_e = 0;
  if (m_count[w]) {
    const size_t groups = m_groups.size();
    for (uint32_t g = 0; g < m_groups.size(); ++g) {
      const group_state& gs = m_groups[g];
      const uint32_t ri = g / m_groups_per_rank;
      const rank_state& rs = m_ranks[ri];
      const ps_t bus = m_bus_free + (ri != m_bus_rank ? m_rtrs : 0);
      ps_t c = max2(max2(rs.last_col + m_ccd_s, gs.last_col + m_ccd_l), rs.cmd_ok);
      if (w)
        c = max2(max2(c, m_last_rd + m_rtw), bus - m_cwl);
      else
        c = max2(max2(max2(c, rs.wr_end + m_wtr_s), gs.wr_end + m_wtr_l), bus - m_cl);
      m_global[g] = c;
      m_global[groups + g] = max2(max2(max2(rs.last_act + m_rrd_s, gs.last_act + m_rrd_l),
                                       rs.faw[rs.faw_next] + m_faw),
                                  rs.cmd_ok);
      m_global[2 * groups + g] = rs.cmd_ok;
    }
    for (const uint32_t bank : m_active[w]) {
      candidate& c = m_cand[w][bank];
      if (c.dirty)
        update_candidate(w, bank, c);
      const ps_t t = max2(max2(c.local, m_global[c.global]), m_now);
      if (t < cmd_t || (t == cmd_t && c.order < best_order)) {
        cmd_t = t;
        best_order = c.order;
        best_e = c.entry;
      }
    }
  }
  const bool column = (best_order >> 62) == 0;

  // An arrival before that command may bring a better one (the earliest arrival is
  // still the one found above: choosing a command changed nothing).
  if (adm_t != k_unknown && adm_t <= cmd_t) {
    if (adm_t >= limit)
      return false;
    admit(who, adm_t);
    return true;
  }
  if (cmd_t == k_unknown || cmd_t >= limit)
    return false;

  const uint32_t i = best_e;
  const uint32_t rank_index = m_pool[i].rank;
  if (cmd_t >= m_ranks[rank_index].next_ref) {
    refresh(rank_index);
    return true;
  }
  if (column)
    issue_column(i, cmd_t);
  else
    issue_row(i, cmd_t);
  return true;
}

void dram_channel::update_candidate(int w, uint32_t bank, candidate& c) {
  c.dirty = false;
  const std::vector<uint32_t>& bq = m_bank_queue[w][bank];
  const bank_state& b = m_banks[bank];
  if (bq.empty())
    return;
  uint32_t k = bq.front();
  if (b.open_row != k_closed && b.hits[w]) {
    for (const uint32_t x : bq) // age order: the first hit is the oldest
      if (m_pool[x].row == b.open_row) {
        k = x;
        break;
      }
  }
  const entry& e = m_pool[k];
  const uint32_t groups = static_cast<uint32_t>(m_groups.size());
  c.entry = k;
  if (b.open_row == e.row) {
    c.local = max2(e.admit, b.col_ok);
    c.global = e.group;
    c.order = e.seq;
  } else if (b.open_row == k_closed) {
    c.local = max2(e.admit, b.act_ok);
    c.global = groups + e.group;
    c.order = uint64_t{1} << 62 | e.seq;
  } else {
    // PRE: no queued request of this mode hits the open row.
    c.local = max2(e.admit, b.pre_ok);
    c.global = 2 * groups + e.group;
    c.order = uint64_t{1} << 62 | e.seq;
  }
}

void dram_channel::remove_entry(int w, uint32_t index) {
  const uint32_t bank = m_pool[index].bank;
  std::vector<uint32_t>& bq = m_bank_queue[w][bank];
  bq.erase(std::find(bq.begin(), bq.end(), index));
  if (bq.empty()) {
    // Swap the bank out of the active list.
    std::vector<uint32_t>& act = m_active[w];
    const int32_t pos = m_active_pos[w][bank];
    act[pos] = act.back();
    m_active_pos[w][act[pos]] = pos;
    act.pop_back();
    m_active_pos[w][bank] = -1;
  }
  m_cand[w][bank].dirty = true;
  --m_count[w];
  m_free.push_back(index);
}

void dram_channel::clear_hits(bank_state& b) {
  b.hits[0] = b.hits[1] = 0;
}

void dram_channel::issue_row(uint32_t i, ps_t t) {
  entry& e = m_pool[i];
  touch(e.bank);
  bank_state& b = m_banks[e.bank];
  rank_state& r = m_ranks[e.rank];
  if (b.open_row != k_closed) {
    ++m_stats.precharges;
    b.open_row = k_closed;
    b.act_ok = max2(b.act_ok, t + m_rp);
    clear_hits(b);
    set_open(r, -1, t);
    e.conflict_seen = true;
    if (m_observer)
      m_observer(e.bank, -1, static_cast<uint64_t>(t));
  } else {
    ++m_stats.activates;
    group_state& g = m_groups[e.group];
    r.faw[r.faw_next] = t;
    r.faw_next = (r.faw_next + 1) & 3u;
    r.last_act = t;
    g.last_act = t;
    b.open_row = e.row;
    b.act_ok = t + m_rc;
    b.pre_ok = t + m_ras;
    b.col_ok = t + m_rcd;
    uint16_t hits[2] = {0, 0};
    for (int k = 0; k < 2; ++k)
      for (const uint32_t x : m_bank_queue[k][e.bank])
        if (m_pool[x].row == e.row)
          ++hits[k];
    clear_hits(b);
    b.hits[0] = hits[0];
    b.hits[1] = hits[1];
    set_open(r, +1, t);
    e.act_seen = true;
    if (m_observer)
      m_observer(e.bank, e.row, static_cast<uint64_t>(t));
  }
  r.last_activity = max2(r.last_activity, t);
  m_now = t + m_tck;
  m_last_cmd = t;
}

void dram_channel::issue_column(uint32_t i, ps_t t) {
  const int w = m_write_mode ? 1 : 0;
  const entry e = m_pool[i];
  remove_entry(w, i);
  touch(e.bank);
  bank_state& b = m_banks[e.bank];
  group_state& g = m_groups[e.group];
  rank_state& r = m_ranks[e.rank];
  if (e.conflict_seen)
    ++m_stats.row_conflicts;
  else if (e.act_seen)
    ++m_stats.row_misses;
  else
    ++m_stats.row_hits;
  if (b.hits[w])
    --b.hits[w];
  r.last_col = t;
  g.last_col = t;
  ps_t data_end;
  if (w) {
    data_end = t + m_cwl + m_burst;
    ++m_stats.write_bursts;
    r.wr_end = data_end;
    g.wr_end = data_end;
    b.pre_ok = max2(b.pre_ok, data_end + m_wr);
  } else {
    data_end = t + m_cl + m_burst;
    ++m_stats.read_bursts;
    m_last_rd = t;
    b.pre_ok = max2(b.pre_ok, t + m_rtp);
    request_state& rq = req(e.ticket);
    rq.data_end = max2(rq.data_end, data_end);
    if (--rq.bursts_open == 0 && rq.bursts_left == 0) {
      finish_request(e.ticket, rq.data_end);
      if (!rq.keep)
        retire_front();
    }
  }
  ++m_stats.bursts;
  m_bus_free = data_end;
  m_bus_rank = e.rank;
  m_stats.last_done_ps = std::max<uint64_t>(m_stats.last_done_ps, uint64_t(data_end));
  --r.queued;
  r.last_activity = max2(r.last_activity, data_end);
  m_now = t + m_tck;
  m_last_cmd = t;
}

} // namespace dwvp::dram
