// A small command-line flag parser: `--flag=value` and `--flag value`, boolean `--flag`,
// repeatable list flags (comma-separated values are split), one-letter aliases (`-o FILE`),
// positional arguments, `--` to end the flags, and a generated help text.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ts2onnx::tool {

class FlagParser {
public:
  /// `usage` is the synopsis after `Usage: `; `description` is printed below it.
  FlagParser(std::string usage, std::string description);

  void addBool(std::string name, bool *out, std::string help);
  void addString(std::string name, std::string *out, std::string valueName, std::string help,
                 char shortName = 0);
  /// A repeatable flag; `--f=a,b --f c` gives {a, b, c}. With `splitCommas` false each
  /// occurrence is one item (for values that contain commas, like `x:float32[1,3]`).
  void addList(std::string name, std::vector<std::string> *out, std::string valueName,
               std::string help, bool splitCommas = true);
  /// `--name` alone sets `*present`; `--name=VALUE` also sets `*out` (the value must be joined
  /// with `=`: a following argument is never taken as its value).
  void addOptionalValue(std::string name, bool *present, std::string *out, std::string valueName,
                        std::string help);
  /// Positional arguments fill these in order.
  void addPositional(std::string name, std::string *out, std::string help, bool required = true);
  /// Text printed at the end of the help (e.g. a list of passes).
  void setEpilogue(std::string text) { epilogue_ = std::move(text); }

  /// Parses `args` (what follows the subcommand). An error is a usage error whose message
  /// names the offending argument. `-h`/`--help` only sets helpRequested().
  absl::Status parse(const std::vector<std::string> &args);
  bool helpRequested() const { return help_; }
  /// Skips the check for missing required positionals (e.g. for `--list-passes`).
  void setPositionalsOptional() { positionalsOptional_ = true; }
  std::string helpText() const;

private:
  enum class Kind { Bool, String, List, OptionalValue };
  struct Flag {
    std::string name;
    char shortName;
    Kind kind;
    void *out;
    std::string valueName;
    std::string help;
    bool splitCommas = true;
    bool *present = nullptr; // OptionalValue
  };
  struct Positional {
    std::string name;
    std::string *out;
    std::string help;
    bool required;
  };
  const Flag *find(std::string_view name) const;
  const Flag *findShort(char c) const;
  absl::Status apply(const Flag &flag, const std::string &value, bool hasValue);

  std::string usage_, description_, epilogue_;
  std::vector<Flag> flags_;
  std::vector<Positional> positionals_;
  bool help_ = false;
  bool positionalsOptional_ = false;
};

} // namespace ts2onnx::tool
