#include "study_output.h"

#include "output_file.h"

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
  if (!s.functional)
    o << " no-data";
  return o.str();
}

std::vector<run_result> run_checked(const std::vector<run_spec>& specs, int jobs) {
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
