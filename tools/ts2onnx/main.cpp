// ts2onnx: the command-line tool. This file only dispatches to the subcommands in Commands.h.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/ts2onnx/Commands.h"

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
  for (const Command &c : commands())
    if (name == c.name)
      return c.run(args);
  std::cerr << fmt::format("ts2onnx: error: unknown command '{}' (see 'ts2onnx --help')\n", name);
  return kExitUsage;
}
