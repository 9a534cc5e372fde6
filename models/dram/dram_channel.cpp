#include "dram_channel.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace dwvp::dram {
namespace {

using ps_t = int64_t;

inline ps_t max2(ps_t a, ps_t b) {
  return a > b ? a : b;
}

constexpr uint32_t k_histogram_clocks = 4096;

} // namespace

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
  m_banks_per_rank = m_spec.banks_per_rank();
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
  m_rtrs = t * m_spec.rtrs;
  m_xp = t * m_spec.xp;
  m_cke = t * m_spec.cke;
  m_refi_pb = t * m_spec.refi_pb;
  m_rfc_pb = t * m_spec.rfc_pb;
  m_latency = t * m_params.latency;
  m_idle = t * m_params.powerdown_idle;
  m_burst_mask = m_spec.burst_bytes() - 1;
  m_banks.resize(size_t{m_spec.ranks} * m_banks_per_rank);
  m_groups.resize(size_t{m_spec.ranks} * m_groups_per_rank);
  m_ranks.resize(m_spec.ranks);
  m_global.resize(3 * m_groups.size());
  for (int w = 0; w < 2; ++w) {
    m_bank_queue[w].resize(m_banks.size());
    m_active_pos[w].assign(m_banks.size(), -1);
    m_cand[w].resize(m_banks.size());
  }
  m_pool.reserve(size_t{m_params.read_queue} + m_params.write_queue);
  m_sources.emplace_back(); // source 0: no window
  init();
}

void dram_channel::init() {
  const bool per_bank = m_params.refresh == refresh_mode::per_bank;
  const ps_t interval = per_bank ? m_refi_pb : m_refi;
  for (uint32_t i = 0; i < m_ranks.size(); ++i) {
    // Ranks refresh staggered over the interval.
    m_ranks[i].next_ref = interval + ps_t(i) * (interval / ps_t(m_ranks.size()));
  }
  m_stats = {};
  m_stats.peak_gbps = m_spec.peak_bandwidth_gbps();
  m_stats.tck_ps = m_spec.tck_ps;
  m_stats.latency_histogram.assign(k_histogram_clocks, 0);
}

uint32_t dram_channel::add_source(uint32_t window) {
  m_sources.emplace_back();
  m_sources.back().window = std::max(window, 1u);
  return static_cast<uint32_t>(m_sources.size() - 1);
}

int64_t dram_channel::open_row(uint32_t bank_index) const {
  if (bank_index >= m_banks.size() || m_banks[bank_index].open_row == k_closed) {
    return -1;
  }
  return m_banks[bank_index].open_row;
}

uint64_t dram_channel::submit(uint32_t source, uint64_t issue_ps, uint64_t address,
                              bool is_write, uint32_t size_bytes, bool keep) {
  if (size_bytes == 0) {
    throw std::invalid_argument("dram_channel::submit: size_bytes must be > 0");
  }
  if (source >= m_sources.size()) {
    throw std::invalid_argument("dram_channel::submit: unknown source " +
                                std::to_string(source));
  }
  const uint64_t first = address & ~m_burst_mask;
  const uint64_t last = (address + size_bytes - 1) & ~m_burst_mask;
  request_state r{};
  r.source = source;
  r.is_write = is_write;
  r.keep = keep;
  r.size = size_bytes;
  r.address = first;
  r.issue = static_cast<ps_t>(issue_ps);
  r.bursts = static_cast<uint32_t>((last - first) / (m_burst_mask + 1) + 1);
  r.bursts_left = r.bursts;
  r.bursts_open = 0;
  const uint64_t ticket = m_ticket_base + m_requests.size();
  m_requests.push_back(r);
  m_sources[source].waiting.push_back(ticket);
  m_sources[source].base_ok = false;
  ++m_open_requests;
  if (!m_any_request || issue_ps < m_stats.first_issue_ps) {
    m_stats.first_issue_ps = issue_ps;
  }
  m_any_request = true;
  return ticket;
}

dram_channel::completion_times dram_channel::completion(uint64_t ticket) {
  if (ticket < m_ticket_base || ticket >= m_ticket_base + m_requests.size() ||
      !req(ticket).keep) {
    throw std::invalid_argument("dram_channel::completion: ticket " +
                                std::to_string(ticket) +
                                " is unknown, not kept or already asked");
  }
  while (req(ticket).done == k_unknown) {
    if (!step()) {
      throw std::logic_error("dram_channel: scheduler stalled with requests queued");
    }
  }
  request_state& r = req(ticket);
  const completion_times times{static_cast<uint64_t>(r.sent),
                               static_cast<uint64_t>(r.accepted),
                               static_cast<uint64_t>(r.done)};
  r.keep = false;
  retire_front();
  return times;
}

uint64_t dram_channel::access(uint64_t issue_ps, uint64_t address, bool is_write,
                              uint32_t size_bytes) {
  return completion(submit(0, issue_ps, address, is_write, size_bytes)).done_ps;
}

void dram_channel::drain() {
  while (step()) {
  }
}

void dram_channel::serve_until(uint64_t open_requests) {
  while (m_open_requests > open_requests) {
    if (!step())
      throw std::logic_error("dram_channel: scheduler stalled with requests queued");
  }
}

void dram_channel::retire_front() {
  while (!m_requests.empty() && m_requests.front().done != k_unknown &&
         !m_requests.front().keep && m_requests.front().bursts_open == 0 &&
         m_requests.front().bursts_left == 0) {
    m_requests.pop_front();
    ++m_ticket_base;
  }
}

void dram_channel::finish_request(uint64_t ticket, ps_t done) {
  request_state& r = req(ticket);
  r.done = done;
  --m_open_requests;
  dram_stats& s = m_stats;
  ++s.requests;
  if (r.is_write) {
    ++s.writes;
    s.bytes_written += r.size;
  } else {
    ++s.reads;
    s.bytes_read += r.size;
  }
  const uint64_t latency = static_cast<uint64_t>(max2(0, done - r.sent));
  s.total_latency_ps += latency;
  if (!r.is_write)
    s.read_latency_ps += latency;
  s.max_latency_ps = std::max(s.max_latency_ps, latency);
  const uint64_t clocks = latency / uint64_t(m_tck);
  ++s.latency_histogram[std::min<uint64_t>(clocks, k_histogram_clocks - 1)];
  source_state& src = m_sources[r.source];
  src.base_ok = false;
  if (src.window) {
    // Its completion is known now: keep the known ones sorted (usually at the end).
    --src.unknown;
    src.known.insert(std::upper_bound(src.known.begin(), src.known.end(), done), done);
  }
}

dram_channel::ps_t dram_channel::slot_time(const source_state& s, ps_t t) const {
  // A new request needs one of the source's `window` slots: the earliest time at or
  // after t when fewer than `window` of its requests are incomplete.
  if (!s.window)
    return t;
  const auto later = std::upper_bound(s.known.begin(), s.known.end(), t);
  const uint64_t pending = static_cast<uint64_t>(s.known.end() - later);
  const uint64_t busy = pending + s.unknown;
  if (busy < s.window)
    return t;
  const uint64_t need = busy - s.window + 1; // completions to wait for
  if (need > pending)
    return k_unknown;
  return max2(t, *(later + static_cast<std::ptrdiff_t>(need - 1)));
}

dram_channel::ps_t dram_channel::admit_time(source_state& s) {
  if (s.waiting.empty())
    return k_unknown;
  const request_state& r = m_requests[s.waiting.front() - m_ticket_base];
  const int w = r.is_write ? 1 : 0;
  const uint32_t capacity = w ? m_params.write_queue : m_params.read_queue;
  if (m_count[w] >= capacity)
    return k_unknown; // a column command frees a slot
  if (!s.base_ok) {
    // slot_time(s, max(a, b)) = max(slot_time(s, a), b): the window part is cached and
    // the last command's time applied after.
    const ps_t t = max2(edge(r.issue), s.last_admit);
    s.base = r.bursts_left == r.bursts ? slot_time(s, t) : t;
    s.base_ok = true;
  }
  return s.base == k_unknown ? k_unknown : max2(s.base, m_last_cmd);
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
  r.last_activity = exit + m_xp;
}

void dram_channel::admit(uint32_t source, ps_t t) {
  source_state& s = m_sources[source];
  s.base_ok = false;
  const uint64_t ticket = s.waiting.front();
  request_state& r = req(ticket);
  const int w = r.is_write ? 1 : 0;
  const uint32_t capacity = w ? m_params.write_queue : m_params.read_queue;
  if (r.bursts_left == r.bursts)
    // A source hands its requests over in order: the next leaves once the previous
    // was accepted (back-pressure from full queues) and a window slot is free.
    r.sent = slot_time(s, max2(r.issue, s.last_admit));
  if (s.window && r.bursts_left == r.bursts) {
    // Slots whose request completed by now are free again (admission times of a source
    // only grow, so they are not needed later).
    s.known.erase(s.known.begin(), std::upper_bound(s.known.begin(), s.known.end(), t));
    ++s.unknown;
  }
  while (r.bursts_left > 0 && m_count[w] < capacity) {
    const uint64_t address =
        r.address + uint64_t(r.bursts - r.bursts_left) * (m_burst_mask + 1);
    const dram_address d = m_mapping.decode(address);
    entry e{};
    e.ticket = ticket;
    e.seq = m_seq++;
    e.admit = t + m_latency;
    e.rank = d.rank;
    e.group = d.rank * m_groups_per_rank + d.bank_group;
    e.bank = e.group * m_banks_per_group + d.bank;
    e.row = d.row;
    bank_state& b = m_banks[e.bank];
    if (b.open_row == e.row)
      ++b.hits[w];
    rank_state& rk = m_ranks[e.rank];
    if (rk.queued == 0)
      wake(rk, t);
    ++rk.queued;
    uint32_t index;
    if (m_free.empty()) {
      index = static_cast<uint32_t>(m_pool.size());
      m_pool.push_back(e);
    } else {
      index = m_free.back();
      m_free.pop_back();
      m_pool[index] = e;
    }
    std::vector<uint32_t>& bq = m_bank_queue[w][e.bank];
    bq.push_back(index);
    if (bq.size() == 1) {
      m_active_pos[w][e.bank] = static_cast<int32_t>(m_active[w].size());
      m_active[w].push_back(e.bank);
    }
    m_cand[w][e.bank].dirty = true;
    ++m_count[w];
    --r.bursts_left;
    ++r.bursts_open;
  }
  if (r.bursts_left == 0) {
    s.waiting.pop_front();
    s.last_admit = t;
    r.accepted = t;
    if (r.is_write) {
      // Posted: the write is complete for its initiator once it is in the queue.
      r.bursts_open = 0;
      finish_request(ticket, t + m_latency);
      if (!r.keep)
        retire_front();
    }
  }
}

bool dram_channel::step() {
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
    if (adm_t == k_unknown || adm_t > m_now)
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
    admit(who, adm_t);
    return true;
  }
  if (cmd_t == k_unknown)
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
  c.kind = cmd_kind::none;
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
    c.kind = cmd_kind::column;
    c.local = max2(e.admit, b.col_ok);
    c.global = e.group;
    c.order = e.seq;
  } else if (b.open_row == k_closed) {
    c.kind = cmd_kind::act;
    c.local = max2(e.admit, b.act_ok);
    c.global = groups + e.group;
    c.order = uint64_t{1} << 62 | e.seq;
  } else {
    c.kind = cmd_kind::pre; // no queued request of this mode hits the open row
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

void dram_channel::set_open(rank_state& r, int delta, ps_t t) {
  if (r.open_banks > 0 && t > r.state_since)
    r.open_ps += static_cast<uint64_t>(t - r.state_since);
  r.state_since = max2(r.state_since, t);
  r.open_banks = static_cast<uint32_t>(int(r.open_banks) + delta);
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
    ps_t ref = max2(start, b.act_ok);
    if (b.open_row != k_closed) {
      const ps_t pre = max2(start, b.pre_ok);
      ++m_stats.precharges;
      set_open(r, -1, pre);
      if (m_observer)
        m_observer(bi, -1, static_cast<uint64_t>(pre));
      ref = max2(ref, pre + m_rp);
    }
    b.open_row = k_closed;
    clear_hits(b);
    b.act_ok = max2(b.act_ok, ref + m_rfc_pb);
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
        pre = max2(pre, b.pre_ok);
        ++open;
      }
    }
    ps_t ref = pre + (open ? m_rp : 0);
    for (uint32_t k = 0; k < m_banks_per_rank; ++k)
      ref = max2(ref, m_banks[first + k].act_ok);
    const ps_t end = ref + m_rfc;
    for (uint32_t k = 0; k < m_banks_per_rank; ++k) {
      bank_state& b = m_banks[first + k];
      touch(first + k);
      if (b.open_row != k_closed && m_observer)
        m_observer(first + k, -1, static_cast<uint64_t>(pre));
      b.open_row = k_closed;
      clear_hits(b);
      b.act_ok = max2(b.act_ok, end);
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
  drain();
  const ps_t now = static_cast<ps_t>(now_ps);
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
