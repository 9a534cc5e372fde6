#include "sweep.h"

#include "output_file.h"
#include "study_output.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace dwvp::studies {

namespace fs = std::filesystem;

namespace {

// The point's files, relative to the sweep folder.
std::string point_file(const std::string& id, const char* ext) {
  return "points/" + id + ext;
}

// Single-quoted for sh: every character literal.
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(s);
  while (std::getline(in, cell, sep))
    out.push_back(cell);
  if (!s.empty() && s.back() == sep)
    out.emplace_back();
  return out;
}

// The totals sweep.csv takes from each report, in its column order.
const char* const k_totals[] = {"cycles",          "seconds_simulated",
                                "dram_read_bytes", "dram_write_bytes",
                                "energy_pj",       "dram_energy_pj"};

std::string json_cell(const nlohmann::json& v) {
  if (v.is_null())
    return "";
  if (v.is_boolean())
    return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() || v.is_number_unsigned())
    return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace

std::pair<std::string, std::vector<std::string>>
parse_sweep_set(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::invalid_argument("--set '" + text + "': expected key=v1,v2,...");
  std::pair<std::string, std::vector<std::string>> r{text.substr(0, eq),
                                                     split(text.substr(eq + 1), ',')};
  if (r.second.empty())
    throw std::invalid_argument("--set '" + text + "': no values");
  for (const auto& v : r.second)
    if (v.empty())
      throw std::invalid_argument("--set '" + text + "': an empty value");
  return r;
}

std::vector<sweep_point> expand_sweep(const sweep_spec& s) {
  std::vector<std::pair<std::string, bool>> nets;
  for (const auto& n : s.networks)
    nets.emplace_back(n, false);
  for (const auto& t : s.topologies)
    nets.emplace_back(t, true);
  const std::vector<std::string> policies =
      s.policies.empty() ? std::vector<std::string>{""} : s.policies;
  std::vector<sweep_point> points;
  for (const auto& [net, topology] : nets)
    for (const auto& policy : policies) {
      // Odometer over the --set keys, the last fastest.
      std::vector<size_t> at(s.sets.size(), 0);
      for (;;) {
        sweep_point p;
        p.network = net;
        p.topology = topology;
        p.policy = policy;
        p.resolution = s.resolution;
        p.no_data = s.no_data;
        p.check = s.check;
        for (size_t k = 0; k < s.sets.size(); ++k)
          p.values.emplace_back(s.sets[k].first, s.sets[k].second[at[k]]);
        p.id = sweep_point_id(points.size());
        points.push_back(std::move(p));
        size_t k = s.sets.size();
        while (k > 0 && ++at[k - 1] == s.sets[k - 1].second.size())
          at[--k] = 0;
        if (k == 0)
          break;
      }
    }
  return points;
}

std::string sweep_point_id(size_t index) {
  char id[24];
  std::snprintf(id, sizeof id, "p%04zu", index + 1);
  return id;
}

std::string sweep_point_file(const std::string& dir, const std::string& id,
                             const char* ext) {
  return (fs::path(dir) / point_file(id, ext)).string();
}

std::string sweep_command(const sweep_spec& s, const sweep_point& p) {
  // Absolute: a Slurm task or an ssh host runs it from another folder.
  const std::string base = sweep_point_file(fs::absolute(s.out).string(), p.id, "");
  std::string c = quote(s.dwvp) + " run " + (p.topology ? "--topology " : "--network ") +
                  quote(p.network) + " --resolution " + std::to_string(p.resolution);
  if (!p.policy.empty())
    c += " --policy " + quote(p.policy);
  if (p.no_data)
    c += " --no-data";
  else
    c += " --check " + quote(p.check);
  for (const auto& [key, value] : p.values)
    if (!value.empty())
      c += " --set " + quote(key + "=" + value);
  for (const auto& a : p.extra_args)
    c += " " + quote(a);
  return c + " --report " + quote(base + ".json") + " --csv " + quote(base + ".csv") +
         " > " + quote(base + ".log") + " 2>&1";
}

void write_sweep(const sweep_spec& s, const std::vector<sweep_point>& points) {
  std::error_code ec;
  fs::create_directories(fs::path(s.out) / "points", ec);
  if (ec)
    throw output_error(s.out + ": cannot create the sweep folder: " + ec.message());
  std::ostringstream tsv, commands;
  tsv << "id\tnetwork\ttopology\tpolicy";
  for (const auto& [key, values] : s.sets)
    tsv << "\t" << key;
  tsv << "\n";
  for (const auto& p : points) {
    tsv << p.id << "\t" << p.network << "\t" << (p.topology ? "yes" : "no") << "\t"
        << p.policy;
    for (const auto& kv : p.values)
      tsv << "\t" << kv.second;
    tsv << "\n";
    commands << sweep_command(s, p) << "\n";
  }
  const std::string dir = s.out;
  write_output(dir + "/points.tsv", "sweep point list", tsv.str());
  write_output(dir + "/commands.txt", "sweep commands", commands.str());
  // Slurm: one array task per point; each runs its own line of commands.txt.
  const std::string abs_dir = fs::absolute(dir).string();
  std::ostringstream slurm;
  slurm << "#!/bin/bash\n"
        << "# dwvp sweep: " << points.size() << " points, one Slurm array task each.\n"
        << "# Submit from any folder: sbatch " << quote(abs_dir + "/sweep.slurm")
        << "\n# then merge: dwvp collect " << quote(abs_dir) << "\n"
        << "#SBATCH --job-name=dwvp-sweep\n"
        << "#SBATCH --array=1-" << points.size() << "\n"
        << "#SBATCH --cpus-per-task=2\n"
        << "#SBATCH --output=" << abs_dir << "/points/slurm-%A_%a.out\n"
        << "set -euo pipefail\n"
        << "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" "
        << quote(abs_dir + "/commands.txt") << ")\n"
        << "eval \"$line\"\n";
  write_output(dir + "/sweep.slurm", "Slurm job script", slurm.str());
  std::ostringstream ssh;
  ssh << "#!/bin/bash\n"
      << "# dwvp sweep over ssh hosts with GNU parallel: one host per line in\n"
      << "# nodes.txt (GNU parallel's --sshloginfile format); the sweep folder and dwvp\n"
      << "# must be at the same paths on every host (a shared file system).\n"
      << "set -euo pipefail\n"
      << "parallel --sshloginfile \"${1:-nodes.txt}\" --jobs 1 --joblog "
      << quote(abs_dir + "/joblog.txt") << " < " << quote(abs_dir + "/commands.txt")
      << "\n"
      << s.dwvp << " collect " << quote(abs_dir) << "\n";
  write_output(dir + "/run_parallel_ssh.sh", "GNU parallel ssh script", ssh.str());
  fs::permissions(dir + "/run_parallel_ssh.sh", fs::perms::owner_exec,
                  fs::perm_options::add, ec);
  fs::permissions(dir + "/sweep.slurm", fs::perms::owner_exec, fs::perm_options::add, ec);
}

void run_sweep_parallel(const std::string& dir, int jobs) {
  if (std::system("command -v parallel > /dev/null 2>&1") != 0)
    throw std::invalid_argument("GNU parallel is not on PATH (./scripts/install_deps.sh "
                                "installs it; or write the commands for Slurm and run "
                                "them yourself)");
  const std::string cmd = "parallel --will-cite --jobs " + std::to_string(jobs) +
                          " --joblog " + quote(dir + "/joblog.txt") + " < " +
                          quote(dir + "/commands.txt");
  std::system(cmd.c_str()); // failed points are reported by collect
}

int collect_sweep(const std::string& dir, std::ostream& log) {
  std::ifstream in(dir + "/points.tsv");
  if (!in)
    throw std::invalid_argument(dir + ": not a sweep folder (no points.tsv; dwvp sweep "
                                      "writes one)");
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line, '\t');
  if (header.size() < 4 || header[0] != "id")
    throw std::invalid_argument(dir + "/points.tsv: not a dwvp sweep point list");
  table sweep, layers;
  sweep.header = header;
  for (const char* t : k_totals)
    sweep.header.push_back(t);
  sweep.header.push_back("bit_exact");
  sweep.header.push_back("error");
  layers.header = header;
  int bad = 0;
  size_t row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty())
      continue;
    const std::vector<std::string> cells = split(line, '\t');
    if (cells.size() != header.size())
      throw std::invalid_argument(dir + "/points.tsv:" + std::to_string(row) + ": " +
                                  std::to_string(cells.size()) + " fields, expected " +
                                  std::to_string(header.size()));
    const std::string& id = cells[0];
    std::vector<std::string> r = cells;
    std::string error;
    nlohmann::json total;
    std::ifstream report(dir + "/" + point_file(id, ".json"));
    if (!report) {
      error = "no report (see " + point_file(id, ".log") + ")";
    } else {
      try {
        total = nlohmann::json::parse(report).at("total");
        if (total.contains("error"))
          error = total["error"].get<std::string>();
      } catch (const std::exception& e) {
        error = point_file(id, ".json") + ": " + e.what();
        total = nlohmann::json();
      }
    }
    for (const char* t : k_totals)
      r.push_back(total.is_object() && total.contains(t) ? json_cell(total[t]) : "");
    r.push_back(total.is_object() && total.contains("bit_exact")
                    ? json_cell(total["bit_exact"])
                    : "");
    r.push_back(error);
    bad += !error.empty();
    sweep.add(std::move(r));
    // The point's per-layer rows as its own CSV has them, behind its values.
    std::ifstream csv(dir + "/" + point_file(id, ".csv"));
    std::string csv_line;
    if (csv && std::getline(csv, csv_line)) {
      if (layers.header.size() == header.size())
        for (const auto& h : split(csv_line, ','))
          layers.header.push_back(h);
      while (std::getline(csv, csv_line)) {
        std::vector<std::string> lr = cells;
        lr.push_back(csv_line); // kept verbatim: the shape cell is quoted
        layers.add(std::move(lr));
      }
    }
  }
  write_csv(dir + "/sweep.csv", sweep);
  write_csv(dir + "/layers.csv", layers);
  log << "sweep             " << sweep.rows.size() << " points, " << bad
      << " without a good report\n"
      << "CSV               " << dir << "/sweep.csv, " << dir << "/layers.csv\n";
  plot(log, dir, "sweep",
       "set title 'dwvp sweep: accelerator cycles per point'\n"
       "set datafile separator ','\nset style data histograms\n"
       "set style fill solid 0.6\nset xtics rotate by -45\n"
       "set ylabel 'cycles'\nset key off\n"
       "plot 'sweep.csv' using " +
           std::to_string(header.size() + 1) + ":xtic(1)\n");
  return bad;
}

} // namespace dwvp::studies
