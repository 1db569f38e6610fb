#include "core/log_writes.h"

#include <endian.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <random>
#include <set>

#include "base/error.h"
#include "base/file_copy.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

uint64_t le64_at(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return le64toh(v);
}

uint32_t le32_at(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return le32toh(v);
}

void read_exactly(int fd, void* buf, size_t n, uint64_t off, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw RuntimeError(errno_message(what, errno));
    if (r == 0) throw RuntimeError(what + ": the log ends early (truncated)");
    done += static_cast<size_t>(r);
  }
}

void write_exactly(int fd, const void* buf, size_t n, uint64_t off, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd, static_cast<const char*>(buf) + done, n - done, static_cast<off_t>(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw RuntimeError(errno_message(what, errno));
    done += static_cast<size_t>(r);
  }
}

ScopedFd open_or_throw(const fs::path& p, int flags, const std::string& what) {
  ScopedFd fd(::open(p.c_str(), flags | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw RuntimeError(errno_message(fmt::format("{}: {}", p.string(), what), errno));
  return fd;
}

}  // namespace

LogWrites LogWrites::open(const fs::path& log) {
  LogWrites lw;
  lw.file_ = log;
  ScopedFd fd = open_or_throw(log, O_RDONLY, "cannot open the write log");
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw RuntimeError(errno_message(log.string() + ": stat", errno));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string where = log.string();
  if (size < 28) throw RuntimeError(fmt::format("{}: not a dm-log-writes log: {} bytes, shorter than its super block", where, size));
  unsigned char super[28];
  read_exactly(fd.get(), super, sizeof super, 0, where);
  if (le64_at(super) != kLogWritesMagic)
    throw RuntimeError(fmt::format("{}: not a dm-log-writes log: magic {:#x}, expected {:#x}", where, le64_at(super),
                                   kLogWritesMagic));
  if (le64_at(super + 8) != kLogWritesVersion)
    throw RuntimeError(fmt::format("{}: dm-log-writes version {} is not supported (only {})", where, le64_at(super + 8),
                                   kLogWritesVersion));
  const uint64_t n = le64_at(super + 16);
  const uint32_t ss = le32_at(super + 24);
  if (ss < 512 || ss > (1u << 20) || (ss & (ss - 1)) != 0)
    throw RuntimeError(fmt::format("{}: a sector size of {} bytes (expected a power of two from 512 to 1 MiB)", where, ss));
  lw.sector_size_ = ss;
  // Each entry takes at least one sector: a count beyond that is corrupt,
  // not a reason to reserve gigabytes.
  if (n > size / ss)
    throw RuntimeError(fmt::format("{}: the super block counts {} entries, but {} bytes hold at most {} (truncated or corrupt)",
                                   where, n, size, size / ss));
  lw.entries_.reserve(n);
  uint64_t off = ss;
  std::vector<unsigned char> head(ss);
  for (uint64_t i = 0; i < n; ++i) {
    if (off + ss > size)
      throw RuntimeError(fmt::format("{}: entry {} of {} starts at byte {}, past the end ({} bytes): the log is truncated",
                                     where, i, n, off, size));
    read_exactly(fd.get(), head.data(), 32, off, where);
    LogWritesEntry e;
    e.sector = le64_at(head.data());
    e.nr_sectors = le64_at(head.data() + 8);
    e.flags = le64_at(head.data() + 16);
    const uint64_t data_len = le64_at(head.data() + 24);
    if (e.flags & ~(kLogFlush | kLogFua | kLogDiscard | kLogMark))
      throw RuntimeError(fmt::format("{}: entry {} has unknown flags {:#x} (corrupt)", where, i, e.flags));
    if (data_len > size)
      throw RuntimeError(fmt::format("{}: entry {} has {} bytes of inline data, more than the log (corrupt)", where, i, data_len));
    const uint64_t header = (32 + data_len + ss - 1) / ss * ss;
    if (off + header > size)
      throw RuntimeError(fmt::format("{}: entry {} is cut short (truncated)", where, i));
    if (data_len > 0) {
      e.mark.resize(data_len);
      read_exactly(fd.get(), e.mark.data(), data_len, off + 32, where);
      e.mark = e.mark.c_str();  // a mark is a C string
    }
    off += header;
    if (!(e.flags & kLogDiscard)) {
      if (e.nr_sectors > (size - off) / ss)
        throw RuntimeError(fmt::format("{}: entry {} (sector {}, {} sectors) has its data cut short at byte {} of {}: the log "
                                       "is truncated",
                                       where, i, e.sector, e.nr_sectors, size, off + e.nr_sectors * ss));
      e.data_offset = off;
      off += e.nr_sectors * ss;
    }
    lw.entries_.push_back(std::move(e));
  }
  return lw;
}

void LogWrites::replay(const fs::path& base, const fs::path& out, uint64_t k) const {
  if (k > entries_.size())
    throw RuntimeError(fmt::format("{}: cannot replay {} entries, the log has {}", file_.string(), k, entries_.size()));
  ScopedFd src = open_or_throw(base, O_RDONLY, "cannot open the base image");
  ScopedFd log = open_or_throw(file_, O_RDONLY, "cannot open the write log");
  std::error_code ec;
  fs::remove(out, ec);
  ScopedFd dst = open_or_throw(out, O_RDWR | O_CREAT | O_TRUNC, "cannot create the replay image");
  copy_fd(src.get(), dst.get(), out.string());
  struct stat st {};
  if (fstat(dst.get(), &st) != 0) throw RuntimeError(errno_message(out.string() + ": stat", errno));
  const uint64_t device = static_cast<uint64_t>(st.st_size);
  std::vector<char> buf(std::max<size_t>(sector_size_, 1 << 20));
  for (uint64_t i = 0; i < k; ++i) {
    const LogWritesEntry& e = entries_[i];
    if (e.nr_sectors == 0) continue;
    const uint64_t at = e.sector * sector_size_, len = e.nr_sectors * sector_size_;
    if (e.sector > device / sector_size_ || len > device - at)
      throw RuntimeError(fmt::format("{}: entry {} writes sectors {}..{}, beyond the {}-byte image {}", file_.string(), i,
                                     e.sector, e.sector + e.nr_sectors, device, base.string()));
    for (uint64_t done = 0; done < len;) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(buf.size(), len - done));
      if (e.flags & kLogDiscard) std::fill(buf.begin(), buf.begin() + static_cast<long>(chunk), 0);
      else read_exactly(log.get(), buf.data(), chunk, e.data_offset + done, file_.string());
      write_exactly(dst.get(), buf.data(), chunk, at + done, out.string());
      done += chunk;
    }
  }
  if (::fsync(dst.get()) != 0) throw RuntimeError(errno_message(out.string() + ": fsync", errno));
}

std::string LogWrites::data(uint64_t i, size_t max) const {
  if (i >= entries_.size())
    throw RuntimeError(fmt::format("{}: no entry {}, the log has {}", file_.string(), i, entries_.size()));
  const LogWritesEntry& e = entries_[i];
  if (e.flags & kLogDiscard) return "";
  std::string out(static_cast<size_t>(std::min<uint64_t>(max, e.nr_sectors * sector_size_)), '\0');
  if (out.empty()) return out;
  ScopedFd log = open_or_throw(file_, O_RDONLY, "cannot open the write log");
  read_exactly(log.get(), out.data(), out.size(), e.data_offset, file_.string());
  return out;
}

std::vector<CrashPoint> crash_points(const std::vector<LogWritesEntry>& entries, unsigned between, uint64_t seed,
                                     uint64_t after, unsigned max_flushes) {
  const uint64_t n = entries.size();
  std::vector<CrashPoint> flushes;
  for (uint64_t i = after; i < n; ++i)
    if (entries[i].durable()) flushes.push_back({i + 1, entries[i].flags & kLogFlush ? "flush" : "fua"});
  std::vector<CrashPoint> out;
  if (flushes.size() <= max_flushes) {
    out = flushes;
  } else if (max_flushes == 1) {
    out.push_back(flushes.back());
  } else if (max_flushes > 1) {
    // Evenly from the first to the last: j * (m - 1) / (max - 1) is
    // strictly increasing in j since m > max.
    const size_t m = flushes.size();
    for (size_t j = 0; j < max_flushes; ++j) out.push_back(flushes[j * (m - 1) / (max_flushes - 1)]);
  }
  // A flush point left out by the cap is no point to sample either.
  std::set<uint64_t> taken;
  for (const auto& cp : flushes) taken.insert(cp.entries);
  if (n > after && std::none_of(out.begin(), out.end(), [&](const CrashPoint& cp) { return cp.entries == n; }))
    out.push_back({n, "end"});
  taken.insert(n);
  std::vector<uint64_t> rest;
  for (uint64_t k = after + 1; k < n; ++k)
    if (!taken.count(k)) rest.push_back(k);
  std::mt19937_64 rng(seed);
  for (unsigned j = 0; j < between && !rest.empty(); ++j) {
    std::uniform_int_distribution<size_t> pick(0, rest.size() - 1);
    size_t at = pick(rng);
    out.push_back({rest[at], "sampled"});
    rest[at] = rest.back();
    rest.pop_back();
  }
  std::sort(out.begin(), out.end(), [](const CrashPoint& a, const CrashPoint& b) { return a.entries < b.entries; });
  return out;
}

unsigned durable_points_after(const std::vector<LogWritesEntry>& entries, uint64_t after) {
  unsigned n = 0;
  for (uint64_t i = after; i < entries.size(); ++i) n += entries[i].durable();
  return n;
}

unsigned durable_points_before(const std::vector<LogWritesEntry>& entries, uint64_t after) {
  unsigned n = 0;
  for (uint64_t i = 0; i < entries.size() && i + 1 < after; ++i) n += entries[i].durable();
  return n;
}

}  // namespace harness
