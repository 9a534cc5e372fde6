// Loosely timed, stateful timing model of one DRAM channel (plain C++, no SystemC).
//
// Requests are served in the order access() is called (no reordering). Each request is
// split into bursts; each burst gets the commands an open-page controller would issue
// (PRE if another row is open, ACT if the bank is closed, then RD/WR), each placed at
// the earliest clock edge that satisfies the JEDEC constraints against the channel's
// state: open row per bank, per-bank ACT/PRE/column readiness, tRRD/tFAW activation
// windows, tCCD per bank group, read/write turnaround, the shared data bus and the
// all-bank refresh schedule. Row commands (PRE/ACT) of a request may be issued before
// the column command of the previous request (bank preparation, as a controller with
// a queue does); column commands and data are strictly in order. See docs/dram.md.
//
// Times are integer picoseconds. No allocation after construction.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dram_spec.h"

namespace dwvp::dram {

struct dram_energy {
  double act_pj = 0;        // (IDD0 - IDD3N) over tRAS, per ACT
  double pre_pj = 0;        // (IDD0 - IDD2N) over tRC - tRAS, per PRE
  double read_pj = 0;       // (IDD4R - IDD3N) over BL/2 clocks, per read burst
  double write_pj = 0;      // (IDD4W - IDD3N) over BL/2 clocks, per write burst
  double refresh_pj = 0;    // (IDD5B - IDD3N) over tRFC, per refresh
  double background_pj = 0; // IDD3N while any bank is open, IDD2N while all are closed
  double total_pj() const {
    return act_pj + pre_pj + read_pj + write_pj + refresh_pj + background_pj;
  }
};

struct dram_stats {
  uint64_t requests = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t bytes_read = 0; // as requested (a partial burst counts its requested bytes)
  uint64_t bytes_written = 0;
  uint64_t bursts = 0; // read_bursts + write_bursts
  uint64_t read_bursts = 0;
  uint64_t write_bursts = 0;
  uint64_t row_hits = 0;      // per burst: row already open
  uint64_t row_misses = 0;    // per burst: bank closed (ACT)
  uint64_t row_conflicts = 0; // per burst: another row open (PRE + ACT)
  uint64_t activates = 0;
  uint64_t precharges = 0; // includes banks closed by refresh
  uint64_t refreshes = 0;
  uint64_t total_latency_ps = 0; // sum over requests of completion - issue
  uint64_t max_latency_ps = 0;
  uint64_t first_issue_ps = 0; // busy interval: first issue ...
  uint64_t last_done_ps = 0;   // ... to last completion
  uint64_t end_ps = 0;         // end of the energy accounting window (from time 0)
  uint64_t active_standby_ps = 0;
  uint64_t precharge_standby_ps = 0;
  double peak_gbps = 0;
  dram_energy energy;

  double avg_latency_ps() const {
    return requests ? static_cast<double>(total_latency_ps) / double(requests) : 0.0;
  }
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

  // Serves one request arriving at issue_ps (any value; requests are served in call
  // order) and returns the completion time in ps: for a read the arrival of its last
  // data beat, for a write the end of its last data beat. address is the offset into
  // this channel; bits above the mapping's address_bits() are ignored.
  // size_bytes must be > 0 (throws std::invalid_argument otherwise).
  uint64_t access(uint64_t issue_ps, uint64_t address, bool is_write,
                  uint32_t size_bytes);

  // Performs the refreshes due up to now_ps on an idle channel and extends the energy
  // window to now_ps. Call at the end of simulation (or before a stats snapshot).
  void advance_to(uint64_t now_ps);

  // Cumulative statistics. The energy window is [0, max(last completion, advance_to)].
  dram_stats stats() const;

  // Clears statistics and energy counters; the timing state (open rows, refresh
  // schedule) is kept.
  void reset_stats();

  const dram_spec& spec() const { return m_spec; }
  const address_mapping& mapping() const { return m_mapping; }
  const controller_params& params() const { return m_params; }
  uint64_t capacity_bytes() const { return m_spec.capacity_bytes(); }

  // Open row of a bank (flat index rank * banks_per_rank + group * banks_per_group +
  // bank) after the requests served so far, or -1 if closed. For VCD tracing.
  int64_t open_row(uint32_t bank_index) const;
  uint32_t bank_count() const { return static_cast<uint32_t>(m_banks.size()); }

  // Called for every row command as it is scheduled: the bank (flat index as above),
  // the row it opens (ACT) or -1 (PRE, also the precharge-all before a refresh), and
  // the command's time in ps. For waveforms; costs nothing when unset.
  using command_observer = std::function<void(uint32_t bank, int64_t row, uint64_t ps)>;
  void set_command_observer(command_observer observer) {
    m_observer = std::move(observer);
  }

private:
  using ps_t = int64_t; // signed so that "long ago" sentinels subtract safely

  struct bank_state {
    uint32_t open_row; // k_closed if precharged
    ps_t act_ok;       // earliest ACT: tRP after PRE, tRC after ACT, end of refresh
    ps_t pre_ok; // earliest PRE: tRAS after ACT, tRTP after RD, tWR after write data
    ps_t col_ok; // earliest RD/WR: tRCD after ACT
  };
  struct group_state {
    ps_t last_act; // tRRD_L
    ps_t last_col; // tCCD_L
    ps_t wr_end;   // end of the last write data in this group, for tWTR_L
  };
  struct rank_state {
    ps_t last_act; // tRRD_S
    ps_t faw[4];   // last four ACTs, ring buffer; faw[faw_next] is the oldest
    uint32_t faw_next;
  };

  static constexpr uint32_t k_closed = 0xffffffffu;
  static constexpr ps_t k_never = -(ps_t{1} << 52);

  uint64_t do_burst(ps_t arrive, uint64_t address, bool is_write);
  void refresh(ps_t arrive);
  void init();

  dram_spec m_spec;
  address_mapping m_mapping;
  controller_params m_params;
  uint32_t m_groups_per_rank;
  uint32_t m_banks_per_group;

  // Timings converted to ps once.
  ps_t m_tck, m_cl, m_cwl, m_rcd, m_rp, m_ras, m_rc, m_ccd_s, m_ccd_l, m_rrd_s, m_rrd_l;
  ps_t m_faw, m_wr, m_wtr_s, m_wtr_l, m_rtp, m_rtw, m_refi, m_rfc, m_burst;
  uint64_t m_burst_mask;

  std::vector<bank_state> m_banks;
  std::vector<group_state> m_groups;
  std::vector<rank_state> m_ranks;
  ps_t m_last_col = k_never; // tCCD_S
  ps_t m_last_rd = k_never;  // tRTW
  ps_t m_wr_end = k_never;   // tWTR_S
  ps_t m_bus_free = 0;       // end of the last data transfer
  ps_t m_next_ref = 0;       // due time of the next refresh
  ps_t m_last_ref_end = 0;

  // Background energy bookkeeping: all banks are closed only at time 0 and after a
  // refresh until the next ACT (open-page policy never closes the last bank otherwise).
  bool m_all_closed = true;
  ps_t m_all_closed_since = 0;
  uint64_t m_precharged_ps = 0;
  ps_t m_window_start = 0; // moved by reset_stats()
  ps_t m_window_end = 0;

  dram_stats m_stats;
  bool m_any_request = false;
  command_observer m_observer;
};

} // namespace dwvp::dram
