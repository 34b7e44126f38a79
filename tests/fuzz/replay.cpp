// Replays corpus files through the harness functions of FuzzTargets.h without libFuzzer:
//   fuzz_replay TARGET PATH...   (a PATH that is a directory means every file in it)
// Prints how many files ran; a crash or sanitizer report fails the test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/FuzzTargets.h"

namespace fs = std::filesystem;

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr << "usage: fuzz_replay TARGET PATH...\n";
    return 2;
  }
  ts2onnx::fuzz::FuzzFunction fn = ts2onnx::fuzz::fuzzTarget(argv[1]);
  if (!fn) {
    std::cerr << "fuzz_replay: unknown target '" << argv[1] << "'\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto &e : fs::directory_iterator(p))
        if (e.is_regular_file())
          files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::cerr << "fuzz_replay: no such file or directory: " << p.string() << "\n";
      return 1;
    }
  }
  if (files.empty()) {
    std::cerr << "fuzz_replay: no corpus files found\n";
    return 1;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path &f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fn(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  }
  std::cout << "fuzz_replay " << argv[1] << ": " << files.size() << " files\n";
  return 0;
}
