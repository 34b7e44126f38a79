// Files that are being written and must not survive the process if it is interrupted: the
// temporary files of the model writers (issue 9, "no partial file on Ctrl-C"). The writers arm a
// slot while a temporary exists and disarm it once the file is renamed into place or removed;
// a signal handler calls removePendingFiles(), which only uses async-signal-safe calls.
#pragma once

#include <signal.h>

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
class DeferTerminationSignals {
public:
  DeferTerminationSignals() noexcept;
  ~DeferTerminationSignals();
  DeferTerminationSignals(const DeferTerminationSignals &) = delete;
  DeferTerminationSignals &operator=(const DeferTerminationSignals &) = delete;

private:
  sigset_t saved_;
};

} // namespace ts2onnx::writer
