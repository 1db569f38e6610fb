// Initramfs: the root filesystem a guest VM boots from, as an uncompressed
// "newc" cpio archive (the format the kernel unpacks into its rootfs; see
// Documentation/driver-api/early-userspace/buffer-format.rst). Written in
// C++ so that building a guest needs no cpio tool.
//
// An Initramfs is a sorted set of entries keyed by guest path. Host files
// are referenced, not copied, until write(); add_host_path() puts a host
// file at the same absolute path in the guest and reproduces every symlink
// met on the way (Debian's /bin -> usr/bin, /lib64/ld-linux... -> ...), so
// paths that work on the host work unchanged in the guest.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// One archive member, as read back by read_newc().
struct CpioEntry {
  std::string name;  // no leading '/'
  uint32_t mode = 0;  // type and permission bits
  uint32_t ino = 0;
  uint32_t nlink = 1;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  std::string data;  // file contents, or the symlink target
};

// Streams newc members to `out`. Members are written in call order; the
// caller writes parents before children. finish() writes the trailer.
class CpioWriter {
 public:
  explicit CpioWriter(std::ostream& out) : out_(out) {}
  void add_dir(std::string_view name, uint32_t perm);
  void add_file(std::string_view name, uint32_t perm, std::string_view data);
  void add_symlink(std::string_view name, std::string_view target);
  void add_char_device(std::string_view name, uint32_t perm, uint32_t major, uint32_t minor);
  void finish();
  uint64_t bytes_written() const { return written_; }

 private:
  void header(std::string_view name, uint32_t mode, uint32_t nlink, uint64_t size,
              uint32_t rdev_major, uint32_t rdev_minor);
  void pad();
  void put(std::string_view s);

  std::ostream& out_;
  uint32_t next_ino_ = 1;
  uint64_t written_ = 0;
};

// Parses a newc archive up to its trailer. Throws RuntimeError naming the
// offset on anything malformed.
std::vector<CpioEntry> read_newc(std::string_view archive);

class Initramfs {
 public:
  enum class Kind { dir, file_bytes, file_host, symlink, char_device };
  struct Node {
    Kind kind = Kind::dir;
    uint32_t perm = 0755;
    std::string bytes;               // file_bytes contents, symlink target
    std::filesystem::path host;      // file_host
    // file_host: the file as it was added; the copy is of that very file
    // (a link or another file put at the path since is refused), and of
    // no more than its size then.
    uint64_t host_dev = 0, host_ino = 0, host_size = 0;
    uint32_t major = 0, minor = 0;   // char_device
  };

  // Every add_* creates missing parent directories (0755). Adding a path
  // twice with the same content is a no-op; with different content it
  // throws RuntimeError.
  void add_dir(const std::string& guest_path, uint32_t perm = 0755);
  void add_bytes(const std::string& guest_path, std::string content, uint32_t perm = 0644);
  void add_host_file(const std::string& guest_path, const std::filesystem::path& host_path);
  void add_symlink(const std::string& guest_path, const std::string& target);
  void add_char_device(const std::string& guest_path, uint32_t perm, uint32_t major, uint32_t minor);
  // The host file at `absolute_host_path`, at the same path in the guest,
  // with symlinks (in directories and the final name) reproduced and
  // their targets added too. Throws EnvironmentError if it does not exist.
  void add_host_path(const std::filesystem::path& absolute_host_path);

  bool contains(const std::string& guest_path) const;
  const std::map<std::string, Node>& entries() const { return nodes_; }

  // A digest that changes whenever the archive would: guest paths, kinds,
  // modes, literal contents, and for host files their path, size, mtime
  // (ns), inode and device. Host file bytes are not read, so computing it
  // costs a few stat() calls; the cache key is therefore a digest of the
  // manifest, not of the bytes (an edit that keeps size and mtime is not
  // noticed).
  std::string manifest_digest() const;

  // Writes the archive; host files are read now. Returns the bytes written.
  uint64_t write(std::ostream& out) const;
  // Writes the tree itself beneath `dir` (which must exist), for a disk
  // made with `mkfs.ext4 -d`: folders, symlinks, files (host files copied
  // now), with their modes. No device nodes. Returns the files' bytes.
  uint64_t write_tree(const std::filesystem::path& dir) const;

 private:
  void put(const std::string& guest_path, Node node);
  void ensure_parents(const std::string& guest_path);

  std::map<std::string, Node> nodes_;  // key: path without leading '/'
};

}  // namespace harness
