// ts2onnx: the command-line tool. This file only dispatches to the subcommands in Commands.h.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/ts2onnx/Commands.h"
#include "ts2onnx/ts2onnx.h"
#include "writer/PendingFiles.h"

#ifdef TS2ONNX_CLI_JEMALLOC
// jemalloc's options for this process (the weak `malloc_conf` of the static jemalloc; the
// MALLOC_CONF environment variable still overrides it). Transparent huge pages for the heap: a
// conversion's heap is written once, so each 4 KiB page costs a page fault on first touch;
// with 2 MiB pages resnet50 converts with 1,500 page faults instead of 3,600, about 10% less
// wall time, for a few more MiB of peak RSS (docs/performance.md).
extern "C" {
const char *malloc_conf = "thp:always";
}
#endif

namespace {

void printUsage(std::ostream &os) {
  os << "Usage: ts2onnx <command> [options]\n\n"
        "Converts TorchScript archives to ONNX, and inspects every step on the way.\n\n"
        "Commands:\n";
  for (const auto &c : ts2onnx::tool::commands())
    os << fmt::format("  {:<10}{}\n", c.name, c.summary);
  os << "\nRun 'ts2onnx <command> --help' for the options of a command.\n";
}

} // namespace

int main(int argc, char **argv) {
  using namespace ts2onnx::tool;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printUsage(std::cerr);
    return kExitUsage;
  }
  std::string name = args.front();
  args.erase(args.begin());
  if (name == "--version" || name == "-V") {
    std::cout << fmt::format("ts2onnx {} (allocator: {})\n", ts2onnx::version(),
                             TS2ONNX_CLI_ALLOCATOR);
    return kExitOk;
  }
  if (name == "-h" || name == "--help") {
    printUsage(std::cout);
    return kExitOk;
  }
  if (name == "help") {
    if (args.empty()) {
      printUsage(std::cout);
      return kExitOk;
    }
    name = args.front();
    args = {"--help"};
  }
  // Ctrl-C or a kill while a model is being written removes its temporary files (the model
  // writers arm them), then ends the process with the signal as usual.
  ts2onnx::writer::installPendingFileCleanup();
#ifndef __SANITIZE_ADDRESS__
  exitsAfterCommand() = true;
#endif
  for (const Command &c : commands())
    if (name == c.name) {
      // Errors are absl::Status values; an exception here is a bug or memory exhaustion. Say so
      // in one line (stack unwinding has removed any temporary output file) instead of
      // aborting.
      try {
        int rc = c.run(args);
        if (exitsAfterCommand()) {
          // The command's files are written and closed: end without running static destructors
          // (onnx's operator schema registry alone takes about 1 ms to tear down).
          std::cout.flush();
          std::cerr.flush();
          std::fflush(nullptr);
          std::_Exit(rc);
        }
        return rc;
      } catch (const std::bad_alloc &) {
        std::cerr << fmt::format("ts2onnx {}: error: out of memory\n", name);
      } catch (const std::exception &e) {
        std::cerr << fmt::format("ts2onnx {}: internal error: {} (please report it)\n", name,
                                 e.what());
      }
      return kExitError;
    }
  std::cerr << fmt::format("ts2onnx: error: unknown command '{}' (see 'ts2onnx --help')\n", name);
  return kExitUsage;
}
