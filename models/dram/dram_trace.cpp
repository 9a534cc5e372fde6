#include "dram_trace.h"

#include "splitmix64.h"

#include <algorithm>
#include <cstdio>
#include <istream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dwvp::dram {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw std::invalid_argument(why);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr uint64_t k_max = std::numeric_limits<uint64_t>::max();

// Decimal nanoseconds -> picoseconds, rounded to nearest.
uint64_t parse_time_ps(std::string_view s) {
  uint64_t ns = 0;
  size_t i = 0;
  bool digits = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    digits = true;
    const uint64_t d = uint64_t(s[i] - '0');
    if (ns > (k_max / 1000 - d) / 10) {
      bad("time '" + std::string(s) + "' is too large");
    }
    ns = ns * 10 + d;
  }
  uint64_t frac_ps = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int place = 0; // decimal places consumed; the fourth decides rounding
    bool round_up = false;
    bool frac_digits = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      frac_digits = true;
      static constexpr uint64_t k_scale[3] = {100, 10, 1};
      if (place < 3) {
        frac_ps += uint64_t(s[i] - '0') * k_scale[place];
      } else if (place == 3) {
        round_up = s[i] >= '5';
      }
      ++place;
    }
    if (!frac_digits && !digits) {
      bad("time '" + std::string(s) + "' is not a number of ns");
    }
    digits = true;
    frac_ps += round_up ? 1 : 0;
  }
  if (!digits || i != s.size()) {
    bad("time '" + std::string(s) + "' is not a number of ns");
  }
  return ns * 1000 + frac_ps;
}

uint64_t parse_address(std::string_view s) {
  uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    for (size_t i = 2; i < s.size(); ++i) {
      const char c = s[i];
      uint64_t d;
      if (c >= '0' && c <= '9') {
        d = uint64_t(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = uint64_t(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = uint64_t(c - 'A' + 10);
      } else {
        bad("address '" + std::string(s) + "' is not hexadecimal");
      }
      if (v >> 60) {
        bad("address '" + std::string(s) + "' does not fit in 64 bits");
      }
      v = v << 4 | d;
    }
    return v;
  }
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) {
    bad("address '" + std::string(s) + "' is neither 0x-hexadecimal nor decimal");
  }
  for (char c : s) {
    const uint64_t d = uint64_t(c - '0');
    if (v > (k_max - d) / 10) {
      bad("address '" + std::string(s) + "' does not fit in 64 bits");
    }
    v = v * 10 + d;
  }
  return v;
}

uint32_t parse_size(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) {
    bad("size '" + std::string(s) + "' is not a decimal number of bytes");
  }
  uint64_t v = 0;
  for (char c : s) {
    v = v * 10 + uint64_t(c - '0');
    if (v > std::numeric_limits<uint32_t>::max()) {
      bad("size '" + std::string(s) + "' is too large");
    }
  }
  if (v == 0) {
    bad("size must be > 0");
  }
  return static_cast<uint32_t>(v);
}

} // namespace

bool parse_trace_line(std::string_view line, trace_request& out) {
  const size_t hash = line.find('#');
  if (hash != std::string_view::npos) {
    line = line.substr(0, hash);
  }
  std::string_view tok[5];
  int n = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    size_t j = i;
    while (j < line.size() && !is_space(line[j])) {
      ++j;
    }
    if (n == 4) {
      bad("unexpected extra field '" + std::string(line.substr(i, j - i)) +
          "' (expected: <time_ns> <address> <R|W> <size>)");
    }
    tok[n++] = line.substr(i, j - i);
    i = j;
  }
  if (n == 0) {
    return false;
  }
  if (n < 4) {
    bad("expected 4 fields <time_ns> <address> <R|W> <size>, got " + std::to_string(n));
  }
  trace_request r;
  r.time_ps = parse_time_ps(tok[0]);
  r.address = parse_address(tok[1]);
  if (tok[2] == "R" || tok[2] == "r") {
    r.is_write = false;
  } else if (tok[2] == "W" || tok[2] == "w") {
    r.is_write = true;
  } else {
    bad("command '" + std::string(tok[2]) + "' is not R or W");
  }
  r.size = parse_size(tok[3]);
  out = r;
  return true;
}

std::vector<trace_request> read_trace(std::istream& in, const std::string& source_name) {
  std::vector<trace_request> out;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    trace_request r;
    try {
      if (parse_trace_line(line, r)) {
        out.push_back(r);
      }
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(source_name + ":" + std::to_string(line_no) + ": " +
                               e.what());
    }
  }
  if (in.bad()) {
    throw std::runtime_error(source_name + ": read error");
  }
  return out;
}

pattern pattern_from_string(std::string_view name) {
  if (name == "sequential") {
    return pattern::sequential;
  }
  if (name == "random") {
    return pattern::random;
  }
  if (name == "mixed") {
    return pattern::mixed;
  }
  if (name == "streams") {
    return pattern::streams;
  }
  if (name == "tile") {
    return pattern::tile;
  }
  bad("unknown pattern '" + std::string(name) +
      "' (sequential, random, mixed, streams, tile)");
}

std::vector<trace_request> generate_requests(const generator_options& o) {
  if (o.size == 0) {
    bad("generator: size must be > 0");
  }
  if (o.span < 2ull * o.size) {
    bad("generator: span must hold at least two requests");
  }
  if (o.kind == pattern::streams && (o.streams == 0 || o.span / o.streams < o.size)) {
    bad("generator: streams must be 1..span/size");
  }
  if (o.kind == pattern::tile &&
      (o.tile_row_bytes < o.size || o.tile_row_bytes % o.size != 0 || o.tile_rows == 0 ||
       o.tile_stride < o.tile_row_bytes ||
       uint64_t(o.tile_rows) * o.tile_stride > o.span)) {
    bad("generator: tile needs size | tile_row_bytes <= tile_stride and "
        "tile_rows x tile_stride <= span");
  }
  std::vector<trace_request> out;
  out.reserve(o.count);
  splitmix64 rng{o.seed};
  // tile: rows of one tile, then the next tile to its right, then the next band.
  const uint64_t per_row = o.kind == pattern::tile ? o.tile_row_bytes / o.size : 1;
  const uint64_t tiles_across =
      o.kind == pattern::tile ? o.tile_stride / o.tile_row_bytes : 1;
  const uint64_t bands =
      o.kind == pattern::tile
          ? std::max<uint64_t>(1, o.span / (uint64_t(o.tile_rows) * o.tile_stride))
          : 1;
  const uint64_t slots = o.span / o.size; // size-aligned request slots in the span
  const uint64_t half_slots = slots / 2;
  uint64_t seq = 0;    // next slot of the sequential read stream
  uint64_t seq_wr = 0; // next slot of the write stream (mixed)
  for (uint64_t i = 0; i < o.count; ++i) {
    trace_request r;
    r.time_ps = i * o.interval_ps;
    r.size = o.size;
    uint64_t slot = 0;
    switch (o.kind) {
    case pattern::sequential:
      slot = seq;
      seq = seq + 1 == slots ? 0 : seq + 1;
      break;
    case pattern::random:
      slot = rng.next() % slots;
      break;
    case pattern::mixed: {
      const uint64_t pick = rng.next() % 10;
      if (pick < 4) {
        slot = rng.next() % slots;
      } else if (pick < 7) {
        slot = seq;
        seq = seq + 1 == half_slots ? 0 : seq + 1;
      } else {
        slot = half_slots + seq_wr;
        seq_wr = seq_wr + 1 == slots - half_slots ? 0 : seq_wr + 1;
        r.is_write = true;
      }
      break;
    }
    case pattern::streams: {
      // Request i belongs to stream i % streams; each stream reads its own part of the
      // span sequentially.
      const uint64_t part = o.span / o.streams / o.size;
      slot = (i % o.streams) * part + (i / o.streams) % part;
      break;
    }
    case pattern::tile: {
      const uint64_t per_tile = per_row * o.tile_rows;
      const uint64_t k = i % (per_tile * tiles_across * bands);
      const uint64_t tile = k / per_tile, within = k % per_tile;
      const uint64_t row = within / per_row, col = within % per_row;
      const uint64_t band = tile / tiles_across, across = tile % tiles_across;
      const uint64_t byte = band * o.tile_rows * o.tile_stride + row * o.tile_stride +
                            across * o.tile_row_bytes + col * o.size;
      slot = byte / o.size;
      break;
    }
    }
    r.address = o.base + slot * o.size;
    out.push_back(r);
  }
  return out;
}

uint64_t replay(dram_channel& channel, const std::vector<trace_request>& requests,
                uint32_t window) {
  const uint32_t source = window ? channel.add_source(window) : 0;
  // Submitted ahead of the simulation in slices, so memory stays bounded.
  constexpr uint64_t k_ahead = 4096;
  for (const trace_request& r : requests) {
    channel.submit(source, r.time_ps, r.address, r.is_write, r.size, false);
    if (channel.open_requests() >= 2 * k_ahead)
      channel.serve_until(k_ahead);
  }
  channel.drain();
  return channel.stats().last_done_ps;
}

nlohmann::json stats_to_json(const dram_stats& s, const dram_spec& spec) {
  nlohmann::json j;
  j["standard"] = spec.standard;
  j["requests"] = s.requests;
  j["reads"] = s.reads;
  j["writes"] = s.writes;
  j["bytes_read"] = s.bytes_read;
  j["bytes_written"] = s.bytes_written;
  j["bursts"] = s.bursts;
  j["read_bursts"] = s.read_bursts;
  j["write_bursts"] = s.write_bursts;
  j["row_hits"] = s.row_hits;
  j["row_misses"] = s.row_misses;
  j["row_conflicts"] = s.row_conflicts;
  j["row_hit_rate"] = s.row_hit_rate();
  j["activates"] = s.activates;
  j["precharges"] = s.precharges;
  j["refreshes"] = s.refreshes;
  j["avg_latency_ns"] = s.avg_latency_ps() / 1000.0;
  j["avg_read_latency_ns"] = s.avg_read_latency_ps() / 1000.0;
  j["avg_write_latency_ns"] = s.avg_write_latency_ps() / 1000.0;
  j["p50_latency_ns"] = double(s.latency_percentile_ps(0.50)) / 1000.0;
  j["p90_latency_ns"] = double(s.latency_percentile_ps(0.90)) / 1000.0;
  j["p99_latency_ns"] = double(s.latency_percentile_ps(0.99)) / 1000.0;
  j["powerdowns"] = s.powerdowns;
  j["max_latency_ns"] = double(s.max_latency_ps) / 1000.0;
  j["first_issue_ns"] = double(s.first_issue_ps) / 1000.0;
  j["last_done_ns"] = double(s.last_done_ps) / 1000.0;
  j["bandwidth_gbps"] = s.bandwidth_gbps();
  j["peak_bandwidth_gbps"] = s.peak_gbps;
  j["peak_fraction"] = s.peak_fraction();
  j["energy_window_ns"] = double(s.end_ps) / 1000.0;
  j["active_standby_ns"] = double(s.active_standby_ps) / 1000.0;
  j["precharge_standby_ns"] = double(s.precharge_standby_ps) / 1000.0;
  j["active_powerdown_ns"] = double(s.active_powerdown_ps) / 1000.0;
  j["precharge_powerdown_ns"] = double(s.precharge_powerdown_ps) / 1000.0;
  const dram_energy& e = s.energy;
  j["energy_pj"] = {{"act", e.act_pj},         {"pre", e.pre_pj},
                    {"read", e.read_pj},       {"write", e.write_pj},
                    {"refresh", e.refresh_pj}, {"background", e.background_pj},
                    {"total", e.total_pj()}};
  return j;
}

std::string format_stats(const dram_stats& s, const dram_spec& spec) {
  std::ostringstream os;
  char buf[160];
  auto line = [&](const char* fmt, auto... args) {
    std::snprintf(buf, sizeof buf, fmt, args...);
    os << buf << '\n';
  };
  const double total_bytes = double(s.bytes_read + s.bytes_written);
  line("standard            %s", spec.standard.c_str());
  line("requests            %llu (%llu reads, %llu writes)",
       (unsigned long long)s.requests, (unsigned long long)s.reads,
       (unsigned long long)s.writes);
  line("bytes               %llu read, %llu written", (unsigned long long)s.bytes_read,
       (unsigned long long)s.bytes_written);
  line("bursts              %llu", (unsigned long long)s.bursts);
  line("row hits            %llu (%.2f %%)", (unsigned long long)s.row_hits,
       100.0 * s.row_hit_rate());
  line("row misses          %llu (bank closed)", (unsigned long long)s.row_misses);
  line("row conflicts       %llu (other row open)", (unsigned long long)s.row_conflicts);
  line("activates           %llu", (unsigned long long)s.activates);
  line("precharges          %llu", (unsigned long long)s.precharges);
  line("refreshes           %llu", (unsigned long long)s.refreshes);
  line("busy interval       %.3f ns .. %.3f ns", double(s.first_issue_ps) / 1000.0,
       double(s.last_done_ps) / 1000.0);
  line("bandwidth           %.3f GB/s (%.2f %% of peak %.3f GB/s)", s.bandwidth_gbps(),
       100.0 * s.peak_fraction(), s.peak_gbps);
  line("latency             avg %.3f ns (reads %.3f, posted writes %.3f), max %.3f ns",
       s.avg_latency_ps() / 1000.0, s.avg_read_latency_ps() / 1000.0,
       s.avg_write_latency_ps() / 1000.0, double(s.max_latency_ps) / 1000.0);
  line("latency percentiles p50 %.3f ns, p90 %.3f ns, p99 %.3f ns (whole clocks)",
       double(s.latency_percentile_ps(0.50)) / 1000.0,
       double(s.latency_percentile_ps(0.90)) / 1000.0,
       double(s.latency_percentile_ps(0.99)) / 1000.0);
  const dram_energy& e = s.energy;
  line("energy (pJ)         total %.1f", e.total_pj());
  line("  act               %.1f", e.act_pj);
  line("  pre               %.1f", e.pre_pj);
  line("  read              %.1f", e.read_pj);
  line("  write             %.1f", e.write_pj);
  line("  refresh           %.1f", e.refresh_pj);
  line("  background        %.1f (rank-us: active %.3f, precharged %.3f, active "
       "power-down "
       "%.3f, precharged power-down %.3f)",
       e.background_pj, double(s.active_standby_ps) / 1e6,
       double(s.precharge_standby_ps) / 1e6, double(s.active_powerdown_ps) / 1e6,
       double(s.precharge_powerdown_ps) / 1e6);
  if (total_bytes > 0) {
    line("energy per byte     %.2f pJ/B", e.total_pj() / total_bytes);
  }
  return os.str();
}

} // namespace dwvp::dram
