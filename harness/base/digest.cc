#include "base/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "base/scoped_fd.h"

namespace harness {
namespace {

uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void store_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Both algorithms use the same Merkle–Damgård framing over 64-byte blocks;
// only the compression function and the byte order of the length differ.
template <typename CompressFn>
void absorb(std::span<const std::byte> data, std::array<uint8_t, 64>& buffer, size_t& buffered,
            uint64_t& total, CompressFn compress) {
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  size_t left = data.size();
  total += left;
  if (buffered > 0) {
    size_t take = std::min(left, buffer.size() - buffered);
    std::memcpy(buffer.data() + buffered, in, take);
    buffered += take;
    in += take;
    left -= take;
    if (buffered < buffer.size()) return;
    compress(buffer.data());
    buffered = 0;
  }
  while (left >= buffer.size()) {
    compress(in);
    in += buffer.size();
    left -= buffer.size();
  }
  std::memcpy(buffer.data(), in, left);
  buffered = left;
}

// Appends 0x80, zeros, and the 64-bit bit length in the given byte order.
template <typename CompressFn>
void pad(std::array<uint8_t, 64>& buffer, size_t buffered, uint64_t total_bytes,
         bool big_endian_length, CompressFn compress) {
  const uint64_t bit_length = total_bytes * 8;
  buffer[buffered++] = 0x80;
  if (buffered > 56) {
    std::memset(buffer.data() + buffered, 0, buffer.size() - buffered);
    compress(buffer.data());
    buffered = 0;
  }
  std::memset(buffer.data() + buffered, 0, 56 - buffered);
  for (int i = 0; i < 8; ++i) {
    int shift = big_endian_length ? 56 - 8 * i : 8 * i;
    buffer[56 + i] = static_cast<uint8_t>(bit_length >> shift);
  }
  compress(buffer.data());
}

constexpr std::array<uint32_t, 64> kMd5Sines = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

constexpr std::array<int, 64> kMd5Shifts = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
    14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr std::array<uint32_t, 64> kSha256RoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

}  // namespace

std::string_view digest_algo_name(DigestAlgo algo) {
  switch (algo) {
    case DigestAlgo::md5:
      return "md5";
    case DigestAlgo::sha256:
      return "sha256";
  }
  return "unknown";
}

size_t digest_hex_length(DigestAlgo algo) {
  return algo == DigestAlgo::md5 ? 2 * Md5::kDigestBytes : 2 * Sha256::kDigestBytes;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

// ---- MD5 ----

void Md5::reset() {
  state_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  buffered_ = 0;
  total_bytes_ = 0;
}

void Md5::compress(const uint8_t* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = load_le32(block + 4 * i);
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    uint32_t rotated = std::rotl(a + f + kMd5Sines[i] + m[g], kMd5Shifts[i]);
    a = d;
    d = c;
    c = b;
    b = b + rotated;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(std::span<const std::byte> data) {
  absorb(data, buffer_, buffered_, total_bytes_, [this](const uint8_t* b) { compress(b); });
}

Md5::DigestBytes Md5::final() {
  pad(buffer_, buffered_, total_bytes_, /*big_endian_length=*/false,
      [this](const uint8_t* b) { compress(b); });
  DigestBytes out;
  for (int i = 0; i < 4; ++i) store_le32(out.data() + 4 * i, state_[i]);
  reset();
  return out;
}

// ---- SHA-256 ----

void Sha256::reset() {
  state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  buffered_ = 0;
  total_bytes_ = 0;
}

void Sha256::compress(const uint8_t* block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(block + 4 * i);
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = std::rotr(w[i - 15], 7) ^ std::rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = std::rotr(w[i - 2], 17) ^ std::rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + s1 + choose + kSha256RoundConstants[i] + w[i];
    uint32_t s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::update(std::span<const std::byte> data) {
  absorb(data, buffer_, buffered_, total_bytes_, [this](const uint8_t* b) { compress(b); });
}

Sha256::DigestBytes Sha256::final() {
  pad(buffer_, buffered_, total_bytes_, /*big_endian_length=*/true,
      [this](const uint8_t* b) { compress(b); });
  DigestBytes out;
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  reset();
  return out;
}

// ---- files ----

namespace {

template <typename Hasher>
std::string digest_fd(int fd, const std::filesystem::path& path) {
  constexpr size_t kChunk = size_t{1} << 20;
  std::vector<std::byte> buf(kChunk);
  Hasher hasher;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(),
                              fmt::format("cannot read {}", path.string()));
    }
    if (n == 0) break;
    hasher.update(std::span(buf.data(), static_cast<size_t>(n)));
  }
  return hasher.hex_final();
}

}  // namespace

std::string file_digest_hex(DigestAlgo algo, const std::filesystem::path& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot open {} for reading", path.string()));
  }
  switch (algo) {
    case DigestAlgo::md5:
      return digest_fd<Md5>(fd.get(), path);
    case DigestAlgo::sha256:
      return digest_fd<Sha256>(fd.get(), path);
  }
  throw std::invalid_argument("file_digest_hex: unknown DigestAlgo");
}

}  // namespace harness
