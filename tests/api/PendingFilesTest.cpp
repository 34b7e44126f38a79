// The registry of files a signal handler removes (writer/PendingFiles.h). The end-to-end
// check, a real signal during `ts2onnx convert`, is tests/interrupt.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "writer/PendingFiles.h"

namespace ts2onnx::writer {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path = fs::temp_directory_path() / fmt::format("ts2onnx-pending-{}", getpid());
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string touch(const std::string &name) const {
    std::ofstream(path / name) << "x";
    return (path / name).string();
  }
};

TEST_CASE("removePendingFiles unlinks armed files and leaves disarmed ones") {
  Dir dir;
  std::string armed = dir.touch("armed"), disarmed = dir.touch("disarmed");
  int a = armPendingFile(armed.c_str());
  int d = armPendingFile(disarmed.c_str());
  REQUIRE(a >= 0);
  REQUIRE(d >= 0);
  CHECK(a != d);
  disarmPendingFile(d);
  removePendingFiles();
  CHECK_FALSE(fs::exists(armed));
  CHECK(fs::exists(disarmed));
  disarmPendingFile(a);
}

TEST_CASE("armPendingFile refuses empty paths and reuses freed slots") {
  CHECK(armPendingFile("") == -1);
  std::vector<int> slots;
  for (int i = 0; i < 64; ++i) {
    int s = armPendingFile("/nonexistent/ts2onnx-pending");
    if (s < 0)
      break;
    slots.push_back(s);
  }
  CHECK(!slots.empty());
  CHECK(slots.size() < 64); // a fixed number of slots, then -1
  for (int s : slots)
    disarmPendingFile(s);
  int again = armPendingFile("/nonexistent/ts2onnx-pending");
  CHECK(again >= 0);
  disarmPendingFile(again);
}

TEST_CASE("a SIGTERM after installPendingFileCleanup removes the armed file and ends the process") {
  Dir dir;
  std::string file = dir.touch("partial.onnx.tmp");
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    installPendingFileCleanup();
    armPendingFile(file.c_str());
    ::raise(SIGTERM);
    _exit(0); // not reached: the signal ends the process
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("DeferTerminationSignals holds a signal back until it goes out of scope") {
  Dir dir;
  std::string file = dir.touch("deferred.onnx.tmp"), marker = (dir.path / "reached").string();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    installPendingFileCleanup();
    {
      DeferTerminationSignals defer;
      ::raise(SIGINT);
      // Still running: the signal waits; the file is armed only now.
      std::ofstream(marker) << "x";
      armPendingFile(file.c_str());
    }
    _exit(0); // not reached
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK(fs::exists(marker));
  CHECK_FALSE(fs::exists(file));
}

} // namespace
} // namespace ts2onnx::writer
