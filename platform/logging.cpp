#include "logging.h"

#include "config.h"
#include "model_log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <systemc>

#include <map>
#include <mutex>

namespace dwvp::logging {
namespace {

// %* in the pattern: current SystemC time in ns.
class sim_time_flag : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    double ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
    fmt::format_to(std::back_inserter(dest), "{:>12.3f} ns", ns);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<sim_time_flag>();
  }
};

struct state {
  std::mutex lock;
  spdlog::level::level_enum default_level = spdlog::level::warn;
  std::map<std::string, spdlog::level::level_enum> module_levels;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
};

state& global() {
  static state s;
  return s;
}

spdlog::level::level_enum parse_level(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  // from_str maps unknown names to off; only accept "off" when asked for.
  if (level == spdlog::level::off && name != "off")
    throw config_error("log level '" + name +
                       "' is not one of trace, debug, info, warn, error, critical, off");
  return level;
}

void apply(state& s, const std::string& name, spdlog::logger& logger) {
  auto it = s.module_levels.find(name);
  logger.set_level(it != s.module_levels.end() ? it->second : s.default_level);
}

// Models (models/) log through dwvp::models::model_logger, which asks the factory
// installed here; they never include this header. Installed once, before any model
// can be constructed, by the static initializer below; configure() and get() call it
// too in case a program reaches them first. A static library member is linked only
// when referenced, and a program may construct models without ever calling get() or
// configure(), so dwvp_logging's link option (platform/CMakeLists.txt) references
// dwvp_logging_install_model_logger_factory: this object, and with it the static
// initializer, is in every program that links dwvp_logging (all that link dwvp_platform).
void install_model_logger_factory() {
  static const bool installed = [] {
    models::set_logger_factory(&get);
    return true;
  }();
  (void)installed;
}

const bool g_factory_installed = (install_model_logger_factory(), true);

} // namespace

void configure(const std::string& default_level, const std::string& module_levels) {
  install_model_logger_factory();
  state& s = global();
  std::lock_guard<std::mutex> guard(s.lock);
  s.default_level = parse_level(default_level);
  s.module_levels.clear();
  size_t pos = 0;
  while (pos < module_levels.size()) {
    size_t comma = module_levels.find(',', pos);
    std::string item = module_levels.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? module_levels.size() : comma + 1;
    if (item.empty())
      continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw config_error("log.modules: expected module=level, got '" + item + "'");
    s.module_levels[item.substr(0, eq)] = parse_level(item.substr(eq + 1));
  }
  for (auto& [name, logger] : s.loggers)
    apply(s, name, *logger);
}

void check_module_names() {
  state& s = global();
  std::lock_guard<std::mutex> guard(s.lock);
  std::string unknown, known;
  for (const auto& [name, level] : s.module_levels)
    if (!s.loggers.count(name))
      unknown += (unknown.empty() ? "'" : ", '") + name + "'";
  if (unknown.empty())
    return;
  for (const auto& [name, logger] : s.loggers)
    known += (known.empty() ? "" : ", ") + name;
  throw config_error("log.modules: no module " + unknown +
                     " logs in this platform; "
                     "modules: " +
                     known);
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  install_model_logger_factory();
  state& s = global();
  std::lock_guard<std::mutex> guard(s.lock);
  auto it = s.loggers.find(module);
  if (it != s.loggers.end())
    return it->second;
  auto logger = std::make_shared<spdlog::logger>(module, s.sink);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<sim_time_flag>('*').set_pattern("[%*] [%n] [%l] %v");
  logger->set_formatter(std::move(formatter));
  apply(s, module, *logger);
  s.loggers[module] = logger;
  return logger;
}

} // namespace dwvp::logging

// The symbol dwvp_logging's link option asks for (see install_model_logger_factory).
extern "C" void dwvp_logging_install_model_logger_factory() {
  dwvp::logging::install_model_logger_factory();
}
