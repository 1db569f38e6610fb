#include "core/durable_mark.h"

#include <fmt/format.h>

#include "base/error.h"

namespace harness {

uint64_t durable_mark_offset(unsigned fs_mib) { return static_cast<uint64_t>(fs_mib) << 20; }

std::string durable_mark_block(size_t index, const std::string& scratch) {
  std::string text = fmt::format("{} setup scratch {} {}\n", kDurableMarkMagic, index + 1, scratch);
  if (text.size() > kDurableMarkBytes) text.resize(kDurableMarkBytes);
  text.resize(kDurableMarkBytes, '\0');
  return text;
}

std::optional<uint64_t> find_durable_mark(const LogWrites& log, uint64_t offset, const std::string& block) {
  const std::string text = block.substr(0, block.find('\0'));
  if (text.empty() || offset % log.sector_size() != 0) return std::nullopt;
  const uint64_t sector = offset / log.sector_size();
  std::optional<uint64_t> found;
  const auto& es = log.entries();
  for (uint64_t i = 0; i < es.size(); ++i) {
    const LogWritesEntry& e = es[i];
    if (e.sector != sector || e.nr_sectors == 0 || (e.flags & kLogDiscard)) continue;
    if (log.data(i, text.size()) != text) continue;
    if (found)
      throw RuntimeError(fmt::format("{}: the durable mark was written twice (entries {} and {}, sector {}): a mark is "
                                     "written once per run",
                                     log.file().string(), *found, i, sector));
    found = i;
  }
  return found;
}

}  // namespace harness
