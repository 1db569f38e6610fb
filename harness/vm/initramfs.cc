#include "vm/initramfs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <fstream>
#include <system_error>

#include "base/child.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/file_copy.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 110;
constexpr std::string_view kMagic = "070701";
constexpr std::string_view kTrailer = "TRAILER!!!";

std::string strip_slash(std::string p) {
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return fs::path(p).lexically_normal().generic_string();
}

}  // namespace

// ---------------------------------------------------------------- writer

void CpioWriter::put(std::string_view s) {
  out_.write(s.data(), static_cast<std::streamsize>(s.size()));
  written_ += s.size();
}

void CpioWriter::pad() {
  static const char zeros[4] = {0, 0, 0, 0};
  size_t n = (4 - written_ % 4) % 4;
  put(std::string_view(zeros, n));
}

void CpioWriter::header(std::string_view name, uint32_t mode, uint32_t nlink, uint64_t size,
                        uint32_t rdev_major, uint32_t rdev_minor) {
  if (size > 0xffffffffULL)
    throw RuntimeError(fmt::format("{}: {} bytes is too large for a newc archive member", name, size));
  uint32_t ino = name == kTrailer ? 0 : next_ino_++;
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  put(fmt::format("{}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                  kMagic, ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev_major, rdev_minor,
                  name.size() + 1, 0));
  put(name);
  put(std::string_view("\0", 1));
  pad();
}

void CpioWriter::add_dir(std::string_view name, uint32_t perm) {
  header(name, S_IFDIR | (perm & 07777), 2, 0, 0, 0);
}

void CpioWriter::add_file(std::string_view name, uint32_t perm, std::string_view data) {
  header(name, S_IFREG | (perm & 07777), 1, data.size(), 0, 0);
  put(data);
  pad();
}

void CpioWriter::add_symlink(std::string_view name, std::string_view target) {
  header(name, S_IFLNK | 0777, 1, target.size(), 0, 0);
  put(target);
  pad();
}

void CpioWriter::add_char_device(std::string_view name, uint32_t perm, uint32_t major,
                                 uint32_t minor) {
  header(name, S_IFCHR | (perm & 07777), 1, 0, major, minor);
}

void CpioWriter::finish() { header(kTrailer, 0, 1, 0, 0, 0); }

// ---------------------------------------------------------------- reader

std::vector<CpioEntry> read_newc(std::string_view a) {
  std::vector<CpioEntry> out;
  size_t off = 0;
  auto field = [&](size_t at, int index) -> uint32_t {
    std::string hex(a.substr(at + 6 + 8 * static_cast<size_t>(index), 8));
    size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(hex, &used, 16);
    } catch (...) {
      used = 0;
    }
    if (used != 8) throw RuntimeError(fmt::format("cpio offset {}: bad header field \"{}\"", at, hex));
    return static_cast<uint32_t>(v);
  };
  auto align = [](size_t n) { return (n + 3) & ~size_t{3}; };
  for (;;) {
    if (off + kHeaderBytes > a.size())
      throw RuntimeError(fmt::format("cpio offset {}: truncated header (no trailer)", off));
    if (a.substr(off, 6) != kMagic)
      throw RuntimeError(fmt::format("cpio offset {}: bad magic \"{}\"", off, a.substr(off, 6)));
    CpioEntry e;
    e.ino = field(off, 0);
    e.mode = field(off, 1);
    e.nlink = field(off, 4);
    uint32_t size = field(off, 6);
    e.rdev_major = field(off, 9);
    e.rdev_minor = field(off, 10);
    uint32_t namesize = field(off, 11);
    size_t name_at = off + kHeaderBytes;
    if (namesize == 0 || name_at + namesize > a.size() || a[name_at + namesize - 1] != '\0')
      throw RuntimeError(fmt::format("cpio offset {}: bad name size {}", off, namesize));
    e.name = std::string(a.substr(name_at, namesize - 1));
    size_t data_at = align(name_at + namesize);
    if (data_at + size > a.size())
      throw RuntimeError(fmt::format("cpio offset {}: {} is truncated", off, e.name));
    e.data = std::string(a.substr(data_at, size));
    off = align(data_at + size);
    if (e.name == kTrailer) return out;
    out.push_back(std::move(e));
  }
}

// ---------------------------------------------------------------- tree

void Initramfs::ensure_parents(const std::string& p) {
  fs::path parent = fs::path(p).parent_path();
  if (parent.empty()) return;
  std::string key = parent.generic_string();
  auto it = nodes_.find(key);
  if (it == nodes_.end()) {
    ensure_parents(key);
    nodes_.emplace(key, Node{});
  } else if (it->second.kind != Kind::dir) {
    throw RuntimeError(fmt::format("initramfs: /{} is needed as a directory but is already a file or link", key));
  }
}

void Initramfs::put(const std::string& guest_path, Node node) {
  std::string key = strip_slash(guest_path);
  if (key.empty() || key == ".") throw RuntimeError("initramfs: cannot add the root itself");
  ensure_parents(key);
  auto it = nodes_.find(key);
  if (it != nodes_.end()) {
    const Node& old = it->second;
    bool same = old.kind == node.kind && old.bytes == node.bytes && old.host == node.host &&
                old.major == node.major && old.minor == node.minor;
    if (same || (old.kind == Kind::dir && node.kind == Kind::dir)) return;
    throw RuntimeError(fmt::format("initramfs: /{} was added twice with different contents", key));
  }
  nodes_.emplace(key, std::move(node));
}

void Initramfs::add_dir(const std::string& guest_path, uint32_t perm) {
  Node n;
  n.kind = Kind::dir;
  n.perm = perm;
  put(guest_path, std::move(n));
}

void Initramfs::add_bytes(const std::string& guest_path, std::string content, uint32_t perm) {
  Node n;
  n.kind = Kind::file_bytes;
  n.perm = perm;
  n.bytes = std::move(content);
  put(guest_path, std::move(n));
}

void Initramfs::add_host_file(const std::string& guest_path, const fs::path& host_path) {
  struct stat st {};
  if (stat(host_path.c_str(), &st) != 0)
    throw EnvironmentError(errno_message(host_path.string() + ": cannot add to the guest initramfs", errno));
  if (!S_ISREG(st.st_mode))
    throw EnvironmentError(fmt::format("{}: not a regular file; only files go into the guest initramfs",
                                       host_path.string()));
  Node n;
  n.kind = Kind::file_host;
  n.perm = st.st_mode & 07777;
  n.host = host_path;
  n.host_dev = st.st_dev;
  n.host_ino = st.st_ino;
  n.host_size = static_cast<uint64_t>(st.st_size);
  put(guest_path, std::move(n));
}

namespace {

// The host file a node was made from, opened again: the same regular file
// (a FIFO, a device, or a link to another file put at its path since it
// was added is refused), never blocking on it.
ScopedFd open_host_file(const Initramfs::Node& n) {
  ScopedFd fd(::open(n.host.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.is_open()) throw EnvironmentError(errno_message(n.host.string() + ": cannot read for the guest", errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_dev) != n.host_dev ||
      static_cast<uint64_t>(st.st_ino) != n.host_ino)
    throw EnvironmentError(fmt::format("{}: no longer the file chosen for the guest (replaced since)", n.host.string()));
  return fd;
}

}  // namespace

void Initramfs::add_symlink(const std::string& guest_path, const std::string& target) {
  Node n;
  n.kind = Kind::symlink;
  n.bytes = target;
  put(guest_path, std::move(n));
}

void Initramfs::add_char_device(const std::string& guest_path, uint32_t perm, uint32_t major,
                                uint32_t minor) {
  Node n;
  n.kind = Kind::char_device;
  n.perm = perm;
  n.major = major;
  n.minor = minor;
  put(guest_path, std::move(n));
}

void Initramfs::add_host_path(const fs::path& absolute) {
  if (!absolute.is_absolute())
    throw RuntimeError(fmt::format("initramfs: {} is not an absolute path", absolute.string()));
  // Walk the components; a symlink met on the way is reproduced as a
  // symlink and the walk continues from its target. Bounded like the
  // kernel's own symlink limit.
  fs::path pending = absolute.lexically_normal();
  for (int hops = 0; hops < 40; ++hops) {
    fs::path done = "/";
    bool restarted = false;
    for (auto it = std::next(pending.begin()); it != pending.end(); ++it) {
      fs::path cur = done / *it;
      struct stat st {};
      if (lstat(cur.c_str(), &st) != 0)
        throw EnvironmentError(errno_message(cur.string() + ": needed in the guest, but", errno));
      if (S_ISLNK(st.st_mode)) {
        std::error_code ec;
        fs::path target = fs::read_symlink(cur, ec);
        if (ec) throw EnvironmentError(fmt::format("{}: cannot read link: {}", cur.string(), ec.message()));
        add_symlink(cur.string(), target.string());
        fs::path rest;
        for (auto r = std::next(it); r != pending.end(); ++r) rest /= *r;
        fs::path resolved = target.is_absolute() ? target : done / target;
        pending = (rest.empty() ? resolved : resolved / rest).lexically_normal();
        restarted = true;
        break;
      }
      if (std::next(it) == pending.end()) {
        if (S_ISDIR(st.st_mode)) add_dir(cur.string(), st.st_mode & 07777);
        else add_host_file(cur.string(), cur);
        return;
      }
      if (!S_ISDIR(st.st_mode))
        throw EnvironmentError(fmt::format("{}: not a directory", cur.string()));
      done = cur;
    }
    if (!restarted) return;  // the path was "/"
  }
  throw EnvironmentError(fmt::format("{}: too many levels of symbolic links", absolute.string()));
}

bool Initramfs::contains(const std::string& guest_path) const {
  return nodes_.count(strip_slash(guest_path)) > 0;
}

std::string Initramfs::manifest_digest() const {
  Sha256 h;
  h.update(std::string_view("harness-initramfs-v1\n"));
  for (const auto& [path, n] : nodes_) {
    std::string line = fmt::format("{}\t{}\t{:o}\t{}\t{}:{}\t", path, static_cast<int>(n.kind), n.perm,
                                   n.bytes.size(), n.major, n.minor);
    h.update(line);
    h.update(n.bytes);
    if (n.kind == Kind::file_host) {
      struct stat st {};
      if (stat(n.host.c_str(), &st) != 0)
        throw EnvironmentError(errno_message(n.host.string() + ": cannot stat", errno));
      h.update(fmt::format("{}\t{}\t{}.{}\t{}\t{}", n.host.string(), st.st_size, st.st_mtim.tv_sec,
                           st.st_mtim.tv_nsec, st.st_ino, st.st_dev));
    }
    h.update(std::string_view("\n"));
  }
  return h.hex_final();
}

uint64_t Initramfs::write(std::ostream& out) const {
  CpioWriter w(out);
  for (const auto& [path, n] : nodes_) {
    switch (n.kind) {
      case Kind::dir: w.add_dir(path, n.perm); break;
      case Kind::file_bytes: w.add_file(path, n.perm, n.bytes); break;
      case Kind::symlink: w.add_symlink(path, n.bytes); break;
      case Kind::char_device: w.add_char_device(path, n.perm, n.major, n.minor); break;
      case Kind::file_host: {
        ScopedFd in = open_host_file(n);
        w.add_file(path, n.perm, read_fd_capped(in.get(), n.host_size));
        break;
      }
    }
  }
  w.finish();
  if (!out) throw EnvironmentError("writing the guest initramfs failed (disk full?)");
  return w.bytes_written();
}

uint64_t Initramfs::write_tree(const fs::path& dir) const {
  uint64_t bytes = 0;
  // The map's order puts every folder before what it holds.
  for (const auto& [path, n] : nodes_) {
    fs::path to = dir / path;
    std::error_code ec;
    switch (n.kind) {
      case Kind::dir:
        fs::create_directory(to, ec);
        break;
      case Kind::symlink:
        fs::create_symlink(n.bytes, to, ec);
        break;
      case Kind::file_bytes: {
        std::ofstream out(to, std::ios::binary);
        out << n.bytes;
        if (!out) ec = std::make_error_code(std::errc::io_error);
        bytes += n.bytes.size();
        break;
      }
      case Kind::file_host: {
        // Made private, filled, then given its mode (below).
        ScopedFd in = open_host_file(n);
        ScopedFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out.is_open()) {
          ec = std::error_code(errno, std::generic_category());
          break;
        }
        try {
          bytes += copy_fd(in.get(), out.get(), to.string(), n.host_size);
        } catch (const std::system_error& e) {
          ec = e.code();
        }
        break;
      }
      case Kind::char_device:
        throw RuntimeError(fmt::format("/{}: a device node has no place in a tree on disk", path));
    }
    if (ec) throw EnvironmentError(fmt::format("{}: cannot write the guest's file: {}", to.string(), ec.message()));
    // No set-uid/set-gid copy of a host program lies in a run folder others
    // can read; in the guest everything runs as root anyway.
    if (n.kind != Kind::symlink) fs::permissions(to, static_cast<fs::perms>(n.perm & 01777), ec);
    if (ec) throw EnvironmentError(fmt::format("{}: cannot set its mode: {}", to.string(), ec.message()));
  }
  return bytes;
}

}  // namespace harness
