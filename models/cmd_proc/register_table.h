// A table of 32-bit registers: one entry per register, naming it and stating its
// access rule and its side effects in one place (in the spirit of VCML's register
// declarations). The table decodes an offset in constant time; holes, wrong widths and
// forbidden directions become TLM error responses in the owner's b_transport, and so
// does a write its register's guard refuses (a value or a moment the hardware does not
// accept: a slave error, TLM_GENERIC_ERROR_RESPONSE).
#pragma once

#include <tlm>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dwvp::models {

class register_table {
public:
  enum access { read_only, write_only, read_write };
  using reader = std::function<uint32_t()>;
  using writer = std::function<void(uint32_t)>;
  // Returns why a write of this value is refused now, or an empty string to accept it.
  using guard = std::function<std::string(uint32_t)>;

  // `size` bytes of register space, 4-byte registers.
  explicit register_table(uint32_t size) : m_index(size / 4, -1) {}

  // Declares a register. A read-only register has no writer, a write-only one no reader.
  // A guard, if given, may refuse a write; the register then keeps its value.
  // Throws std::invalid_argument for an offset outside the space, misaligned or taken.
  void add(uint32_t offset, std::string name, access rule, reader read, writer write,
           guard check = {});

  struct entry {
    uint32_t offset;
    std::string name;
    access rule;
    reader read;
    writer write;
    guard check;
  };
  // The register at `offset`, or nullptr for a hole.
  const entry* find(uint64_t offset) const {
    if (offset % 4 || offset / 4 >= m_index.size() || m_index[offset / 4] < 0)
      return nullptr;
    return &m_entries[static_cast<size_t>(m_index[offset / 4])];
  }
  // Reads or writes a register: TLM_OK_RESPONSE, TLM_ADDRESS_ERROR_RESPONSE (hole),
  // TLM_COMMAND_ERROR_RESPONSE (direction not allowed) or TLM_GENERIC_ERROR_RESPONSE
  // (the guard refused the write; its reason goes to `refusal` if given).
  tlm::tlm_response_status access_register(uint64_t offset, bool is_read, uint32_t& value,
                                           std::string* refusal = nullptr) const;
  const std::vector<entry>& entries() const { return m_entries; }

private:
  std::vector<int> m_index; // offset / 4 -> entry, -1 for a hole
  std::vector<entry> m_entries;
};

} // namespace dwvp::models
