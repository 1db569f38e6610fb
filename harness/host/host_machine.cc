#include "host/host_machine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "core/installed_state.h"
#include "core/scenario_checks.h"
#include "host/fault.h"
#include "host/file_state.h"
#include "host/installed_files.h"
#include "host/loop_device.h"
#include "host/machine_needs.h"
#include "host/offers.h"
#include "host/scenario_images.h"

namespace harness {

namespace fs = std::filesystem;

HostMachine::HostMachine(const Scenario& s, RunDir& dir, const RunClock& clock, std::optional<fs::path> prebuilt,
                         std::map<size_t, fs::path> scratch_devices, MissingWhere where)
    : s_(s), dir_(dir), clock_(clock), prebuilt_(std::move(prebuilt)), scratch_devices_(std::move(scratch_devices)),
      where_(where) {}

void HostMachine::start_watching() {
  // From the start: the process events of setup actions and faults must
  // be followed as they happen.
  evidence_.emplace(clock_);
  evidence_->watch_execs(program_locations());
  // Before anything is started: every process of the run lives in it.
  cgroups_.emplace(need_cgroup2(), dir_);
}

void HostMachine::make_images(const std::function<void(ImageRecord)>& made) {
  make_images_and_copies(s_, dir_, prebuilt_,
                         [&](const BuiltImage& b) { made(ImageRecord{b.name, b.path, b.size_bytes, b.fs}); });
  for (size_t i = 0; i < s_.scratch.size(); ++i) {
    if (auto dev = scratch_devices_.find(i); dev != scratch_devices_.end()) {
      // A disk the vm backend made (and logs): the filesystem is on it already.
      unsigned long long bytes = scratch_.mount_device(s_.scratch[i], i, dev->second, dir_);
      made(ImageRecord{fmt::format("scratch-{}", i + 1), dev->second.string(), bytes, s_.scratch[i].fs});
      continue;
    }
    BuiltImage b = ScratchFilesystems::build(s_.scratch[i], i, dir_);
    made(ImageRecord{b.name, b.path, b.size_bytes, b.fs});
    scratch_.mount(s_.scratch[i], b, dir_);
  }
}

std::vector<FaultEvent> HostMachine::perform(const Action& a, const ActionScope& scope) {
  const bool fault = scope.phase == ActionPhase::fault;
  FaultContext ctx{dir_, clock_, scope.on_start, scope.stop, scope.fault, &running_, fault ? &scratch_ : nullptr,
                   where_};
  ctx.cgroups = &*cgroups_;
  // Nothing of setup runs on into the faults; finally's files are judged
  // once all of it is done.
  ctx.wait_for_background = !fault;
  ctx.destinations = fault && destinations_ ? &*destinations_ : nullptr;
  return harness::perform(a, ctx);
}

std::vector<FaultEvent> HostMachine::make_setups_durable() { return scratch_.make_setups_durable(clock_); }

void HostMachine::check_images() { check_mounted_images(s_, dir_); }

MountRecord HostMachine::mount(const MountSpec& m) {
  dir_.make_dirs(m.mountpoint);
  std::string fstype = "ext4";
  for (const auto& img : s_.images)
    if (img.path == m.image) fstype = img.fs;
  // libmount opens the image by path and follows symlinks; a setup step
  // may have planted one. Open it beneath work/ first (refusing links,
  // and an image inside a mounted image: it could be crafted by anyone
  // who made the outer one) and check afterwards that the loop device
  // holds that very file.
  struct stat img_st {};
  ScopedFd img = open_image(m.image);
  fstat(img.get(), &img_st);
  // Watched before it is mounted, so that no write while mounted can
  // slip past.
  evidence_->watch_image(m.image, dir_.absolute(m.image), std::move(img));
  try {
    mounts_.push_back(Mount::loop_mount(dir_.absolute(m.image), dir_.absolute(m.mountpoint), m.options, fstype));
  } catch (const RuntimeError& e) {
    // libmount words a failed loop attach as whatever mount(2) said
    // next ("Operation not permitted"); if no loop device holds the
    // image, the machine had none to give.
    if (!file_on_a_loop_device(img_st.st_dev, img_st.st_ino))
      throw EnvironmentError(fmt::format("{}; no loop device could be attached to it: check that "
                                         "`losetup -f` finds a free loop device (modprobe loop, or "
                                         "free one with `harness gc`)",
                                         e.what()));
    throw;
  }
  const auto& st = *mounts_.back().loop().status();
  if (st.backing_dev != img_st.st_dev || st.backing_inode != img_st.st_ino)
    throw RuntimeError(fmt::format("{}: the loop device holds another file than the one checked "
                                   "(replaced during mount?); refusing it",
                                   m.image));
  // Should we die here, gc detaches this device, and no other.
  dir_.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  MountRecord rec{m.image,
                  m.mountpoint,
                  m.options,
                  st.device,
                  static_cast<unsigned long long>(st.backing_dev),
                  static_cast<unsigned long long>(st.backing_inode),
                  st.autoclear,
                  mounts_.back().effective_options()};
  evidence_->mounted(m.image, rec);
  return rec;
}

void HostMachine::sample_workload() {
  const std::string& prog = s_.workload.argv.at(0);
  if (!prog.empty() && prog.front() == '/' && access(prog.c_str(), R_OK) == 0)
    evidence_->sample_file(fs::path(prog).lexically_relative(dir_.work()).string(), prog);
}

// What the installers do in the folders they install into, and how full
// the scratch filesystems get, from now until the faults end; and which
// versions the faults offer (core/exercise.h judges from these whether
// each fault had a chance to do harm).
std::vector<Offer> HostMachine::watch_destinations() {
  std::vector<Offer> offers = find_offers(s_, dir_);
  destinations_.emplace(clock_);
  auto parent = [](const std::string& p) { return fs::path(p).parent_path().string(); };
  for (const auto& d : destination_paths(s_)) destinations_->watch_folder(dir_, parent(d));
  for (const auto& e : s_.expect)
    if (e.kind == ExpectationKind::installed)
      for (const auto& sc : e.sidecars) destinations_->watch_folder(dir_, parent(sc));
  for (const auto& sc : s_.scratch) {
    if (sc.enospc) destinations_->watch_folder(dir_, sc.path);
    destinations_->sample_space(dir_, sc.path, sc.enospc);
  }
  destinations_->start();
  return offers;
}

std::vector<ExecEvent> HostMachine::run_execs(const ExecBatch& batch, const std::atomic<bool>& stop,
                                              WorkloadProgress& progress,
                                              const std::function<void(const ExecEvent&)>& on_exec) {
  if (!workload_) workload_.emplace(s_.workload.argv, s_.workload.exec_timeout, clock_, &cgroups_->workload());
  WorkloadLimits limits;
  limits.iterations = batch.iterations;
  limits.count_from = batch.count_from;
  if (batch.duration) limits.deadline = clock_.now() + *batch.duration;
  return workload_->run(batch.concurrency, batch.phase, limits, stop, progress, on_exec);
}

std::string HostMachine::diagnose_missing(const std::vector<ExecEvent>& warmup) {
  return diagnose_workload(*workload_, warmup, dir_, where_);
}

std::vector<Survivor> HostMachine::kill_background() {
  std::vector<Survivor> found = cgroups_->kill_background(clock_);
  for (auto& s : found)
    if (s.cgroup == cgroups_->workload().place().proc_path) s.fault = "workload";
  return found;
}

// Its descriptors of the scratch filesystems are closed, so they can be
// unmounted.
void HostMachine::finish_destinations(DestinationActivity& activity, std::vector<ScratchSpace>& space) {
  if (!destinations_) return;
  activity = destinations_->take_activity();
  space = destinations_->take_space();
  destinations_.reset();
}

std::vector<nlohmann::json> HostMachine::read_files(const std::string& moment) {
  std::vector<nlohmann::json> out;
  for (const auto& path : paths_to_record(s_.expect)) out.push_back(to_json(read_file_state(dir_, path, moment.c_str())));
  return out;
}

void HostMachine::unmount_images() {
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) it->unmount();
  mounts_.clear();
}

// Stops the evidence recorder (it holds files inside the mounts) and
// moves what it gathered into the record.
void HostMachine::finish_evidence(RunRecord& rec) {
  if (!evidence_) return;
  evidence_->stop();
  evidence_->flush_into(rec);
  evidence_.reset();
}

// Where the programs that might write an image live: each run action's
// program, the declared programs, and every directory of PATH (what an
// installer script calls). In a guest they are on the bundle's disk.
std::vector<std::string> HostMachine::program_locations() const {
  std::vector<std::string> out{"/", "/usr"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t b = 0, e; b <= p.size(); b = e + 1) {
      e = p.find(':', b);
      if (e == std::string::npos) e = p.size();
      if (e > b) out.push_back(p.substr(b, e - b));
    }
  }
  auto add_argv0 = [&](const Action& a) {
    if (a.kind == ActionKind::run && !a.argv.empty() && a.argv[0].front() == '/') out.push_back(a.argv[0]);
  };
  for (const auto& a : s_.setup) add_argv0(a);
  for (const auto& a : s_.finally) add_argv0(a);
  for (const auto& f : s_.faults)
    for (const auto& a : f.actions) add_argv0(a);
  for (const auto& p : s_.programs)
    if (p.front() == '/') out.push_back(p);
  return out;
}

// An image to mount, opened without crossing a mount: beneath work/, or
// beneath a scratch filesystem the run made itself.
ScopedFd HostMachine::open_image(const std::string& image) {
  if (auto fd = scratch_.open_beneath(image)) return std::move(*fd);
  return dir_.open_without_crossing_mounts(image, O_RDONLY);
}

}  // namespace harness
