// DestinationActivity: what the installers did in the folders they install
// into, over time: every write, create, rename and unlink there, from the
// kernel (inotify on those folders), with when it happened on the run's
// clock. A fault that strikes an installer (a kill, a failing disk) is only
// exercised if it struck while the installer was at work there; this is the
// evidence that says where it struck. Also the free space of the scratch
// filesystems an ENOSPC is meant to come from, and the versions the
// faults' `run` actions offered to install. Filled in by a backend, read by
// the verdict (core/exercise.h) and the reports. Plain data.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

enum class DestinationOpKind { write, create, rename_from, rename_to, unlink };
std::string_view to_string(DestinationOpKind k);

// One operation on an entry of a watched folder; consecutive writes to one
// entry are one op with a count and a span.
struct DestinationOp {
  double t_ms = 0;
  double t_last_ms = 0;
  DestinationOpKind kind = DestinationOpKind::write;
  std::string folder;  // the watched folder's work path ("data")
  std::string name;    // the entry inside it
  unsigned long count = 1;
};

struct DestinationActivity {
  std::vector<std::string> folders;  // watched, as work paths
  std::vector<DestinationOp> ops;    // in time order
  bool truncated = false;            // more ops than kept: later ones dropped
  std::string unavailable;           // why nothing could be watched (empty: watched)
  double t_from_ms = -1, t_to_ms = -1;  // the watch's window on the run's clock
};

// How full a scratch filesystem got while the faults ran (sampled with
// statfs every millisecond or so): an ENOSPC needs it to run out of room.
struct ScratchSpace {
  std::string path;                 // its work path
  bool enospc = false;              // the scenario means it to fill up ("enospc": true)
  unsigned long long size_bytes = 0;
  unsigned long long block_bytes = 0;
  unsigned long long min_free_bytes = 0;  // the least free space seen (root's view: f_bfree)
  double t_min_free_ms = -1;
  unsigned long samples = 0;
  // Full: no more than 3% or a few blocks left (ext4 refuses a write with
  // about 2% of a small filesystem still free, kept for its own metadata).
  bool filled() const;
};

// A version a fault's `run` action was given to install: a file its
// command line names (directly, or as a folder holding a file of the same
// name as an installed or mounted path), compared with what was installed
// when the faults began.
struct Offer {
  std::string fault;
  std::string file;          // work path of the offered file ("store-v2/app.img")
  std::string installed;     // the installed/mounted path it would replace ("data/app.img")
  std::string sha256;
  bool same_as_installed = false;  // byte for byte what `installed` held before the faults
};

nlohmann::json to_json(const DestinationOp& o);
nlohmann::json to_json(const DestinationActivity& a);
nlohmann::json to_json(const ScratchSpace& s);
nlohmann::json to_json(const Offer& o);
// Throw nlohmann's out_of_range/type_error on a missing or mistyped field.
DestinationActivity destination_activity_from_json(const nlohmann::json& j);
ScratchSpace scratch_space_from_json(const nlohmann::json& j);
Offer offer_from_json(const nlohmann::json& j);

// The ops that began in [from_ms, to_ms).
std::vector<DestinationOp> ops_between(const DestinationActivity& a, double from_ms, double to_ms);

}  // namespace harness
