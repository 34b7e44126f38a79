// SchemaRegistry (Schema.h): operator schemas by qualified name, from tables of schema lines,
// each operator's lines parsed on its first lookup.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "fmt/format.h"
#include "frontend/schema/Schema.h"

namespace ts2onnx::frontend {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// `aten::add.Tensor(...` -> `aten::add`, without parsing the rest.
std::string_view operatorNameOf(std::string_view line) {
  size_t end = 0;
  while (end < line.size() && line[end] != '(' && line[end] != ' ')
    ++end;
  std::string_view full = line.substr(0, end);
  size_t ns = full.find("::");
  size_t dot = full.find('.', ns == std::string_view::npos ? 0 : ns + 2);
  return dot == std::string_view::npos ? full : full.substr(0, dot);
}

/// The line of `text` that starts at byte `start`, trimmed.
std::string_view lineAt(std::string_view text, size_t start) {
  size_t nl = text.find('\n', start);
  return trim(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
}

/// Where the line after the one holding byte `at` starts (text.size() after the last).
size_t nextLineStart(std::string_view text, size_t at) {
  size_t nl = text.find('\n', at);
  return nl == std::string_view::npos ? text.size() : nl + 1;
}

/// The start of the first schema line (not blank, not a `#` comment) at or after the line start
/// `pos`, or text.size().
size_t firstLineFrom(std::string_view text, size_t pos) {
  for (; pos < text.size(); pos = nextLineStart(text, pos)) {
    std::string_view line = lineAt(text, pos);
    if (!line.empty() && line.front() != '#')
      return pos;
  }
  return text.size();
}

/// Calls `f(line)` for each schema line of `text`, trimmed.
template <typename F> void forEachLine(std::string_view text, F &&f) {
  for (size_t at = firstLineFrom(text, 0); at < text.size();
       at = firstLineFrom(text, nextLineStart(text, at)))
    f(lineAt(text, at));
}

/// The lines of `text` (sorted by operator name) whose operator is `name`, in order: a binary
/// search over byte offsets (the first line at or after an offset has a name that grows with
/// the offset), then a walk over the run.
std::vector<std::string_view> sortedLinesOf(std::string_view text, std::string_view name) {
  auto lineStartFrom = [&](size_t p) { return p == 0 ? 0 : nextLineStart(text, p - 1); };
  size_t lo = 0, hi = text.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    size_t at = firstLineFrom(text, lineStartFrom(mid));
    if (at == text.size() || operatorNameOf(lineAt(text, at)) >= name)
      hi = mid;
    else
      lo = mid + 1;
  }
  std::vector<std::string_view> out;
  for (size_t at = firstLineFrom(text, lineStartFrom(lo)); at < text.size();
       at = firstLineFrom(text, nextLineStart(text, at))) {
    std::string_view line = lineAt(text, at);
    if (operatorNameOf(line) != name)
      break;
    out.push_back(line);
  }
  return out;
}

} // namespace

SchemaRegistry &SchemaRegistry::builtin() {
  static SchemaRegistry *registry = [] {
    auto *r = new SchemaRegistry();
    r->addSortedStaticText(builtinSchemaText());
    r->addSortedStaticText(builtinExtraSchemaText());
    return r;
  }();
  return *registry;
}

void SchemaRegistry::indexText(std::string_view text) {
  const size_t first = lines_.size();
  forEachLine(text, [&](std::string_view line) { lines_.push_back({operatorNameOf(line), line}); });
  lineCount_ += lines_.size() - first;
  // Operators looked up already get their new overloads now.
  if (!entries_.empty())
    for (size_t i = first; i < lines_.size(); ++i)
      if (auto it = entries_.find(absl::string_view(lines_[i].name.data(), lines_[i].name.size()));
          it != entries_.end())
        appendLine(*it->second, lines_[i].text);
  auto mid = lines_.begin() + static_cast<std::ptrdiff_t>(first);
  if (!std::is_sorted(mid, lines_.end()))
    std::stable_sort(mid, lines_.end());
  if (first > 0 && mid != lines_.end() && *mid < *(mid - 1))
    std::inplace_merge(lines_.begin(), mid, lines_.end());
}

void SchemaRegistry::appendLine(Entry &entry, std::string_view line) const {
  entry.lines.push_back(line);
  if (entry.isParsed)
    parseLine(entry, line);
}

void SchemaRegistry::parseLine(Entry &entry, std::string_view line) const {
  auto schema = parseSchema(line);
  if (schema.ok())
    entry.parsed.push_back(std::move(*schema));
  else
    errors_.push_back(std::string(schema.status().message()));
}

SchemaRegistry::Entry *SchemaRegistry::entryFor(std::string_view name, bool create) const {
  if (auto it = entries_.find(absl::string_view(name.data(), name.size())); it != entries_.end())
    return it->second.get();
  auto entry = std::make_unique<Entry>();
  for (std::string_view text : sortedTexts_)
    for (std::string_view line : sortedLinesOf(text, name))
      entry->lines.push_back(line);
  auto [lo, hi] = std::equal_range(lines_.begin(), lines_.end(), Line{name, {}});
  for (auto it = lo; it != hi; ++it)
    entry->lines.push_back(it->text);
  if (entry->lines.empty() && !create)
    return nullptr;
  Entry *raw = entry.get();
  entries_.emplace(std::string(name), std::move(entry));
  return raw;
}

void SchemaRegistry::addStaticText(std::string_view text) {
  std::lock_guard<std::mutex> lock(mutex_);
  indexText(text);
}

void SchemaRegistry::addSortedStaticText(std::string_view text) {
  std::lock_guard<std::mutex> lock(mutex_);
  sortedTexts_.push_back(text);
  // Operators looked up already get their new overloads now.
  for (auto &[name, entry] : entries_)
    for (std::string_view line : sortedLinesOf(text, name))
      appendLine(*entry, line);
}

void SchemaRegistry::addText(std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  ownedText_.push_back(std::make_unique<std::string>(std::move(text)));
  indexText(*ownedText_.back());
}

void SchemaRegistry::ensureParsed(Entry &entry) const {
  if (entry.isParsed)
    return;
  for (std::string_view line : entry.lines)
    parseLine(entry, line);
  entry.isParsed = true;
}

absl::Status SchemaRegistry::registerSchema(std::string_view text) {
  auto schema = parseSchema(trim(text));
  if (!schema.ok())
    return schema.status();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry &entry = *entryFor(schema->name, /*create=*/true);
  ensureParsed(entry);
  for (const auto &existing : entry.parsed)
    if (existing.overloadName == schema->overloadName)
      return absl::AlreadyExistsError(
          fmt::format("schema: {} is already registered", schema->fullName()));
  entry.parsed.push_back(std::move(*schema));
  ++lineCount_;
  return absl::OkStatus();
}

const std::vector<FunctionSchema> *SchemaRegistry::lookup(std::string_view qualifiedName) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry *entry = entryFor(qualifiedName, /*create=*/false);
  if (!entry)
    return nullptr;
  ensureParsed(*entry);
  return &entry->parsed;
}

const FunctionSchema *SchemaRegistry::lookupOverload(std::string_view qualifiedName,
                                                     std::string_view overloadName) const {
  const auto *all = lookup(qualifiedName);
  if (!all)
    return nullptr;
  for (const auto &s : *all)
    if (s.overloadName == overloadName)
      return &s;
  return nullptr;
}

const FunctionSchema *SchemaRegistry::lookupFullName(std::string_view fullName) const {
  size_t ns = fullName.find("::");
  size_t dot = fullName.find('.', ns == std::string_view::npos ? 0 : ns + 2);
  if (dot == std::string_view::npos)
    return lookupOverload(fullName, "");
  return lookupOverload(fullName.substr(0, dot), fullName.substr(dot + 1));
}

std::vector<std::string_view> SchemaRegistry::indexedNames() const {
  std::vector<std::string_view> names;
  absl::flat_hash_set<absl::string_view> seen;
  auto add = [&](std::string_view name) {
    if (seen.insert(absl::string_view(name.data(), name.size())).second)
      names.push_back(name);
  };
  for (std::string_view text : sortedTexts_)
    forEachLine(text, [&](std::string_view line) { add(operatorNameOf(line)); });
  for (const Line &line : lines_)
    add(line.name);
  return names;
}

std::vector<std::string> SchemaRegistry::operatorNames() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (std::string_view name : indexedNames())
    names.emplace_back(name);
  // Operators that only registerSchema added.
  for (const auto &[name, entry] : entries_)
    if (entry->lines.empty())
      names.push_back(name);
  return names;
}

size_t SchemaRegistry::lineCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = lineCount_;
  for (std::string_view text : sortedTexts_)
    forEachLine(text, [&](std::string_view) { ++n; });
  return n;
}

absl::Status SchemaRegistry::parseAll() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t before = errors_.size();
  for (std::string_view name : indexedNames())
    ensureParsed(*entryFor(name, /*create=*/true));
  for (const auto &[name, entry] : entries_)
    ensureParsed(*entry);
  if (errors_.size() > before)
    return absl::InvalidArgumentError(errors_[before]);
  return absl::OkStatus();
}

std::vector<std::string> SchemaRegistry::parseErrors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}

} // namespace ts2onnx::frontend
