// Files that are being written and must not survive the process if it is interrupted: the
// temporary files of the model writers (issue 9, "no partial file on Ctrl-C"). The writers arm a
// slot while a temporary exists and disarm it once the file is renamed into place or removed;
// a signal handler calls removePendingFiles(), which only uses async-signal-safe calls.
#pragma once

#include <future>
#include <utility>

#include "ir/TerminationSignals.h"

namespace ts2onnx::writer {

/// Records `path` as a file to remove on interruption. Returns the slot, or -1 when every slot
/// is taken or the path is too long (the file is then still removed on ordinary errors, just
/// not from a signal handler). The path is copied; a relative path is resolved against the
/// working directory at removal time (the tool never changes it).
int armPendingFile(const char *path) noexcept;

/// Forgets slot `slot` (from armPendingFile; -1 is ignored).
void disarmPendingFile(int slot) noexcept;

/// Unlinks every armed file. Async-signal-safe: no allocation, no locks, only unlink(2).
void removePendingFiles() noexcept;

/// Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that remove the pending files and
/// then let the signal terminate the process as it would have without a handler (so the exit
/// status still says which signal it was).
void installPendingFileCleanup() noexcept;

/// Defers SIGINT, SIGTERM, SIGHUP and SIGQUIT for its lifetime: the steps that rename several
/// files into place run as a unit, so an interruption leaves all of them or none.
using ir::DeferTerminationSignals;

/// std::async(std::launch::async, f) on a thread that never takes SIGINT, SIGTERM, SIGHUP or
/// SIGQUIT (it starts with them blocked), so that they always reach a thread whose deferred
/// windows (DeferTerminationSignals) protect the files it is creating: a helper thread taking
/// the signal while the main thread is between creating a temporary and arming it would leave
/// the temporary behind.
template <typename F> auto asyncWithoutTerminationSignals(F &&f) {
  DeferTerminationSignals blocked; // inherited by the new thread; restored here after
  return std::async(std::launch::async, std::forward<F>(f));
}

} // namespace ts2onnx::writer
