// The controller's front end: construction, sources and their windows, request
// submission and completion, admission into the read and write queues. The scheduler
// is in dram_scheduler.cpp, refresh, power states and statistics in dram_rank_power.cpp.
#include "dram_channel.h"
#include "dram_spec_fields.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace dwvp::dram {

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
  m_rank_count = static_cast<uint32_t>(m_ranks.size());
  m_group_count = static_cast<uint32_t>(m_groups.size());
  // Padded to whole vectors of 8 for the vector search (the padding is never indexed).
  m_rank_bound.resize((size_t{k_kinds} * m_ranks.size() + 7) / 8 * 8);
  m_group_bound.resize((size_t{4} * m_groups.size() + 7) / 8 * 8);
  for (uint32_t g = 0; g < m_groups.size(); ++g)
    update_group_bounds(g);
  // Decoding: rank, bank group and bank concatenate into the flat bank index.
  const uint32_t bank_bits = detail::log2_exact(m_banks_per_group);
  const uint32_t group_bits = detail::log2_exact(m_groups_per_rank);
  m_group_shift = bank_bits;
  m_rank_shift = bank_bits + group_bits;
  for (const mapping_piece& p : m_mapping.pieces()) {
    const bit_run run{p.addr_lsb, p.field_lsb, (uint64_t{1} << p.width) - 1};
    switch (p.field) {
    case addr_field::bank:
      m_bank_bits.push_back(run);
      break;
    case addr_field::bank_group:
      m_bank_bits.push_back({run.from, run.to + m_group_shift, run.mask});
      break;
    case addr_field::rank:
      m_bank_bits.push_back({run.from, run.to + m_rank_shift, run.mask});
      break;
    case addr_field::row:
      m_row_bits.push_back(run);
      break;
    default:
      break;
    }
  }
  const size_t words = (m_banks.size() + 63) / 64;
  for (int w = 0; w < 2; ++w) {
    m_bank_queue[w].resize(m_banks.size());
    m_cand[w].resize(m_banks.size());
    m_dirty[w].assign(words, 0);
    m_work[w].assign(words, 0);
    for (bank_mask& m : m_kind_banks[w])
      m.assign(words, 0);
    const size_t lanes = (m_banks.size() + 7) / 8 * 8;
    m_lanes[w].local.assign(lanes, k_unknown);
    m_lanes[w].order.assign(lanes, ~uint64_t{0});
    m_lanes[w].rank_bound.assign(lanes, 0);
    m_lanes[w].group_bound.assign(lanes, 0);
  }
  set_search_level(best_search_level());
  // Queue room is checked before admission: the pool never needs more entries.
  m_pool.resize(size_t{m_params.read_queue} + m_params.write_queue);
  for (size_t i = m_pool.size(); i-- > 0;)
    m_free.push_back(static_cast<uint32_t>(i));
  m_capacity[0] = m_params.read_queue;
  m_capacity[1] = m_params.write_queue;
  m_requests.resize(64);
  m_request_mask = m_requests.size() - 1;
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

void dram_channel::set_reference_scheduler(bool on) {
  m_reference = on;
  // The caches were not kept up to date by the reference: rebuild them from scratch.
  for (uint32_t b = 0; b < m_banks.size(); ++b)
    touch(b);
  invalidate_all();
}

dram_channel::search_level dram_channel::best_search_level() {
#ifdef DWVP_DRAM_X86_SIMD
  const char* cap = std::getenv("DWVP_DRAM_SIMD");
  if (cap && std::string(cap) == "generic")
    return search_level::generic;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
    return search_level::avx512;
#endif
  return search_level::generic;
}

dram_channel::search_level dram_channel::set_search_level(search_level level) {
  bool simd = false;
#ifdef DWVP_DRAM_X86_SIMD
  // The vector pass holds the bound tables in registers (up to 32 entries each).
  simd = level == search_level::avx512 && m_banks.size() <= 256 &&
         size_t{k_kinds} * m_ranks.size() <= 32 && size_t{4} * m_groups.size() <= 32 &&
         __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#else
  (void)level;
#endif
  m_simd = simd;
  // Neither search keeps the other's caches: rebuild every bank's candidate.
  for (int w = 0; w < 2; ++w) {
    for (bank_mask& m : m_kind_banks[w])
      std::fill(m.begin(), m.end(), 0);
    for (candidate& c : m_cand[w])
      c.listed = false;
  }
  for (uint32_t b = 0; b < m_banks.size(); ++b)
    touch(b);
  invalidate_all();
  return get_search_level();
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
  if (request_count() == m_requests.size()) {
    // The ring is full: double it, each request at its ticket's place.
    std::vector<request_state> grown(m_requests.size() * 2);
    const uint64_t mask = grown.size() - 1;
    for (uint64_t k = m_ticket_base; k != m_ticket_end; ++k)
      grown[k & mask] = m_requests[k & m_request_mask];
    m_requests.swap(grown);
    m_request_mask = mask;
  }
  const uint64_t ticket = m_ticket_end++;
  m_requests[ticket & m_request_mask] = r;
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
  if (ticket < m_ticket_base || ticket >= m_ticket_end || !req(ticket).keep) {
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
  while (m_ticket_base != m_ticket_end) {
    const request_state& r = req(m_ticket_base);
    if (r.done == k_unknown || r.keep || r.bursts_open || r.bursts_left)
      break;
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
  // The last bucket counts that many clocks or more; below it the latency fits 32 bits
  // (tck_ps <= 10^6), and a 32-bit division is the cheaper one.
  const uint64_t last = k_histogram_clocks - 1;
  const uint64_t clocks =
      latency >= last * uint64_t(m_tck) ? last : uint32_t(latency) / uint32_t(m_tck);
  ++s.latency_histogram[clocks];
  source_state& src = m_sources[r.source];
  src.base_ok = false;
  if (src.window) {
    // Its completion is known now: keep the known ones sorted (usually at the end).
    --src.unknown;
    const auto first = src.known.begin() + static_cast<std::ptrdiff_t>(src.known_head);
    src.known.insert(std::upper_bound(first, src.known.end(), done), done);
  }
}

dram_channel::ps_t dram_channel::slot_time(const source_state& s, ps_t t) const {
  // A new request needs one of the source's `window` slots: the earliest time at or
  // after t when fewer than `window` of its requests are incomplete.
  if (!s.window)
    return t;
  const auto later = std::upper_bound(
      s.known.begin() + static_cast<std::ptrdiff_t>(s.known_head), s.known.end(), t);
  const uint64_t pending = static_cast<uint64_t>(s.known.end() - later);
  const uint64_t busy = pending + s.unknown;
  if (busy < s.window)
    return t;
  const uint64_t need = busy - s.window + 1; // completions to wait for
  if (need > pending)
    return k_unknown;
  return max2(t, *(later + static_cast<std::ptrdiff_t>(need - 1)));
}

dram_channel::ps_t dram_channel::admit_time_new_base(source_state& s) {
  // Kept also while the queue is full (it does not depend on the queue): a full queue
  // is checked by admit_time() on every step until a column command frees a slot.
  const request_state& r = m_requests[s.waiting.front() & m_request_mask];
  const int w = r.is_write ? 1 : 0;
  // slot_time(s, max(a, b)) = max(slot_time(s, a), b): the window part is cached and
  // the last command's time applied after.
  // (edge() divides; a request issued a clock or more before the last admission
  // cannot reach past it.)
  const ps_t t = r.issue + m_tck - 1 <= s.last_admit ? s.last_admit
                                                     : max2(edge(r.issue), s.last_admit);
  s.base = r.bursts_left == r.bursts ? slot_time(s, t) : t;
  s.base_queue = w;
  s.base_ok = true;
  if (m_count[w] >= m_capacity[w] || s.base == k_unknown)
    return k_unknown;
  return max2(s.base, m_last_cmd);
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
    const auto first = s.known.begin() + static_cast<std::ptrdiff_t>(s.known_head);
    s.known_head =
        static_cast<size_t>(std::upper_bound(first, s.known.end(), t) - s.known.begin());
    if (s.known_head >= 64 && 2 * s.known_head >= s.known.size()) {
      s.known.erase(s.known.begin(),
                    s.known.begin() + static_cast<std::ptrdiff_t>(s.known_head));
      s.known_head = 0;
    }
    ++s.unknown;
  }
  while (r.bursts_left > 0 && m_count[w] < capacity) {
    const uint64_t address =
        r.address + uint64_t(r.bursts - r.bursts_left) * (m_burst_mask + 1);
    const uint32_t index = m_free.back();
    m_free.pop_back();
    entry& e = m_pool[index];
    e.ticket = ticket;
    e.seq = m_seq++;
    e.admit = t + m_latency;
    e.bank = decode_bits(m_bank_bits, address);
    e.group = e.bank >> m_group_shift;
    e.rank = e.bank >> m_rank_shift;
    e.row = decode_bits(m_row_bits, address);
    e.conflict_seen = false;
    e.act_seen = false;
    bank_state& b = m_banks[e.bank];
    // The bank's candidate (its oldest hit, else its oldest burst) changes only if the
    // bank had nothing queued or this is its first hit.
    bool changed = false;
    if (b.open_row == e.row)
      changed = b.hits[w]++ == 0;
    rank_state& rk = m_ranks[e.rank];
    if (rk.queued == 0)
      wake(rk, t);
    ++rk.queued;
    bank_list& bq = m_bank_queue[w][e.bank];
    e.next = k_none;
    e.prev = bq.tail;
    if (bq.tail == k_none) {
      bq.head = index;
      set_bit(m_work[w], e.bank);
      ++m_busy[w];
      changed = true;
    } else {
      m_pool[bq.tail].next = index;
    }
    bq.tail = index;
    if (changed)
      set_bit(m_dirty[w], e.bank);
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

} // namespace dwvp::dram
