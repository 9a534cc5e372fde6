// What the study executables share: their command line (--out, --resolution, --jobs),
// tables printed on stdout and written as CSV, and SVG plots made by gnuplot when it is
// on PATH.
#pragma once

#include "study_runner.h"

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace dwvp::studies {

struct study_options {
  std::string out;      // output folder (default results/<study>)
  int resolution = 224; // input height and width
  int jobs = 2;         // child processes at a time
};

// Adds --out, --resolution and --jobs; `study` names the default folder.
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

// Runs specs with a one-line progress on stderr; throws if any run failed (naming it).
std::vector<run_result> run_checked(const std::vector<run_spec>& specs, int jobs);

// "mobilenet_v1 gemm_dwc res 224 [k=v ...] scan fuse"
std::string describe(const run_spec& s);

} // namespace dwvp::studies
