#include "register_table.h"

#include <stdexcept>

namespace dwvp::models {

void register_table::add(uint32_t offset, std::string name, access rule, reader read,
                         writer write, guard check) {
  if (offset % 4 || offset / 4 >= m_index.size() || m_index[offset / 4] >= 0)
    throw std::invalid_argument("register '" + name + "' at offset " +
                                std::to_string(offset) +
                                ": outside, misaligned or taken");
  if ((rule != write_only && !read) || (rule != read_only && !write))
    throw std::invalid_argument("register '" + name + "': access rule without handler");
  m_index[offset / 4] = static_cast<int>(m_entries.size());
  m_entries.push_back({offset, std::move(name), rule, std::move(read), std::move(write),
                       std::move(check)});
}

tlm::tlm_response_status register_table::access_register(uint64_t offset, bool is_read,
                                                         uint32_t& value,
                                                         std::string* refusal) const {
  const entry* e = find(offset);
  if (!e)
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (is_read) {
    if (e->rule == write_only)
      return tlm::TLM_COMMAND_ERROR_RESPONSE;
    value = e->read();
  } else {
    if (e->rule == read_only)
      return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (e->check) {
      std::string why = e->check(value);
      if (!why.empty()) {
        if (refusal)
          *refusal = std::move(why);
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
      }
    }
    e->write(value);
  }
  return tlm::TLM_OK_RESPONSE;
}

} // namespace dwvp::models
