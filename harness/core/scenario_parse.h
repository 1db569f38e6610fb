// The sections of a scenario file, parsed one at a time by parse_scenario()
// in the order the file's meaning needs: images, copies and scratch
// filesystems make the work paths that the setup, mounts, faults and
// expectations then refer to. Each read_*() reads its key of the root
// object (if there) into the scenario and checks it against what the
// sections before it produced; errors are ScenarioErrors located at the
// field. The parse_*() functions read one object of a section.
#pragma once

#include <chrono>
#include <filesystem>
#include <set>

#include "core/host_path_policy.h"
#include "core/scenario.h"
#include "core/scenario_node.h"

namespace harness {

// What the sections read so far have made.
struct ScenarioParse {
  const ScenarioNode& root;
  std::filesystem::path base;  // relative host paths resolve against it
  Scenario& s;
  // Every work path that some step produces, to catch typos in later steps.
  std::set<WorkPath> produced;
  // --untrusted: the host files the scenario may name (judged before they
  // are looked at), or nullptr.
  const HostPathPolicy* untrusted = nullptr;

  // A field checked after parsing (see Scenario::run_time_fields).
  void remember(const ScenarioNode& n) { s.run_time_fields[n.path()] = n.where(); }
};

// scenario_parse_images.cc: what exists in the work directory before the run.
ImageSpec parse_image(const ScenarioNode& n, const std::filesystem::path& base,
                      const HostPathPolicy* untrusted = nullptr);
void read_images(ScenarioParse& p);
void read_copies(ScenarioParse& p);
void read_scratch(ScenarioParse& p);

// scenario_parse_steps.cc: the actions outside the faults, and the faults.
void read_setup(ScenarioParse& p);
void read_faults(ScenarioParse& p);
void read_finally(ScenarioParse& p);
// "programs": what the commands call beyond their argv.
void read_programs(ScenarioParse& p);

// scenario_parse_mounts.cc
void read_mounts(ScenarioParse& p);

// scenario_parse_workload.cc: the workload and its size under the vm backend.
WorkloadSpec parse_workload(const ScenarioNode& n, std::chrono::seconds timeout);
VmSizing parse_vm_sizing(const ScenarioNode& n, const Scenario& s);
void read_workload(ScenarioParse& p);
void read_vm(ScenarioParse& p);

// scenario_parse_expect.cc
Expectation parse_expectation(const ScenarioNode& n);
void read_expect(ScenarioParse& p);

}  // namespace harness
