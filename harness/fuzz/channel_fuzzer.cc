// libFuzzer target for the guest channel as the host reads it: the code in
// a guest is the scenario's, so whatever bytes arrive on the event channel,
// ChannelReceiver must turn them into record fields or a guest error --
// never an exception, a crash, unbounded growth or undefined behaviour.
// Each input line is fed as it is and again behind this run's marker, so
// the JSON handling is reached. Built by ci/fuzz.sh with clang
// (-fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "vm/guest_channel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string marker = "@@harness-00fuzz00@@";
  std::string_view input(reinterpret_cast<const char*>(data), size);
  harness::RunRecord rec;
  harness::RunObserver obs;
  harness::WorkloadProgress progress;
  obs.progress = &progress;
  harness::ChannelReceiver rx(marker, rec, obs);
  int readies = 0;
  try {
    for (size_t start = 0; start <= input.size();) {
      size_t end = input.find('\n', start);
      std::string_view line = input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      for (const std::string& l : {std::string(line), marker + " " + std::string(line)})
        readies += rx.take(l) == harness::ChannelReceiver::Step::ready;
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    harness::cmdline_value(input, harness::kMarkerCmdlineKey);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "channel_fuzzer: ChannelReceiver::take threw: %s\n", e.what());
    std::abort();
  }
  if (readies > 1 || rec.kernel_log.size() > harness::kMaxGuestKernelLines) {
    std::fprintf(stderr, "channel_fuzzer: a bound was not kept (readies %d, kernel lines %zu)\n", readies,
                 rec.kernel_log.size());
    std::abort();
  }
  return 0;
}
