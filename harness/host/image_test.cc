// Building an image from host files that the scenario validated earlier:
// between validation and the build a file may have been replaced or may
// have grown, so the build checks again what it actually opened.
#include "host/image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

ImageSpec one_file_image(const fs::path& from) {
  ImageSpec spec;
  spec.name = "demo";
  spec.path = "images/demo.img";
  spec.size_mib = 1;
  spec.files.push_back(ImageFile{from, "payload", 0644u});
  return spec;
}

std::string build_error(const ImageSpec& spec, const RunDir& run) {
  try {
    build_image(spec, run);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Image, AHostFileThatIsNoLongerARegularFileIsRefused) {
  TempDir tmp;
  RunDir run(tmp.path() / "run");
  // Validation saw a regular file; a device (or a FIFO) took its place.
  std::string err = build_error(one_file_image("/dev/null"), run);
  EXPECT_NE(err.find("/dev/null"), std::string::npos) << err;
  EXPECT_NE(err.find("not a regular file"), std::string::npos) << err;
}

TEST(Image, AHostFileThatGrewPastTheImageIsRefusedWithoutCopyingIt) {
  TempDir tmp;
  fs::path big = tmp.path() / "grew.bin";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(3 << 20, 'x');  // validated at 0 bytes, 3 MiB now, for a 1 MiB image
  }
  RunDir run(tmp.path() / "run");
  std::string err = build_error(one_file_image(big), run);
  EXPECT_NE(err.find(big.string()), std::string::npos) << err;
  EXPECT_NE(err.find("larger than the image"), std::string::npos) << err;
}

}  // namespace
}  // namespace harness
