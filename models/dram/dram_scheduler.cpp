// The controller's scheduler: read/write mode, the FR-FCFS choice among the banks'
// candidates, and the commands (PRE, ACT, RD, WR) with their effect on the device state.
#include "dram_channel.h"

#include <algorithm>

#include "dram_search_simd.h"

namespace dwvp::dram {

bool dram_channel::step(ps_t limit) {
  // Arrivals at or before the next command slot enter first (they cannot be
  // overtaken by a command).
  ps_t adm_t;
  uint32_t who;
  for (;;) {
    adm_t = k_unknown;
    who = 0;
    source_state* const sources = m_sources.data(); // (not resized here)
    const uint32_t n = static_cast<uint32_t>(m_sources.size());
    for (uint32_t i = 0; i < n; ++i) {
      const ps_t t = admit_time(sources[i]);
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
  const bool was_write = m_write_mode;
  if (!m_write_mode && (writes >= m_params.write_high || (reads == 0 && writes > 0)))
    m_write_mode = true;
  else if (m_write_mode && (writes == 0 || (writes <= m_params.write_low && reads > 0)))
    m_write_mode = false;
  if (m_write_mode != was_write)
    invalidate_all(); // the other queue's candidates, and the column bounds differ
  const int w = m_write_mode ? 1 : 0;

  // Earliest command of the current mode: a column command (row hit) first, then the
  // row command (PRE / ACT) of the oldest request whose bank needs one; at equal times
  // the older request.
  ps_t cmd_t = k_unknown;
  uint64_t best_order = 0;
  uint32_t best_e = 0;
  const bool held = m_held.valid && m_held.w == w && held_valid(w);
  bool holdable = held; // found by a cached search (not single-burst, not reference)
  m_held.valid = false;
  if (held) {
    cmd_t = m_held.t;
    best_order = m_held.order;
    best_e = m_held.entry;
  } else if (m_count[w]) {
    if (m_reference)
      choose_reference(w, cmd_t, best_order, best_e);
    else if (m_count[w] == 1)
      choose_single(w, cmd_t, best_order, best_e);
    else {
      holdable = true;
      if (m_simd || m_busy[w] <= k_lanes_threshold)
        choose_plain(w, cmd_t, best_order, best_e);
      else
        choose(w, cmd_t, best_order, best_e);
    }
  }
  const bool column = (best_order >> 62) == 0;

  // An arrival before that command may bring a better one (the earliest arrival is
  // still the one found above: choosing a command changed nothing).
  if (adm_t != k_unknown && adm_t <= cmd_t) {
    if (adm_t >= limit)
      return false;
    admit(who, adm_t);
    // The decision stands for the next step unless an admission changes a candidate of
    // this queue (its bank marked), a bound (a kind stale) or the mode (held_valid).
    m_held = {holdable, w, cmd_t, best_order, best_e};
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

bool dram_channel::held_valid(int w) const {
  // The cached searches leave no bank of the current queue marked and no kind stale.
  if (m_global_stale[0] || m_global_stale[1] || m_global_stale[2])
    return false;
  for (uint64_t word : m_dirty[w])
    if (word)
      return false;
  return true;
}

namespace {

// (time, order) as one unsigned key: the lexicographic minimum without branches.
using key_t = unsigned __int128;
inline key_t make_key(int64_t t, uint64_t order) {
  return key_t(static_cast<uint64_t>(t)) << 64 | order;
}

// Calls f(bank) for every bank marked in `marks` (in bank order) and clears the marks.
template <class F> inline void take_marked(std::vector<uint64_t>& marks, F&& f) {
  for (size_t word = 0; word < marks.size(); ++word) {
    uint64_t bits = marks[word];
    marks[word] = 0;
    for (; bits; bits &= bits - 1)
      f(static_cast<uint32_t>(word * 64) + __builtin_ctzll(bits));
  }
}

} // namespace

void dram_channel::make_candidate(int w, uint32_t bank, candidate& c) const {
  // Field by field into place (a copy of a whole candidate built elsewhere costs a
  // store-forwarding stall when it is read right after), and without branches on the
  // kind (column, ACT, PRE), which follows no pattern.
  const bank_state& b = m_banks[bank];
  uint32_t k = m_bank_queue[w][bank].head;
  if (b.open_row != k_closed && b.hits[w] && m_pool[k].row != b.open_row) {
    // Age order: the first hit is the oldest (usually the head itself).
    for (uint32_t x = m_pool[k].next; x != k_none; x = m_pool[x].next)
      if (m_pool[x].row == b.open_row) {
        k = x;
        break;
      }
  }
  const entry& e = m_pool[k];
  c.entry = k;
  // A hit: column command. Else ACT if the bank is closed, PRE if another row is open
  // (no queued request of this mode hits it).
  const uint32_t miss = e.row != b.open_row;
  const uint32_t kind =
      miss ? (b.open_row == k_closed ? k_activate : k_precharge) : k_column;
  static_assert(k_act == k_activate + 1 && k_pre == k_precharge + 1, "slot = kind + 1");
  const uint32_t slot = miss ? kind + 1 : uint32_t(w); // column: read / write slot
  c.kind = static_cast<uint16_t>(kind);
  c.local = max2(e.admit, b.ok[kind]);
  c.order = uint64_t{miss} << 62 | e.seq;
  c.rank_bound = kind * m_rank_count + e.rank;
  c.group_bound = slot * m_group_count + e.group;
}

void dram_channel::compute_global(int w, uint32_t kind) {
  // The per-rank part of a kind's bound; the per-group parts are kept up to date by
  // the commands (update_group_bounds).
  m_global_stale[kind] = false;
  const size_t ranks = m_rank_count;
  const rank_state* rs = m_ranks.data();
  ps_t* out = &m_rank_bound[kind * ranks];
  if (kind == k_column) {
    const ps_t bus = m_bus_free;
    for (size_t ri = 0; ri < ranks; ++ri) {
      const ps_t rank_bus = bus + (ri != m_bus_rank ? m_rtrs : 0);
      const ps_t r = max2(rs[ri].last_col + m_ccd_s, rs[ri].cmd_ok);
      out[ri] = w ? max2(max2(r, m_last_rd + m_rtw), rank_bus - m_cwl)
                  : max2(max2(r, rs[ri].wr_end + m_wtr_s), rank_bus - m_cl);
    }
  } else if (kind == k_activate) {
    for (size_t ri = 0; ri < ranks; ++ri)
      out[ri] = max2(max2(rs[ri].last_act + m_rrd_s, rs[ri].faw[rs[ri].faw_next] + m_faw),
                     rs[ri].cmd_ok);
  } else {
    for (size_t ri = 0; ri < ranks; ++ri)
      out[ri] = rs[ri].cmd_ok;
  }
}

void dram_channel::update_group_bounds(uint32_t group) {
  update_group_col_bounds(group);
  const size_t n = m_group_count;
  m_group_bound[k_act * n + group] = m_groups[group].last_act + m_rrd_l;
  m_group_bound[k_pre * n + group] = k_never;
}

void dram_channel::update_group_col_bounds(uint32_t group) {
  // What a column command moves (tCCD_L, tWTR_L).
  const group_state& g = m_groups[group];
  const size_t n = m_group_count;
  m_group_bound[k_col_read * n + group] = max2(g.last_col + m_ccd_l, g.wr_end + m_wtr_l);
  m_group_bound[k_col_write * n + group] = g.last_col + m_ccd_l;
}

void dram_channel::update_dirty(int w) {
  // Recompute the candidates of the banks that changed and fold them into the cached
  // minima: a new candidate that beats its kind's minimum replaces it; the minimum's own
  // bank keeps it only if it got no later, else the kind is scanned again.
  candidate* cand = m_cand[w].data();
  bank_mask* kinds = m_kind_banks[w];
  take_marked(m_dirty[w], [&](uint32_t bank) {
    candidate& c = cand[bank];
    const uint32_t old_kind = c.kind;
    bool was_best = false;
    if (c.listed) {
      const best_command& ob = m_best[old_kind];
      was_best = ob.valid && ob.t != k_unknown && ob.bank == bank;
      clear_bit(kinds[old_kind], bank);
      c.listed = false;
    }
    if (m_bank_queue[w][bank].head == k_none) {
      if (was_best)
        m_best[old_kind].valid = false;
      return;
    }
    make_candidate(w, bank, c);
    c.listed = true;
    set_bit(kinds[c.kind], bank);
    const bool same = was_best && old_kind == c.kind;
    if (was_best && !same)
      m_best[old_kind].valid = false;
    best_command& nb = m_best[c.kind];
    if (!nb.valid)
      return;
    const ps_t t = command_time(c);
    const key_t key = make_key(t, c.order);
    const key_t best = make_key(nb.t, nb.order);
    if (key < best || (same && key == best)) {
      nb.t = t;
      nb.order = c.order;
      nb.bank = bank;
    } else if (same) {
      nb.valid = false; // the minimum got later: another bank may be first now
    }
  });
}

void dram_channel::choose(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry) {
  // The generic level with more than k_lanes_threshold banks with work (step()).
  // A cached minimum before m_now may tie with others at m_now, where the order decides.
  const ps_t now = m_now;
  for (best_command& b : m_best)
    b.valid = b.valid & (b.t >= now);
  update_dirty(w);
  const candidate* cand = m_cand[w].data();
  for (uint32_t k = 0; k < k_kinds; ++k)
    if (!m_best[k].valid)
      scan_kind(w, k);
  // The earliest of the three (branch-free: which kind wins is unpredictable).
  key_t best = make_key(m_best[0].t, m_best[0].order);
  uint64_t best_bank = m_best[0].bank;
  for (uint32_t k = 1; k < k_kinds; ++k) {
    const key_t kb = make_key(m_best[k].t, m_best[k].order);
    const uint64_t less = 0 - uint64_t(kb < best);
    best = kb < best ? kb : best;
    best_bank = (best_bank & ~less) | (m_best[k].bank & less);
  }
  cmd_t = static_cast<ps_t>(best >> 64);
  if (cmd_t != k_unknown) {
    order = static_cast<uint64_t>(best);
    entry = cand[best_bank].entry;
  }
}

void dram_channel::update_dirty_plain(int w) {
  // Recompute the candidates of the banks that changed: into the lanes of the vector
  // search (AVX-512 level), or into the per-kind bank lists (generic level; no minima
  // are kept while few banks have work).
  candidate* cand = m_cand[w].data();
  candidate_lanes& lanes = m_lanes[w];
  bank_mask* kinds = m_kind_banks[w];
  const bool simd = m_simd;
  take_marked(m_dirty[w], [&](uint32_t bank) {
    candidate& c = cand[bank];
    if (!simd && c.listed) {
      clear_bit(kinds[c.kind], bank);
      c.listed = false;
    }
    if (m_bank_queue[w][bank].head == k_none) {
      if (simd) {
        lanes.local[bank] = k_unknown;
        lanes.order[bank] = ~uint64_t{0};
      }
      return;
    }
    make_candidate(w, bank, c);
    if (simd) {
      lanes.local[bank] = c.local;
      lanes.order[bank] = c.order;
      lanes.rank_bound[bank] = c.rank_bound;
      lanes.group_bound[bank] = c.group_bound;
    } else {
      c.listed = true;
      set_bit(kinds[c.kind], bank);
    }
  });
}

void dram_channel::choose_plain(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry) {
  // No per-kind minima: the AVX-512 level always, the generic level while few banks
  // have work (its minima are dropped and rebuilt by the next decision over more).
  if (!m_simd)
    for (best_command& b : m_best)
      b.valid = false;
  update_dirty_plain(w);
  for (uint32_t k = 0; k < k_kinds; ++k)
    if (m_global_stale[k])
      compute_global(w, k);
#ifdef DWVP_DRAM_X86_SIMD
  // Many banks with work: every bank's candidate at once. Few: a scalar pass over them
  // costs less than the vector pass.
  if (m_simd && m_busy[w] > k_lanes_threshold) {
    const candidate_lanes& lanes = m_lanes[w];
    const uint64_t seq_base =
        m_seq > (uint64_t{1} << 21) ? m_seq - (uint64_t{1} << 21) : 0;
    simd::earliest best{};
    if (simd::earliest_avx512(
            lanes.local.data(), lanes.order.data(), lanes.rank_bound.data(),
            lanes.group_bound.data(), m_rank_bound.data(),
            static_cast<uint32_t>(m_rank_bound.size()), m_group_bound.data(),
            static_cast<uint32_t>(m_group_bound.size()), m_now, seq_base,
            static_cast<uint32_t>(lanes.local.size()), &best)) {
      cmd_t = best.t;
      order = best.order;
      entry = m_cand[w][best.bank].entry;
      return;
    }
  }
#endif
  // The exact scalar pass over the banks with work (also when a key did not fit in 64
  // bits).
  const candidate* cand = m_cand[w].data();
  key_t kb = make_key(k_unknown, 0);
  uint32_t kbank = 0;
  const bank_mask& work = m_work[w];
  for (size_t word = 0; word < work.size(); ++word)
    for (uint64_t bits = work[word]; bits; bits &= bits - 1) {
      const uint32_t bank = static_cast<uint32_t>(word * 64) + __builtin_ctzll(bits);
      const key_t key = make_key(command_time(cand[bank]), cand[bank].order);
      const bool less = key < kb;
      kb = less ? key : kb;
      kbank = less ? bank : kbank;
    }
  cmd_t = static_cast<ps_t>(kb >> 64);
  order = static_cast<uint64_t>(kb);
  entry = cand[kbank].entry;
}

void dram_channel::choose_single(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry) {
  // One burst queued (e.g. one request in flight): its bank's candidate is the choice.
  // The caches are left alone: every bank that changed stays dirty until the next
  // choose() folds it in; the cached minima are dropped.
  const size_t words = m_work[w].size();
  uint32_t bank = 0;
  for (size_t word = 0; word < words; ++word)
    if (m_work[w][word]) {
      bank = static_cast<uint32_t>(word * 64) + __builtin_ctzll(m_work[w][word]);
      break;
    }
  for (best_command& b : m_best)
    b.valid = false;
  candidate c;
  make_candidate(w, bank, c);
  if (m_global_stale[c.kind])
    compute_global(w, c.kind);
  cmd_t = command_time(c);
  order = c.order;
  entry = c.entry;
}

void dram_channel::scan_kind(int w, uint32_t k) {
  // The earliest candidate of kind k over the banks offering one.
  if (m_global_stale[k])
    compute_global(w, k);
  const ps_t* rank_bound = m_rank_bound.data();
  const ps_t* group_bound = m_group_bound.data();
  const candidate* cand = m_cand[w].data();
  const ps_t now = m_now;
  key_t kb = make_key(k_unknown, 0);
  uint32_t kbank = 0;
  const bank_mask& mask = m_kind_banks[w][k];
  for (size_t word = 0; word < mask.size(); ++word)
    for (uint64_t bits = mask[word]; bits; bits &= bits - 1) {
      const uint32_t bank = static_cast<uint32_t>(word * 64) + __builtin_ctzll(bits);
      const candidate& c = cand[bank];
      const ps_t t = max2(max2(c.local, rank_bound[c.rank_bound]),
                          max2(group_bound[c.group_bound], now));
      const key_t key = make_key(t, c.order);
      const bool less = key < kb;
      kb = less ? key : kb;
      kbank = less ? bank : kbank;
    }
  best_command& b = m_best[k];
  b.valid = true;
  b.t = static_cast<ps_t>(kb >> 64);
  b.order = static_cast<uint64_t>(kb);
  b.bank = kbank;
}

void dram_channel::choose_reference(int w, ps_t& cmd_t, uint64_t& order,
                                    uint32_t& entry) {
  for (uint32_t k = 0; k < k_kinds; ++k)
    compute_global(w, k);
  for (uint32_t bank = 0; bank < m_banks.size(); ++bank) {
    if (m_bank_queue[w][bank].head == k_none)
      continue;
    candidate c;
    make_candidate(w, bank, c);
    const ps_t t = command_time(c);
    if (t < cmd_t || (t == cmd_t && c.order < order)) {
      cmd_t = t;
      order = c.order;
      entry = c.entry;
    }
  }
}

inline void dram_channel::remove_entry(int w, uint32_t index) {
  const entry& e = m_pool[index];
  const uint32_t bank = e.bank;
  bank_list& bq = m_bank_queue[w][bank];
  (e.prev == k_none ? bq.head : m_pool[e.prev].next) = e.next;
  (e.next == k_none ? bq.tail : m_pool[e.next].prev) = e.prev;
  if (bq.head == k_none) {
    clear_bit(m_work[w], bank);
    --m_busy[w];
  }
  set_bit(m_dirty[w], bank);
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
    b.ok[k_activate] = max2(b.ok[k_activate], t + m_rp);
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
    m_group_bound[k_act * m_group_count + e.group] = t + m_rrd_l;
    b.open_row = e.row;
    b.ok[k_activate] = t + m_rc;
    b.ok[k_precharge] = t + m_ras;
    b.ok[k_column] = t + m_rcd;
    uint16_t hits[2] = {0, 0};
    for (int k = 0; k < 2; ++k)
      for (uint32_t x = m_bank_queue[k][e.bank].head; x != k_none; x = m_pool[x].next)
        if (m_pool[x].row == e.row)
          ++hits[k];
    clear_hits(b);
    b.hits[0] = hits[0];
    b.hits[1] = hits[1];
    set_open(r, +1, t);
    e.act_seen = true;
    invalidate(k_activate); // tRRD, tFAW
    if (m_observer)
      m_observer(e.bank, e.row, static_cast<uint64_t>(t));
  }
  r.last_activity = max2(r.last_activity, t);
  m_now = t + m_tck;
  m_last_cmd = t;
}

void dram_channel::issue_column(uint32_t i, ps_t t) {
  const int w = m_write_mode ? 1 : 0;
  remove_entry(w, i);         // marks the bank changed for this queue
  const entry& e = m_pool[i]; // its slot is reused by the next admission, not before
  set_bit(m_dirty[1 - w], e.bank);
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
  invalidate(k_column); // tCCD, the data bus, turnarounds
  if (m_column_observer)
    m_column_observer(e.bank, w != 0, static_cast<uint64_t>(t));
  r.last_col = t;
  g.last_col = t;
  ps_t data_end;
  if (w) {
    data_end = t + m_cwl + m_burst;
    ++m_stats.write_bursts;
    r.wr_end = data_end;
    g.wr_end = data_end;
    b.ok[k_precharge] = max2(b.ok[k_precharge], data_end + m_wr);
  } else {
    data_end = t + m_cl + m_burst;
    ++m_stats.read_bursts;
    m_last_rd = t;
    b.ok[k_precharge] = max2(b.ok[k_precharge], t + m_rtp);
    request_state& rq = req(e.ticket);
    rq.data_end = max2(rq.data_end, data_end);
    if (--rq.bursts_open == 0 && rq.bursts_left == 0) {
      finish_request(e.ticket, rq.data_end);
      if (!rq.keep)
        retire_front();
    }
  }
  update_group_col_bounds(e.group);
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
