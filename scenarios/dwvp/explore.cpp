#include "explore.h"

#include "analytical_config.h"
#include "analytical_study.h"
#include "study_output.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace dwvp::scenarios {

namespace {

struct point {
  std::string policy;
  int array = 0, input_kb = 0, weight_kb = 0, output_kb = 0, lanes = 0;
  std::string dram;
  std::vector<std::pair<std::string, std::string>> sets;
  uint64_t cycles = 0, dram_bytes = 0;
  double cost = 0;
  bool ok = false;
  std::string error;
};

// The cost proxy (docs/analytical.md): MAC units (array PEs and vector lanes) plus
// on-chip SRAM in KiB (the three buffers and the vector memory), counting one MAC unit
// like one KiB of SRAM.
double cost_of(const point& p, int vector_kb) {
  return double(p.array) * p.array + p.lanes + p.input_kb + p.weight_kb + p.output_kb +
         vector_kb;
}

std::vector<std::pair<std::string, std::string>> sets_of(const point& p,
                                                         const explore_options& o) {
  std::vector<std::pair<std::string, std::string>> s = {
      {"gemm.rows", std::to_string(p.array)},
      {"gemm.cols", std::to_string(p.array)},
      {"sram.input_kb", std::to_string(p.input_kb)},
      {"sram.weight_kb", std::to_string(p.weight_kb)},
      {"sram.output_kb", std::to_string(p.output_kb)},
      {"vector.lanes", std::to_string(p.lanes)}};
  if (p.dram.rfind("fixed:", 0) == 0) {
    s.emplace_back("dram.model", "fixed");
    s.emplace_back("dram.bandwidth_gbps", p.dram.substr(6));
  } else {
    s.emplace_back("dram.model", p.dram);
  }
  for (const std::string& kv : o.sets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument("dwvp explore: --set " + kv + " is not KEY=VALUE");
    s.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return s;
}

studies::run_spec spec_of(const point& p, const explore_options& o) {
  studies::run_spec s;
  s.network = o.network;
  s.policy = p.policy;
  s.resolution = o.resolution;
  s.sets = p.sets;
  s.fuse_blocks = o.fuse_blocks;
  s.fuse = o.fuse;
  return s;
}

} // namespace

CLI::App* add_explore_command(CLI::App& app, explore_options& o) {
  CLI::App* c = app.add_subcommand(
      "explore", "sweep a design space with the analytical model, print the Pareto "
                 "points and re-run the fastest on the platform (docs/analytical.md)");
  c->add_option("--network", o.network, "zoo network")->capture_default_str();
  c->add_option("--policy", o.policies, "depthwise policies (comma list)")
      ->delimiter(',')
      ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}));
  c->add_option("--resolution", o.resolution, "input height and width")
      ->check(CLI::Range(32, 1024))
      ->capture_default_str();
  c->add_option("--array", o.arrays, "square array sizes: gemm.rows = gemm.cols")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024));
  c->add_option("--input-kb", o.input_kb, "sram.input_kb values")->delimiter(',');
  c->add_option("--weight-kb", o.weight_kb, "sram.weight_kb values")->delimiter(',');
  c->add_option("--output-kb", o.output_kb, "sram.output_kb values")->delimiter(',');
  c->add_option("--lanes", o.lanes, "vector.lanes values")->delimiter(',');
  c->add_option("--dram", o.dram,
                "DRAM: presets (ddr4_2400_x64, lpddr4_3200) or fixed:GBPS (the "
                "fixed-latency memory at that bandwidth)")
      ->delimiter(',');
  c->add_option("--set", o.sets, "KEY=VALUE for every point (repeatable)");
  c->add_flag("--fuse-blocks", o.fuse_blocks,
              "block fusion (stripe chains) as dwvp run --fuse-blocks: chains chosen per "
              "point within its buffers");
  c->add_flag("--fuse", o.fuse,
              "layer-level fusion as dwvp run --fuse: depthwise -> pointwise pairs whose "
              "intermediate fits each point's buffers");
  c->add_option("--rerun", o.rerun, "fastest Pareto points re-run on the platform")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  c->add_option("--jobs", o.jobs, "platform runs at a time")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--out", o.out, "output folder (points.csv, pareto.csv, pareto.svg)")
      ->capture_default_str();
  return c;
}

int explore(const explore_options& o) {
  // The grid, policy outermost; each policy's network is built once.
  std::vector<point> points;
  for (const std::string& policy : o.policies)
    for (int a : o.arrays)
      for (int in : o.input_kb)
        for (int w : o.weight_kb)
          for (int out : o.output_kb)
            for (int l : o.lanes)
              for (const std::string& d : o.dram) {
                point p;
                p.policy = policy;
                p.array = a;
                p.input_kb = in;
                p.weight_kb = w;
                p.output_kb = out;
                p.lanes = l;
                p.dram = d;
                p.sets = sets_of(p, o);
                points.push_back(p);
              }
  const auto t0 = std::chrono::steady_clock::now();
  std::string built_policy;
  runtime::network net;
  std::vector<analytical::layer_input> layers;
  for (point& p : points) {
    const studies::run_spec spec = spec_of(p, o);
    const config cfg = studies::config_of(spec);
    if (p.policy != built_policy) {
      studies::run_spec timing_only = spec;
      timing_only.functional = false;
      net = studies::build_network_of(timing_only);
      layers = analytical::layers_of(net, analytical::run_options_of(spec, cfg));
      built_policy = p.policy;
    } else if (o.fuse_blocks || o.fuse) { // fusion depends on the point's buffers
      layers = analytical::layers_of(net, analytical::run_options_of(spec, cfg));
    }
    const analytical::network_estimate e =
        analytical::estimate(layers, analytical::params_from_config(cfg));
    p.ok = e.ok;
    p.error = e.error;
    p.cycles = e.cycles;
    p.dram_bytes = e.dram_read_bytes + e.dram_write_bytes;
    p.cost = cost_of(p, int(cfg.get_uint("vector.buffer_kb")));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Pareto front: no other point is at most as costly and at most as slow, and better
  // in one of the two.
  std::vector<size_t> order;
  for (size_t i = 0; i < points.size(); ++i)
    if (points[i].ok)
      order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return points[a].cost != points[b].cost ? points[a].cost < points[b].cost
                                            : points[a].cycles < points[b].cycles;
  });
  std::vector<size_t> front;
  uint64_t best = UINT64_MAX;
  for (size_t i : order)
    if (points[i].cycles < best) {
      best = points[i].cycles;
      front.push_back(i);
    }

  const std::vector<std::string> header = {
      "policy", "array", "input_kb", "weight_kb",  "output_kb", "lanes",
      "dram",   "cost",  "cycles",   "dram_bytes", "error"};
  auto row = [&](const point& p) {
    return std::vector<std::string>{p.policy,
                                    std::to_string(p.array),
                                    std::to_string(p.input_kb),
                                    std::to_string(p.weight_kb),
                                    std::to_string(p.output_kb),
                                    std::to_string(p.lanes),
                                    p.dram,
                                    studies::fmt(p.cost, 0),
                                    p.ok ? studies::fmt_int(p.cycles) : "",
                                    p.ok ? studies::fmt_int(p.dram_bytes) : "",
                                    p.error};
  };
  studies::table all{header, {}}, pareto{header, {}};
  for (const point& p : points)
    all.add(row(p));
  for (size_t i : front)
    pareto.add(row(points[i]));
  std::filesystem::create_directories(o.out);
  studies::write_csv(o.out + "/points.csv", all);
  studies::write_csv(o.out + "/pareto.csv", pareto);
  std::cout << "explore           " << o.network << " at " << o.resolution << "x"
            << o.resolution << ": " << points.size() << " design points (" << order.size()
            << " feasible) estimated in " << studies::fmt(seconds, 3) << " s ("
            << studies::fmt(points.size() / std::max(seconds, 1e-9), 0)
            << " points per host second)\n";
  std::cout << "cost              MAC units (array PEs + vector lanes) + SRAM KiB "
               "(buffers + vector memory)\n\nPareto front (cycles against cost):\n";
  studies::print_table(std::cout, pareto);
  studies::plot(std::cout, o.out, "pareto",
                "set terminal svg size 800,500\nset output 'pareto.svg'\n"
                "set datafile separator ','\nset logscale xy\n"
                "set xlabel 'cost (MAC units + SRAM KiB)'\nset ylabel 'cycles'\n"
                "set key top right\n"
                "plot 'points.csv' every ::1 using 8:9 with points pt 7 ps 0.3 "
                "lc rgb '#a0a0a0' title 'design points', \\\n"
                "     'pareto.csv' every ::1 using 8:9 with linespoints pt 7 lw 2 "
                "lc rgb '#c00000' title 'Pareto front'\n");

  if (o.rerun <= 0 || front.empty())
    return 0;
  // The fastest front points (the end of the front), on the platform.
  std::vector<size_t> chosen(front.end() - std::min<size_t>(front.size(), o.rerun),
                             front.end());
  std::vector<studies::run_spec> specs;
  for (size_t i : chosen)
    specs.push_back(spec_of(points[i], o));
  studies::study_options so;
  so.out = o.out;
  so.jobs = o.jobs;
  const std::vector<studies::run_result> runs = studies::run_checked(specs, so);
  studies::table cmp{{"policy", "array", "input_kb", "weight_kb", "output_kb", "lanes",
                      "dram", "model cycles", "platform cycles", "error %",
                      "max layer error %", "DRAM bytes equal"},
                     {}};
  for (size_t k = 0; k < chosen.size() && k < runs.size(); ++k) {
    const point& p = points[chosen[k]];
    const analytical::network_estimate e = analytical::estimate_spec(specs[k]);
    const analytical::comparison c = analytical::compare(e, runs[k]);
    double worst = 0;
    bool bytes = c.error.empty();
    for (const analytical::layer_error& l : c.layers) {
      worst = std::max(worst, std::abs(l.cycle_error));
      bytes = bytes && l.bytes_equal;
    }
    cmp.add({p.policy, std::to_string(p.array), std::to_string(p.input_kb),
             std::to_string(p.weight_kb), std::to_string(p.output_kb),
             std::to_string(p.lanes), p.dram, studies::fmt_int(e.cycles),
             studies::fmt_int(runs[k].cycles),
             studies::fmt(100.0 * (double(e.cycles) - double(runs[k].cycles)) /
                              double(std::max<uint64_t>(runs[k].cycles, 1)),
                          2),
             studies::fmt(100 * worst, 1), bytes ? "yes" : "no"});
  }
  std::cout << "\nThe " << chosen.size()
            << " fastest Pareto points on the platform (dwvp run --no-data):\n";
  studies::print_table(std::cout, cmp);
  studies::write_csv(o.out + "/rerun.csv", cmp);
  return 0;
}

} // namespace dwvp::scenarios
