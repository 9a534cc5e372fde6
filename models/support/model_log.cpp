#include "model_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace dwvp::models {
namespace {

std::mutex& factory_lock() {
  static std::mutex m;
  return m;
}

logger_factory& factory() {
  static logger_factory f;
  return f;
}

} // namespace

void set_logger_factory(logger_factory f) {
  std::lock_guard<std::mutex> guard(factory_lock());
  factory() = std::move(f);
}

std::shared_ptr<spdlog::logger> model_logger(const std::string& module) {
  {
    std::lock_guard<std::mutex> guard(factory_lock());
    if (factory())
      return factory()(module);
  }
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(module, sink);
  logger->set_level(spdlog::level::warn);
  return logger;
}

} // namespace dwvp::models
