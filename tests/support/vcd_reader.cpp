#include "vcd_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

namespace dwvp::test {

namespace {

std::string make_what(std::size_t line, const std::string& message,
                      const std::string& source) {
  std::string prefix = source.empty() ? "" : source + ": ";
  if (line == 0)
    return prefix + message;
  return prefix + "line " + std::to_string(line) + ": " + message;
}

struct token {
  std::string text;
  std::size_t line;
  std::size_t begin; // offset in the input, to recover raw section text
};

// Whitespace-separated tokens with the line each one starts on. VCD is defined on
// tokens, not lines, so this is all the lexing it needs.
class lexer {
public:
  explicit lexer(const std::string& text) : m_text(text) {}

  std::optional<token> next() {
    while (m_pos < m_text.size() &&
           std::isspace(static_cast<unsigned char>(m_text[m_pos]))) {
      if (m_text[m_pos] == '\n')
        ++m_line;
      ++m_pos;
    }
    if (m_pos >= m_text.size())
      return std::nullopt;
    token t{"", m_line, m_pos};
    while (m_pos < m_text.size() &&
           !std::isspace(static_cast<unsigned char>(m_text[m_pos])))
      ++m_pos;
    t.text = m_text.substr(t.begin, m_pos - t.begin);
    return t;
  }

  std::size_t line() const { return m_line; }
  std::size_t pos() const { return m_pos; }
  const std::string& text() const { return m_text; }

private:
  const std::string& m_text;
  std::size_t m_pos = 0;
  std::size_t m_line = 1;
};

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos)
    return "";
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (!all_digits(s))
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
      return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool is_scalar_char(char c) {
  c = lower(c);
  return c == '0' || c == '1' || c == 'x' || c == 'z';
}

// IEEE 1364-2005 var_type list, plus "string" which gtkwave-era writers emit.
const std::set<std::string>& var_types() {
  static const std::set<std::string> types{
      "event",   "integer", "parameter", "real",   "realtime", "reg",    "supply0",
      "supply1", "time",    "tri",       "triand", "trior",    "trireg", "tri0",
      "tri1",    "wand",    "wire",      "wor",    "string"};
  return types;
}

bool is_keyword(const std::string& s) {
  static const std::set<std::string> keywords{
      "$comment", "$date",    "$enddefinitions", "$scope",   "$timescale", "$upscope",
      "$var",     "$version", "$dumpall",        "$dumpoff", "$dumpon",    "$dumpvars"};
  return keywords.count(s) != 0;
}

class parser {
public:
  explicit parser(const std::string& text) : m_lex(text) {}

  vcd_file run() {
    parse_header();
    parse_values();
    return std::move(m_file);
  }

private:
  [[noreturn]] void fail(std::size_t line, const std::string& message) const {
    throw vcd_error(line, message);
  }

  // Tokens up to the closing $end. Definition sections must not swallow another
  // keyword: that means the $end was forgotten, not that the keyword is an argument.
  std::vector<token> section_tokens(const token& keyword) {
    std::vector<token> out;
    while (auto t = m_lex.next()) {
      if (t->text == "$end")
        return out;
      // Only real keywords: "$" alone is a legal id code.
      if (is_keyword(t->text))
        fail(keyword.line, "unterminated " + keyword.text + " section (found " + t->text +
                               " on line " + std::to_string(t->line) + ")");
      out.push_back(*t);
    }
    fail(keyword.line,
         "unterminated " + keyword.text + " section (no $end before end of file)");
  }

  // Free text of $date/$version/$comment, exactly as written between keyword and $end.
  std::string section_text(const token& keyword) {
    const std::size_t start = keyword.begin + keyword.text.size();
    while (auto t = m_lex.next()) {
      if (t->text == "$end")
        return trim(m_lex.text().substr(start, t->begin - start));
    }
    fail(keyword.line,
         "unterminated " + keyword.text + " section (no $end before end of file)");
  }

  void parse_timescale(const token& keyword) {
    std::string joined;
    for (const auto& t : section_tokens(keyword))
      joined += t.text; // "1 ns" and "1ns" are both legal
    std::size_t i = 0;
    while (i < joined.size() && std::isdigit(static_cast<unsigned char>(joined[i])))
      ++i;
    const std::string number = joined.substr(0, i);
    const std::string unit = joined.substr(i);
    static const std::map<std::string, std::uint64_t> unit_fs{
        {"fs", 1ULL},
        {"ps", 1000ULL},
        {"ns", 1000000ULL},
        {"us", 1000000000ULL},
        {"ms", 1000000000000ULL},
        {"s", 1000000000000000ULL},
        {"sec", 1000000000000000ULL}}; // older SystemC writes "1 sec"
    const auto u = unit_fs.find(unit);
    if ((number != "1" && number != "10" && number != "100") || u == unit_fs.end())
      fail(keyword.line,
           "bad $timescale '" + joined + "' (expected 1|10|100 fs|ps|ns|us|ms|s)");
    m_file.timescale_fs = std::stoull(number) * u->second;
  }

  std::string scope_path() const {
    std::string path;
    for (const auto& s : m_scope_stack)
      path += (path.empty() ? "" : ".") + s;
    return path;
  }

  void parse_scope(const token& keyword) {
    const auto f = section_tokens(keyword);
    if (f.size() != 2)
      fail(keyword.line,
           "$scope needs a type and a name, got " + std::to_string(f.size()) + " fields");
    m_scope_stack.push_back(f[1].text);
    const std::string path = scope_path();
    // The standard allows re-opening a scope; list each path once.
    if (std::find(m_file.scopes.begin(), m_file.scopes.end(), path) ==
        m_file.scopes.end())
      m_file.scopes.push_back(path);
  }

  void parse_upscope(const token& keyword) {
    if (!section_tokens(keyword).empty())
      fail(keyword.line, "$upscope takes no arguments");
    if (m_scope_stack.empty())
      fail(keyword.line, "$upscope without an open $scope");
    m_scope_stack.pop_back();
  }

  // "[msb:lsb]" or "[bit]"; returns the width it implies.
  std::optional<int> range_width(const std::string& r) const {
    if (r.size() < 3 || r.front() != '[' || r.back() != ']')
      return std::nullopt;
    const std::string inner = r.substr(1, r.size() - 2);
    const auto colon = inner.find(':');
    if (colon == std::string::npos)
      return all_digits(inner) ? std::optional<int>(1) : std::nullopt;
    const auto msb = parse_u64(inner.substr(0, colon));
    const auto lsb = parse_u64(inner.substr(colon + 1));
    if (!msb || !lsb)
      return std::nullopt;
    const std::uint64_t w = (*msb > *lsb ? *msb - *lsb : *lsb - *msb) + 1;
    if (w > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      return std::nullopt;
    return static_cast<int>(w);
  }

  void parse_var(const token& keyword) {
    // $var type width id_code reference [range] $end
    const auto f = section_tokens(keyword);
    if (f.size() != 4 && f.size() != 5)
      fail(keyword.line,
           "$var needs 4 or 5 fields (type width id reference [range]), got " +
               std::to_string(f.size()));
    vcd_variable v;
    v.type = f[0].text;
    if (var_types().count(v.type) == 0)
      fail(keyword.line, "$var has unknown type '" + v.type + "'");
    const auto width = parse_u64(f[1].text);
    if (!width || *width == 0 ||
        *width > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      fail(keyword.line, "$var width '" + f[1].text + "' is not a positive number");
    v.width = static_cast<int>(*width);
    v.id_code = f[2].text;
    v.name = f[3].text;
    if (f.size() == 5) {
      v.range = f[4].text;
      const auto rw = range_width(v.range);
      if (!rw)
        fail(keyword.line, "$var has malformed range '" + v.range + "'");
      if (*rw != v.width)
        fail(keyword.line, "$var range " + v.range + " does not match width " +
                               std::to_string(v.width));
    }
    v.scope = scope_path();
    m_id_to_var.emplace(v.id_code, m_file.variables.size()); // first declaration wins
    m_file.changes[v.id_code];
    m_file.variables.push_back(std::move(v));
  }

  void parse_header() {
    while (auto t = m_lex.next()) {
      const std::string& k = t->text;
      if (k == "$enddefinitions") {
        if (!section_tokens(*t).empty())
          fail(t->line, "$enddefinitions takes no arguments");
        if (!m_scope_stack.empty())
          fail(t->line, "$enddefinitions with unclosed $scope '" + scope_path() + "'");
        return;
      }
      if (k == "$date")
        m_file.date = section_text(*t);
      else if (k == "$version")
        m_file.version = section_text(*t);
      else if (k == "$comment")
        section_text(*t);
      else if (k == "$timescale")
        parse_timescale(*t);
      else if (k == "$scope")
        parse_scope(*t);
      else if (k == "$upscope")
        parse_upscope(*t);
      else if (k == "$var")
        parse_var(*t);
      else if (k[0] == '#' || is_scalar_char(k[0]) || lower(k[0]) == 'b' ||
               lower(k[0]) == 'r' || k == "$dumpvars" || k == "$dumpall" ||
               k == "$dumpon" || k == "$dumpoff")
        fail(t->line, "value change '" + k + "' before $enddefinitions");
      else
        fail(t->line, "unexpected '" + k + "' in header");
    }
    fail(m_lex.line(), "missing $enddefinitions");
  }

  const vcd_variable& var_of(const std::string& id, std::size_t line) const {
    const auto it = m_id_to_var.find(id);
    if (it == m_id_to_var.end())
      fail(line, "unknown id code '" + id + "'");
    return m_file.variables[it->second];
  }

  void record(const std::string& id, std::string value) {
    m_file.changes[id].push_back(vcd_change{m_time, std::move(value)});
  }

  // b<digits> <id> / r<real> <id>: the id code is the following token.
  token id_after(const token& value) {
    auto id = m_lex.next();
    if (!id)
      fail(value.line, "value '" + value.text + "' has no id code before end of file");
    return *id;
  }

  void parse_values() {
    std::optional<token> dump_block; // open $dumpvars/$dumpall/$dumpon/$dumpoff
    while (auto t = m_lex.next()) {
      const std::string& k = t->text;
      const char c = k[0];
      if (c == '#') {
        if (dump_block)
          fail(t->line, "timestamp inside " + dump_block->text + " (missing $end?)");
        const auto time = parse_u64(k.substr(1));
        if (!time)
          fail(t->line, "malformed timestamp '" + k + "'");
        // Equal timestamps are legal (SystemC repeats one when sub-unit times round
        // down).
        if (*time < m_time)
          fail(t->line, "timestamp " + k + " goes backwards (previous #" +
                            std::to_string(m_time) + ")");
        m_time = *time;
        m_file.end_time = m_time;
      } else if (k == "$dumpvars" || k == "$dumpall" || k == "$dumpon" ||
                 k == "$dumpoff") {
        if (dump_block)
          fail(t->line, k + " inside " + dump_block->text + " (missing $end?)");
        dump_block = *t;
      } else if (k == "$end") {
        if (!dump_block)
          fail(t->line, "$end without an open section");
        dump_block.reset();
      } else if (k == "$comment") {
        section_text(*t);
      } else if (c == '$') {
        fail(t->line, "unexpected " + k + " after $enddefinitions");
      } else if (is_scalar_char(c)) {
        const std::string id = k.substr(1);
        if (id.empty())
          fail(t->line, "scalar value '" + k + "' has no id code");
        const auto& v = var_of(id, t->line);
        if (v.type == "real" || v.type == "realtime")
          fail(t->line, "scalar value for real variable '" + v.full_name() + "'");
        record(id, std::string(1, lower(c)));
      } else if (lower(c) == 'b') {
        std::string digits = k.substr(1);
        if (digits.empty())
          fail(t->line, "empty vector value '" + k + "'");
        for (char& d : digits) {
          if (!is_scalar_char(d))
            fail(t->line, "bad vector value '" + k + "' (digits must be 0, 1, x, z)");
          d = lower(d);
        }
        const token id = id_after(*t);
        const auto& v = var_of(id.text, id.line);
        if (v.type == "real" || v.type == "realtime")
          fail(t->line, "vector value for real variable '" + v.full_name() + "'");
        if (digits.size() > static_cast<std::size_t>(v.width))
          fail(t->line, "vector value '" + k + "' is wider than " + v.full_name() + " (" +
                            std::to_string(v.width) + " bits)");
        record(id.text, std::move(digits));
      } else if (lower(c) == 'r') {
        const std::string text = k.substr(1);
        char* end = nullptr;
        errno = 0;
        std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size())
          fail(t->line, "bad real value '" + k + "'");
        const token id = id_after(*t);
        var_of(id.text, id.line);
        record(id.text, text);
      } else {
        fail(t->line, "malformed value change '" + k + "'");
      }
    }
    if (dump_block)
      fail(dump_block->line,
           "unterminated " + dump_block->text + " section (no $end before end of file)");
  }

  lexer m_lex;
  vcd_file m_file;
  std::vector<std::string> m_scope_stack;
  std::unordered_map<std::string, std::size_t> m_id_to_var;
  std::uint64_t m_time = 0; // changes before the first #t (SystemC's $dumpvars) are at 0
};

} // namespace

vcd_error::vcd_error(std::size_t line, const std::string& message,
                     const std::string& source)
    : std::runtime_error(make_what(line, message, source)), m_line(line),
      m_message(message) {}

const vcd_variable* vcd_file::find(const std::string& full_name) const {
  for (const auto& v : variables)
    if (v.full_name() == full_name)
      return &v;
  const std::string suffix = "." + full_name;
  const vcd_variable* found = nullptr;
  for (const auto& v : variables) {
    const std::string f = v.full_name();
    const bool match = f == full_name ||
                       (f.size() > suffix.size() &&
                        f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0);
    if (!match)
      continue;
    if (found)
      return nullptr; // ambiguous: the caller must qualify the name
    found = &v;
  }
  return found;
}

const std::vector<vcd_change>& vcd_file::changes_of(const std::string& full_name) const {
  const vcd_variable* v = find(full_name);
  if (!v)
    throw std::out_of_range("no unique VCD variable named '" + full_name + "'");
  return changes.at(v->id_code);
}

std::optional<std::string> vcd_file::value_at(const std::string& full_name,
                                              std::uint64_t time) const {
  const auto& list = changes_of(full_name);
  // Last change with change.time <= time; on repeated timestamps the later one wins.
  const auto it =
      std::upper_bound(list.begin(), list.end(), time,
                       [](std::uint64_t t, const vcd_change& c) { return t < c.time; });
  if (it == list.begin())
    return std::nullopt;
  return std::prev(it)->value;
}

std::uint64_t vcd_file::value_as_uint(const std::string& value) {
  if (value.empty())
    throw std::invalid_argument("empty VCD value");
  std::uint64_t v = 0;
  bool significant = false;
  int bits = 0;
  for (char c : value) {
    if (c != '0' && c != '1')
      throw std::invalid_argument("VCD value '" + value +
                                  "' is not a plain binary number");
    significant = significant || c == '1';
    if (significant && ++bits > 64)
      throw std::out_of_range("VCD value '" + value + "' does not fit 64 bits");
    v = (v << 1) | static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

vcd_file parse_vcd(std::istream& in) {
  const std::string text{std::istreambuf_iterator<char>(in),
                         std::istreambuf_iterator<char>()};
  return parser(text).run();
}

vcd_file parse_vcd_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw vcd_error(0, "cannot open VCD file", path);
  try {
    return parse_vcd(in);
  } catch (const vcd_error& e) {
    throw vcd_error(e.line(), e.message(), path);
  }
}

} // namespace dwvp::test
