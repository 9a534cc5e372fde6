# dwvp_add_firmware_scenario(<name> SOURCES <files>... [LIBS <targets>...])
#
# An executable that runs the firmware in SOURCES on the virtual platform: the sources
# (C or C++) define `int dwvp_firmware_main(void)` (hal.h) and use the HAL, the driver
# and the layer runtime; the platform supplies main() (lib/firmware_host: --config,
# --set, --vcd, --dump-config; the exit code is the firmware's). The project must enable
# C++ (project(... C CXX)): the platform is C++. docs/firmware.md, "Building your
# firmware against the installed platform".
#
# In the dwvp build DWVP_FIRMWARE_HOST is dwvp_firmware_host; the installed package
# (dwvpConfig.cmake) sets it to dwvp::dwvp_firmware_host.
function(dwvp_add_firmware_scenario name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT F_SOURCES)
    message(FATAL_ERROR "dwvp_add_firmware_scenario(${name}): SOURCES is missing")
  endif()
  if(F_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "dwvp_add_firmware_scenario(${name}): unknown arguments ${F_UNPARSED_ARGUMENTS}")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "CXX" IN_LIST languages)
    message(FATAL_ERROR "dwvp_add_firmware_scenario(${name}): the project must enable C++ "
                        "(project(<name> C CXX)): the platform it links is C++")
  endif()
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${DWVP_FIRMWARE_HOST} ${F_LIBS})
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX)
endfunction()
