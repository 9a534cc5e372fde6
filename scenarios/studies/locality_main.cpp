// dwvp_study_locality: MobileNet-v2 DRAM traffic and DRAM energy under the data-locality
// schedules of Wu and Huang (DATE 2019: 67% DRAM energy reduction with a 64K-entry
// buffer). By default the paper's setup: one budget of 64K entries shared by the three
// buffers (every split in eighths simulated, the best per schedule reported), 8- and
// 16-bit entries, the layer-by-layer baseline without reuse across tiles beside
// row-major, Scan and Scan + fusion, on DDR4-2400 and a DDR3-1600 memspec (DRAMSim2's
// part), and the traffic of each schedule split by cause with what block-level fusion
// could remove. --sweep: the earlier sweep of equal buffer sizes. docs/results.md.
#include "harness.h"
#include "locality_setup.h"
#include "study_output.h"

#include <algorithm>
#include <map>
#include <systemc>

#include <iostream>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

// Every buffer size as a tick, inside a range with a margin: gnuplot's autoscaled
// log axis ends at the last point and drops its tick.
std::string xtics(const std::vector<int>& sizes) {
  std::string s = "set xtics (";
  int lo = sizes.empty() ? 1 : sizes.front(), hi = lo;
  for (size_t i = 0; i < sizes.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(sizes[i]);
    lo = std::min(lo, sizes[i]);
    hi = std::max(hi, sizes[i]);
  }
  return s + ")\nset xrange [" + std::to_string(lo * 0.8) + ":" +
         std::to_string(hi * 1.25) + "]\n";
}

int run_sweep(const study_options& o, const std::vector<int>& sizes,
              const std::string& network, const std::string& policy) {
  struct variant {
    const char* name;
    bool scan, fuse;
  };
  const std::vector<variant> variants{{"row-major", false, false},
                                      {"row-major+fuse", false, true},
                                      {"scan", true, false},
                                      {"scan+fuse", true, true}};
  std::vector<run_spec> specs;
  for (int kb : sizes)
    for (const auto& v : variants) {
      run_spec s;
      s.network = network;
      s.policy = policy;
      s.resolution = o.resolution;
      const std::string k = std::to_string(kb);
      s.sets = {{"sram.input_kb", k}, {"sram.weight_kb", k}, {"sram.output_kb", k}};
      s.scan_order = v.scan;
      s.fuse = v.fuse;
      specs.push_back(s);
    }
  std::cout << "dwvp_study_locality: " << network << " at " << o.resolution << "x"
            << o.resolution << ", policy " << policy
            << ", DDR4-2400 channel, sram.input_kb = weight_kb = output_kb swept, "
               "timing only\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran
  table t;
  t.header = {"buffer_kb",       "schedule",
              "dram_read_bytes", "dram_write_bytes",
              "dram_bytes",      "traffic_reduction_pct",
              "dram_energy_uj",  "energy_reduction_pct",
              "cycles"};
  table p; // buffer_kb, per variant the DRAM energy reduction
  p.header = {"buffer_kb"};
  for (const auto& v : variants)
    p.header.push_back(v.name);
  size_t k = 0;
  for (int kb : sizes) {
    const run_result& base = res[k];
    std::vector<std::string> prow{std::to_string(kb)};
    for (size_t i = 0; i < variants.size(); ++i) {
      const run_result& r = res[k + i];
      const double tr = 100.0 * (1.0 - double(r.dram_bytes) / base.dram_bytes);
      const double er = 100.0 * (1.0 - r.energy_dram_pj / base.energy_dram_pj);
      t.add({std::to_string(kb), variants[i].name, fmt_int(r.dram_read_bytes),
             fmt_int(r.dram_write_bytes), fmt_int(r.dram_bytes), fmt(tr, 1),
             fmt(r.energy_dram_pj / 1e6, 1), fmt(er, 1), fmt_int(r.cycles)});
      prow.push_back(fmt(er, 1));
    }
    p.add(prow);
    k += variants.size();
  }
  print_table(std::cout, t);
  std::cout << "\n(reductions are against row-major without fusion at the same buffer "
               "size; published: 67% DRAM energy reduction, Wu and Huang DATE 2019)\n\n";
  write_csv(o.out + "/locality.csv", t);
  write_csv(o.out + "/energy_reduction.csv", p);
  std::cout << "CSV               " << o.out << "/locality.csv, energy_reduction.csv\n";
  plot(std::cout, o.out, "energy_reduction",
       "set title '" + network +
           ": DRAM energy reduction vs row-major, no fusion' noenhanced\n"
           "set xlabel 'buffer size per buffer, KiB'\nset ylabel 'reduction, %'\n"
           "set logscale x 2\nset yrange [0:100]\n" +
           xtics(sizes) +
           "plot 'energy_reduction.csv' using 1:3 with linespoints title "
           "'row-major + fuse', '' using 1:4 with linespoints title 'Scan', '' using "
           "1:5 with linespoints title 'Scan + fuse', 67 with lines dt 2 title "
           "'published 67%'\n");
  return 0;
}

// The paper's setup: `entries` entries shared by the buffers at each entry width, each
// schedule at its best split of the budget, on each DRAM.
struct dram_setting {
  std::string name, spec; // spec "": the default DDR4-2400 preset
};

double pct(double part, double whole) {
  return whole > 0 ? 100.0 * (1.0 - part / whole) : 0.0;
}

struct class_totals {
  uint64_t input = 0, halo = 0, input_refetch = 0, weights = 0, weight_refetch = 0,
           output = 0, intermediate_writes = 0, intermediate_reads = 0;
  uint64_t other_halo_refetch = 0; // halo and re-fetches of what is not an intermediate
  void add(const layer_traffic& t) {
    input += t.input;
    halo += t.halo;
    input_refetch += t.input_refetch;
    weights += t.weights;
    weight_refetch += t.weight_refetch;
    output += t.output;
    other_halo_refetch += t.weight_refetch;
    if (!t.reads_intermediate)
      other_halo_refetch += t.halo + t.input_refetch;
    if (t.block_intermediate) {
      intermediate_writes += t.output;
      intermediate_reads += t.consumer_reads;
    }
  }
  uint64_t planned() const {
    return input + halo + input_refetch + weights + weight_refetch + output;
  }
};

int run_budget(const study_options& o, const std::string& network,
               const std::string& policy, uint64_t entries, const std::vector<int>& bits,
               const std::string& ddr3_spec) {
  run_spec base;
  base.network = network;
  base.policy = policy;
  base.resolution = o.resolution;
  const std::vector<dram_setting> drams{{"DDR4-2400", ""}, {"DDR3-1600", ddr3_spec}};
  const auto& variants = locality_variants();
  // Splits every layer can be tiled into (the same for every schedule).
  std::map<int, std::vector<budget_split>> splits;
  for (int b : bits)
    for (const budget_split& sp : budget_splits()) {
      std::string why;
      if (budget_fits(locality_spec(base, entries, b, sp, variants[1]), &why))
        splits[b].push_back(sp);
      else
        std::cout << "split " << describe(sp) << " at " << b
                  << "-bit entries cannot tile " << why << "\n";
    }
  std::vector<run_spec> specs;
  struct point {
    int bits;
    size_t dram, variant;
    budget_split split;
  };
  std::vector<point> points;
  for (int b : bits)
    for (size_t di = 0; di < drams.size(); ++di)
      for (size_t vi = 0; vi < variants.size(); ++vi)
        for (const budget_split& sp : splits[b]) {
          specs.push_back(
              locality_spec(base, entries, b, sp, variants[vi], drams[di].spec));
          points.push_back({b, di, vi, sp});
        }
  // The default platform (sram.*_kb defaults, 8-bit entries) for comparison.
  const size_t default_first = specs.size();
  for (size_t di = 0; di < drams.size(); ++di)
    for (const auto& v : variants) {
      run_spec s = base;
      if (!v.reuse)
        s.sets.push_back({"sequencer.reuse", "false"});
      if (!drams[di].spec.empty())
        s.sets.push_back({"dram.spec", drams[di].spec});
      s.scan_order = v.scan;
      s.fuse = v.fuse;
      s.fuse_blocks = v.fuse_blocks;
      specs.push_back(s);
    }
  std::cout << "dwvp_study_locality: " << network << " at " << o.resolution << "x"
            << o.resolution << ", policy " << policy << ", " << entries
            << " entries shared by the input, weight and output buffers (every split "
               "in eighths), timing only: "
            << specs.size() << " runs\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran

  // Every point, then the best split (least DRAM energy) of each schedule.
  table all;
  all.header = {"entry_bits", "dram",      "schedule",   "split",          "input_kb",
                "weight_kb",  "output_kb", "dram_bytes", "dram_energy_uj", "cycles"};
  std::map<std::tuple<int, size_t, size_t>, size_t> best;
  for (size_t i = 0; i < points.size(); ++i) {
    const point& p = points[i];
    const run_result& r = res[i];
    const uint64_t eighth = entries * p.bits / 8 / 8 / 1024;
    all.add({std::to_string(p.bits), drams[p.dram].name, variants[p.variant].name,
             describe(p.split), std::to_string(p.split.input * eighth),
             std::to_string(p.split.weight * eighth),
             std::to_string(p.split.output * eighth), std::to_string(r.dram_bytes),
             fmt(r.energy_dram_pj / 1e6, 1), std::to_string(r.cycles)});
    auto key = std::make_tuple(p.bits, p.dram, p.variant);
    auto it = best.find(key);
    if (it == best.end() || r.energy_dram_pj < res[it->second].energy_dram_pj)
      best[key] = i;
  }
  write_csv(o.out + "/splits.csv", all);

  table t;
  t.header = {"entry_bits",      "dram",
              "schedule",        "best_split",
              "dram_read_bytes", "dram_write_bytes",
              "dram_bytes",      "traffic_reduction_pct",
              "dram_energy_uj",  "energy_reduction_pct",
              "cycles"};
  table p; // per setting, the energy reduction of each schedule
  p.header = {"setting"};
  for (size_t vi = 1; vi < variants.size(); ++vi)
    p.header.push_back(variants[vi].name);
  p.header.push_back("estimate: block fusion (weights resident)");
  p.header.push_back("estimate: block-fusion bound");
  std::map<std::pair<int, size_t>, double> bound_energy_pct, resident_energy_pct;
  // Traffic by cause at the best splits on DDR4 (the plans do not depend on the DRAM).
  table classes;
  classes.header = {"entry_bits",
                    "schedule",
                    "split",
                    "input",
                    "halo",
                    "input_refetch",
                    "weights",
                    "weight_refetch",
                    "output",
                    "other",
                    "simulated",
                    "block_intermediate_writes",
                    "block_intermediate_reads"};
  table bounds;
  bounds.header = {"entry_bits", "what", "dram_bytes", "traffic_reduction_pct"};
  for (int b : bits) {
    const run_result& bl = res[best.at({b, 0, 0})];
    class_totals sf_totals;
    uint64_t sf_bytes = 0, resident_saved = 0;
    // The tile plans explain the layer-level schedules (the chains' stripes are the
    // sequencer's own).
    for (size_t vi = 0; vi <= k_scan_fuse; ++vi) {
      const size_t i = best.at({b, 0, vi});
      const std::vector<layer_traffic> tr = traffic_of(specs[i]);
      class_totals c;
      for (const auto& l : tr)
        c.add(l);
      const uint64_t sim = res[i].dram_bytes;
      classes.add({std::to_string(b), variants[vi].name, describe(points[i].split),
                   std::to_string(c.input), std::to_string(c.halo),
                   std::to_string(c.input_refetch), std::to_string(c.weights),
                   std::to_string(c.weight_refetch), std::to_string(c.output),
                   std::to_string(int64_t(sim) - int64_t(c.planned())),
                   std::to_string(sim), std::to_string(c.intermediate_writes),
                   std::to_string(c.intermediate_reads)});
      if (vi == k_scan_fuse) {
        sf_totals = c;
        sf_bytes = sim;
        // Fused chains (expand -> depthwise -> project) whose weights fit half the
        // budget: block fusion could keep those weights resident across the spatial
        // tiles; the others would re-fetch them per tile.
        const uint64_t half_budget = entries * b / 8 / 2;
        for (size_t k = 0; k < tr.size(); ++k) {
          if (!tr[k].block_intermediate || tr[k].reads_intermediate)
            continue;
          uint64_t weights = 0, saved = 0;
          size_t j = k;
          for (; j < tr.size() && tr[j].block_intermediate; ++j) {
            weights += tr[j].weights;
            saved += tr[j].output + tr[j].consumer_reads;
          }
          weights += tr[j].weights; // the last consumer (project)
          if (weights <= half_budget)
            resident_saved += saved;
        }
        // Per layer, for the doc's arithmetic.
        table layers;
        layers.header = {"layer",          "type",           "input",
                         "halo",           "input_refetch",  "weights",
                         "weight_refetch", "output",         "block_intermediate",
                         "simulated_read", "simulated_write"};
        const run_result& r = res[i];
        for (size_t k = 0; k < tr.size(); ++k) {
          const auto& l = tr[k];
          const bool sim_known = k < r.layers.size() && r.layers[k].name == l.name;
          layers.add({l.name, l.type, std::to_string(l.input), std::to_string(l.halo),
                      std::to_string(l.input_refetch), std::to_string(l.weights),
                      std::to_string(l.weight_refetch), std::to_string(l.output),
                      l.block_intermediate ? "yes" : "no",
                      sim_known ? std::to_string(r.layers[k].dram_read_bytes) : "",
                      sim_known ? std::to_string(r.layers[k].dram_write_bytes) : ""});
        }
        write_csv(o.out + "/layers_scan_fuse_" + std::to_string(b) + "bit.csv", layers);
      }
    }
    // What block fusion could remove on top of Scan + fusion: every intermediate of an
    // inverted-residual block (its write and everything its consumer reads of it).
    const uint64_t removable =
        sf_totals.intermediate_writes + sf_totals.intermediate_reads;
    const uint64_t block_bound = sf_bytes - removable;
    // And with no halo or re-fetch left anywhere either (every operand once).
    const uint64_t floor_bytes = block_bound - sf_totals.other_halo_refetch;
    bounds.add({std::to_string(b), "layer-by-layer (simulated)",
                std::to_string(bl.dram_bytes), "0.0"});
    bounds.add({std::to_string(b), "scan+fuse (simulated)", std::to_string(sf_bytes),
                fmt(pct(double(sf_bytes), double(bl.dram_bytes)), 1)});
    bounds.add({std::to_string(b), "scan+fuse - block intermediates",
                std::to_string(block_bound),
                fmt(pct(double(block_bound), double(bl.dram_bytes)), 1)});
    const uint64_t resident_bound = sf_bytes - resident_saved;
    bounds.add({std::to_string(b),
                "scan+fuse - intermediates of blocks whose weights fit half the budget",
                std::to_string(resident_bound),
                fmt(pct(double(resident_bound), double(bl.dram_bytes)), 1)});
    bounds.add({std::to_string(b),
                "scan+fuse - block intermediates - other halo and re-fetches",
                std::to_string(floor_bytes),
                fmt(pct(double(floor_bytes), double(bl.dram_bytes)), 1)});
    for (size_t di = 0; di < drams.size(); ++di) {
      // Energy at the bound if the Scan + fusion run's DRAM energy per byte held
      // (background and refresh follow the run time, which falls less: an upper
      // bound on the reduction).
      const run_result& sf = res[best.at({b, di, k_scan_fuse})];
      const run_result& bd = res[best.at({b, di, 0})];
      bound_energy_pct[{b, di}] =
          pct(sf.energy_dram_pj * double(block_bound) / double(sf.dram_bytes),
              bd.energy_dram_pj);
      resident_energy_pct[{b, di}] =
          pct(sf.energy_dram_pj * double(resident_bound) / double(sf.dram_bytes),
              bd.energy_dram_pj);
    }
  }
  for (int b : bits)
    for (size_t di = 0; di < drams.size(); ++di) {
      const run_result& bl = res[best.at({b, di, 0})];
      std::vector<std::string> prow{std::to_string(b) + "-bit " + drams[di].name};
      for (size_t vi = 0; vi < variants.size(); ++vi) {
        const size_t i = best.at({b, di, vi});
        const run_result& r = res[i];
        const double er = pct(r.energy_dram_pj, bl.energy_dram_pj);
        t.add({std::to_string(b), drams[di].name, variants[vi].name,
               describe(points[i].split), std::to_string(r.dram_read_bytes),
               std::to_string(r.dram_write_bytes), fmt_int(r.dram_bytes),
               fmt(pct(double(r.dram_bytes), double(bl.dram_bytes)), 1),
               fmt(r.energy_dram_pj / 1e6, 1), fmt(er, 1), fmt_int(r.cycles)});
        if (vi)
          prow.push_back(fmt(er, 1));
      }
      prow.push_back(fmt(resident_energy_pct[{b, di}], 1));
      prow.push_back(fmt(bound_energy_pct[{b, di}], 1));
      p.add(prow);
    }
  table d;
  d.header = t.header;
  for (size_t di = 0; di < drams.size(); ++di) {
    const run_result& bl = res[default_first + di * variants.size()];
    for (size_t vi = 0; vi < variants.size(); ++vi) {
      const run_result& r = res[default_first + di * variants.size() + vi];
      d.add({"8", drams[di].name, variants[vi].name, "256/256/128 KiB",
             std::to_string(r.dram_read_bytes), std::to_string(r.dram_write_bytes),
             fmt_int(r.dram_bytes),
             fmt(pct(double(r.dram_bytes), double(bl.dram_bytes)), 1),
             fmt(r.energy_dram_pj / 1e6, 1),
             fmt(pct(r.energy_dram_pj, bl.energy_dram_pj), 1), fmt_int(r.cycles)});
    }
  }
  std::cout << "Each schedule at its best split of the budget (input/weight/output "
               "eighths); reductions against the layer-by-layer baseline at its own best "
               "split:\n";
  print_table(std::cout, t);
  std::cout
      << "\nThe default platform (sram.input_kb / weight_kb / output_kb = 256 / 256 "
         "/ 128, 8-bit entries):\n";
  print_table(std::cout, d);
  std::cout
      << "\nDRAM bytes by cause at the best splits (tile plans; `other` = simulated "
         "- planned: descriptors and statistics records):\n";
  print_table(std::cout, classes);
  std::cout
      << "\nWhat block-level fusion could reach (from the Scan + fusion traffic):\n";
  print_table(std::cout, bounds);
  std::cout
      << "\n(published: 67% DRAM energy reduction, Wu and Huang DATE 2019; the "
         "block-fusion columns of reduction.csv assume the Scan + fusion run's DRAM "
         "energy per byte)\n\n";
  write_csv(o.out + "/budget.csv", t);
  write_csv(o.out + "/default_platform.csv", d);
  write_csv(o.out + "/traffic_classes.csv", classes);
  write_csv(o.out + "/block_fusion_bound.csv", bounds);
  write_csv(o.out + "/reduction.csv", p);
  std::cout << "CSV               " << o.out
            << "/budget.csv, splits.csv, default_platform.csv, traffic_classes.csv, "
               "block_fusion_bound.csv, layers_scan_fuse_*bit.csv, reduction.csv\n";
  plot(std::cout, o.out, "reduction",
       "set title '" + network +
           ": DRAM energy reduction against the layer-by-layer "
           "baseline, " +
           std::to_string(entries) +
           " entries shared' noenhanced\n"
           "set ylabel 'reduction, %'\nset yrange [0:100]\nset key top left\n"
           "set style data histograms\nset style histogram clustered gap 1\n"
           "set style fill solid 0.8 border -1\nset datafile separator ','\n"
           "plot 'reduction.csv' using 2:xtic(1) title 'row-major', '' using 3 title "
           "'Scan', '' using 4 title 'Scan + fuse', '' using 5 title 'Scan + block "
           "fusion (simulated)', '' using 6 title 'estimate: block fusion, weights "
           "resident', '' using 7 title 'estimate: block-fusion bound', "
           "67 with lines dt 2 title 'published 67%', 50 with lines dt 3 title '50%'\n");
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  CLI::App app{"dwvp_study_locality: the data-locality schedules of Wu and Huang (DATE "
               "2019) under a shared on-chip budget against the layer-by-layer "
               "baseline; --sweep: row-major vs Scan over equal buffer sizes"};
  study_options o;
  add_study_options(app, o, "locality");
  std::vector<int> sizes{32, 64, 128, 256, 512};
  std::vector<int> bits{8, 16};
  uint64_t entries = 65536;
  bool sweep = false;
  std::string network = "mobilenet_v2", policy = "gemm_dwc";
  std::string ddr3 = std::string(DWVP_CONFIG_DIR) + "/dram/ddr3_1600_x64.json";
  app.add_flag("--sweep", sweep,
               "the equal-buffer sweep (--buffers-kb) instead of the shared budget");
  CLI::Option* buffers_kb =
      app.add_option("--buffers-kb", sizes,
                     "the equal-buffer sweep over these sizes, KiB (each of the three; "
                     "implies --sweep)")
          ->delimiter(',')
          ->check(CLI::Range(4, 65536))
          ->capture_default_str();
  app.add_option("--entries", entries, "on-chip budget shared by the buffers, entries")
      ->check(CLI::Range(8192, 1 << 24))
      ->capture_default_str();
  app.add_option("--entry-bits", bits, "entry widths (8, 16)")
      ->delimiter(',')
      ->check(CLI::IsMember({8, 16}))
      ->capture_default_str();
  app.add_option("--ddr3-spec", ddr3, "DDR3-1600 memspec (DRAMSim2's part)")
      ->check(CLI::ExistingFile)
      ->capture_default_str();
  app.add_option("--network", network, "network")->capture_default_str();
  app.add_option("--policy", policy, "depthwise policy")
      ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}))
      ->capture_default_str();
  if (int code = dwvp::scenarios::parse_command_line(app, argc, argv); code >= 0)
    return code;
  return dwvp::scenarios::guarded_main([&] {
    if (sweep || buffers_kb->count() > 0)
      return run_sweep(o, sizes, network, policy);
    if (entries % 8192)
      throw std::invalid_argument("--entries must be a multiple of 8192 (eighths of "
                                  "whole KiB)");
    return run_budget(o, network, policy, entries, bits, ddr3);
  });
}
