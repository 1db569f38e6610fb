// Offers: which version each fault's `run` actions were given to install,
// found before the faults begin. An installer is told where its new
// version is by its command line: an argument naming a file in the run's
// work folder, or a folder there holding a file of the same name as the
// installed (or mounted) path it replaces ("{work}/store ... app" with
// store/app.img beside data/app.img). Each such file is compared byte for
// byte with what is installed now: the same version (a redeploy the
// installer may rightly skip) or a new one. Only files beneath the work
// folder are read, beneath it and without following links.
#pragma once

#include <vector>

#include "base/run_dir.h"
#include "core/destination_activity.h"
#include "core/scenario.h"

namespace harness {

// What the installers under test replace: the `installed` paths where the
// scenario has any (a mounted image may then be a store's copy the
// workload runs from), else the mounted images.
std::vector<std::string> destination_paths(const Scenario& s);

std::vector<Offer> find_offers(const Scenario& s, const RunDir& run);

}  // namespace harness
