// LogWrites: a write log in the dm-log-writes format (the Linux target's,
// and what qemu's `blklogwrites` block driver writes for a guest disk),
// read and replayed in userspace. The format, all little-endian:
//   sector 0        super block {u64 magic 0x6a736677736872, u64 version 1,
//                   u64 nr_entries, u32 sectorsize}, padded to sectorsize
//   then, per entry a header {u64 sector, u64 nr_sectors, u64 flags,
//                   u64 data_len} followed by data_len bytes of inline data
//                   (a MARK's name), the two padded to sectorsize; then,
//                   unless the entry is a DISCARD, nr_sectors * sectorsize
//                   bytes of the data written. `sector` counts sectorsize
//                   units of the logged device.
// flags: FLUSH 1, FUA 2, DISCARD 4, MARK 8.
// Replaying entries [0, k) onto a copy of the device's initial image gives
// the device as it was after the k-th completed write: a power cut then.
// A crash point is such a k: every FLUSH/FUA (what the guest was promised
// durable), plus a seeded sample of the points between, all after the
// point where the setup's install was durable (core/durable_mark.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace harness {

inline constexpr uint64_t kLogWritesMagic = 0x6a736677736872ULL;
inline constexpr uint64_t kLogWritesVersion = 1;
inline constexpr uint64_t kLogFlush = 1, kLogFua = 2, kLogDiscard = 4, kLogMark = 8;

struct LogWritesEntry {
  uint64_t sector = 0;      // in sector_size units
  uint64_t nr_sectors = 0;
  uint64_t flags = 0;
  std::string mark;         // a MARK's inline data
  uint64_t data_offset = 0; // where its data starts in the log file (none for a discard)
  bool durable() const { return flags & (kLogFlush | kLogFua); }
};

struct CrashPoint {
  uint64_t entries = 0;  // replay entries [0, entries)
  std::string why;       // "flush", "fua", "sampled", "end"
};

class LogWrites {
 public:
  // Reads the super block and every entry header. Throws RuntimeError
  // naming the file and what is wrong: a bad magic or version, a sector
  // size that is not a power of two in [512, 1 MiB], unknown flags, an
  // entry or its data running past the end of the file (a truncated log).
  static LogWrites open(const std::filesystem::path& log);

  const std::filesystem::path& file() const { return file_; }
  uint32_t sector_size() const { return sector_size_; }
  const std::vector<LogWritesEntry>& entries() const { return entries_; }

  // Copies `base` to `out` (replaced) and applies entries [0, k) in order:
  // writes their data, zeroes what a discard covers. Throws when k is past
  // the end or a write lies beyond the image.
  void replay(const std::filesystem::path& base, const std::filesystem::path& out, uint64_t k) const;

  // Up to `max` bytes of the data entry `i` wrote (none for a discard or
  // a flush). Throws RuntimeError when the log cannot be read.
  std::string data(uint64_t i, size_t max) const;

 private:
  std::filesystem::path file_;
  uint32_t sector_size_ = 512;
  std::vector<LogWritesEntry> entries_;
};

// At most this many FLUSH/FUA crash points are judged in one log: each
// costs a copy of the disk, a replay, an e2fsck and a mount, and the
// guest chooses how often it flushes.
inline constexpr unsigned kMaxFlushCrashPoints = 64;

// The crash points after `after` (the durable point: the number of
// entries replayed for the setup's durable state; 0 for none): the
// FLUSH/FUA points k = index + 1 > after (all of them up to `max_flushes`;
// past it that many, spread evenly from the first to the last), the end
// (k = n), and `between` more points drawn with `seed` from the rest of
// (after, n): sorted, distinct.
std::vector<CrashPoint> crash_points(const std::vector<LogWritesEntry>& entries, unsigned between, uint64_t seed,
                                     uint64_t after = 0, unsigned max_flushes = kMaxFlushCrashPoints);

// The FLUSH/FUA points k = index + 1 > `after`: how many crash_points()
// could judge before its cap.
unsigned durable_points_after(const std::vector<LogWritesEntry>& entries, uint64_t after);

// The FLUSH/FUA points k = index + 1 < `after`: those crash_points() skips
// because the setup's install was not durable yet.
unsigned durable_points_before(const std::vector<LogWritesEntry>& entries, uint64_t after);

}  // namespace harness
