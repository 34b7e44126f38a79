// See PendingFiles.h. The slots are a fixed array so the signal handler never allocates; a
// slot's state goes free -> claimed (path being copied) -> armed, and the handler only reads
// armed slots, whose path is complete.
#include "writer/PendingFiles.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include <unistd.h>

namespace ts2onnx::writer {
namespace {

constexpr int kSlots = 8; // a model and its external data file, with room to spare
constexpr int kFree = 0, kClaimed = 1, kArmed = 2;

struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

Slot gSlots[kSlots];

void onTerminationSignal(int sig) {
  int savedErrno = errno;
  removePendingFiles();
  errno = savedErrno;
  // SA_RESETHAND restored the default action; raising again terminates the process as the
  // signal would have, once this handler returns and the signal is unblocked.
  ::raise(sig);
}

} // namespace

int armPendingFile(const char *path) noexcept {
  size_t n = std::strlen(path);
  if (n == 0 || n >= PATH_MAX)
    return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!gSlots[i].state.compare_exchange_strong(expected, kClaimed))
      continue;
    std::memcpy(gSlots[i].path, path, n + 1);
    gSlots[i].state.store(kArmed);
    return i;
  }
  return -1;
}

void disarmPendingFile(int slot) noexcept {
  if (slot >= 0 && slot < kSlots)
    gSlots[slot].state.store(kFree);
}

void removePendingFiles() noexcept {
  for (Slot &s : gSlots)
    if (s.state.load() == kArmed)
      ::unlink(s.path);
}

void installPendingFileCleanup() noexcept {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onTerminationSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : ir::kTerminationSignals)
    sigaddset(&sa.sa_mask, sig); // one cleanup at a time, whichever signal comes first
  sa.sa_flags = SA_RESETHAND;
  for (int sig : ir::kTerminationSignals) {
    struct sigaction old;
    // Leave an ignored signal ignored (nohup, or a parent that wants it so).
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    ::sigaction(sig, &sa, nullptr);
  }
}

} // namespace ts2onnx::writer
