#include "study_runner.h"

#include "harness.h"
#include "model_zoo.h"
#include "report.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>

namespace dwvp::studies {
namespace {

bool has_type(const std::vector<std::string>& types, const std::string& t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    off += size_t(n);
  }
}

struct child {
  size_t index = 0;
  pid_t pid = -1;
  int fd = -1;
  std::string data;
  std::chrono::steady_clock::time_point start;
};

// Child body: never returns. `net`: built by the parent (shared with the other runs of
// the same network through fork), or nullptr.
[[noreturn]] void child_main(const run_spec& spec, const runtime::network* net, int fd) {
  // The child's stdout goes nowhere: the parent owns the terminal table.
  int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    ::dup2(devnull, STDOUT_FILENO);
    ::close(devnull);
  }
  int code = 0;
  std::string out;
  try {
    out = "{\"ok\":true,\"report\":" + simulate_in_this_process(spec, net) + "}";
  } catch (const std::exception& e) {
    nlohmann::json j;
    j["ok"] = false;
    j["error"] = e.what();
    out = j.dump();
    code = 1;
  } catch (...) {
    out = "{\"ok\":false,\"error\":\"unknown exception\"}";
    code = 1;
  }
  write_all(fd, out);
  ::close(fd);
  std::fflush(stderr);
  ::_exit(code);
}

} // namespace

const std::vector<std::string>& compute_layer_types() {
  static const std::vector<std::string> t{"conv2d", "depthwise", "dw_1xk",
                                          "dw_kx1", "pointwise", "fc"};
  return t;
}

uint64_t run_result::compute_cycles_of(const std::vector<std::string>& types) const {
  uint64_t s = 0;
  for (const auto& l : layers)
    if (has_type(types, l.type))
      s += l.compute_cycles;
  return s;
}

uint64_t run_result::cycles_of(const std::vector<std::string>& types) const {
  uint64_t s = 0;
  for (const auto& l : layers)
    if (has_type(types, l.type))
      s += l.cycles;
  return s;
}

config config_of(const run_spec& spec) {
  using namespace dwvp::scenarios;
  common_options co;
  co.seed = spec.seed;
  config cfg = build_config(co);
  for (const auto& [k, v] : spec.sets)
    cfg.set(k, v, "study");
  cfg.set("sim.functional", spec.functional ? "true" : "false", "study");
  return cfg;
}

runtime::network build_network_of(const run_spec& spec) {
  const config cfg = config_of(spec);
  return networks::build_network(
      spec.network, networks::parse_policy(spec.policy), spec.seed, spec.resolution,
      scenarios::gemm_dataflow_from(cfg),
      spec.functional ? networks::constants::calibrated : networks::constants::none);
}

std::string network_key(const run_spec& spec) {
  const config cfg = config_of(spec);
  return spec.network + "|" + spec.policy + "|" + std::to_string(spec.seed) + "|" +
         std::to_string(spec.resolution) + "|" + cfg.get_string("gemm.dataflow") + "|" +
         (spec.functional ? "f" : "t");
}

std::string simulate_in_this_process(const run_spec& spec) {
  return simulate_in_this_process(spec, nullptr);
}

std::string simulate_in_this_process(const run_spec& spec,
                                     const runtime::network* built) {
  using namespace dwvp::scenarios;
  const config cfg = config_of(spec);
  runtime::network own;
  if (!built) {
    own = build_network_of(spec);
    built = &own;
  }
  const runtime::network& net = *built;
  simulate_options so;
  so.loop_order = spec.scan_order ? DWVP_ORDER_SCAN : -1;
  so.fuse = spec.fuse;
  so.fuse_blocks = spec.fuse_blocks;
  network_run r = simulate_network(cfg, net, so);
  run_report rep = make_report(cfg, net, r, spec.policy);
  if (r.result.driver_status != DWVP_OK && rep.error.empty())
    rep.error = "driver status " + std::to_string(int(r.result.driver_status));
  if (!r.firmware_failure.empty() && rep.error.empty())
    rep.error = r.firmware_failure;
  auto j = to_json(cfg, rep);
  j.erase("config");
  return j.dump();
}

run_result parse_report(const run_spec& spec, const std::string& text) {
  run_result r;
  r.spec = spec;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    r.error = std::string("bad report from child: ") + e.what();
    return r;
  }
  if (!doc.value("ok", false)) {
    r.error = doc.value("error", std::string("child failed"));
    return r;
  }
  const auto& j = doc["report"];
  const auto& t = j["total"];
  r.cycles = t.value("cycles", uint64_t(0));
  r.dram_read_bytes = t.value("dram_read_bytes", uint64_t(0));
  r.dram_write_bytes = t.value("dram_write_bytes", uint64_t(0));
  r.dram_bytes = r.dram_read_bytes + r.dram_write_bytes;
  r.energy_pj = t.value("energy_pj", 0.0);
  r.host_seconds = t.value("host_seconds", 0.0);
  r.cycles_per_host_second = t.value("simulated_cycles_per_host_second", 0.0);
  r.bit_exact = t["bit_exact"].is_boolean() && t["bit_exact"].get<bool>();
  for (const auto& x : j["layers"]) {
    layer_result l;
    l.name = x.value("name", "");
    l.type = x.value("type", "");
    l.mapping = x.value("mapping", "");
    l.cycles = x.value("cycles", uint64_t(0));
    l.compute_cycles = x.value("compute_cycles", uint64_t(0));
    l.dram_read_bytes = x.value("dram_read_bytes", uint64_t(0));
    l.dram_write_bytes = x.value("dram_write_bytes", uint64_t(0));
    l.energy_pj = x.value("energy_pj", 0.0);
    l.energy_dram_pj = x["energy_breakdown_pj"].value("dram", 0.0);
    r.energy_dram_pj += l.energy_dram_pj;
    r.layers.push_back(std::move(l));
  }
  if (t.contains("error")) {
    r.error = t["error"].get<std::string>();
    r.ok = false;
  } else {
    r.ok = true;
  }
  return r;
}

std::vector<run_result>
run_all(const std::vector<run_spec>& specs, int jobs,
        const std::function<void(size_t, const run_result&)>& on_done) {
  jobs = std::max(1, jobs);
  std::vector<run_result> results(specs.size());
  std::vector<child> active;
  // Each network is built (and, for functional runs, calibrated) once, here, and reaches
  // its children through fork; it is dropped after its last spec has forked. A spec
  // whose network the parent cannot build builds it in its child, which reports why.
  std::vector<std::string> keys(specs.size());
  std::map<std::string, size_t> last_use;
  for (size_t i = 0; i < specs.size(); ++i) {
    try {
      keys[i] = network_key(specs[i]);
    } catch (const std::exception&) {
      keys[i].clear();
    }
    if (!keys[i].empty())
      last_use[keys[i]] = i;
  }
  std::map<std::string, std::unique_ptr<runtime::network>> built;
  size_t next = 0;
  while (next < specs.size() || !active.empty()) {
    while (next < specs.size() && int(active.size()) < jobs) {
      const runtime::network* net = nullptr;
      if (!keys[next].empty()) {
        auto it = built.find(keys[next]);
        if (it == built.end()) {
          std::unique_ptr<runtime::network> n;
          try {
            n = std::make_unique<runtime::network>(build_network_of(specs[next]));
          } catch (const std::exception&) {
            n.reset(); // the child builds it again and reports the error
          }
          it = built.emplace(keys[next], std::move(n)).first;
        }
        net = it->second.get();
      }
      int fds[2];
      if (::pipe(fds) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
      // Nothing buffered may be written twice by the child.
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      child c;
      c.index = next;
      c.start = std::chrono::steady_clock::now();
      c.pid = ::fork();
      if (c.pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
      if (c.pid == 0) {
        ::close(fds[0]);
        for (const auto& a : active)
          ::close(a.fd);
        child_main(specs[next], net, fds[1]);
      }
      ::close(fds[1]);
      if (!keys[next].empty() && last_use[keys[next]] == next)
        built.erase(keys[next]);
      c.fd = fds[0];
      active.push_back(std::move(c));
      ++next;
    }
    std::vector<pollfd> pfds;
    for (const auto& c : active)
      pfds.push_back(pollfd{c.fd, POLLIN, 0});
    int n = ::poll(pfds.data(), pfds.size(), -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (size_t i = pfds.size(); i-- > 0;) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      child& c = active[i];
      char buf[65536];
      ssize_t got = ::read(c.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got > 0) {
        c.data.append(buf, size_t(got));
        continue;
      }
      // EOF (or error): the child is done.
      ::close(c.fd);
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
      }
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start)
              .count();
      run_result r;
      if (c.data.empty()) {
        r.spec = specs[c.index];
        r.error = WIFSIGNALED(status)
                      ? "child killed by signal " + std::to_string(WTERMSIG(status))
                      : "child exited " + std::to_string(WEXITSTATUS(status)) +
                            " without a report";
      } else {
        r = parse_report(specs[c.index], c.data);
      }
      r.child_wall_seconds = wall;
      results[c.index] = r;
      if (on_done)
        on_done(c.index, results[c.index]);
      active.erase(active.begin() + long(i));
    }
  }
  return results;
}

} // namespace dwvp::studies
