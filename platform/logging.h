// One spdlog logger per module; every line carries the simulation time.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace dwvp::logging {

// Sets the default level and per-module levels ("cmd_proc=debug,bus=trace").
// Throws dwvp::config_error on an unknown level name or malformed list.
void configure(const std::string& default_level, const std::string& module_levels);

// After elaboration, when every module has its logger: throws dwvp::config_error
// naming each module of the per-module levels that no logger has, with the names
// there are (a typo or a block without a logger would otherwise silently log nothing).
void check_module_names();

// The logger of a module, created on first use with the configured level. Lines look
// like "[   1234.000 ns] [accel] [info] message" and go to stderr.
std::shared_ptr<spdlog::logger> get(const std::string& module);

} // namespace dwvp::logging
