#include "tools/ts2onnx/Flags.h"

#include <fmt/format.h>

namespace ts2onnx::tool {

FlagParser::FlagParser(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

void FlagParser::addBool(std::string name, bool *out, std::string help) {
  flags_.push_back({std::move(name), 0, Kind::Bool, out, "", std::move(help)});
}

void FlagParser::addString(std::string name, std::string *out, std::string valueName,
                           std::string help, char shortName) {
  flags_.push_back(
      {std::move(name), shortName, Kind::String, out, std::move(valueName), std::move(help)});
}

void FlagParser::addList(std::string name, std::vector<std::string> *out, std::string valueName,
                         std::string help, bool splitCommas) {
  flags_.push_back(
      {std::move(name), 0, Kind::List, out, std::move(valueName), std::move(help), splitCommas});
}

void FlagParser::addOptionalValue(std::string name, bool *present, std::string *out,
                                  std::string valueName, std::string help) {
  Flag f{std::move(name), 0, Kind::OptionalValue, out, std::move(valueName), std::move(help)};
  f.present = present;
  flags_.push_back(std::move(f));
}

void FlagParser::addPositional(std::string name, std::string *out, std::string help,
                               bool required) {
  positionals_.push_back({std::move(name), out, std::move(help), required});
}

const FlagParser::Flag *FlagParser::find(std::string_view name) const {
  for (const Flag &f : flags_)
    if (f.name == name)
      return &f;
  return nullptr;
}

const FlagParser::Flag *FlagParser::findShort(char c) const {
  for (const Flag &f : flags_)
    if (f.shortName == c)
      return &f;
  return nullptr;
}

absl::Status FlagParser::apply(const Flag &flag, const std::string &value, bool hasValue) {
  switch (flag.kind) {
  case Kind::Bool: {
    bool *out = static_cast<bool *>(flag.out);
    if (!hasValue || value == "true" || value == "1")
      *out = true;
    else if (value == "false" || value == "0")
      *out = false;
    else
      return absl::InvalidArgumentError(
          fmt::format("flag '--{}' takes no value or true/false, not '{}'", flag.name, value));
    return absl::OkStatus();
  }
  case Kind::String:
    *static_cast<std::string *>(flag.out) = value;
    return absl::OkStatus();
  case Kind::OptionalValue:
    *flag.present = true;
    if (hasValue) {
      if (value.empty())
        return absl::InvalidArgumentError(
            fmt::format("flag '--{}=' needs a value after '='", flag.name));
      *static_cast<std::string *>(flag.out) = value;
    }
    return absl::OkStatus();
  case Kind::List: {
    auto *out = static_cast<std::vector<std::string> *>(flag.out);
    if (!flag.splitCommas) {
      if (value.empty())
        return absl::InvalidArgumentError(fmt::format("flag '--{}' needs a value", flag.name));
      out->push_back(value);
      return absl::OkStatus();
    }
    size_t start = 0;
    while (true) {
      size_t comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? comma : comma - start);
      if (item.empty())
        return absl::InvalidArgumentError(
            fmt::format("flag '--{}' has an empty item in '{}'", flag.name, value));
      out->push_back(std::move(item));
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
    return absl::OkStatus();
  }
  }
  return absl::OkStatus();
}

absl::Status FlagParser::parse(const std::vector<std::string> &args) {
  size_t nextPositional = 0;
  bool flagsDone = false;
  auto positional = [&](const std::string &arg) -> absl::Status {
    if (nextPositional >= positionals_.size())
      return absl::InvalidArgumentError(fmt::format("unexpected argument '{}'", arg));
    *positionals_[nextPositional++].out = arg;
    return absl::OkStatus();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (flagsDone || arg == "-" || arg.empty() || arg[0] != '-') {
      if (absl::Status s = positional(arg); !s.ok())
        return s;
      continue;
    }
    if (arg == "--") {
      flagsDone = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      continue;
    }
    const Flag *flag = nullptr;
    std::string value;
    bool hasValue = false;
    std::string shown = arg;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
      shown = "--" + name;
      flag = find(name);
      if (flag && eq != std::string::npos) {
        value = arg.substr(eq + 1);
        hasValue = true;
      }
    } else {
      flag = findShort(arg[1]);
      shown = arg.substr(0, 2);
      if (flag && arg.size() > 2) {
        value = arg.substr(arg[2] == '=' ? 3 : 2);
        hasValue = true;
      }
    }
    if (!flag)
      return absl::InvalidArgumentError(fmt::format("unknown flag '{}'", shown));
    if (flag->kind != Kind::Bool && flag->kind != Kind::OptionalValue && !hasValue) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(
            fmt::format("flag '{}' needs a value ({})", shown, flag->valueName));
      value = args[++i];
      hasValue = true;
    }
    if (absl::Status s = apply(*flag, value, hasValue); !s.ok())
      return s;
  }
  if (!help_ && !positionalsOptional_)
    for (size_t i = nextPositional; i < positionals_.size(); ++i)
      if (positionals_[i].required)
        return absl::InvalidArgumentError(fmt::format("missing argument {}", positionals_[i].name));
  return absl::OkStatus();
}

std::string FlagParser::helpText() const {
  constexpr size_t kColumn = 26;
  auto row = [&](const std::string &left, const std::string &help) {
    std::string line = "  " + left;
    if (line.size() + 2 > kColumn)
      return fmt::format("{}\n{:{}}{}\n", line, "", kColumn, help);
    return fmt::format("{:<{}}{}\n", line, kColumn, help);
  };
  std::string out = fmt::format("Usage: {}\n\n{}\n", usage_, description_);
  if (!positionals_.empty()) {
    out += "\nArguments:\n";
    for (const Positional &p : positionals_)
      out += row(p.name, p.help);
  }
  out += "\nOptions:\n";
  for (const Flag &f : flags_) {
    std::string left = f.shortName ? fmt::format("-{}, ", f.shortName) : std::string();
    left += "--" + f.name;
    if (f.kind == Kind::OptionalValue)
      left += "[=" + f.valueName + "]";
    else if (f.kind != Kind::Bool)
      left += "=" + f.valueName;
    out += row(left, f.help);
  }
  out += row("-h, --help", "Show this help");
  if (!epilogue_.empty())
    out += "\n" + epilogue_;
  return out;
}

} // namespace ts2onnx::tool
