#include "cli/run_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"
#include "host/host_backend.h"

namespace harness {

namespace fs = std::filesystem;

unsigned parse_count(const std::string& flag, const std::string& v, unsigned long lo, unsigned long hi,
                     const char* what) {
  bool digits = !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(v) < lo || std::stoul(v) > hi)
    throw Error(ErrorKind::usage, fmt::format("{} takes {} from {} to {}, got \"{}\"", flag, what, lo, hi, v));
  return static_cast<unsigned>(std::stoul(v));
}

namespace {

BackendKind parse_backend(const std::string& v) {
  if (auto b = backend_kind_from_string(v)) return *b;
  throw Error(ErrorKind::usage, fmt::format("unknown backend \"{}\" (expected host or vm)", v));
}

}  // namespace

RunOptionsArgs parse_run_options(const std::vector<std::string>& args, unsigned repeat_default) {
  RunOptionsArgs ra;
  ra.repeat = repeat_default;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= args.size()) throw Error(ErrorKind::usage, fmt::format("{} needs a value", flag));
      return args[++i];
    };
    if (a == "--out") ra.out = value("--out");
    else if (a == "--backend") ra.requested_backend = parse_backend(value("--backend"));
    else if (a == "--keep-work") ra.keep_work = true;
    else if (a == "--no-early-stop") ra.no_early_stop = true;
    else if (a == "--json") ra.json = true;
    else if (a == "--help") ra.help = true;
    else if (a == "--shard") ra.shard = parse_shard(value("--shard"));
    else if (a == "-j" || a == "--jobs") ra.jobs = parse_count(a, value(a.c_str()), 1, 9999, "a count");
    else if (a == "--repeat") ra.repeat = parse_count(a, value("--repeat"), 1, 9999, "a count");
    else if (a == "--kernel") ra.vm.kernel = fs::path(value("--kernel"));
    else if (a == "--vm-cache") ra.vm.cache_dir = fs::absolute(value("--vm-cache"));
    else if (a == "--accel") ra.vm.accel = value("--accel");
    else if (a == "--untrusted") ra.untrusted.untrusted = true;
    else if (a == "--allow-host-path") ra.untrusted.allow_host_paths.push_back(fs::absolute(value("--allow-host-path")));
    else if (a == "--memory") ra.vm.memory_mib = parse_count(a, value("--memory"), 0, 999999, "a size in MiB");
    else if (a.rfind("--", 0) == 0) throw Error(ErrorKind::usage, fmt::format("unknown option {}", a));
    else ra.scenarios.emplace_back(a);
  }
  return ra;
}

std::vector<fs::path> scenario_files(const std::vector<fs::path>& args) {
  std::vector<fs::path> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      out.push_back(a);  // a missing file is the parser's to report, located
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const auto& e : fs::directory_iterator(a, ec))
      if (e.path().extension() == ".json" && e.path().filename() != "schema.json" && e.is_regular_file(ec))
        in_dir.push_back(e.path());
    if (ec) throw Error(ErrorKind::usage, fmt::format("{}: cannot list: {}", a.string(), ec.message()));
    if (in_dir.empty()) throw Error(ErrorKind::usage, fmt::format("{}: no scenario files (*.json) in it", a.string()));
    std::sort(in_dir.begin(), in_dir.end());
    out.insert(out.end(), in_dir.begin(), in_dir.end());
  }
  return out;
}

BackendChoice settle_run_options(RunOptionsArgs& ra) {
  if (!ra.shard) ra.shard = shard_from_environment();
  BackendChoice choice = choose_backend(ra.requested_backend);
  ra.backend = choice.kind;
  ra.vm.untrusted = untrusted_policy(ra.untrusted);
  if (ra.vm.untrusted)
    check_untrusted_backend(ra.requested_backend ? std::string(to_string(*ra.requested_backend)) : "",
                            std::string(to_string(ra.backend)), ra.requested_backend ? "" : VmBackend::unavailable_reason());
  if (ra.vm.accel != "auto" && ra.vm.accel != "kvm" && ra.vm.accel != "tcg")
    throw Error(ErrorKind::usage, fmt::format("unknown accelerator \"{}\" (expected auto, kvm or tcg)", ra.vm.accel));
  if (ra.jobs > 1 && ra.backend == BackendKind::host)
    throw Error(ErrorKind::usage,
                "-j runs VMs in parallel; host runs share one page cache and drop_caches is machine-wide, so "
                "concurrent host runs would disturb each other's results: use --backend vm, or -j 1");
  return choice;
}

std::unique_ptr<Backend> make_backend(const RunOptionsArgs& ra) {
  if (ra.backend == BackendKind::vm) return std::make_unique<VmBackend>(ra.vm);
  return std::make_unique<HostBackend>();
}

}  // namespace harness
