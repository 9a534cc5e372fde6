// One fuzz harness per input reader (docs/testing.md, "Fuzzing"). Each harness file
// defines its entry with DWVP_FUZZ_TARGET(name): built with -DDWVP_FUZZING (clang,
// libFuzzer, fuzz/CMakeLists.txt) it is LLVMFuzzerTestOneInput; otherwise it is the plain
// function fuzz_<name>, which tests/fuzz/test_fuzz_replay.cpp calls on every corpus and
// regression file in the ordinary build. A harness catches the errors its reader
// documents for bad input and returns 0; anything else (a crash, a sanitizer report,
// another exception, a hang, a huge allocation) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>

#ifdef DWVP_FUZZING
#define DWVP_FUZZ_TARGET(name)                                                           \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#else
#define DWVP_FUZZ_TARGET(name) int fuzz_##name(const uint8_t* data, size_t size)
#endif

// The plain functions, for the replay test.
int fuzz_config_yaml(const uint8_t* data, size_t size);
int fuzz_config_set(const uint8_t* data, size_t size);
int fuzz_topology_csv(const uint8_t* data, size_t size);
int fuzz_npy(const uint8_t* data, size_t size);
int fuzz_index_json(const uint8_t* data, size_t size);
int fuzz_descriptor(const uint8_t* data, size_t size);
int fuzz_registers(const uint8_t* data, size_t size);
