// Streaming MD5 and SHA-256, written from scratch so that the harness and the
// installer under test need no crypto library. They identify images and
// checksum sidecars; they are not used for anything security-relevant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace harness {

enum class DigestAlgo { md5, sha256 };

// "md5" or "sha256": the prefix of "sha256:<hex>" and the sidecar suffix.
std::string_view digest_algo_name(DigestAlgo algo);
// Hex characters in a digest of this algorithm (32 or 64).
size_t digest_hex_length(DigestAlgo algo);

// Lowercase hex of arbitrary bytes.
std::string to_hex(std::span<const uint8_t> bytes);

// RFC 1321. Feed any number of update() calls, then finish once; finishing
// resets the object so that it can digest another message.
class Md5 {
 public:
  static constexpr size_t kDigestBytes = 16;
  using DigestBytes = std::array<uint8_t, kDigestBytes>;

  Md5() { reset(); }
  void update(std::span<const std::byte> data);
  void update(std::string_view data) { update(std::as_bytes(std::span(data))); }
  DigestBytes final();
  std::string hex_final() { return to_hex(final()); }
  void reset();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 4> state_{};
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// FIPS 180-4 SHA-256, with the same streaming contract as Md5.
class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  using DigestBytes = std::array<uint8_t, kDigestBytes>;

  Sha256() { reset(); }
  void update(std::span<const std::byte> data);
  void update(std::string_view data) { update(std::as_bytes(std::span(data))); }
  DigestBytes final();
  std::string hex_final() { return to_hex(final()); }
  void reset();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_{};
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lowercase hex digest of a whole file, read in 1 MiB chunks. Throws
// std::system_error whose message names the path.
std::string file_digest_hex(DigestAlgo algo, const std::filesystem::path& path);

}  // namespace harness
