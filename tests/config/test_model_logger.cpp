// Models get their loggers from dwvp::models::model_logger; the platform's logging
// installs the factory before main. This file calls nothing in platform/logging, so it
// also checks that linking dwvp_logging alone is enough to install the factory (the
// static initializer's object is linked even though nothing here references it).
#include "model_log.h"

#include <catch2/catch.hpp>

using dwvp::models::model_logger;

TEST_CASE("model loggers come from the platform's factory without configure()") {
  // logging::get keeps one logger per module; the stand-in without a factory makes a
  // new one on every call, so equal pointers mean the factory is installed.
  auto a = model_logger("model_logger_test");
  auto b = model_logger("model_logger_test");
  CHECK(a == b);
  CHECK(a->name() == "model_logger_test");
  CHECK(a->level() == spdlog::level::warn); // logging's default level
}
