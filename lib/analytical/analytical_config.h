// The analytical model's design point from a platform configuration (the keys `dwvp
// run` takes): the same accelerator and DRAM parameters the SoC is built from
// (platform/soc.h: accel_params_from, dram_setup_from), so that model and platform
// read one configuration alike. Links the platform's configuration code (SystemC
// headers); the model itself (analytical.h) does not.
#pragma once

#include "analytical.h"
#include "config.h"

namespace dwvp::analytical {

// Throws config_error naming the key, as the platform does.
platform_params params_from_config(const config& cfg);

} // namespace dwvp::analytical
