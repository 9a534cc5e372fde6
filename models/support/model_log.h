// How models get their loggers without depending on the platform: the platform (or a
// test bench) installs a factory once; models ask for a logger by module name. Without
// a factory, models log warnings and errors to stderr.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

namespace dwvp::models {

using logger_factory = std::function<std::shared_ptr<spdlog::logger>(const std::string&)>;

// Installs the factory every later model_logger() call uses.
void set_logger_factory(logger_factory factory);

// The logger of a module (e.g. the sc_module's basename()).
std::shared_ptr<spdlog::logger> model_logger(const std::string& module);

} // namespace dwvp::models
