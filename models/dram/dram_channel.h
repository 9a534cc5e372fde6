// One DRAM channel: a memory controller with request queues and an FR-FCFS scheduler in
// front of the devices' banks (plain C++, no SystemC). docs/dram.md.
//
// Requests arrive from sources (initiators, each with its own limit of requests in
// flight), are split into bursts and queued (separate read and write queues). The
// scheduler issues one command per clock: among the commands of the current mode
// (reads, or writes while draining between watermarks) it takes the one that can issue
// earliest; at equal times a column command to an open row (row hit) before a row
// command, older before younger (first-ready, first-come first-served). A row is not
// closed while queued requests still hit it. Every command meets the JEDEC constraints
// against the device state: per bank open row and ACT / PRE / column readiness, tRRD /
// tFAW per rank, tCCD per rank and bank group, read / write turnarounds, rank switches
// on the shared data bus, refresh per rank (all-bank, or per-bank as an option) and
// power-down exit. Reads complete with their last data beat; writes are posted: they
// complete when accepted into the write queue (plus the controller latency) and reach
// the devices when the write queue drains.
//
// The simulation is event driven and lazy: it advances only as far as a caller needs
// (a request's completion, or everything). Requests should be submitted in the order
// of their arrival; one that arrives before commands already issued is served from then
// on (loosely timed). Times are integer picoseconds.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "dram_spec.h"

namespace dwvp::dram {

struct dram_energy {
  double act_pj = 0;     // (IDD0 - IDD3N) over tRAS, per ACT
  double pre_pj = 0;     // (IDD0 - IDD2N) over tRC - tRAS, per PRE
  double read_pj = 0;    // (IDD4R - IDD3N) over BL/2 clocks, per read burst
  double write_pj = 0;   // (IDD4W - IDD3N) over BL/2 clocks, per write burst
  double refresh_pj = 0; // (IDD5B - IDD3N) over tRFC per REF, (IDD5PB - IDD3N) per REFpb
  double background_pj = 0; // per rank: IDD3N / IDD2N standby, IDD3P / IDD2P power-down
  double total_pj() const {
    return act_pj + pre_pj + read_pj + write_pj + refresh_pj + background_pj;
  }
};

struct dram_stats {
  uint64_t requests = 0; // completed
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t bytes_read = 0; // as requested (a partial burst counts its requested bytes)
  uint64_t bytes_written = 0;
  uint64_t bursts = 0; // read_bursts + write_bursts issued to the devices
  uint64_t read_bursts = 0;
  uint64_t write_bursts = 0;
  uint64_t row_hits = 0;      // per burst: row already open
  uint64_t row_misses = 0;    // per burst: bank closed (ACT)
  uint64_t row_conflicts = 0; // per burst: another row open (PRE + ACT)
  uint64_t activates = 0;
  uint64_t precharges = 0; // includes banks closed by refresh
  uint64_t refreshes = 0;  // all-bank REF per rank, or REFpb per bank
  uint64_t powerdowns = 0; // power-down entries (all ranks)
  // Latency: completion - issue, or for a source with a window, completion - the time
  // the window let the request go.
  uint64_t total_latency_ps = 0;
  uint64_t read_latency_ps = 0; // the reads' part of total_latency_ps
  uint64_t max_latency_ps = 0;
  uint64_t first_issue_ps = 0; // busy interval: first arrival ...
  uint64_t last_done_ps = 0;   // ... to the end of the last data transfer
  uint64_t end_ps = 0;         // end of the energy accounting window (from time 0)
  // Rank-picoseconds (summed over ranks) in each background state.
  uint64_t active_standby_ps = 0;
  uint64_t precharge_standby_ps = 0;
  uint64_t active_powerdown_ps = 0;
  uint64_t precharge_powerdown_ps = 0;
  double peak_gbps = 0;
  dram_energy energy;
  // Latency histogram in clocks (last bucket: that many or more) for percentiles.
  std::vector<uint64_t> latency_histogram;
  uint64_t tck_ps = 0;

  double avg_latency_ps() const {
    return requests ? static_cast<double>(total_latency_ps) / double(requests) : 0.0;
  }
  double avg_read_latency_ps() const {
    return reads ? static_cast<double>(read_latency_ps) / double(reads) : 0.0;
  }
  double avg_write_latency_ps() const {
    return writes
               ? static_cast<double>(total_latency_ps - read_latency_ps) / double(writes)
               : 0.0;
  }
  // Latency below which `fraction` (0..1] of the requests completed, in ps (a clock
  // multiple; requests that arrived between clock edges count from the edge before).
  uint64_t latency_percentile_ps(double fraction) const;
  double row_hit_rate() const { return bursts ? double(row_hits) / double(bursts) : 0.0; }
  // Achieved bandwidth over the busy interval, GB/s (1e9 bytes/s).
  double bandwidth_gbps() const {
    const uint64_t busy =
        last_done_ps > first_issue_ps ? last_done_ps - first_issue_ps : 0;
    return busy ? double(bytes_read + bytes_written) / double(busy) * 1000.0 : 0.0;
  }
  double peak_fraction() const {
    return peak_gbps > 0 ? bandwidth_gbps() / peak_gbps : 0.0;
  }
};

class dram_channel {
public:
  explicit dram_channel(const dram_spec& spec);
  dram_channel(const dram_spec& spec, const address_mapping& mapping);
  dram_channel(const dram_spec& spec, const address_mapping& mapping,
               const controller_params& params);

  // A source is one initiator port: at most `window` of its requests are in flight
  // (arrived at the controller and not completed); the next waits for a completion.
  // Source 0 exists with an unlimited window. Returns the new source's id.
  uint32_t add_source(uint32_t window);

  // Queues a request of `size_bytes` (> 0, else std::invalid_argument) at `address`
  // (offset into this channel; bits above the mapping's address_bits() are ignored)
  // that the source issues at `issue_ps`, after its earlier requests. Returns a ticket
  // for completion() if `keep`; a request not kept is forgotten when it completes
  // (its statistics stay). Nothing is simulated yet.
  uint64_t submit(uint32_t source, uint64_t issue_ps, uint64_t address, bool is_write,
                  uint32_t size_bytes, bool keep = true);

  struct completion_times {
    uint64_t issued_ps;   // the request left its source (issue, or a window slot)
    uint64_t accepted_ps; // it entered the controller's queue (a clock edge, queue room)
    uint64_t done_ps;     // read: last data beat; write: accepted into the write queue
  };
  // Simulates until the kept ticket's request has completed and returns its times.
  // Each ticket can be asked once (std::invalid_argument otherwise).
  completion_times completion(uint64_t ticket);

  // submit() on source 0 and completion(): the completion time in ps.
  uint64_t access(uint64_t issue_ps, uint64_t address, bool is_write,
                  uint32_t size_bytes);

  // Serves everything queued, including posted writes.
  void drain();
  // Simulates until at most `open_requests` submitted requests are incomplete.
  void serve_until(uint64_t open_requests);
  uint64_t open_requests() const { return m_open_requests; }

  // Issues every command due before now_ps (queued requests that would go later stay
  // queued), performs the refreshes due up to now_ps and extends the energy window to
  // now_ps. Call before a stats snapshot; at the end of simulation, drain() first.
  void advance_to(uint64_t now_ps);

  // Cumulative statistics. The energy window is [0, max(last data, advance_to)].
  dram_stats stats() const;

  // Clears statistics and energy counters; the timing state (open rows, refresh
  // schedule, queued requests) is kept.
  void reset_stats();

  const dram_spec& spec() const { return m_spec; }
  const address_mapping& mapping() const { return m_mapping; }
  const controller_params& params() const { return m_params; }
  uint64_t capacity_bytes() const { return m_spec.capacity_bytes(); }

  // Open row of a bank (flat index rank * banks_per_rank + group * banks_per_group +
  // bank) after the commands issued so far, or -1 if closed. For VCD tracing.
  int64_t open_row(uint32_t bank_index) const;
  uint32_t bank_count() const { return static_cast<uint32_t>(m_banks.size()); }

  // Called for every row command as it is issued: the bank (flat index as above), the
  // row it opens (ACT) or -1 (PRE, also the precharges of a refresh), and the command's
  // time in ps. For waveforms; costs nothing when unset.
  using command_observer = std::function<void(uint32_t bank, int64_t row, uint64_t ps)>;
  void set_command_observer(command_observer observer) {
    m_observer = std::move(observer);
  }
  // Called for every column command as it is issued: the bank, whether it is a write,
  // and its time in ps. With the command observer above, the whole command sequence
  // (refresh aside). For tests; costs nothing when unset.
  using column_observer = std::function<void(uint32_t bank, bool is_write, uint64_t ps)>;
  void set_column_observer(column_observer observer) {
    m_column_observer = std::move(observer);
  }

  // For tests: choose every command by the plain definition of the policy, a fresh
  // pass over every bank with queued requests, instead of the cached per-kind minima
  // (dram_scheduler.cpp). Both must issue the same commands at the same times.
  void set_reference_scheduler(bool on);

  // How the cached scheduler finds the earliest candidate: a vector pass over every
  // bank's cached candidate when more than 8 banks have work, else a scalar pass over
  // those (AVX-512, when the CPU has it and the bound tables fit 32 entries: up to two
  // DDR4 ranks), or per-kind cached minima when more than 8 banks have work, else the
  // same scalar pass (generic). All issue the same commands; the default is the widest
  // the CPU (and the build) supports, capped by DWVP_DRAM_SIMD=generic in the
  // environment. For tests: a level the CPU or the organisation does not allow falls
  // back to generic. Returns the level now in use.
  enum class search_level { generic = 0, avx512 = 1 };
  search_level set_search_level(search_level level);
  search_level get_search_level() const {
    return m_simd ? search_level::avx512 : search_level::generic;
  }
  static search_level best_search_level();

private:
  using ps_t = int64_t; // signed so that "long ago" sentinels subtract safely
  static ps_t max2(ps_t a, ps_t b) { return a > b ? a : b; }
  static constexpr uint32_t k_histogram_clocks = 4096; // latency histogram buckets
  static constexpr uint32_t k_closed = 0xffffffffu;
  static constexpr ps_t k_never = -(ps_t{1} << 52);
  static constexpr ps_t k_unknown = ps_t{1} << 62; // completion not determined yet

  // A bank's next command for one queue is of one of these kinds (see candidate).
  enum kind : uint32_t { k_column = 0, k_activate = 1, k_precharge = 2, k_kinds = 3 };
  struct bank_state {
    uint32_t open_row = k_closed;
    uint16_t hits[2] = {0, 0}; // queued reads / writes to the open row
    // Earliest command of each kind, indexed by kind: RD/WR tRCD after ACT; ACT tRP
    // after PRE, tRC after ACT, end of refresh; PRE tRAS after ACT, tRTP after RD, tWR
    // after write.
    ps_t ok[k_kinds] = {0, 0, 0};
  };
  struct group_state {
    ps_t last_act = k_never; // tRRD_L
    ps_t last_col = k_never; // tCCD_L
    ps_t wr_end = k_never;   // end of the last write data in this group, tWTR_L
  };
  struct rank_state {
    ps_t last_act = k_never;                            // tRRD_S
    ps_t faw[4] = {k_never, k_never, k_never, k_never}; // last four ACTs, ring
    uint32_t faw_next = 0;
    ps_t last_col = k_never; // tCCD_S
    ps_t wr_end = k_never;   // tWTR_S
    ps_t cmd_ok = 0;         // refresh or power-down exit blocks the rank until then
    ps_t next_ref = 0;       // due time of the next refresh
    uint32_t ref_bank = 0;   // per-bank refresh: the next bank
    uint32_t open_banks = 0;
    uint32_t queued = 0;     // bursts queued for this rank
    ps_t state_since = 0;    // background accounting: open_banks changed at this time
    ps_t last_activity = 0;  // last command (or refresh end): power-down timer
    uint64_t open_ps = 0;    // time with at least one bank open
    uint64_t pd_open_ps = 0; // ... of which powered down
    uint64_t pd_closed_ps = 0;
  };
  struct request_state {
    uint32_t source;
    bool is_write;
    bool keep; // completion() will be called for it
    uint32_t size;
    uint64_t address;
    ps_t issue; // as submitted
    ps_t sent;  // issue, or later when the source's window was full
    ps_t accepted = k_unknown;
    ps_t done = k_unknown; // see completion_times
    uint32_t bursts;       // in all
    uint32_t bursts_left;  // not yet admitted (admission) ...
    uint32_t bursts_open;  // ... and admitted but not served (column command)
    ps_t data_end = 0;     // latest data end of its bursts
  };
  static constexpr uint32_t k_none = 0xffffffffu; // end of a bank's list
  struct entry {                                  // one queued burst
    uint64_t ticket;
    uint64_t seq;   // admission order: older first
    ps_t admit;     // earliest command: arrival edge + controller latency
    uint32_t bank;  // flat bank index
    uint32_t group; // flat group index (rank * groups + group)
    uint32_t rank;
    uint32_t row;
    uint32_t next; // its bank's list for its queue, in age order (k_none at the end)
    uint32_t prev;
    bool conflict_seen; // a PRE was issued for it
    bool act_seen;      // an ACT was issued for it
  };
  struct bank_list {
    uint32_t head = k_none; // oldest
    uint32_t tail = k_none; // youngest
  };
  // Address decoding precomputed from the mapping: the flat bank index and the row are
  // each a sum of address bit runs moved into place (field sizes are powers of two, so
  // rank, bank group and bank concatenate into the flat index).
  struct bit_run {
    uint32_t from; // address bit
    uint32_t to;   // bit in the result
    uint64_t mask; // of the run's width
  };
  // A bank's next command for one queue: the oldest hit, else the oldest request's
  // row command; `local` is the bank's own earliest time for it. Its kind and queue
  // select the channel-wide bounds: m_rank_bound[kind * ranks + rank] and
  // m_group_bound[slot * groups + group] (slot: column read / column write / ACT / PRE).
  enum group_slot : uint32_t { k_col_read = 0, k_col_write = 1, k_act = 2, k_pre = 3 };
  struct candidate {
    ps_t local = 0;
    uint64_t order = 0; // ties: column commands first, then older (row cmd << 62 | seq)
    uint32_t rank_bound = 0;  // index into m_rank_bound
    uint32_t group_bound = 0; // index into m_group_bound
    uint32_t entry = 0;       // index into m_pool
    uint16_t kind = k_column;
    bool listed = false; // its bit is set in m_kind_banks[w][kind]
  };
  // The earliest command of one kind in the current mode, with its tie-break order;
  // t == k_unknown when no bank offers one. Valid while neither that kind's bounds
  // nor the bank changed and m_now has not passed t.
  struct best_command {
    bool valid = false;
    ps_t t = k_unknown;
    uint64_t order = 0;
    uint32_t bank = 0;
  };
  using bank_mask = std::vector<uint64_t>; // one bit per flat bank index
  struct source_state {
    uint32_t window;              // 0: unlimited
    std::deque<uint64_t> waiting; // tickets submitted, not yet (fully) admitted
    // Admitted requests in flight: how many have no completion time yet, and the known
    // completion times, sorted: known[known_head ..] (the ones before were dropped).
    uint64_t unknown = 0;
    std::vector<ps_t> known;
    size_t known_head = 0;
    ps_t last_admit = 0;
    // Front request's earliest admission by its issue time and the window alone
    // (k_unknown: a completion is not known yet); valid until the source changes.
    ps_t base = 0;
    bool base_ok = false;
    int base_queue = 0; // the front request's queue (1: writes), with base
  };

  void init();
  request_state& req(uint64_t ticket) { return m_requests[ticket & m_request_mask]; }
  uint64_t request_count() const { return m_ticket_end - m_ticket_base; }
  // One step of the event loop; false when nothing is left to do.
  // Below `limit`, only events (admissions, commands) before it are taken.
  bool step(ps_t limit = k_unknown);
  // Earliest time the source's next burst can enter its queue, or k_unknown.
  ps_t admit_time(source_state& s) {
    if (s.waiting.empty())
      return k_unknown;
    if (!s.base_ok)
      return admit_time_new_base(s);
    if (m_count[s.base_queue] >= m_capacity[s.base_queue] || s.base == k_unknown)
      return k_unknown;
    return max2(s.base, m_last_cmd);
  }
  ps_t admit_time_new_base(source_state& s);
  ps_t slot_time(const source_state& s, ps_t t) const;
  void admit(uint32_t source, ps_t t);
  void issue_column(uint32_t entry_index, ps_t t);
  void issue_row(uint32_t entry_index, ps_t t);
  void make_candidate(int w, uint32_t bank, candidate& c) const;
  void choose(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry);
  void choose_reference(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry);
  void choose_single(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry);
  void update_dirty(int w);
  void update_dirty_plain(int w);
  void choose_plain(int w, ps_t& cmd_t, uint64_t& order, uint32_t& entry);
  void scan_kind(int w, uint32_t kind);
  void compute_global(int w, uint32_t kind);
  void update_group_bounds(uint32_t group);
  void update_group_col_bounds(uint32_t group);
  ps_t command_time(const candidate& c) const {
    return max2(max2(c.local, m_rank_bound[c.rank_bound]),
                max2(m_group_bound[c.group_bound], m_now));
  }
  void invalidate(uint32_t kind) {
    m_best[kind].valid = false;
    m_global_stale[kind] = true;
  }
  void invalidate_all() {
    for (uint32_t k = 0; k < k_kinds; ++k)
      invalidate(k);
  }
  static void set_bit(bank_mask& m, uint32_t b) { m[b >> 6] |= uint64_t{1} << (b & 63); }
  static void clear_bit(bank_mask& m, uint32_t b) {
    m[b >> 6] &= ~(uint64_t{1} << (b & 63));
  }
  void touch(uint32_t bank) {
    set_bit(m_dirty[0], bank);
    set_bit(m_dirty[1], bank);
  }
  void remove_entry(int w, uint32_t entry_index);
  uint32_t decode_bits(const std::vector<bit_run>& runs, uint64_t address) const {
    uint64_t v = 0;
    for (const bit_run& r : runs)
      v |= ((address >> r.from) & r.mask) << r.to;
    return static_cast<uint32_t>(v);
  }
  void refresh(uint32_t rank);
  void wake(rank_state& r, ps_t t);
  ps_t edge(ps_t t) const { return (t + m_tck - 1) / m_tck * m_tck; }
  void set_open(rank_state& r, int delta, ps_t t);
  void clear_hits(bank_state& b);
  void finish_request(uint64_t ticket, ps_t done);
  void retire_front();

  dram_spec m_spec;
  address_mapping m_mapping;
  controller_params m_params;
  uint32_t m_groups_per_rank;
  uint32_t m_banks_per_group;
  uint32_t m_banks_per_rank;
  uint32_t m_rank_count;  // m_ranks.size() (its division by the element size avoided)
  uint32_t m_group_count; // m_groups.size()

  // Timings converted to ps once.
  ps_t m_tck, m_cl, m_cwl, m_rcd, m_rp, m_ras, m_rc, m_ccd_s, m_ccd_l, m_rrd_s, m_rrd_l;
  ps_t m_faw, m_wr, m_wtr_s, m_wtr_l, m_rtp, m_rtw, m_refi, m_rfc, m_burst, m_rtrs;
  ps_t m_xp, m_cke, m_refi_pb, m_rfc_pb, m_latency, m_idle;
  uint64_t m_burst_mask;

  std::vector<bank_state> m_banks;
  std::vector<group_state> m_groups;
  std::vector<rank_state> m_ranks;
  std::vector<source_state> m_sources;
  // Queued bursts: a pool, per queue (reads, writes) and bank the entries in age
  // order, each bank's cached candidate, the banks whose candidate must be recomputed,
  // per kind the banks whose candidate is of that kind, and the banks with bursts
  // queued.
  std::vector<entry> m_pool; // read_queue + write_queue entries
  std::vector<uint32_t> m_free;
  std::vector<bank_list> m_bank_queue[2];
  std::vector<bit_run> m_bank_bits, m_row_bits;
  uint32_t m_group_shift = 0; // flat bank index >> this = flat group index
  uint32_t m_rank_shift = 0;  // ... = rank
  std::vector<candidate> m_cand[2];
  bank_mask m_dirty[2];
  bank_mask m_kind_banks[2][k_kinds];
  bank_mask m_work[2];
  best_command m_best[k_kinds]; // for the current mode
  // A decision made before an admission was taken instead, for the next step (step()).
  struct held_decision {
    bool valid = false;
    int w = 0;
    ps_t t = k_unknown;
    uint64_t order = 0;
    uint32_t entry = 0;
  };
  held_decision m_held;
  bool held_valid(int w) const;
  bool m_global_stale[k_kinds] = {true, true, true};
  bool m_reference = false; // set_reference_scheduler
  // Vector search (set_search_level): per queue, each bank's cached candidate as
  // arrays (lanes padded to a multiple of 8; a bank with nothing queued, and the
  // padding, has local = k_unknown and order = ~0).
  bool m_simd = false;
  static constexpr uint32_t k_lanes_threshold = 8; // banks with work: up to this, scalar
  struct candidate_lanes {
    std::vector<int64_t> local;
    std::vector<uint64_t> order;
    std::vector<uint32_t> rank_bound;
    std::vector<uint32_t> group_bound;
  };
  candidate_lanes m_lanes[2];
  size_t m_count[2] = {0, 0};    // queued entries per queue
  uint32_t m_busy[2] = {0, 0};   // banks with entries queued, per queue (m_work)
  size_t m_capacity[2] = {0, 0}; // read_queue, write_queue
  uint64_t m_seq = 0;
  bool m_write_mode = false;
  ps_t m_now = 0;           // next command no earlier (one command per clock)
  ps_t m_last_cmd = 0;      // time of the last command: the queues reflect it
  ps_t m_last_rd = k_never; // tRTW
  ps_t m_bus_free = 0;      // end of the last data transfer
  uint32_t m_bus_rank = 0;  // rank that drove it
  // Requests not yet retired, tickets m_ticket_base .. m_ticket_end - 1, in a ring
  // indexed by ticket & m_request_mask (grown by doubling).
  std::vector<request_state> m_requests;
  uint64_t m_request_mask = 0;
  uint64_t m_ticket_base = 0;
  uint64_t m_ticket_end = 0;
  uint64_t m_open_requests = 0;
  // Earliest column, ACT and PRE by the channel-wide constraints, split in a part per
  // rank and kind for the current mode (bus, tCCD_S, tRRD_S, tFAW, turnarounds,
  // refresh / power-down; a kind's part is recomputed when a command changed its
  // inputs, m_global_stale) and a part per group and slot (tCCD_L, tWTR_L, tRRD_L;
  // updated by the commands to that group). A command's bound is the larger of them.
  std::vector<ps_t> m_rank_bound;
  std::vector<ps_t> m_group_bound;
  uint64_t m_refresh_ab = 0, m_refresh_pb = 0; // for energy

  ps_t m_window_start = 0; // moved by reset_stats()
  ps_t m_window_end = 0;
  dram_stats m_stats;
  bool m_any_request = false;
  command_observer m_observer;
  column_observer m_column_observer;
};

} // namespace dwvp::dram
