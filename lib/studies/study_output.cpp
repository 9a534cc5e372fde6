#include "study_output.h"

#include "output_file.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace dwvp::studies {

void add_study_options(CLI::App& app, study_options& o, const std::string& study) {
  o.out = "results/" + study;
  app.add_option("--out", o.out, "output folder for the CSV tables and plots")
      ->capture_default_str();
  app.add_option("--resolution", o.resolution, "input height and width")
      ->check(CLI::Range(32, 1024))
      ->capture_default_str();
  app.add_option("--jobs", o.jobs, "simulations in parallel (child processes)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--engine", o.engine,
                 "fork: child processes; parallel: one dwvp run per point through GNU "
                 "parallel; slurm: write <out>/sweep/sweep.slurm and stop; collect: read "
                 "<out>/sweep's reports (docs/sweeps.md)")
      ->check(CLI::IsMember({"fork", "parallel", "slurm", "collect"}))
      ->capture_default_str();
  app.add_option("--dwvp", o.dwvp,
                 "the dwvp executable the points run (default: the build's, else PATH)");
}

std::string fmt(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

std::string fmt_int(uint64_t v) {
  return std::to_string(v);
}

void print_table(std::ostream& out, const table& t) {
  std::vector<size_t> w(t.header.size(), 0);
  for (size_t i = 0; i < t.header.size(); ++i)
    w[i] = t.header[i].size();
  for (const auto& r : t.rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) {
      if (i == 0)
        out << std::left << std::setw(int(w[i])) << r[i];
      else
        out << "  " << std::right << std::setw(int(w[i])) << r[i];
    }
    out << "\n";
  };
  line(t.header);
  size_t total = 0;
  for (size_t x : w)
    total += x + 2;
  out << std::string(total > 2 ? total - 2 : 0, '-') << "\n";
  for (const auto& r : t.rows)
    line(r);
  out << std::right;
}

void write_csv(const std::string& path, const table& t) {
  std::filesystem::path p(path);
  if (p.has_parent_path())
    std::filesystem::create_directories(p.parent_path());
  output_file file(path, "study table");
  std::ostream& f = file.stream();
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i)
      f << (i ? "," : "") << r[i];
    f << "\n";
  };
  line(t.header);
  for (const auto& r : t.rows)
    line(r);
  file.commit();
}

void plot(std::ostream& out, const std::string& dir, const std::string& name,
          const std::string& script) {
  std::filesystem::create_directories(dir);
  const std::string gp = dir + "/" + name + ".gp";
  {
    output_file file(gp, "gnuplot script");
    std::ostream& f = file.stream();
    // noenhanced: labels are plain text ("mobilenet_v1" must not become a subscript).
    f << "set terminal svg size 900,520 dynamic noenhanced font 'sans,11'\n"
      << "set output '" << name << ".svg'\n"
      << "set datafile separator ','\n"
      << "set key outside right top\n"
      << "set grid ytics\n"
      << script;
    file.commit();
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    out << "plot: gnuplot not on PATH, skipped " << dir << "/" << name << ".svg (script "
        << gp << "; ./scripts/install_deps.sh installs gnuplot-nox)\n";
    return;
  }
  std::cout.flush();
  const std::string cmd = "cd '" + dir + "' && gnuplot '" + name + ".gp'";
  if (std::system(cmd.c_str()) != 0)
    out << "plot: gnuplot failed on " << gp << "\n";
  else
    out << "plot              " << dir << "/" << name << ".svg\n";
}

std::string describe(const run_spec& s) {
  std::ostringstream o;
  o << s.network << " " << s.policy << " res " << s.resolution;
  for (const auto& [k, v] : s.sets)
    o << " " << k << "=" << v;
  if (s.scan_order)
    o << " scan";
  if (s.fuse)
    o << " fuse";
  if (s.fuse_blocks)
    o << " fuse-blocks";
  if (!s.functional)
    o << " no-data";
  return o.str();
}

namespace {

namespace fs = std::filesystem;

// The dwvp executable beside this program in the build tree (build/dwvp for
// build/scenarios/studies/dwvp_study_*), else the one on PATH.
std::string find_dwvp() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (fs::path dir = self.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path())
      if (fs::is_regular_file(dir / "dwvp", ec))
        return (dir / "dwvp").string();
  return "dwvp";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return in ? s.str() : std::string();
}

// The reports of a sweep folder holding `specs`' points: its commands.txt must hold
// exactly the commands these points make (whatever dwvp executable ran them and
// wherever the folder was then), so the reports of another grid are never taken for
// this one.
std::vector<run_result> read_sweep_reports(const sweep_spec& s,
                                           const std::vector<run_spec>& specs,
                                           const std::vector<sweep_point>& points) {
  const std::string& dir = s.out;
  std::ifstream commands(dir + "/commands.txt");
  if (!commands)
    throw std::invalid_argument(dir + ": not a sweep folder (no commands.txt): run the "
                                      "study with --engine slurm or parallel first");
  // What a point runs: its options, without the executable and the output paths.
  auto after_executable = [](const std::string& c) {
    const auto at = c.find("' run ");
    const std::string tail = at == std::string::npos ? c : c.substr(at);
    return tail.substr(0, tail.find(" --report "));
  };
  std::string line;
  size_t n = 0;
  while (std::getline(commands, line)) {
    if (line.empty())
      continue;
    if (n >= points.size() ||
        after_executable(line) != after_executable(sweep_command(s, points[n])))
      throw std::invalid_argument(dir + "/commands.txt:" + std::to_string(n + 1) +
                                  ": not this study's point " + std::to_string(n + 1) +
                                  " (a sweep folder of other runs or options): " +
                                  after_executable(line).substr(0, 160));
    ++n;
  }
  if (n != points.size())
    throw std::invalid_argument(dir + "/commands.txt: " + std::to_string(n) +
                                " points, this study has " +
                                std::to_string(points.size()));
  std::vector<run_result> res(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string report = read_text(sweep_point_file(dir, points[i].id, ".json"));
    if (report.empty()) {
      res[i].spec = specs[i];
      res[i].error =
          "no report (see " + sweep_point_file(dir, points[i].id, ".log") + ")";
      continue;
    }
    res[i] = parse_report(specs[i], "{\"ok\":true,\"report\":" + report + "}");
  }
  return res;
}

} // namespace

std::vector<sweep_point> sweep_points_of(const std::vector<run_spec>& specs) {
  std::vector<sweep_point> points;
  for (size_t i = 0; i < specs.size(); ++i) {
    const run_spec& r = specs[i];
    sweep_point p;
    p.id = sweep_point_id(i);
    p.network = r.network;
    p.policy = r.policy;
    p.resolution = r.resolution;
    p.no_data = !r.functional;
    p.check = "golden";
    p.values = r.sets;
    p.extra_args = {"--seed", std::to_string(r.seed)};
    if (r.scan_order)
      p.extra_args.insert(p.extra_args.end(), {"--order", "scan"});
    if (r.fuse)
      p.extra_args.push_back("--fuse");
    if (r.fuse_blocks)
      p.extra_args.push_back("--fuse-blocks");
    points.push_back(std::move(p));
  }
  return points;
}

std::vector<run_result> run_checked(const std::vector<run_spec>& specs,
                                    const study_options& o) {
  if (o.engine != "fork") {
    const std::string dir = o.out + "/sweep";
    std::vector<sweep_point> points = sweep_points_of(specs);
    // points.tsv has a column per key any point sets; a point without it leaves it
    // empty (and its command does not set it).
    sweep_spec s;
    s.out = dir;
    s.dwvp = o.dwvp.empty() ? find_dwvp() : o.dwvp;
    for (const auto& p : points)
      for (const auto& kv : p.values)
        if (std::none_of(s.sets.begin(), s.sets.end(),
                         [&](const auto& k) { return k.first == kv.first; }))
          s.sets.push_back({kv.first, {}});
    for (auto& p : points) {
      std::vector<std::pair<std::string, std::string>> values;
      for (const auto& [key, unused] : s.sets) {
        auto it = std::find_if(p.values.begin(), p.values.end(),
                               [&](const auto& kv) { return kv.first == key; });
        values.emplace_back(key, it == p.values.end() ? "" : it->second);
      }
      p.values = std::move(values);
    }
    if (o.engine != "collect") {
      write_sweep(s, points);
      if (o.engine == "slurm") {
        std::cout << "sweep             " << points.size() << " points in " << dir
                  << ": nothing run; sbatch " << dir << "/sweep.slurm (or " << dir
                  << "/run_parallel_ssh.sh nodes.txt), then run this study again with "
                     "the same options and --engine collect\n";
        return {};
      }
      std::cerr << "[study] " << points.size() << " points through GNU parallel, "
                << o.jobs << " jobs (" << dir << ")\n";
      run_sweep_parallel(dir, o.jobs);
    }
    auto res = read_sweep_reports(s, specs, points);
    for (const auto& r : res)
      if (!r.ok)
        throw std::runtime_error("run failed: " + describe(r.spec) + ": " + r.error);
    return res;
  }
  const int jobs = o.jobs;
  size_t done = 0;
  const bool tty = ::isatty(STDERR_FILENO);
  auto res = run_all(specs, jobs, [&](size_t, const run_result& r) {
    ++done;
    if (!tty)
      return;
    std::cerr << "\r[" << done << "/" << specs.size() << "] " << std::left
              << std::setw(70) << describe(r.spec).substr(0, 70) << std::right
              << std::flush;
  });
  if (tty)
    std::cerr << "\n";
  for (const auto& r : res)
    if (!r.ok)
      throw std::runtime_error("run failed: " + describe(r.spec) + ": " + r.error);
  return res;
}

} // namespace dwvp::studies
