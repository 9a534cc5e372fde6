// Checks and conversions shared by the golden reference's translation units
// (golden.cpp, golden_conv.cpp, golden_elementwise.cpp). Internal to golden/: not
// part of the golden.h API. The functions are defined, with their comments, in
// golden.cpp; check_size is a template and so lives here.
#pragma once

#include "golden.h"

#include <cstdint>
#include <string>
#include <vector>

namespace golden {
namespace detail {

[[noreturn]] void fail(const char* fn, const std::string& what);
int32_t to_int32(int64_t v, const char* fn, const char* what);
void check_shape(const char* fn, const char* name, const shape& s);
void check_zp(const char* fn, const char* name, int32_t zp);
void check_act(const char* fn, int32_t act_min, int32_t act_max);
void check_mbqm_shift(const char* fn, const char* name, long long shift);
int output_dim(const char* fn, const char* name, int in, int pad_a, int pad_b, int kernel,
               int stride);

template <typename T>
void check_size(const char* fn, const char* name, const std::vector<T>& v,
                long long expected) {
  if (v.empty()) {
    fail(fn, std::string(name) + " is empty");
  }
  if (static_cast<long long>(v.size()) != expected) {
    fail(fn, std::string(name) + " has " + std::to_string(v.size()) +
                 " elements, expected " + std::to_string(expected));
  }
}

} // namespace detail
} // namespace golden
