#include "base/digest.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace harness {
namespace {

const std::string kMillionA(1'000'000, 'a');
// The 448-bit message of FIPS 180-2 appendix B.2, also used for MD5 suites.
constexpr std::string_view k448Bits = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

template <typename Hasher>
std::string hex_of(std::string_view message) {
  Hasher h;
  h.update(message);
  return h.hex_final();
}

// Feeding the message in uneven pieces must not change the digest.
template <typename Hasher>
std::string hex_of_pieces(std::string_view message, size_t piece) {
  Hasher h;
  for (size_t at = 0; at < message.size(); at += piece) h.update(message.substr(at, piece));
  return h.hex_final();
}

TEST(Md5, Rfc1321Vectors) {
  EXPECT_EQ(hex_of<Md5>(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex_of<Md5>("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex_of<Md5>("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex_of<Md5>("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex_of<Md5>("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(hex_of<Md5>("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(hex_of<Md5>("1234567890123456789012345678901234567890"
                        "1234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, LongerVectors) {
  EXPECT_EQ(hex_of<Md5>(k448Bits), "8215ef0796a20bcaaae116d3876c664a");
  EXPECT_EQ(hex_of<Md5>(kMillionA), "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(Sha256, NistVectors) {
  EXPECT_EQ(hex_of<Sha256>(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of<Sha256>("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of<Sha256>(k448Bits),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_of<Sha256>("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                           "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hex_of<Sha256>(kMillionA),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 56-byte padding boundary and the 64-byte block, checked
// against coreutils md5sum/sha256sum.
TEST(Digest, PaddingBoundaries) {
  struct Case {
    size_t length;
    const char* md5;
    const char* sha256;
  };
  const Case cases[] = {
      {55, "ef1772b6dff9a122358552954ad0df65",
       "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "3b0c8ac703f828b04c6c197006d17218",
       "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "b06521f39153d618550606be297466d5",
       "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "014842d480b571495a4a0363793f7367",
       "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "c743a45e0d2e6a95cb859adae0248435",
       "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "8a7bd0732ed6a28ce75f6dabc90e1613",
       "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
  };
  for (const Case& c : cases) {
    std::string message(c.length, 'a');
    EXPECT_EQ(hex_of<Md5>(message), c.md5) << "length " << c.length;
    EXPECT_EQ(hex_of<Sha256>(message), c.sha256) << "length " << c.length;
  }
}

TEST(Digest, StreamingInPiecesMatchesOneShot) {
  std::string message;
  for (int i = 0; i < 1000; ++i) message.push_back(static_cast<char>(i * 7 + 3));
  for (size_t piece : {1, 3, 55, 63, 64, 65, 200}) {
    EXPECT_EQ(hex_of_pieces<Md5>(message, piece), hex_of<Md5>(message)) << "piece " << piece;
    EXPECT_EQ(hex_of_pieces<Sha256>(message, piece), hex_of<Sha256>(message))
        << "piece " << piece;
  }
}

TEST(Digest, FinalResetsForTheNextMessage) {
  Sha256 h;
  h.update("garbage");
  (void)h.hex_final();
  h.update("abc");
  EXPECT_EQ(h.hex_final(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, AlgoNamesAndLengths) {
  EXPECT_EQ(digest_algo_name(DigestAlgo::md5), "md5");
  EXPECT_EQ(digest_algo_name(DigestAlgo::sha256), "sha256");
  EXPECT_EQ(digest_hex_length(DigestAlgo::md5), 32u);
  EXPECT_EQ(digest_hex_length(DigestAlgo::sha256), 64u);
}

class FileDigest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "digest-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// Larger than the 1 MiB read chunk, so the file path crosses chunk boundaries.
TEST_F(FileDigest, DigestsAWholeFileAcrossReadChunks) {
  auto path = dir_ / "a.bin";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 3; ++i) out << kMillionA;
  }
  std::string three_million = kMillionA + kMillionA + kMillionA;
  EXPECT_EQ(file_digest_hex(DigestAlgo::sha256, path), hex_of<Sha256>(three_million));
  EXPECT_EQ(file_digest_hex(DigestAlgo::md5, path), hex_of<Md5>(three_million));
}

TEST_F(FileDigest, EmptyFile) {
  auto path = dir_ / "empty";
  std::ofstream(path).close();
  EXPECT_EQ(file_digest_hex(DigestAlgo::md5, path), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_F(FileDigest, MissingFileThrowsWithPathAndErrno) {
  auto path = dir_ / "does-not-exist.img";
  try {
    file_digest_hex(DigestAlgo::sha256, path);
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST_F(FileDigest, DirectoryThrowsOnRead) {
  try {
    file_digest_hex(DigestAlgo::md5, dir_);
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EISDIR);
    EXPECT_NE(std::string(e.what()).find(dir_.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace harness
