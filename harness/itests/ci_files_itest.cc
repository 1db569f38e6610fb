// The pipeline definitions in ci/ (GitHub Actions, GitLab CI) and the
// Vagrantfile are code nobody runs here, so they are checked here: real
// linters where the machine has them (yamllint, vagrant
// validate), and always a parse with Ruby whose result is asserted on:
// every job goes through the ci/*.sh entry points, the scenario job shards
// with --shard, the merge job runs `harness merge`. The shard command
// lines are also executed, with a stub in place of ci/reproduce.sh, to see
// the arguments each shard would pass.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/child.h"
#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

const char* const kEntryPoints[] = {"ci/deps.sh", "ci/build.sh", "ci/test.sh", "ci/reproduce.sh", "ci/tools-table.sh"};

bool have(const std::string& program) { return find_program(program).has_value(); }

// YAML -> JSON through Ruby's Psych (YAML 1.1: the bare key `on` becomes
// true, hence "true" below).
json load_yaml(const std::string& rel, const fs::path& logs) {
  auto t = run_tool({"ruby", "-ryaml", "-rjson", "-e", "puts JSON.generate(YAML.load_file(ARGV[0]))",
                     source_path(rel)},
                    logs);
  if (t.exit_code != 0) throw std::runtime_error(rel + ": ruby could not parse it: " + t.err);
  return json::parse(t.out);
}

// Every ci/*.sh a command line names, and whether each exists and is executable.
std::vector<std::string> entry_points_in(const std::string& command) {
  std::vector<std::string> found;
  static const std::regex re(R"(ci/[a-z_-]+\.sh)");
  for (std::sregex_iterator it(command.begin(), command.end(), re), end; it != end; ++it) {
    found.push_back(it->str());
    EXPECT_NE(std::find(std::begin(kEntryPoints), std::end(kEntryPoints), it->str()), std::end(kEntryPoints))
        << it->str() << " is not one of the entry points README.md and docs/backends.md name";
    EXPECT_EQ(access(source_path(it->str()).c_str(), X_OK), 0) << it->str() << " is missing or not executable";
  }
  return found;
}

std::string all_runs(const json& gh_job) {
  std::string text;
  for (const auto& step : gh_job.at("steps"))
    if (step.contains("run")) text += step.at("run").get<std::string>() + "\n";
  return text;
}

std::string all_scripts(const json& gl_job) {
  std::string text;
  for (const auto& line : gl_job.at("script")) text += line.get<std::string>() + "\n";
  return text;
}

std::vector<std::string> actions_used(const json& gh_job) {
  std::vector<std::string> uses;
  for (const auto& step : gh_job.at("steps"))
    if (step.contains("uses")) uses.push_back(step.at("uses").get<std::string>());
  return uses;
}

const json* step_using(const json& gh_job, const std::string& prefix) {
  for (const auto& step : gh_job.at("steps"))
    if (step.contains("uses") && step.at("uses").get<std::string>().rfind(prefix, 0) == 0) return &step;
  return nullptr;
}

// The shipped scenarios, as the pipelines should hand them to the harness.
std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(source_path("scenarios")))
    if (e.path().extension() == ".json" && e.path().filename() != "schema.json")
      names.push_back("scenarios/" + e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `command` (a pipeline's shard step) in a scratch tree whose
// ci/reproduce.sh only prints its arguments, one per line.
std::vector<std::string> args_passed_to_reproduce(const std::string& shell, const std::string& command,
                                                  const std::vector<std::string>& env, const fs::path& dir) {
  fs::create_directories(dir / "ci");
  // A copy, not a symlink: find(1) does not descend into a symlinked start.
  fs::copy(source_path("scenarios"), dir / "scenarios", fs::copy_options::recursive);
  {
    std::ofstream stub(dir / "ci" / "reproduce.sh");
    stub << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n";
  }
  chmod((dir / "ci" / "reproduce.sh").c_str(), 0755);
  std::vector<std::string> argv{"env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {shell, "-eu", "-c", command});
  auto t = run_tool(argv, dir, dir);
  EXPECT_EQ(t.exit_code, 0) << shell << " -c '" << command << "' failed: " << t.err;
  std::vector<std::string> args;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) args.push_back(line);
  return args;
}

// The args a shard step passes: every shipped scenario, then --shard and --out.
void expect_shard_args(const std::vector<std::string>& args, const std::string& shard, const std::string& out) {
  auto scenarios = shipped_scenarios();
  ASSERT_GE(args.size(), scenarios.size() + 4) << ::testing::PrintToString(args);
  std::vector<std::string> files(args.begin(), args.begin() + static_cast<long>(scenarios.size()));
  EXPECT_EQ(files, scenarios);
  std::vector<std::string> rest(args.begin() + static_cast<long>(scenarios.size()), args.end());
  EXPECT_EQ(rest, (std::vector<std::string>{"--shard", shard, "--out", out}));
}

// ---- yamllint: both pipelines are well-formed YAML by a real linter ----

TEST(CiFiles, YamllintAcceptsBothPipelines) {
  if (!have("yamllint")) GTEST_SKIP() << "yamllint is not installed (ci/deps.sh installs it)";
  TempDir tmp;
  // The defaults, less two that fight the formats: GitHub's `on:` key and
  // long shell lines.
  const char* config =
      "{extends: default, rules: {document-start: disable, truthy: {check-keys: false},"
      " line-length: {max: 140}}}";
  auto t = run_tool({"yamllint", "--strict", "-f", "parsable", "-d", config, source_path("ci/github-actions.yml"),
                     source_path("ci/gitlab-ci.yml")},
                    tmp.path());
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
}

// ---- GitHub Actions ----

TEST(CiFiles, GithubWorkflowRunsTheEntryPoints) {
  if (!have("ruby")) GTEST_SKIP() << "ruby is not installed (ci/deps.sh installs it)";
  TempDir tmp;
  json wf = load_yaml("ci/github-actions.yml", tmp.path());
  EXPECT_TRUE(wf.contains("true") || wf.contains("on")) << "no triggers";
  const json& jobs = wf.at("jobs");
  ASSERT_TRUE(jobs.contains("build-test") && jobs.contains("scenarios") && jobs.contains("merge")) << jobs.dump(2);

  for (const auto& [name, job] : jobs.items()) {
    SCOPED_TRACE("job " + name);
    EXPECT_EQ(job.at("runs-on"), "ubuntu-latest");
    // ci/deps.sh installs Debian 12 packages.
    EXPECT_EQ(job.at("container").at("image"), "debian:12");
    EXPECT_FALSE(entry_points_in(all_runs(job)).empty()) << "runs none of the ci/*.sh entry points";
    for (const auto& uses : actions_used(job))
      EXPECT_NE(uses.find('@'), std::string::npos) << uses << " is not pinned to a version";
  }

  // Loop devices, mounts, drop_caches and /dev/kvm need a privileged
  // container with the host's /dev.
  for (const char* name : {"build-test", "scenarios"}) {
    SCOPED_TRACE(name);
    const json& c = jobs.at(name).at("container");
    EXPECT_NE(c.at("options").get<std::string>().find("--privileged"), std::string::npos);
    auto volumes = c.at("volumes").get<std::vector<std::string>>();
    EXPECT_NE(std::find(volumes.begin(), volumes.end(), "/dev:/dev"), volumes.end());
  }

  EXPECT_EQ(entry_points_in(all_runs(jobs.at("build-test"))), std::vector<std::string>{"ci/test.sh"});
  EXPECT_NE(step_using(jobs.at("build-test"), "mikepenz/action-junit-report@"), nullptr);

  // The shard job: a matrix 0..N-1, N taken from the matrix itself.
  const json& sc = jobs.at("scenarios");
  EXPECT_EQ(sc.at("strategy").at("fail-fast"), false);
  auto shards = sc.at("strategy").at("matrix").at("shard").get<std::vector<int>>();
  ASSERT_GE(shards.size(), 2u);
  for (size_t i = 0; i < shards.size(); ++i) EXPECT_EQ(shards[i], static_cast<int>(i));
  std::string run = all_runs(sc);
  EXPECT_EQ(entry_points_in(run), std::vector<std::string>{"ci/reproduce.sh"});
  EXPECT_NE(run.find("--shard \"${{ matrix.shard }}/${{ strategy.job-total }}\""), std::string::npos) << run;
  const json* upload = step_using(sc, "actions/upload-artifact@");
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->at("if"), "${{ !cancelled() }}") << "a failing shard must still upload its runs";
  EXPECT_EQ(upload->at("with").at("name"), "runs-shard-${{ matrix.shard }}");
  EXPECT_EQ(upload->at("with").at("path"), "runs/shard-${{ matrix.shard }}");

  // The merge job: after every shard, even failed ones; one junit.xml.
  const json& mg = jobs.at("merge");
  EXPECT_EQ(mg.at("needs"), "scenarios");
  EXPECT_EQ(mg.at("if"), "${{ !cancelled() }}");
  EXPECT_EQ(entry_points_in(all_runs(mg)), (std::vector<std::string>{"ci/deps.sh", "ci/build.sh"}));
  EXPECT_NE(all_runs(mg).find("build/harness/harness merge shards/* --out merged"), std::string::npos);
  const json* download = step_using(mg, "actions/download-artifact@");
  ASSERT_NE(download, nullptr);
  EXPECT_EQ(download->at("with").at("pattern"), "runs-shard-*");
  EXPECT_EQ(download->at("with").at("path"), "shards");
  const json* junit = step_using(mg, "mikepenz/action-junit-report@");
  ASSERT_NE(junit, nullptr);
  EXPECT_EQ(junit->at("with").at("report_paths"), "merged/junit.xml");
}

TEST(CiFiles, GithubShardStepPassesEveryScenarioAndItsShard) {
  if (!have("ruby") || !have("bash")) GTEST_SKIP() << "needs ruby and bash";
  TempDir tmp;
  json wf = load_yaml("ci/github-actions.yml", tmp.path());
  const json& sc = wf.at("jobs").at("scenarios");
  auto shards = sc.at("strategy").at("matrix").at("shard").get<std::vector<int>>();
  std::string run = all_runs(sc);
  for (int shard : shards) {
    SCOPED_TRACE("shard " + std::to_string(shard));
    // What the runner substitutes before bash sees the line.
    std::string cmd = std::regex_replace(run, std::regex(R"(\$\{\{ matrix\.shard \}\})"), std::to_string(shard));
    cmd = std::regex_replace(cmd, std::regex(R"(\$\{\{ strategy\.job-total \}\})"), std::to_string(shards.size()));
    auto args = args_passed_to_reproduce("bash", cmd, {}, tmp.path() / ("gh-" + std::to_string(shard)));
    expect_shard_args(args, std::to_string(shard) + "/" + std::to_string(shards.size()),
                      "runs/shard-" + std::to_string(shard));
  }
}

// ---- GitLab CI ----

TEST(CiFiles, GitlabPipelineRunsTheEntryPoints) {
  if (!have("ruby")) GTEST_SKIP() << "ruby is not installed (ci/deps.sh installs it)";
  TempDir tmp;
  json ci = load_yaml("ci/gitlab-ci.yml", tmp.path());
  EXPECT_EQ(ci.at("image"), "debian:12");
  auto stages = ci.at("stages").get<std::vector<std::string>>();
  static const std::set<std::string> kGlobal = {"image", "stages", "variables", "default", "include", "workflow"};
  std::map<std::string, json> jobs;
  for (const auto& [key, value] : ci.items())
    if (!kGlobal.count(key) && key[0] != '.') jobs[key] = value;
  ASSERT_TRUE(jobs.count("build-test") && jobs.count("scenarios") && jobs.count("merge")) << ci.dump(2);

  for (const auto& [name, job] : jobs) {
    SCOPED_TRACE("job " + name);
    EXPECT_NE(std::find(stages.begin(), stages.end(), job.at("stage").get<std::string>()), stages.end());
    EXPECT_FALSE(entry_points_in(all_scripts(job)).empty()) << "runs none of the ci/*.sh entry points";
    EXPECT_EQ(job.at("artifacts").at("when"), "always");
  }

  EXPECT_EQ(entry_points_in(all_scripts(jobs["build-test"])), std::vector<std::string>{"ci/test.sh"});
  EXPECT_EQ(jobs["build-test"].at("artifacts").at("reports").at("junit"), "build/junit/*.xml");

  const json& sc = jobs["scenarios"];
  EXPECT_GE(sc.at("parallel").get<int>(), 2);
  std::string script = all_scripts(sc);
  EXPECT_EQ(entry_points_in(script), std::vector<std::string>{"ci/reproduce.sh"});
  EXPECT_NE(script.find("--shard"), std::string::npos);
  EXPECT_NE(script.find("CI_NODE_INDEX - 1"), std::string::npos) << "GitLab counts from 1, --shard from 0";
  EXPECT_NE(script.find("CI_NODE_TOTAL"), std::string::npos);

  const json& mg = jobs["merge"];
  EXPECT_EQ(mg.at("when"), "always");
  EXPECT_EQ(mg.at("needs").at(0).at("job"), "scenarios");
  EXPECT_EQ(entry_points_in(all_scripts(mg)), (std::vector<std::string>{"ci/deps.sh", "ci/build.sh"}));
  EXPECT_NE(all_scripts(mg).find("build/harness/harness merge runs/shard-* --out merged"), std::string::npos);
  EXPECT_EQ(mg.at("artifacts").at("reports").at("junit"), "merged/junit.xml");
}

TEST(CiFiles, GitlabShardScriptPassesEveryScenarioAndItsShard) {
  if (!have("ruby") || !have("sh")) GTEST_SKIP() << "needs ruby and sh";
  TempDir tmp;
  json ci = load_yaml("ci/gitlab-ci.yml", tmp.path());
  const json& sc = ci.at("scenarios");
  int total = sc.at("parallel").get<int>();
  // POSIX sh: the runner uses sh when an image has no bash.
  std::string script = all_scripts(sc);
  for (int node = 1; node <= total; ++node) {
    SCOPED_TRACE("CI_NODE_INDEX " + std::to_string(node));
    auto args = args_passed_to_reproduce(
        "sh", script, {"CI_NODE_INDEX=" + std::to_string(node), "CI_NODE_TOTAL=" + std::to_string(total)},
        tmp.path() / ("gl-" + std::to_string(node)));
    expect_shard_args(args, std::to_string(node - 1) + "/" + std::to_string(total),
                      "runs/shard-" + std::to_string(node));
  }
}

// ---- Vagrant ----

TEST(CiFiles, VagrantValidateAcceptsTheVagrantfile) {
  if (!have("vagrant")) GTEST_SKIP() << "vagrant is not installed (ci/deps.sh installs it)";
  TempDir tmp;
  // Provider blocks are skipped: the libvirt plugin and VirtualBox are not
  // here. Vagrant's state goes to the temp dir, not into vagrant/.vagrant.
  auto t = run_tool({"env", "VAGRANT_CWD=" + source_path("vagrant"), "VAGRANT_HOME=" + (tmp.path() / "home").string(),
                     "VAGRANT_DOTFILE_PATH=" + (tmp.path() / "dot").string(), "VAGRANT_CHECKPOINT_DISABLE=1",
                     "vagrant", "validate", "--ignore-provider"},
                    tmp.path(), tmp.path());
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("validated successfully"), std::string::npos) << t.out;
  EXPECT_FALSE(fs::exists(source_path("vagrant/.vagrant")));
}

// Records what the Vagrantfile asks for, with no Vagrant at all.
const char* kVagrantStub = R"RUBY(
require "json"
class Recorder
  attr_reader :settings
  def initialize; @settings = {}; end
  def method_missing(name, *args)
    key = name.to_s
    if key.end_with?("=") then @settings[key.chomp("=")] = args.first else super end
  end
  def respond_to_missing?(*) = true
end
class VmConfig < Recorder
  attr_reader :synced, :providers, :provisions
  def initialize; super; @synced = []; @providers = {}; @provisions = []; end
  def synced_folder(host, guest, **opts) = @synced << {host: File.expand_path(host, VAGRANTFILE_DIR), guest: guest, opts: opts}
  def provider(name) = yield(@providers[name.to_s] = Recorder.new)
  def provision(name, **opts) = @provisions << {name: name, opts: opts}
end
class Config
  attr_reader :vm
  def initialize; @vm = VmConfig.new; end
end
module Vagrant
  def self.configure(version)
    raise "config version #{version}" unless version == "2"
    yield($config = Config.new)
  end
end
VAGRANTFILE_DIR = File.dirname(File.expand_path(ARGV[0]))
load ARGV[0]
vm = $config.vm
puts JSON.generate(settings: vm.settings, synced: vm.synced,
                   providers: vm.providers.transform_values(&:settings), provisions: vm.provisions)
)RUBY";

TEST(CiFiles, VagrantfileAsksForDebian12WithTheRepoAndTheEntryPoints) {
  if (!have("ruby")) GTEST_SKIP() << "ruby is not installed (ci/deps.sh installs it)";
  TempDir tmp;
  auto syntax = run_tool({"ruby", "-c", source_path("vagrant/Vagrantfile")}, tmp.path());
  ASSERT_EQ(syntax.exit_code, 0) << syntax.err;

  auto t = run_tool({"ruby", "-e", kVagrantStub, source_path("vagrant/Vagrantfile")}, tmp.path());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  json v = json::parse(t.out);
  EXPECT_EQ(v.at("settings").at("box"), "debian/bookworm64");

  // The whole repository at /vagrant, where the command of docs/backends.md cds.
  bool repo_synced = false;
  for (const auto& s : v.at("synced")) {
    bool disabled = s.at("opts").value("disabled", false);
    if (s.at("guest") == "/vagrant" && !disabled) {
      repo_synced = true;
      EXPECT_EQ(fs::canonical(s.at("host").get<std::string>()), fs::canonical(HARNESS_SOURCE_DIR));
    }
  }
  EXPECT_TRUE(repo_synced) << v.at("synced").dump(2);

  for (const char* provider : {"libvirt", "virtualbox"}) {
    SCOPED_TRACE(provider);
    ASSERT_TRUE(v.at("providers").contains(provider)) << v.at("providers").dump(2);
    const json& p = v.at("providers").at(provider);
    EXPECT_EQ(p.at("cpus"), 2);
    EXPECT_EQ(p.at("memory"), 4096);
  }

  // deps, then build, both as root, through the entry points.
  const json& prov = v.at("provisions");
  ASSERT_EQ(prov.size(), 2u) << prov.dump(2);
  std::vector<std::string> scripts;
  for (const auto& p : prov) {
    EXPECT_EQ(p.at("opts").at("type"), "shell");
    EXPECT_EQ(p.at("opts").at("privileged"), true);
    std::string inline_script = p.at("opts").at("inline").get<std::string>();
    EXPECT_EQ(inline_script.rfind("cd /vagrant && ", 0), 0u) << inline_script;
    auto found = entry_points_in(inline_script);
    scripts.insert(scripts.end(), found.begin(), found.end());
  }
  EXPECT_EQ(scripts, (std::vector<std::string>{"ci/deps.sh", "ci/build.sh"}));
}

// ci/check-skips.sh: a skip on ci/allowed-skips passes and is listed with
// its reason; any other skip fails the run, in gtest's JUnit (a unit
// program's) and in ctest's (a skipped itest), and names the test.
TEST(CiFiles, ASkipOffTheAllowlistFailsCi) {
  TempDir tmp;
  auto gtest_xml = [&](const std::string& suite, const std::string& name) {
    fs::path f = tmp.path() / (suite + "-" + name + ".xml");
    std::ofstream(f) << R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" name="AllTests"><testsuite name=")" << suite << R"(" tests="2" skipped="1">
<testcase name=")" << name << R"(" status="run" result="skipped" classname=")" << suite
                     << R"("><skipped message="x_test.cc:9&#x0A;no such thing here"/></testcase>
<testcase name="Ran" status="run" result="completed" classname=")" << suite << R"("/>
</testsuite></testsuites>)";
    return f;
  };
  auto ctest_xml = [&](const std::string& id) {
    fs::path f = tmp.path() / "ctest.xml";
    std::ofstream(f) << R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Linux" tests="2" failures="0" disabled="0" skipped="1">
<testcase name=")" << id << R"(" classname=")" << id << R"(" time="5" status="notrun">
<skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
<system-out>x_itest.cc:12: Skipped
needs a working KVM; this machine's: none
[  SKIPPED ] )" << id << R"(</system-out></testcase>
<testcase name="Other.Ran" classname="Other.Ran" time="1" status="run"/>
</testsuite>)";
    return f;
  };
  auto check = [&](const fs::path& f) { return run_tool({source_path("ci/check-skips.sh"), f.string()}, tmp.path()); };

  auto allowed = check(ctest_xml("VmAccelerator.AWorkingKvmIsProbedOnceThenRemembered"));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("skipped (allowed: needs a working KVM"), std::string::npos) << allowed.out;
  EXPECT_NE(allowed.out.find("this machine's: none"), std::string::npos) << allowed.out;

  auto itest = check(ctest_xml("Gate.Whatever"));
  EXPECT_EQ(itest.exit_code, 1) << itest.out << itest.err;
  EXPECT_NE(itest.err.find("SKIPPED AND NOT ALLOWED: Gate.Whatever"), std::string::npos) << itest.err;

  auto unit = check(gtest_xml("Accelerator", "TscRate"));
  EXPECT_EQ(unit.exit_code, 1) << unit.out << unit.err;
  EXPECT_NE(unit.err.find("SKIPPED AND NOT ALLOWED: Accelerator.TscRate -- x_test.cc:9 no such thing here"),
            std::string::npos)
      << unit.err;
}

}  // namespace
}  // namespace harness::itest
