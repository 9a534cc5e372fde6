// timeline and timed_level (models/support) on their own: posted actions run at their
// times, in post order for equal times, at once for past times, never when disabled;
// a timed_level raises and lowers its traced counter at the posted times (checked on
// the signal and in a VCD read back with tests/support/vcd_reader).
#include "module_bench.h"
#include "vcd_reader.h"

#include "timeline.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace dwvp::test;
using dwvp::models::timed_level;
using dwvp::models::timeline;

namespace {

using event_log = std::vector<std::pair<sc_time, std::string>>;

// Records every value change of a signal with its time.
template <typename T> struct change_monitor : sc_core::sc_module {
  const sc_core::sc_signal_in_if<T>& signal;
  std::vector<std::pair<sc_time, T>> changes;
  change_monitor(sc_core::sc_module_name n, const sc_core::sc_signal_in_if<T>& s)
      : sc_module(n), signal(s) {
    SC_HAS_PROCESS(change_monitor);
    SC_METHOD(record);
    sensitive << s.value_changed_event();
    dont_initialize();
  }
  void record() { changes.push_back({sc_core::sc_time_stamp(), signal.read()}); }
};

} // namespace

TEST_CASE("timeline: posts apply at their times and in post order for equal times",
          "[modules][timeline]") {
  quiet_models();
  timeline tl("events");
  stimulus stim("stim", 0);
  event_log log;
  auto note = [&](std::string what) {
    return [&log, what] { log.push_back({sc_core::sc_time_stamp(), what}); };
  };
  stim.set_body([&](stimulus&) {
    tl.enable();
    tl.post(ns(30), note("a"));
    tl.post(ns(10), note("b"));
    tl.post(ns(10), note("c"));
    tl.post(ns(20), [&] {
      note("d")();
      // Posted from an action: one later, one for now.
      tl.post(ns(25), note("d+5"));
      tl.post(ns(20), note("d now"));
    });
    tl.post(ns(10), note("e"));
    tl.post(SC_ZERO_TIME, note("zero"));
    sc_core::wait(ns(40));
    // An earlier post while the timeline waits for a later one.
    tl.post(ns(100), note("late"));
    sc_core::wait(ns(10));
    tl.post(ns(60), note("early"));
    tl.post(ns(100), note("late 2"));
  });
  run(stim);
  const event_log want = {{ns(0), "zero"},  {ns(10), "b"},      {ns(10), "c"},
                          {ns(10), "e"},    {ns(20), "d"},      {ns(20), "d now"},
                          {ns(25), "d+5"},  {ns(30), "a"},      {ns(60), "early"},
                          {ns(100), "late"}, {ns(100), "late 2"}};
  CHECK(log == want);
  CHECK(sc_core::sc_time_stamp() == ns(100));
}

TEST_CASE("timeline: a post in the past applies now", "[modules][timeline]") {
  quiet_models();
  timeline tl("events");
  stimulus stim("stim", 0);
  event_log log;
  stim.set_body([&](stimulus&) {
    tl.enable();
    sc_core::wait(ns(50));
    tl.post(ns(5), [&] { log.push_back({sc_core::sc_time_stamp(), "past"}); });
    tl.post(ns(50), [&] { log.push_back({sc_core::sc_time_stamp(), "now"}); });
    tl.post(SC_ZERO_TIME, [&] { log.push_back({sc_core::sc_time_stamp(), "zero"}); });
    sc_core::wait(ns(1));
    log.push_back({sc_core::sc_time_stamp(), "after"});
  });
  run(stim);
  const event_log want = {
      {ns(50), "past"}, {ns(50), "now"}, {ns(50), "zero"}, {ns(51), "after"}};
  CHECK(log == want);
}

TEST_CASE("timeline: a disabled timeline drops posts", "[modules][timeline]") {
  quiet_models();
  timeline tl("events");
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> level("level");
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> nonzero("nonzero");
  timed_level counter(tl, level, &nonzero);
  change_monitor<uint32_t> watch("watch", level);
  stimulus stim("stim", 0);
  event_log log;
  bool enabled_before = true, enabled_after = false;
  stim.set_body([&](stimulus&) {
    enabled_before = tl.enabled();
    tl.post(ns(10), [&] { log.push_back({sc_core::sc_time_stamp(), "dropped"}); });
    counter.add(ns(5), ns(15), 4);
    sc_core::wait(ns(20));
    // Enabling later does not bring the dropped posts back.
    tl.enable();
    enabled_after = tl.enabled();
    tl.post(ns(30), [&] { log.push_back({sc_core::sc_time_stamp(), "kept"}); });
  });
  run(stim);
  CHECK_FALSE(enabled_before);
  CHECK(enabled_after);
  const event_log want = {{ns(30), "kept"}};
  CHECK(log == want);
  CHECK(watch.changes.empty());
  CHECK(level.read() == 0);
  CHECK_FALSE(nonzero.read());
}

TEST_CASE("timeline: timed_level raises and lowers a traced counter", "[modules][timeline]") {
  quiet_models();
  timeline tl("events");
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> level("level");
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> nonzero("nonzero");
  timed_level counter(tl, level, &nonzero);
  change_monitor<uint32_t> watch_level("watch_level", level);
  change_monitor<bool> watch_nonzero("watch_nonzero", nonzero);
  stimulus stim("stim", 0);
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file("module_timeline_level");
  sc_core::sc_trace(tf, level, "level");
  sc_core::sc_trace(tf, nonzero, "nonzero");
  stim.set_body([&](stimulus&) {
    tl.enable();
    counter.add(ns(10), ns(30), 5);
    counter.add(ns(20), ns(40), 3);
    counter.add(ns(50), ns(50), 7); // empty interval: no visible change
    counter.add(ns(60), ns(70), 0); // nothing
    sc_core::wait(ns(75));
    // Added from the past: raised now, lowered at its end.
    counter.add(ns(5), ns(90), 2);
    sc_core::wait(ns(30));
  });
  run(stim);
  sc_core::sc_close_vcd_trace_file(tf);

  const std::vector<std::pair<sc_time, uint32_t>> want_level = {
      {ns(10), 5}, {ns(20), 8}, {ns(30), 3}, {ns(40), 0}, {ns(75), 2}, {ns(90), 0}};
  CHECK(watch_level.changes == want_level);
  const std::vector<std::pair<sc_time, bool>> want_nonzero = {
      {ns(10), true}, {ns(40), false}, {ns(75), true}, {ns(90), false}};
  CHECK(watch_nonzero.changes == want_nonzero);

  const vcd_file vcd = parse_vcd_file("module_timeline_level.vcd");
  REQUIRE(vcd.timescale_fs > 0);
  const uint64_t per_ns = 1'000'000 / vcd.timescale_fs;
  std::vector<std::pair<uint64_t, uint64_t>> changes;
  for (const vcd_change& c : vcd.changes_of("level"))
    changes.push_back({c.time / per_ns, vcd_file::value_as_uint(c.value)});
  const std::vector<std::pair<uint64_t, uint64_t>> want_vcd = {
      {0, 0}, {10, 5}, {20, 8}, {30, 3}, {40, 0}, {75, 2}, {90, 0}};
  CHECK(changes == want_vcd);
  CHECK(vcd.value_at("nonzero", 35 * per_ns) == std::optional<std::string>("1"));
  CHECK(vcd.value_at("nonzero", 45 * per_ns) == std::optional<std::string>("0"));
  std::remove("module_timeline_level.vcd");
}
