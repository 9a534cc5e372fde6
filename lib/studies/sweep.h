// dwvp sweep / dwvp collect: a design-space grid expanded into one self-contained
// `dwvp run` command per point, run through an existing job engine (GNU parallel on
// this machine, a Slurm job array or GNU parallel over ssh on a cluster), and the
// per-point reports merged into one CSV. docs/sweeps.md.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dwvp::studies {

struct sweep_spec {
  std::vector<std::string> networks;   // --network (each a zoo name)
  std::vector<std::string> topologies; // --topology (each a CSV file)
  std::vector<std::string> policies;   // --policy, empty = the run's default
  // --set key=v1,v2,...: every key with its values, in the order given.
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  int resolution = 224;
  bool no_data = false;
  std::string check = "golden";
  std::string out;           // the sweep's folder
  std::string dwvp = "dwvp"; // the executable the commands run
};

// One point of the grid: what it runs and the values that make it.
struct sweep_point {
  std::string id;                                          // "p0001"
  std::string network;                                     // name or topology file
  bool topology = false;                                   // network is a CSV file
  std::string policy;                                      // empty = default
  std::vector<std::pair<std::string, std::string>> values; // key, value ("" = unset)
  int resolution = 224;
  bool no_data = false;
  std::string check = "golden";
  std::vector<std::string> extra_args; // further `dwvp run` options (--seed 2, --fuse)
};

// "p0001" for index 0: the id of the point at that index.
std::string sweep_point_id(size_t index);

// Parses "key=v1,v2,..." (values separated by commas; at least one, none empty).
// Throws std::invalid_argument naming the assignment.
std::pair<std::string, std::vector<std::string>> parse_sweep_set(const std::string& text);

// The grid in a fixed order: networks (zoo, then topologies), then policies, then each
// --set key in the order given, the last varying fastest.
std::vector<sweep_point> expand_sweep(const sweep_spec& s);

// The `dwvp run` command line of a point, shell-quoted; its JSON, CSV and console log
// go to <out>/points/<id>.{json,csv,log}. A key whose value is "" is not set.
std::string sweep_command(const sweep_spec& s, const sweep_point& p);

// Writes <out>/points.csv (one row per point: id, network, policy, every key),
// <out>/commands.txt (one command per line, point i on line i), <out>/sweep.slurm (a
// Slurm job array: task i runs line i) and <out>/run_parallel_ssh.sh (GNU parallel
// over the hosts of a --sshloginfile). Throws output_error naming a file it cannot
// write.
void write_sweep(const sweep_spec& s, const std::vector<sweep_point>& points);

// <dir>/points/<id><ext>: where a point's report (".json"), CSV and log go.
std::string sweep_point_file(const std::string& dir, const std::string& id,
                             const char* ext);

// Runs <dir>/commands.txt through GNU parallel, `jobs` at a time, its job log in
// <dir>/joblog.txt. Failed points are not an error here (collect finds them). Throws
// std::invalid_argument when GNU parallel is not on PATH.
void run_sweep_parallel(const std::string& dir, int jobs);

// Merges <dir>/points/<id>.json and .csv into <dir>/sweep.csv (one row per point: its
// values and the run's totals, `error` when it failed or left no report) and
// <dir>/layers.csv (every point's per-layer CSV rows, behind the point's values), and
// plots cycles per point (<dir>/sweep.svg when gnuplot is on PATH). Returns the number
// of points without a good report. Throws std::invalid_argument when <dir> is not a
// sweep folder.
int collect_sweep(const std::string& dir, std::ostream& log);

} // namespace dwvp::studies
