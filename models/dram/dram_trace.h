// Request traces for the DRAM channel model: the text trace format of
// dwvp_dram_replay, synthetic request generators and a replay loop (shared by the
// replay tool, the tests and the benchmark). Plain C++, no SystemC.
//
// Trace line: <time_ns> <address> <R|W> <size_bytes>
//   time_ns  integer or decimal nanoseconds (rounded to the nearest picosecond)
//   address  hexadecimal with 0x prefix, or decimal
//   size     decimal bytes, > 0
// '#' starts a comment; blank lines are ignored. See docs/dram.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dram_channel.h"

namespace dwvp::dram {

struct trace_request {
  uint64_t time_ps = 0;
  uint64_t address = 0;
  bool is_write = false;
  uint32_t size = 0;
};

// Parses one trace line. Returns false for a blank or comment-only line. Throws
// std::invalid_argument with a message that names the bad column (no file/line; the
// caller adds them).
bool parse_trace_line(std::string_view line, trace_request& out);

// Reads a whole trace. Errors throw std::runtime_error "<source>:<line>: <message>".
std::vector<trace_request> read_trace(std::istream& in, const std::string& source_name);

enum class pattern { sequential, random, mixed, streams, tile };
pattern pattern_from_string(std::string_view name); // throws std::invalid_argument

struct generator_options {
  pattern kind = pattern::sequential;
  uint64_t count = 100000;
  uint32_t size = 64;                  // bytes per request
  uint64_t span = uint64_t{256} << 20; // addresses lie in [base, base + span)
  uint64_t base = 0;
  uint64_t seed = 1;
  uint64_t interval_ps = 0;       // request i is issued at i * interval_ps
  uint32_t streams = 4;           // streams: interleaved sequential streams
  uint32_t tile_row_bytes = 2048; // tile: bytes of one tile row
  uint32_t tile_rows = 32;        // tile: rows of one tile
  uint64_t tile_stride = 65536;   // tile: bytes from one row to the next
};

// sequential: reads of `size` bytes at consecutive addresses, wrapping at span.
// random: reads at uniformly random size-aligned addresses in the span.
// mixed: per request, 40% random reads, 30% sequential reads from a stream in the
//   lower half of the span, 30% sequential writes to a stream in the upper half.
// streams: `streams` sequential read streams, each in its own equal part of the span,
//   interleaved request by request (several initiators, or the rows of a tensor).
// tile: 2D tiles of a row-major tensor: tile_rows rows of tile_row_bytes, tile_stride
//   bytes apart; tile after tile to the right, then the next band of rows.
// Deterministic for a given seed on every platform (SplitMix64, no std distributions).
std::vector<trace_request> generate_requests(const generator_options& options);

// Replays the requests through one source of the channel and serves them all (posted
// writes included). window = 0 is open loop: each request arrives at its time_ps. A
// window of N is closed loop: at most N requests in flight, the next one arriving at
// max(time_ps, a completion), as an initiator with N outstanding requests does.
// Returns the end of the last data transfer in ps.
uint64_t replay(dram_channel& channel, const std::vector<trace_request>& requests,
                uint32_t window);

// Statistics as JSON (units in the key names) and as a human-readable table.
nlohmann::json stats_to_json(const dram_stats& stats, const dram_spec& spec);
std::string format_stats(const dram_stats& stats, const dram_spec& spec);

} // namespace dwvp::dram
