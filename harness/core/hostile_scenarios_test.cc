// Scenario files written to hurt: paths that escape the run directory,
// absurd sizes, unbounded work, hostile bytes and shapes. The harness runs
// as root and truncates files, so every one of them must be refused by
// parse_scenario with a located ScenarioError (exit 2), for the right
// reason, before anything is created, and at bounded cost: a size limit
// stops the scan before the walk (json_locator_test counts the values the
// scan visits; nothing here is timed). robustness_itest.cc drives a few of
// them through the real CLI and checks that nothing was touched.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/scenario.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A valid scenario; each test breaks exactly one thing in it.
json valid() {
  return json::parse(R"({
    "name": "hostile",
    "timeout_s": 30,
    "images": [{"name": "demo", "size_mib": 4,
                "files": [{"from": "/bin/sleep", "to": "sleep", "mode": "0755"}]}],
    "copies": [{"from": "images/demo.img", "to": "backup.img"}],
    "setup": [{"action": "sleep", "ms": 1}],
    "mounts": [{"image": "images/demo.img", "mountpoint": "mnt/demo", "options": "loop,ro"}],
    "workload": {"argv": ["{work}/mnt/demo/sleep", "0"], "iterations": 10},
    "faults": [{"name": "f", "schedule": {"kind": "while_workload"},
                "actions": [{"action": "overwrite_truncate", "from": "backup.img", "to": "images/demo.img"},
                            {"action": "truncate", "to": "backup.img", "size_bytes": 0},
                            {"action": "drop_caches", "level": 3}]}],
    "expect": [{"classes": ["sigsegv", "sigbus"], "at_least": 1}]
  })");
}

struct Refusal {
  bool refused = false;
  std::string what, path, message;
  int line = 0, col = 0;
};

// Parses `text`; anything but ScenarioError (another exception, a crash)
// fails the test.
Refusal parse(const std::string& text) {
  Refusal r;
  try {
    parse_scenario(text, "hostile.json");
  } catch (const ScenarioError& e) {
    r.refused = true;
    r.what = e.what();
    r.path = e.json_path();
    r.message = e.message();
    r.line = e.line();
    r.col = e.col();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "parse_scenario threw something other than ScenarioError: " << e.what();
  }
  return r;
}

Refusal parse(const json& doc) { return parse(doc.dump(2)); }

#define EXPECT_REFUSED(r, json_path, needle)                                         \
  do {                                                                               \
    const Refusal& r_ = (r);                                                         \
    EXPECT_TRUE(r_.refused) << "accepted, but must be refused";                      \
    if (r_.refused) {                                                                \
      EXPECT_EQ(r_.path, json_path) << r_.what;                                      \
      EXPECT_NE(r_.message.find(needle), std::string::npos) << r_.what;              \
      EXPECT_GE(r_.line, 1);                                                         \
      EXPECT_GE(r_.col, 1);                                                          \
    }                                                                                \
  } while (0)

TEST(HostileScenario, TheBaseScenarioIsValid) {
  EXPECT_NO_THROW(parse_scenario(valid().dump(2), "hostile.json"));
}

// ---------------------------------------------------------------- paths

const std::vector<std::string> kEscapes = {
    "../x",         "a/../../x",          "/etc/passwd",   "/var/lib/heroku/stack.img",
    "./../x",       "a/b/../../../x",     "..",            "images/../../../../etc/shadow",
    "//etc/passwd", "/",                  ".",             "a/..",
};

// Why a path from kEscapes is refused.
std::string escape_reason(const std::string& bad) {
  if (bad.front() == '/') return "is an absolute path";
  if (bad == ".") return "names the work directory itself";
  return "escapes the run's work directory";
}

// Every field that names a file the harness creates, writes, truncates,
// mounts or watches. {json pointer, JSON path in the message}.
const std::vector<std::pair<std::string, std::string>> kWorkPathFields = {
    {"/copies/0/to", "$.copies[0].to"},
    {"/mounts/0/image", "$.mounts[0].image"},
    {"/mounts/0/mountpoint", "$.mounts[0].mountpoint"},
    {"/faults/0/actions/0/to", "$.faults[0].actions[0].to"},
    {"/faults/0/actions/0/from", "$.faults[0].actions[0].from"},
    {"/faults/0/actions/1/to", "$.faults[0].actions[1].to"},
    {"/images/0/files/0/to", "$.images[0].files[0].to"},
};

TEST(HostileScenario, EveryWorkPathThatEscapesIsRefused) {
  int tried = 0;
  for (const auto& [pointer, path] : kWorkPathFields) {
    for (const auto& bad : kEscapes) {
      SCOPED_TRACE(pointer + " = " + bad);
      json doc = valid();
      doc[json::json_pointer(pointer)] = bad;
      EXPECT_REFUSED(parse(doc), path, escape_reason(bad));
      ++tried;
    }
  }
  // The same through fields that only some scenarios have.
  for (const auto& bad : kEscapes) {
    SCOPED_TRACE(bad);
    const std::string why = escape_reason(bad);
    json doc = valid();
    doc["images"][0]["path"] = bad;
    EXPECT_REFUSED(parse(doc), "$.images[0].path", why);
    doc = valid();
    doc["faults"][0]["actions"].push_back({{"action", "atomic_replace"}, {"from", "backup.img"}, {"to", bad}});
    EXPECT_REFUSED(parse(doc), "$.faults[0].actions[3].to", why);
    doc = valid();
    doc["faults"][0]["actions"].push_back({{"action", "evict"}, {"path", bad}});
    EXPECT_REFUSED(parse(doc), "$.faults[0].actions[3].path", why);
    doc = valid();
    doc["setup"][0] = {{"action", "truncate"}, {"to", bad}, {"size_bytes", 0}};
    EXPECT_REFUSED(parse(doc), "$.setup[0].to", why);
    doc = valid();
    doc["expect"].push_back({{"image_unchanged", bad}});
    EXPECT_REFUSED(parse(doc), "$.expect[1].image_unchanged", why);
    tried += 5;
  }
  RecordProperty("escaping_paths_tried", tried);
  std::printf("[ figures  ] escaping work paths tried: %d, accepted: 0 expected\n", tried);
}

TEST(HostileScenario, AbsoluteAndDotDotPathsSayWhy) {
  json doc = valid();
  doc["faults"][0]["actions"][1]["to"] = "/etc/passwd";
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[1].to", "absolute path");
  doc = valid();
  doc["faults"][0]["actions"][1]["to"] = "a/../../x";
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[1].to", "escapes the run's work directory");
}

// ---------------------------------------------------------------- sizes

TEST(HostileScenario, AbsurdSizesAreRefused) {
  struct Case {
    std::string pointer;
    json value;
    std::string path;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"/images/0/size_mib", 1048576, "$.images[0].size_mib", "must be at most 4096"},  // 1 TiB
      {"/images/0/size_mib", 0, "$.images[0].size_mib", "must be at least 1"},
      {"/images/0/size_mib", -1, "$.images[0].size_mib", "must be at least 1"},
      {"/images/0/size_mib", 4.5, "$.images[0].size_mib", "expected a non-negative integer"},
      {"/images/0/size_mib", "10", "$.images[0].size_mib", "expected a non-negative integer"},
      {"/images/0/size_mib", 18446744073709551615ULL, "$.images[0].size_mib", "must be at most 4096"},
      {"/faults/0/actions/1/size_bytes", 1099511627776ULL, "$.faults[0].actions[1].size_bytes",  // 1 TiB
       "must be at most 4294967296"},
      {"/faults/0/actions/1/size_bytes", 18446744073709551615ULL, "$.faults[0].actions[1].size_bytes",
       "must be at most 4294967296"},
      {"/faults/0/actions/1/size_bytes", -4096, "$.faults[0].actions[1].size_bytes", "must be at least 0"},
      {"/workload/iterations", 18446744073709551615ULL, "$.workload.iterations", "must be at most 10000000"},
      {"/workload/concurrency", 100000, "$.workload.concurrency", "must be at most 64"},
      {"/workload/concurrency", 0, "$.workload.concurrency", "must be at least 1"},
      {"/workload/exec_timeout_ms", 0, "$.workload.exec_timeout_ms", "must be at least 1"},
      {"/workload/warmup", 4294967296ULL, "$.workload.warmup", "must be at most 100000"},
      {"/timeout_s", 0, "$.timeout_s", "must be at least 1"},
      {"/timeout_s", 315360000, "$.timeout_s", "must be at most 21600"},  // ten years
      {"/faults/0/schedule", json{{"kind", "every"}, {"interval_ms", 0}}, "$.faults[0].schedule.interval_ms",
       "must be at least 1"},
      {"/faults/0/schedule", json{{"kind", "times"}, {"count", 4294967296ULL}}, "$.faults[0].schedule.count",
       "must be at most 1000000"},
      {"/faults/0/actions/2/level", 4, "$.faults[0].actions[2].level", "must be at most 3"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pointer + " = " + c.value.dump());
    json doc = valid();
    doc[json::json_pointer(c.pointer)] = c.value;
    EXPECT_REFUSED(parse(doc), c.path, c.why);
  }
}

// The largest value of each limit is accepted: the limits are where the
// messages say they are.
TEST(HostileScenario, ValuesAtTheLimitsAreAccepted) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"/images/0/size_mib", kMaxImageMiB},
      {"/faults/0/actions/1/size_bytes", static_cast<unsigned long long>(kMaxImageMiB) << 20},
      {"/workload/concurrency", kMaxConcurrency},
      {"/timeout_s", kMaxTimeoutSeconds},
      {"/faults/0/actions/2", json{{"action", "sleep"}, {"ms", 1000ULL * kMaxTimeoutSeconds}}},
      {"/faults/0/actions/2", json{{"action", "run"}, {"argv", {"/bin/true"}}, {"timeout_ms", 1000ULL * kMaxTimeoutSeconds}}},
      {"/faults/0/actions/2/level", 3},
  };
  for (const auto& [pointer, value] : cases) {
    SCOPED_TRACE(pointer + " = " + value.dump());
    json doc = valid();
    doc[json::json_pointer(pointer)] = value;
    Refusal r = parse(doc);
    EXPECT_FALSE(r.refused) << r.what;
  }
}

// Numbers too big even for a double: nlohmann reports them as out_of_range,
// not parse_error; it must still be a located ScenarioError (exit 2).
TEST(HostileScenario, NumbersThatOverflowADoubleAreRefused) {
  std::string text = valid().dump(2);
  std::string from = "\"size_bytes\": 0";
  text.replace(text.find(from), from.size(), "\"size_bytes\": 1e400");
  Refusal r = parse(text);
  EXPECT_TRUE(r.refused);
  EXPECT_NE(r.message.find("1e400"), std::string::npos) << r.what;
  EXPECT_GT(r.line, 1) << r.what;  // located at the number, not 1:1
}

// A host file bigger than the image it goes into would be copied into the
// run directory until the disk is full (/proc/kcore claims 128 TiB). A
// sparse file one byte over the 4 MiB image, not /proc/kcore: that one
// does not exist on every machine, and "does not exist" is another reason.
TEST(HostileScenario, HostFileLargerThanItsImageIsRefused) {
  testing::TempDir tmp;
  const fs::path big = tmp.path() / "big";
  std::ofstream(big).close();
  fs::resize_file(big, (4u << 20) + 1);
  json doc = valid();
  doc["images"][0]["files"][0]["from"] = big.string();
  EXPECT_REFUSED(parse(doc), "$.images[0].files[0].from", "is larger than the whole image (4 MiB)");
  fs::resize_file(big, 4u << 20);
  EXPECT_FALSE(parse(doc).refused);
}

TEST(HostileScenario, TooMuchImageInTotalIsRefused) {
  json doc = valid();
  for (int i = 1; i < 8; ++i)
    doc["images"].push_back({{"name", "big" + std::to_string(i)}, {"size_mib", kMaxImageMiB}});
  EXPECT_REFUSED(parse(doc), "$.images", "in total");
}

// ------------------------------------------------------- unbounded work

TEST(HostileScenario, UnboundedWorkIsRefused) {
  json doc = valid();
  doc["workload"].erase("iterations");
  EXPECT_REFUSED(parse(doc), "$.workload", "unbounded");

  doc = valid();
  doc.erase("timeout_s");
  EXPECT_REFUSED(parse(doc), "$", "timeout_s");

  doc = valid();
  doc["workload"]["duration_ms"] = 31000;  // longer than timeout_s
  EXPECT_REFUSED(parse(doc), "$.workload.duration_ms", "timeout_s");

  // A schedule without end is bounded by the workload, and the workload by
  // timeout_s; but a fault's schedule may not be missing its rate.
  doc = valid();
  doc["faults"][0]["schedule"] = {{"kind", "every"}};
  EXPECT_REFUSED(parse(doc), "$.faults[0].schedule", "interval_ms");

  // 1e12 is a double in JSON, refused as such; one millisecond over the
  // limit is what tests the limit (the limit itself is accepted above).
  doc = valid();
  doc["faults"][0]["actions"][2] = {{"action", "sleep"}, {"ms", 1e12}};
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[2].ms", "expected a non-negative integer");
  doc = valid();
  doc["faults"][0]["actions"][2] = {{"action", "sleep"}, {"ms", 1000ULL * kMaxTimeoutSeconds + 1}};
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[2].ms", "must be at most 21600000");

  doc = valid();
  doc["faults"][0]["actions"][2] = {{"action", "run"}, {"argv", {"/bin/true"}}, {"timeout_ms", 0}};
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[2].timeout_ms", "must be at least 1");
  doc = valid();
  doc["faults"][0]["actions"][2] = {{"action", "run"}, {"argv", {"/bin/true"}},
                                    {"timeout_ms", 1000ULL * kMaxTimeoutSeconds + 1}};
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[2].timeout_ms", "must be at most 21600000");
}

// ------------------------------------------------------- mounts

TEST(HostileScenario, DuplicateAndNestedMountpointsAreRefused) {
  json doc = valid();
  doc["mounts"].push_back({{"image", "backup.img"}, {"mountpoint", "mnt/demo"}});
  EXPECT_REFUSED(parse(doc), "$.mounts[1].mountpoint", "used twice");

  doc = valid();
  doc["mounts"].push_back({{"image", "backup.img"}, {"mountpoint", "mnt/demo/./"}});
  EXPECT_REFUSED(parse(doc), "$.mounts[1].mountpoint", "used twice");

  doc = valid();
  doc["mounts"].push_back({{"image", "backup.img"}, {"mountpoint", "mnt/demo/inner"}});
  EXPECT_REFUSED(parse(doc), "$.mounts[1].mountpoint", "inside");
}

TEST(HostileScenario, MountOptionsAreAnAllowList) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"loop,ro,exec,suid", "mount option \"exec\" is not supported"},
      {"loop,remount", "mount option \"remount\" is not supported"},
      {"loop,ro,rw", "both \"ro\" and \"rw\""},
      {"ro", "the options must include \"loop\""},
      {"loop,ro,x-mount.mkdir", "mount option \"x-mount.mkdir\" is not supported"},
      {"loop,offset=0", "mount option \"offset=0\" is not supported"},
  };
  for (const auto& [opts, why] : cases) {
    SCOPED_TRACE(opts);
    json doc = valid();
    doc["mounts"][0]["options"] = opts;
    EXPECT_REFUSED(parse(doc), "$.mounts[0].options", why);
  }
}

// ------------------------------------------------------- typos

TEST(HostileScenario, UnknownFieldsSuggestTheClosestKnownOne) {
  json doc = valid();
  doc["workload"]["iteratons"] = 5;
  EXPECT_REFUSED(parse(doc), "$.workload.iteratons", "did you mean \"iterations\"");

  doc = valid();
  doc["mounts"][0]["mountpont"] = "mnt/x";
  EXPECT_REFUSED(parse(doc), "$.mounts[0].mountpont", "did you mean \"mountpoint\"");

  doc = valid();
  doc["faults"][0]["actions"][0]["action"] = "overwrite_trunacte";
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[0].action", "did you mean \"overwrite_truncate\"");

  doc = valid();
  doc["timout_s"] = 3;
  EXPECT_REFUSED(parse(doc), "$.timout_s", "did you mean \"timeout_s\"");
}

TEST(HostileScenario, DuplicateKeysAreRefused) {
  // nlohmann keeps the last value; a reviewer reading the first would be
  // misled about what runs.
  std::string text = valid().dump(2);
  text.insert(1, "\"timeout_s\": 1,\n");
  EXPECT_REFUSED(parse(text), "$.timeout_s", "twice");
}

TEST(HostileScenario, DuplicateKeysSpelledWithEscapesAreRefused) {
  // "\u0061rgv" is "argv" once decoded: the reviewer reads one argv, the
  // parser runs the other.
  std::string text = valid().dump(2);
  size_t at = text.find("\"argv\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"\\u0061rgv\": [\"/bin/rm\", \"-rf\", \"/\"], ");
  EXPECT_REFUSED(parse(text), "$.workload.argv", "twice");
}

// ------------------------------------------------------- shapes

TEST(HostileScenario, DeeplyNestedJsonIsRefusedAtTheDepthLimit) {
  for (size_t depth : {100, 10'000, 200'000}) {
    SCOPED_TRACE(depth);
    std::string nested = std::string(depth, '[') + std::string(depth, ']');
    std::string text = valid().dump();
    text.insert(text.size() - 1, ",\"description\":" + nested);
    Refusal r = parse(text);
    EXPECT_TRUE(r.refused);
    EXPECT_EQ(r.path.rfind("$.description[0]", 0), 0u) << r.what.substr(0, 200);
    EXPECT_NE(r.message.find("nested deeper"), std::string::npos) << r.what.substr(0, 200);
    std::string objects;
    for (size_t i = 0; i < depth; ++i) objects += "{\"a\":";
    objects += "1" + std::string(depth, '}');
    text = valid().dump();
    text.insert(text.size() - 1, ",\"description\":" + objects);
    r = parse(text);
    EXPECT_TRUE(r.refused);
    EXPECT_EQ(r.path.rfind("$.description.a", 0), 0u) << r.what.substr(0, 200);
    EXPECT_NE(r.message.find("nested deeper"), std::string::npos) << r.what.substr(0, 200);
  }
}

// Refused by the scan's member limit, before the walk builds anything: the
// message is the scan's ("has more than 1000 members"), and the path is
// the array itself, not one of its members.
TEST(HostileScenario, HugeArraysAreRefusedAtTheMemberLimit) {
  const std::string scan_limit = "has more than 1000 members";
  json doc = valid();
  doc["workload"]["argv"] = json::array();
  doc["workload"]["argv"].push_back("/bin/true");
  for (int i = 0; i < 200'000; ++i) doc["workload"]["argv"].push_back("x");
  EXPECT_REFUSED(parse(doc), "$.workload.argv", scan_limit);

  doc = valid();
  for (int i = 0; i < 100'000; ++i) doc["expect"].push_back({{"classes", {"ok"}}, {"at_least", 0}});
  EXPECT_REFUSED(parse(doc), "$.expect", scan_limit);

  // A huge array where the scenario ignores it (the description) is still
  // refused before the walk.
  std::string text = valid().dump();
  std::string big = "[";
  for (int i = 0; i < 500'000; ++i) big += "0,";
  big += "0]";
  text.insert(text.size() - 1, ",\"description\":" + big);
  EXPECT_REFUSED(parse(text), "$.description", scan_limit);
}

// Each fault is a thread and each mount a loop device: far lower limits
// than the scan's, checked one over each.
TEST(HostileScenario, TooManyFaultsOrMountsAreRefused) {
  json doc = valid();
  for (size_t i = 0; i < kMaxFaults; ++i)
    doc["faults"].push_back({{"name", "f" + std::to_string(i)},
                             {"schedule", {{"kind", "once"}}},
                             {"actions", {{{"action", "drop_caches"}}}}});
  EXPECT_REFUSED(parse(doc), "$.faults", fmt::format("{} faults; at most {}", kMaxFaults + 1, kMaxFaults));
  doc["faults"].erase(doc["faults"].size() - 1);
  EXPECT_FALSE(parse(doc).refused);

  doc = valid();
  doc["mounts"] = json::array();
  for (size_t i = 0; i <= kMaxMounts; ++i)
    doc["mounts"].push_back({{"image", "images/demo.img"}, {"mountpoint", "mnt/" + std::to_string(i)}});
  EXPECT_REFUSED(parse(doc), "$.mounts", fmt::format("{} mounts; at most {}", kMaxMounts + 1, kMaxMounts));
}

TEST(HostileScenario, HugeStringsAreRefused) {
  // std::regex recurses per character: a long image name must not be able
  // to overflow the stack.
  json doc = valid();
  doc["images"][0]["name"] = std::string(1'000'000, 'a');
  EXPECT_REFUSED(parse(doc), "$.images[0].name", "(at most 80)");

  doc = valid();
  doc["name"] = std::string(1'000'000, 'a');
  EXPECT_REFUSED(parse(doc), "$.name", "(at most 80)");

  doc = valid();
  doc["faults"][0]["actions"][1]["to"] = std::string(1'000'000, 'a');
  EXPECT_REFUSED(parse(doc), "$.faults[0].actions[1].to", "the path is 1000000 bytes long; at most 4095");
}

TEST(HostileScenario, DocumentsThatAreNotAScenarioAreRefused) {
  for (const char* text : {"", " ", "null", "[]", "\"x\"", "42", "{}", "{", "}", "/*", "// only a comment",
                           "{\"name\": \"x\"", "{\"name\": \"x\",}", "[{\"name\": \"x\"}]"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(parse(std::string(text)).refused);
  }
}

// ------------------------------------------------------- bytes

TEST(HostileScenario, NonUtf8BytesAreRefusedWithTheirLocation) {
  const std::vector<std::string> bad = {"\xff", "\xc3", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80" /* surrogate */,
                                        "\xc0\xaf" /* overlong '/' */, "\xf8\x88\x80\x80\x80"};
  for (const auto& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    for (const std::string& where : {std::string("in a string"), std::string("in a key"),
                                     std::string("in a comment"), std::string("outside")}) {
      SCOPED_TRACE(where);
      std::string text = valid().dump(2);
      if (where == "in a string")
        text.replace(text.find("backup.img"), 6, "back" + b);
      else if (where == "in a key")
        text.replace(text.find("\"copies\""), 8, "\"cop" + b + "ies\"");
      else if (where == "in a comment")
        text.insert(text.find("\"name\""), "// " + b + "\n");
      else
        text.insert(text.find("\"name\""), b);
      Refusal r = parse(text);
      EXPECT_TRUE(r.refused);
      EXPECT_GT(r.line, 1) << r.what;  // points at the byte, not at 1:1
    }
  }
}

TEST(HostileScenario, NulBytesAreRefused) {
  // A raw NUL anywhere.
  std::string text = valid().dump(2);
  text.insert(text.find("\"name\""), std::string(1, '\0'));
  EXPECT_TRUE(parse(text).refused);
  // Escaped \u0000 inside a path: open(2) would stop at the NUL and act on
  // a different file than the scenario and the report name.
  for (const auto& [pointer, path] : kWorkPathFields) {
    SCOPED_TRACE(pointer);
    json doc = valid();
    doc[json::json_pointer(pointer)] = std::string("images/demo.img\0/../../../etc/passwd", 36);
    EXPECT_REFUSED(parse(doc), path, "NUL");
    doc = valid();
    doc[json::json_pointer(pointer)] = std::string("x\0/etc/passwd", 13);
    EXPECT_REFUSED(parse(doc), path, "NUL");
  }
  json doc = valid();
  doc["workload"]["argv"][0] = std::string("/bin/true\0--evil", 16);
  EXPECT_REFUSED(parse(doc), "$.workload.argv[0]", "NUL");
  doc = valid();
  doc["images"][0]["files"][0]["from"] = std::string("/bin/sleep\0.bak", 15);
  EXPECT_REFUSED(parse(doc), "$.images[0].files[0].from", "NUL");
}

TEST(HostileScenario, ByteOrderMarksAreRefused) {
  // nlohmann skips a leading BOM silently, but then every reported line and
  // column is off; RFC 8259 forbids the BOM, and so does the harness.
  std::string text = "\xef\xbb\xbf" + valid().dump(2);
  EXPECT_REFUSED(parse(text), "$", "byte-order mark");
  // A BOM in the middle is a stray U+FEFF outside a string.
  text = valid().dump(2);
  text.insert(text.find("\"name\""), "\xef\xbb\xbf");
  EXPECT_TRUE(parse(text).refused);
  // UTF-16 with its BOM.
  text = "\xff\xfe{\0}\0";
  EXPECT_TRUE(parse(text).refused);
}

}  // namespace
}  // namespace harness
