// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, fully specified 64-bit generator,
// so that generated traces and constants are identical on every platform and standard
// library. Plain C++, shared by the DRAM trace generators and the network builder.
#pragma once

#include <cstdint>

namespace dwvp {

struct splitmix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

} // namespace dwvp
