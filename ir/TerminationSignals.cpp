#include "ir/TerminationSignals.h"

#include <pthread.h>

namespace ts2onnx::ir {

DeferTerminationSignals::DeferTerminationSignals() noexcept {
  sigset_t block;
  sigemptyset(&block);
  for (int sig : kTerminationSignals)
    sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &saved_);
}

DeferTerminationSignals::~DeferTerminationSignals() {
  ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

} // namespace ts2onnx::ir
