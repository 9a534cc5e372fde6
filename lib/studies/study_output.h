// What the study executables share: their command line (--out, --resolution, --jobs),
// tables printed on stdout and written as CSV, and SVG plots made by gnuplot when it is
// on PATH.
#pragma once

#include "study_runner.h"
#include "sweep.h"

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace dwvp::studies {

struct study_options {
  std::string out;      // output folder (default results/<study>)
  int resolution = 224; // input height and width
  int jobs = 2;         // child processes (or GNU parallel jobs) at a time
  // How the runs are made (run_checked): "fork" (children of this process), "parallel"
  // (one `dwvp run` per point through GNU parallel, the `dwvp sweep` mechanism),
  // "slurm" (write the points' commands and a Slurm job array, run nothing), "collect"
  // (read the reports of a sweep folder written before).
  std::string engine = "fork";
  std::string dwvp; // the dwvp executable of the parallel engine; "" = find it
};

// Adds --out, --resolution, --jobs, --engine and --dwvp; `study` names the default
// folder.
void add_study_options(CLI::App& app, study_options& o, const std::string& study);

struct table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  void add(std::vector<std::string> row) { rows.push_back(std::move(row)); }
};

std::string fmt(double v, int decimals = 2);
std::string fmt_int(uint64_t v);

void print_table(std::ostream& out, const table& t);
// Writes the CSV (comma separated, header first); throws naming the file on failure.
void write_csv(const std::string& path, const table& t);

// Writes `script` to `<dir>/<name>.gp` and runs gnuplot on it from `dir` when gnuplot is
// on PATH (the script writes `<name>.svg`); prints what it did or why it skipped.
void plot(std::ostream& out, const std::string& dir, const std::string& name,
          const std::string& script);

// Runs specs with the engine o.engine: "fork" with a one-line progress on stderr;
// "parallel", "slurm", "collect" through the sweep folder <o.out>/sweep (docs/sweeps.md:
// points.tsv, commands.txt, sweep.slurm, points/<id>.json). Results in the order of
// specs; an empty vector after "slurm" (nothing ran: the caller stops). Throws if any
// run failed (naming it), or when a collected folder does not hold these specs.
std::vector<run_result> run_checked(const std::vector<run_spec>& specs,
                                    const study_options& o);

// The sweep points of specs, as `dwvp run` options (network, policy, resolution, seed,
// --set, --no-data or --check golden, --order scan, --fuse), ids p0001... in order.
std::vector<sweep_point> sweep_points_of(const std::vector<run_spec>& specs);

// "mobilenet_v1 gemm_dwc res 224 [k=v ...] scan fuse"
std::string describe(const run_spec& s);

} // namespace dwvp::studies
