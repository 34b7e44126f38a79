// The signals that end a conversion from outside (SIGINT, SIGTERM, SIGHUP, SIGQUIT), and a
// scope that holds them back. The writer removes its temporary files when one arrives
// (writer/PendingFiles.h); threads that other libraries start (the frontend's code parser) start
// with them blocked, so that they reach the thread that owns the files.
#pragma once

#include <signal.h>

namespace ts2onnx::ir {

inline constexpr int kTerminationSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/// Defers the termination signals for its lifetime on the calling thread; threads created
/// meanwhile inherit the mask, so they never take them.
class DeferTerminationSignals {
public:
  DeferTerminationSignals() noexcept;
  ~DeferTerminationSignals();
  DeferTerminationSignals(const DeferTerminationSignals &) = delete;
  DeferTerminationSignals &operator=(const DeferTerminationSignals &) = delete;

private:
  sigset_t saved_;
};

} // namespace ts2onnx::ir
