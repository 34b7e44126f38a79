#include "frontend/Unpickler.h"

#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "fmt/format.h"
#include "frontend/PickleOpcodes.h"
#include "frontend/UnpicklerAllowList.h"
#include "frontend/Utf8.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {
namespace {

using namespace pickle;

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

/// Decimal text of INT / LONG / PUT / GET, range-checked.
std::optional<int64_t> parseDecimal(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 20)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    if (__builtin_mul_overflow(value, uint64_t{10}, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value))
      return std::nullopt;
  }
  uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (value > limit)
    return std::nullopt;
  return negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
}

std::string intsRepr(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "]";
}

constexpr size_t kMaxTensorDims = 64;
constexpr size_t kMaxDeviceLength = 64;
constexpr size_t kMaxStorageKeyLength = 256;

class Unpickler {
public:
  Unpickler(std::string_view bytes, const UnpicklerOptions &options)
      : in_(reinterpret_cast<const uint8_t *>(bytes.data())), size_(bytes.size()),
        options_(options), limits_(options.limits),
        budget_(static_cast<uint64_t>(bytes.size()) * options.limits.maxExpansion +
                (uint64_t{64} << 20)) {}

  ~Unpickler() { releaseUnreachable(); }

  absl::StatusOr<IValue> run();

private:
  // Errors carry the pickle's name and the offset of the opcode being executed.
  absl::Status fail(std::string_view message) const {
    return absl::InvalidArgumentError(
        fmt::format("{}: pickle: {} at byte {}", options_.name, message, opStart_));
  }

  /// Accounts for `n` bytes copied out of values already held (see maxExpansion).
  absl::Status charge(uint64_t n) {
    if (n > budget_)
      return fail(fmt::format("pickle expands beyond its memory budget ({}x its {} bytes + "
                              "64 MiB)",
                              limits_.maxExpansion, size_));
    budget_ -= n;
    return absl::OkStatus();
  }

  size_t left() const { return size_ - pos_; }
  absl::Status need(size_t n, std::string_view what) const {
    if (left() < n)
      return fail(fmt::format("truncated pickle: {} needs {} bytes, {} left", what, n, left()));
    return absl::OkStatus();
  }
  uint64_t readLE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  absl::StatusOr<uint64_t> readUnsigned(size_t n, std::string_view what) {
    TS2ONNX_RETURN_IF_ERROR(need(n, what));
    return readLE(n);
  }
  absl::StatusOr<std::string_view> readBytes(uint64_t n, std::string_view what) {
    if (n > left())
      return fail(fmt::format("truncated pickle: {} of {} bytes, {} left", what, n, left()));
    std::string_view s(reinterpret_cast<const char *>(in_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  /// A newline-terminated argument of the text opcodes.
  absl::StatusOr<std::string_view> readLine(std::string_view what) {
    size_t maxLen = std::min(left(), limits_.maxNameLength + 1);
    const void *nl = std::memchr(in_ + pos_, '\n', maxLen);
    if (!nl) {
      if (left() <= limits_.maxNameLength)
        return fail(fmt::format("truncated pickle: {} has no terminating newline", what));
      return fail(fmt::format("{} is longer than {} bytes", what, limits_.maxNameLength));
    }
    size_t len = static_cast<const uint8_t *>(nl) - (in_ + pos_);
    std::string_view s(reinterpret_cast<const char *>(in_ + pos_), len);
    pos_ += len + 1;
    return s;
  }

  // Stack discipline: values above the innermost MARK are the only ones an opcode may pop.
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  size_t available() const { return stack_.size() - floor(); }
  absl::Status push(IValue v) {
    if (stack_.size() >= limits_.maxStack)
      return fail(fmt::format("stack exceeds the limit of {} values", limits_.maxStack));
    stack_.push_back(std::move(v));
    return absl::OkStatus();
  }
  absl::StatusOr<IValue> pop(std::string_view what) {
    if (available() == 0)
      return fail(fmt::format("{} needs a value but the stack is empty{}", what,
                              marks_.empty() ? "" : " above the mark"));
    IValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  /// Pops the innermost MARK and returns the values above it.
  absl::StatusOr<std::vector<IValue>> popMark(std::string_view what) {
    if (marks_.empty())
      return fail(fmt::format("{} without a MARK", what));
    size_t start = marks_.back();
    marks_.pop_back();
    std::vector<IValue> items(std::make_move_iterator(stack_.begin() + start),
                              std::make_move_iterator(stack_.end()));
    stack_.resize(start);
    return items;
  }
  /// Remembers a container so it can be torn down without recursion if the pickle is rejected.
  IValue track(IValue v) {
    registry_.push_back(v);
    return v;
  }

  absl::Status setMemo(uint64_t index) {
    if (index >= limits_.maxMemo)
      return fail(fmt::format("memo index {} exceeds the limit of {}", index, limits_.maxMemo));
    if (available() == 0)
      return fail("memo store with an empty stack");
    if (index >= memo_.size()) {
      memo_.resize(static_cast<size_t>(index) + 1);
      memoSet_.resize(static_cast<size_t>(index) + 1, false);
    }
    memo_[index] = stack_.back();
    memoSet_[index] = true;
    return absl::OkStatus();
  }
  absl::Status getMemo(uint64_t index) {
    if (index >= memo_.size() || !memoSet_[index])
      return fail(
          fmt::format("memo index {} out of range (memo has {} entries)", index, memo_.size()));
    return push(memo_[index]);
  }

  absl::Status step(uint8_t op);
  absl::StatusOr<IValue> resolveGlobal(std::string_view module, std::string_view name);
  absl::StatusOr<ClassKind> classKind(const std::string &qualified);
  absl::Status reduce();
  absl::Status newObj();
  absl::Status build();
  absl::Status persistentId();
  absl::StatusOr<IValue> rebuildTensor(const IValue &args, bool quantized);
  absl::StatusOr<IValue> buildList(const GlobalRef &g, const IValue &args);
  absl::Status appendTo(size_t listIndex, std::vector<IValue> items);
  absl::Status setItems(size_t dictIndex, std::vector<IValue> items);
  absl::Status validate(const IValue &root);
  void releaseUnreachable();

  const uint8_t *in_;
  size_t size_;
  size_t pos_ = 0;
  size_t opStart_ = 0;
  const UnpicklerOptions &options_;
  const UnpicklerLimits &limits_;
  std::vector<IValue> stack_;
  std::vector<size_t> marks_;
  std::vector<IValue> memo_;
  std::vector<bool> memoSet_;
  std::vector<IValue> registry_;
  absl::flat_hash_set<const void *> reachable_;
  absl::flat_hash_map<std::string, std::shared_ptr<const ir::Storage>> storages_;
  absl::flat_hash_map<std::string, ClassKind> classKinds_;
  uint64_t budget_;
  bool done_ = false;
};

absl::StatusOr<IValue> Unpickler::run() {
  if (size_ < 2 || in_[0] != PROTO)
    return fail("does not start with a PROTO opcode (only pickle protocols 2 to 5 are supported)");
  while (true) {
    opStart_ = pos_;
    if (pos_ >= size_)
      return fail("truncated pickle: no STOP opcode");
    uint8_t op = in_[pos_++];
    if (op == STOP)
      break;
    TS2ONNX_RETURN_IF_ERROR(step(op));
  }
  if (!marks_.empty())
    return fail(fmt::format("STOP with {} unclosed MARKs", marks_.size()));
  if (stack_.size() != 1)
    return fail(fmt::format("STOP with {} values on the stack (expected 1)", stack_.size()));
  IValue result = std::move(stack_.back());
  stack_.clear();
  TS2ONNX_RETURN_IF_ERROR(validate(result));
  done_ = true;
  return result;
}

absl::Status Unpickler::step(uint8_t op) {
  switch (op) {
  case PROTO: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t version, readUnsigned(1, "PROTO"));
    if (version < 2 || version > 5)
      return fail(fmt::format("unsupported pickle protocol {}", version));
    return absl::OkStatus();
  }
  case FRAME: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t length, readUnsigned(8, "FRAME"));
    if (length > left())
      return fail(fmt::format("truncated pickle: FRAME of {} bytes, {} left", length, left()));
    return absl::OkStatus(); // frames only group opcodes; they are read inline
  }
  case MARK:
    if (marks_.size() >= limits_.maxMarks)
      return fail(fmt::format("more than {} nested MARKs", limits_.maxMarks));
    marks_.push_back(stack_.size());
    return absl::OkStatus();
  case POP:
    if (available() > 0) {
      stack_.pop_back();
    } else if (!marks_.empty()) {
      marks_.pop_back();
    } else {
      return fail("POP on an empty stack");
    }
    return absl::OkStatus();
  case POP_MARK:
    return popMark("POP_MARK").status();
  case DUP:
    if (available() == 0)
      return fail("DUP on an empty stack");
    return push(stack_.back());
  case NONE:
    return push(IValue());
  case NEWTRUE:
    return push(IValue::fromBool(true));
  case NEWFALSE:
    return push(IValue::fromBool(false));
  case BININT1: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t v, readUnsigned(1, "BININT1"));
    return push(IValue::fromInt(static_cast<int64_t>(v)));
  }
  case BININT2: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t v, readUnsigned(2, "BININT2"));
    return push(IValue::fromInt(static_cast<int64_t>(v)));
  }
  case BININT: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t v, readUnsigned(4, "BININT"));
    return push(IValue::fromInt(static_cast<int32_t>(static_cast<uint32_t>(v))));
  }
  case LONG1: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t n, readUnsigned(1, "LONG1"));
    if (n > 8)
      return fail(fmt::format("LONG1 of {} bytes does not fit in a 64-bit integer", n));
    TS2ONNX_RETURN_IF_ERROR(need(n, "LONG1"));
    uint64_t v = readLE(n);
    if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) // sign-extend two's complement
      v |= ~uint64_t{0} << (8 * n);
    return push(IValue::fromInt(static_cast<int64_t>(v)));
  }
  case LONG4:
    return fail("LONG4 integers do not fit in 64 bits");
  case INT:
  case LONG: {
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view text, readLine(op == INT ? "INT" : "LONG"));
    if (op == INT && (text == "00" || text == "01"))
      return push(IValue::fromBool(text == "01"));
    if (op == LONG && !text.empty() && text.back() == 'L')
      text.remove_suffix(1);
    std::optional<int64_t> v = parseDecimal(text);
    if (!v)
      return fail(fmt::format("integer '{}' is malformed or does not fit in 64 bits",
                              std::string(text.substr(0, 40))));
    return push(IValue::fromInt(*v));
  }
  case BINFLOAT: {
    TS2ONNX_RETURN_IF_ERROR(need(8, "BINFLOAT"));
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits = (bits << 8) | in_[pos_ + i];
    pos_ += 8;
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    return push(IValue::fromDouble(d));
  }
  case BINUNICODE:
  case SHORT_BINUNICODE:
  case BINUNICODE8: {
    size_t width = op == SHORT_BINUNICODE ? 1 : op == BINUNICODE ? 4 : 8;
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t n, readUnsigned(width, "string length"));
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view s, readBytes(n, "string"));
    if (!isValidUtf8(s))
      return fail("string is not valid UTF-8");
    return push(IValue::fromString(std::string(s)));
  }
  case BINSTRING:
  case SHORT_BINSTRING: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t n,
                             readUnsigned(op == SHORT_BINSTRING ? 1 : 4, "string length"));
    if (op == BINSTRING && (n >> 31))
      return fail("BINSTRING with a negative length");
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view s, readBytes(n, "string"));
    // Python 2 `str`: text when it decodes, bytes otherwise.
    return push(isValidUtf8(s) ? IValue::fromString(std::string(s))
                               : IValue::fromBytes(std::string(s)));
  }
  case BINBYTES:
  case SHORT_BINBYTES:
  case BINBYTES8: {
    size_t width = op == SHORT_BINBYTES ? 1 : op == BINBYTES ? 4 : 8;
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t n, readUnsigned(width, "bytes length"));
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view s, readBytes(n, "bytes"));
    return push(IValue::fromBytes(std::string(s)));
  }
  case EMPTY_TUPLE:
    return push(track(IValue::fromTuple(std::make_shared<Tuple>())));
  case TUPLE: {
    TS2ONNX_ASSIGN_OR_RETURN(std::vector<IValue> items, popMark("TUPLE"));
    auto t = std::make_shared<Tuple>();
    t->elements = std::move(items);
    return push(track(IValue::fromTuple(std::move(t))));
  }
  case TUPLE1:
  case TUPLE2:
  case TUPLE3: {
    size_t n = op - TUPLE1 + 1;
    if (available() < n)
      return fail(fmt::format("TUPLE{} needs {} values, the stack has {}", n, n, available()));
    auto t = std::make_shared<Tuple>();
    t->elements.assign(std::make_move_iterator(stack_.end() - n),
                       std::make_move_iterator(stack_.end()));
    stack_.resize(stack_.size() - n);
    return push(track(IValue::fromTuple(std::move(t))));
  }
  case EMPTY_LIST:
    return push(track(IValue::fromList(std::make_shared<List>())));
  case LIST: {
    TS2ONNX_ASSIGN_OR_RETURN(std::vector<IValue> items, popMark("LIST"));
    auto l = std::make_shared<List>();
    l->elements = std::move(items);
    return push(track(IValue::fromList(std::move(l))));
  }
  case APPEND: {
    TS2ONNX_ASSIGN_OR_RETURN(IValue v, pop("APPEND"));
    if (available() == 0)
      return fail("APPEND without a list");
    std::vector<IValue> items;
    items.push_back(std::move(v));
    return appendTo(stack_.size() - 1, std::move(items));
  }
  case APPENDS: {
    if (marks_.empty())
      return fail("APPENDS without a MARK");
    size_t start = marks_.back();
    size_t outer = marks_.size() >= 2 ? marks_[marks_.size() - 2] : 0;
    if (start == 0 || start - 1 < outer)
      return fail("APPENDS without a list below the MARK");
    TS2ONNX_ASSIGN_OR_RETURN(std::vector<IValue> items, popMark("APPENDS"));
    return appendTo(start - 1, std::move(items));
  }
  case EMPTY_DICT:
    return push(track(IValue::fromDict(std::make_shared<Dict>())));
  case DICT: {
    TS2ONNX_ASSIGN_OR_RETURN(std::vector<IValue> items, popMark("DICT"));
    TS2ONNX_RETURN_IF_ERROR(push(track(IValue::fromDict(std::make_shared<Dict>()))));
    return setItems(stack_.size() - 1, std::move(items));
  }
  case SETITEM: {
    if (available() < 3)
      return fail("SETITEM needs a dict, a key and a value");
    std::vector<IValue> items(std::make_move_iterator(stack_.end() - 2),
                              std::make_move_iterator(stack_.end()));
    stack_.resize(stack_.size() - 2);
    return setItems(stack_.size() - 1, std::move(items));
  }
  case SETITEMS: {
    if (marks_.empty())
      return fail("SETITEMS without a MARK");
    size_t start = marks_.back();
    size_t outer = marks_.size() >= 2 ? marks_[marks_.size() - 2] : 0;
    if (start == 0 || start - 1 < outer)
      return fail("SETITEMS without a dict below the MARK");
    TS2ONNX_ASSIGN_OR_RETURN(std::vector<IValue> items, popMark("SETITEMS"));
    return setItems(start - 1, std::move(items));
  }
  case BINPUT: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t i, readUnsigned(1, "BINPUT"));
    return setMemo(i);
  }
  case LONG_BINPUT: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t i, readUnsigned(4, "LONG_BINPUT"));
    return setMemo(i);
  }
  case MEMOIZE:
    return setMemo(memo_.size());
  case BINGET: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t i, readUnsigned(1, "BINGET"));
    return getMemo(i);
  }
  case LONG_BINGET: {
    TS2ONNX_ASSIGN_OR_RETURN(uint64_t i, readUnsigned(4, "LONG_BINGET"));
    return getMemo(i);
  }
  case PUT:
  case GET: {
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view text, readLine(op == PUT ? "PUT" : "GET"));
    std::optional<int64_t> i = parseDecimal(text);
    if (!i || *i < 0)
      return fail(fmt::format("malformed memo index '{}'", std::string(text.substr(0, 40))));
    return op == PUT ? setMemo(static_cast<uint64_t>(*i)) : getMemo(static_cast<uint64_t>(*i));
  }
  case GLOBAL: {
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view module, readLine("GLOBAL module"));
    TS2ONNX_ASSIGN_OR_RETURN(std::string_view name, readLine("GLOBAL name"));
    TS2ONNX_ASSIGN_OR_RETURN(IValue g, resolveGlobal(module, name));
    return push(std::move(g));
  }
  case STACK_GLOBAL: {
    TS2ONNX_ASSIGN_OR_RETURN(IValue name, pop("STACK_GLOBAL"));
    TS2ONNX_ASSIGN_OR_RETURN(IValue module, pop("STACK_GLOBAL"));
    if (!module.isString() || !name.isString())
      return fail("STACK_GLOBAL needs two strings");
    if (module.toStringRef().size() > limits_.maxNameLength ||
        name.toStringRef().size() > limits_.maxNameLength)
      return fail(fmt::format("global name is longer than {} bytes", limits_.maxNameLength));
    TS2ONNX_ASSIGN_OR_RETURN(IValue g, resolveGlobal(module.toStringRef(), name.toStringRef()));
    return push(std::move(g));
  }
  case REDUCE:
    return reduce();
  case NEWOBJ:
    return newObj();
  case BUILD:
    return build();
  case BINPERSID:
    return persistentId();
  case EMPTY_SET:
  case FROZENSET:
  case ADDITEMS:
    return fail(fmt::format("unsupported opcode {} (sets are not TorchScript values)", opName(op)));
  case INST:
  case OBJ:
  case NEWOBJ_EX:
  case EXT1:
  case EXT2:
  case EXT4:
    return fail(fmt::format("unsupported opcode {} (it builds arbitrary objects)", opName(op)));
  default:
    return fail(fmt::format("unsupported opcode {}", opName(op)));
  }
}

absl::Status Unpickler::appendTo(size_t listIndex, std::vector<IValue> items) {
  const IValue &target = stack_[listIndex];
  if (!target.isList())
    return fail(fmt::format("cannot append to a {}", target.kindName()));
  auto list = target.listPtr();
  list->elements.insert(list->elements.end(), std::make_move_iterator(items.begin()),
                        std::make_move_iterator(items.end()));
  return absl::OkStatus();
}

absl::Status Unpickler::setItems(size_t dictIndex, std::vector<IValue> items) {
  const IValue &target = stack_[dictIndex];
  if (!target.isDict())
    return fail(fmt::format("cannot set items of a {}", target.kindName()));
  if (items.size() % 2 != 0)
    return fail(fmt::format("odd number of values ({}) for dict items", items.size()));
  auto dict = target.dictPtr();
  for (size_t i = 0; i < items.size(); i += 2) {
    TS2ONNX_RETURN_IF_ERROR(charge(64 + items[i].toStringRef().size()));
    absl::Status st = dict->insertOrAssign(std::move(items[i]), std::move(items[i + 1]));
    if (!st.ok())
      return fail(std::string(st.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClassKind> Unpickler::classKind(const std::string &qualified) {
  auto it = classKinds_.find(qualified);
  if (it != classKinds_.end())
    return it->second;
  ClassKind kind = startsWith(qualified, "__torch__.torch.classes.") ? ClassKind::SetStateObject
                                                                     : ClassKind::Object;
  if (options_.classResolver) {
    absl::StatusOr<ClassKind> resolved = options_.classResolver(qualified);
    if (!resolved.ok())
      return fail(fmt::format("class '{}' rejected: {}", qualified,
                              std::string(resolved.status().message())));
    kind = *resolved;
  }
  classKinds_.emplace(qualified, kind);
  return kind;
}

absl::StatusOr<IValue> Unpickler::resolveGlobal(std::string_view module, std::string_view name) {
  absl::StatusOr<std::shared_ptr<GlobalRef>> g = allowedGlobal(module, name);
  if (!g.ok())
    return fail(std::string(g.status().message()));
  if ((*g)->kind == GlobalRef::Kind::Class) {
    TS2ONNX_ASSIGN_OR_RETURN(ClassKind kind, classKind((*g)->qualifiedName));
    (*g)->kind = kind == ClassKind::SetStateObject ? GlobalRef::Kind::SetStateClass
                 : kind == ClassKind::Enum         ? GlobalRef::Kind::EnumClass
                                                   : GlobalRef::Kind::Class;
  }
  return IValue::fromGlobal(*std::move(g));
}

absl::Status Unpickler::reduce() {
  TS2ONNX_ASSIGN_OR_RETURN(IValue args, pop("REDUCE"));
  TS2ONNX_ASSIGN_OR_RETURN(IValue callable, pop("REDUCE"));
  if (!callable.isGlobal())
    return fail(fmt::format("REDUCE on a {}, not a global", callable.kindName()));
  const GlobalRef &g = callable.toGlobal();
  auto argTuple = [&](size_t minSize, size_t maxSize) -> absl::Status {
    if (!args.isTuple())
      return fail(fmt::format("'{}' takes a tuple of arguments, got a {}", g.qualifiedName,
                              args.kindName()));
    size_t n = args.toTuple().elements.size();
    if (n < minSize || n > maxSize)
      return fail(fmt::format("'{}' takes {} arguments, got {}", g.qualifiedName,
                              minSize == maxSize ? std::to_string(minSize)
                                                 : fmt::format("{} to {}", minSize, maxSize),
                              n));
    return absl::OkStatus();
  };
  switch (g.kind) {
  case GlobalRef::Kind::RebuildTensorV2:
  case GlobalRef::Kind::RebuildQTensor: {
    TS2ONNX_ASSIGN_OR_RETURN(IValue t,
                             rebuildTensor(args, g.kind == GlobalRef::Kind::RebuildQTensor));
    return push(std::move(t));
  }
  case GlobalRef::Kind::OrderedDict:
    // Only ever the empty backward-hooks dict of a tensor.
    TS2ONNX_RETURN_IF_ERROR(argTuple(0, 0));
    return push(track(IValue::fromDict(std::make_shared<Dict>())));
  case GlobalRef::Kind::Device: {
    TS2ONNX_RETURN_IF_ERROR(argTuple(1, 1));
    const IValue &s = args.toTuple().elements[0];
    if (!s.isString() || s.toStringRef().empty() || s.toStringRef().size() > kMaxDeviceLength)
      return fail("torch.device takes a device string");
    return push(IValue::fromDevice(s.toStringRef()));
  }
  case GlobalRef::Kind::Complex: {
    TS2ONNX_RETURN_IF_ERROR(argTuple(2, 2));
    const auto &e = args.toTuple().elements;
    for (const IValue &part : e)
      if (!part.isDouble() && !part.isInt())
        return fail(fmt::format("builtins.complex takes two numbers, got a {}", part.kindName()));
    return push(IValue::fromComplex({e[0].toDouble(), e[1].toDouble()}));
  }
  case GlobalRef::Kind::RestoreTypeTag: {
    TS2ONNX_RETURN_IF_ERROR(argTuple(2, 2));
    const IValue &value = args.toTuple().elements[0];
    const IValue &tag = args.toTuple().elements[1];
    if (!tag.isString())
      return fail("restore_type_tag needs a type string");
    const std::string &type = tag.toStringRef();
    if (type.size() > limits_.maxTypeTagLength)
      return fail(fmt::format("type tag is longer than {} bytes", limits_.maxTypeTagLength));
    TS2ONNX_RETURN_IF_ERROR(charge(type.size()));
    if (value.isList() && startsWith(type, "List[")) {
      value.listPtr()->typeTag = type;
    } else if (value.isDict() && startsWith(type, "Dict[")) {
      value.dictPtr()->typeTag = type;
    } else {
      return fail(fmt::format("restore_type_tag cannot tag a {} as '{}'", value.kindName(),
                              type.substr(0, 80)));
    }
    return push(value);
  }
  case GlobalRef::Kind::BuildIntList:
  case GlobalRef::Kind::BuildTensorList:
  case GlobalRef::Kind::BuildDoubleList:
  case GlobalRef::Kind::BuildBoolList: {
    TS2ONNX_RETURN_IF_ERROR(argTuple(1, 1));
    TS2ONNX_ASSIGN_OR_RETURN(IValue list, buildList(g, args.toTuple().elements[0]));
    return push(std::move(list));
  }
  case GlobalRef::Kind::BuildTensorFromId: {
    TS2ONNX_RETURN_IF_ERROR(argTuple(1, 1));
    const IValue &id = args.toTuple().elements[0];
    if (!id.isInt())
      return fail("build_tensor_from_id needs an integer id");
    if (!options_.tensorTable)
      return fail("build_tensor_from_id used, but there is no tensor table");
    absl::StatusOr<IValue> t = options_.tensorTable(id.toInt());
    if (!t.ok())
      return fail(
          fmt::format("tensor table entry {}: {}", id.toInt(), std::string(t.status().message())));
    if (!t->isTensor())
      return fail(fmt::format("tensor table entry {} is a {}", id.toInt(), t->kindName()));
    return push(*t);
  }
  case GlobalRef::Kind::EnumClass:
  case GlobalRef::Kind::Class: {
    // Enums pickle as `GLOBAL <value> REDUCE` with a bare value. Without a resolver, any REDUCE
    // on a class is taken for one; with a resolver only classes it calls enums are.
    if (g.kind == GlobalRef::Kind::Class && options_.classResolver)
      return fail(
          fmt::format("class '{}' is built with REDUCE, but it is not an enum", g.qualifiedName));
    if (!args.isInt() && !args.isDouble() && !args.isString())
      return fail(fmt::format("enum '{}' has a {} value", g.qualifiedName, args.kindName()));
    TS2ONNX_RETURN_IF_ERROR(charge(sizeof(Enum) + g.qualifiedName.size()));
    auto e = std::make_shared<Enum>();
    e->className = g.qualifiedName;
    e->value = std::move(args);
    return push(track(IValue::fromEnum(std::move(e))));
  }
  case GlobalRef::Kind::SetStateClass:
    return fail(fmt::format("class '{}' is built with REDUCE instead of NEWOBJ", g.qualifiedName));
  case GlobalRef::Kind::StorageType:
  case GlobalRef::Kind::QScheme:
    break;
  }
  return fail(fmt::format("'{}' cannot be called", g.qualifiedName));
}

absl::StatusOr<IValue> Unpickler::buildList(const GlobalRef &g, const IValue &arg) {
  if (!arg.isList())
    return fail(fmt::format("'{}' takes a list, got a {}", g.qualifiedName, arg.kindName()));
  IValue::Kind want;
  const char *tag;
  switch (g.kind) {
  case GlobalRef::Kind::BuildIntList:
    want = IValue::Kind::Int, tag = "List[int]";
    break;
  case GlobalRef::Kind::BuildTensorList:
    want = IValue::Kind::Tensor, tag = "List[Tensor]";
    break;
  case GlobalRef::Kind::BuildDoubleList:
    want = IValue::Kind::Double, tag = "List[float]";
    break;
  default:
    want = IValue::Kind::Bool, tag = "List[bool]";
    break;
  }
  for (const IValue &e : arg.toList().elements)
    if (e.kind() != want)
      return fail(fmt::format("'{}' got a {} element", g.qualifiedName, e.kindName()));
  arg.listPtr()->typeTag = tag;
  return arg;
}

absl::Status Unpickler::newObj() {
  TS2ONNX_ASSIGN_OR_RETURN(IValue args, pop("NEWOBJ"));
  TS2ONNX_ASSIGN_OR_RETURN(IValue cls, pop("NEWOBJ"));
  if (!cls.isGlobal() || (cls.toGlobal().kind != GlobalRef::Kind::Class &&
                          cls.toGlobal().kind != GlobalRef::Kind::SetStateClass))
    return fail(fmt::format("NEWOBJ on {}, not a TorchScript class",
                            cls.isGlobal() ? "'" + cls.toGlobal().qualifiedName + "'"
                                           : "a " + std::string(cls.kindName())));
  if (!args.isTuple() || !args.toTuple().elements.empty())
    return fail(fmt::format("NEWOBJ of '{}' with arguments", cls.toGlobal().qualifiedName));
  TS2ONNX_RETURN_IF_ERROR(charge(sizeof(Object) + cls.toGlobal().qualifiedName.size()));
  auto o = std::make_shared<Object>();
  o->className = cls.toGlobal().qualifiedName;
  o->hasSetState = cls.toGlobal().kind == GlobalRef::Kind::SetStateClass;
  return push(track(IValue::fromObject(std::move(o))));
}

absl::Status Unpickler::build() {
  TS2ONNX_ASSIGN_OR_RETURN(IValue state, pop("BUILD"));
  if (available() == 0)
    return fail("BUILD without an object");
  const IValue &target = stack_.back();
  if (!target.isObject())
    return fail(fmt::format("BUILD on a {}, not an object", target.kindName()));
  auto o = target.objectPtr();
  if (o->built)
    return fail(fmt::format("BUILD twice on an object of class '{}'", o->className));
  o->built = true;
  bool attributeDict = state.isDict();
  if (attributeDict)
    for (const auto &[k, v] : state.toDict().entries())
      attributeDict = attributeDict && k.isString();
  if (!o->hasSetState && !attributeDict) {
    if (options_.classResolver)
      return fail(fmt::format("state of '{}' is a {}, not a dict of attributes", o->className,
                              state.kindName()));
    o->hasSetState = true; // no resolver: a non-dict state must be for __setstate__
  }
  if (o->hasSetState) {
    o->state = std::move(state);
    return absl::OkStatus();
  }
  for (const auto &[k, v] : state.toDict().entries()) {
    TS2ONNX_RETURN_IF_ERROR(
        charge(sizeof(std::pair<std::string, IValue>) + k.toStringRef().size()));
    o->attributes.emplace_back(k.toStringRef(), v);
  }
  return absl::OkStatus();
}

absl::Status Unpickler::persistentId() {
  TS2ONNX_ASSIGN_OR_RETURN(IValue pid, pop("BINPERSID"));
  const char *shape = "persistent id must be ('storage', <X>Storage, key, location, numel[, None])";
  // Version-1 archives (torch ~1.3) append the view metadata as a sixth element, always None
  // there; torch ignores it. A view (key, offset, size) would alias part of another storage.
  if (!pid.isTuple() || (pid.toTuple().elements.size() != 5 && pid.toTuple().elements.size() != 6))
    return fail(shape);
  const auto &e = pid.toTuple().elements;
  if (!e[0].isString() || e[0].toStringRef() != "storage" || !e[1].isGlobal() ||
      e[1].toGlobal().kind != GlobalRef::Kind::StorageType || !e[2].isString() ||
      !e[3].isString() || !e[4].isInt())
    return fail(shape);
  if (e.size() == 6 && !e[5].isNone())
    return fail(fmt::format("persistent id has view metadata (a {} as its sixth element): storage "
                            "views of torch before 1.0 are not supported, only None there",
                            e[5].kindName()));
  ir::ScalarType dtype = e[1].toGlobal().dtype;
  const std::string &key = e[2].toStringRef();
  const std::string &location = e[3].toStringRef();
  int64_t numel = e[4].toInt();
  if (key.empty() || key.size() > kMaxStorageKeyLength || key == "." || key == ".." ||
      key.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
    return fail(fmt::format("invalid storage key '{}'", key.substr(0, 80)));
  if (location.empty() || location.size() > kMaxDeviceLength)
    return fail("invalid storage location");
  if (numel < 0)
    return fail(fmt::format("storage '{}' has a negative element count {}", key, numel));
  uint64_t nbytes;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel),
                             static_cast<uint64_t>(ir::elementSize(dtype)), &nbytes) ||
      nbytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return fail(fmt::format("storage '{}' of {} elements overflows", key, numel));

  TS2ONNX_RETURN_IF_ERROR(charge(sizeof(StorageRef) + key.size() + location.size()));
  auto ref = std::make_shared<StorageRef>();
  ref->key = key;
  ref->location = location;
  ref->dtype = dtype;
  ref->numel = numel;
  if (numel == 0) {
    ref->storage = std::make_shared<ir::Storage>(); // torch does not read empty records
  } else {
    auto it = storages_.find(key);
    if (it == storages_.end()) {
      if (!options_.storageLoader)
        return fail(fmt::format("storage '{}' referenced, but no storage loader was given", key));
      absl::StatusOr<std::shared_ptr<const ir::Storage>> loaded = options_.storageLoader(key);
      if (!loaded.ok())
        return fail(fmt::format("storage '{}': {}", key, std::string(loaded.status().message())));
      if (!*loaded)
        return fail(fmt::format("storage '{}': loader returned nothing", key));
      it = storages_.emplace(key, *std::move(loaded)).first;
    }
    if (it->second->nbytes < nbytes)
      return fail(fmt::format("storage '{}' has {} bytes, but {} elements of {} need {}", key,
                              it->second->nbytes, numel, ir::scalarTypeName(dtype), nbytes));
    ref->storage = it->second;
  }
  return push(IValue::fromStorage(std::move(ref)));
}

absl::StatusOr<IValue> Unpickler::rebuildTensor(const IValue &args, bool quantized) {
  const char *fn = quantized ? "_rebuild_qtensor" : "_rebuild_tensor_v2";
  if (!args.isTuple())
    return fail(fmt::format("{} takes a tuple of arguments", fn));
  const auto &e = args.toTuple().elements;
  if (quantized ? e.size() != 7 : (e.size() != 6 && e.size() != 7))
    return fail(
        fmt::format("{} takes {} arguments, got {}", fn, quantized ? "7" : "6 or 7", e.size()));
  if (!e[0].isStorage())
    return fail(
        fmt::format("{} needs a storage from a persistent id, got a {}", fn, e[0].kindName()));
  const StorageRef &storage = e[0].toStorage();
  if (!e[1].isInt())
    return fail(fmt::format("{}: storage offset must be an int", fn));
  int64_t offset = e[1].toInt();
  auto intTuple = [&](const IValue &v, const char *what) -> absl::StatusOr<std::vector<int64_t>> {
    if (!v.isTuple())
      return fail(fmt::format("{}: {} must be a tuple of ints, got a {}", fn, what, v.kindName()));
    std::vector<int64_t> out;
    for (const IValue &x : v.toTuple().elements) {
      if (!x.isInt())
        return fail(fmt::format("{}: {} must be a tuple of ints", fn, what));
      out.push_back(x.toInt());
    }
    return out;
  };
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, intTuple(e[2], "size"));
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<int64_t> strides, intTuple(e[3], "stride"));
  if (sizes.size() != strides.size())
    return fail(fmt::format("tensor has {} sizes but {} strides", sizes.size(), strides.size()));
  if (sizes.size() > kMaxTensorDims)
    return fail(fmt::format("tensor has {} dimensions (limit {})", sizes.size(), kMaxTensorDims));
  if (offset < 0)
    return fail(fmt::format("tensor has a negative storage offset {}", offset));
  int64_t numel = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] < 0)
      return fail(fmt::format("tensor has a negative size {} in dimension {}", sizes[d], d));
    if (strides[d] < 0)
      return fail(fmt::format("tensor has a negative stride {} in dimension {}", strides[d], d));
    if (__builtin_mul_overflow(numel, sizes[d], &numel))
      return fail(fmt::format("tensor shape {} overflows", intsRepr(sizes)));
  }
  int64_t nbytes;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(ir::elementSize(storage.dtype)), &nbytes))
    return fail(fmt::format("tensor shape {} overflows", intsRepr(sizes)));
  if (numel > 0) {
    // The last element read: offset + sum((size - 1) * stride) must lie inside the storage.
    int64_t last = offset;
    bool overflow = false;
    for (size_t d = 0; d < sizes.size(); ++d) {
      int64_t span;
      overflow = overflow || __builtin_mul_overflow(sizes[d] - 1, strides[d], &span) ||
                 __builtin_add_overflow(last, span, &last);
    }
    if (overflow || last >= storage.numel)
      return fail(fmt::format("tensor of shape {} with strides {} and offset {} reaches past "
                              "storage '{}' of {} elements",
                              intsRepr(sizes), intsRepr(strides), offset, storage.key,
                              storage.numel));
  }

  TS2ONNX_RETURN_IF_ERROR(charge(sizeof(TensorValue) + storage.key.size() +
                                 storage.location.size() + 16 * sizes.size()));
  auto t = std::make_shared<TensorValue>();
  t->storageKey = storage.key;
  t->location = storage.location;
  bool quantizedDtype =
      storage.dtype == ir::ScalarType::QInt8 || storage.dtype == ir::ScalarType::QUInt8 ||
      storage.dtype == ir::ScalarType::QInt32 || storage.dtype == ir::ScalarType::QUInt4x2 ||
      storage.dtype == ir::ScalarType::QUInt2x4;
  if (quantized != quantizedDtype)
    return fail(fmt::format("{} with a {} storage", fn, ir::scalarTypeName(storage.dtype)));
  size_t idx = 4;
  if (quantized) {
    const IValue &q = e[idx++];
    if (!q.isTuple() || q.toTuple().elements.empty() || !q.toTuple().elements[0].isGlobal() ||
        q.toTuple().elements[0].toGlobal().kind != GlobalRef::Kind::QScheme)
      return fail("_rebuild_qtensor needs (qscheme, ...) quantization parameters");
    const auto &qp = q.toTuple().elements;
    QuantParams params;
    params.scheme = qp[0].toGlobal().qscheme;
    switch (params.scheme) {
    case QuantParams::Scheme::PerTensorAffine:
      if (qp.size() != 3 || !(qp[1].isDouble() || qp[1].isInt()) || !qp[2].isInt())
        return fail("per_tensor_affine needs (qscheme, scale, zero_point)");
      params.scale = qp[1].toDouble();
      params.zeroPoint = qp[2].toInt();
      break;
    case QuantParams::Scheme::PerChannelAffine:
    case QuantParams::Scheme::PerChannelAffineFloatQParams: {
      if (qp.size() != 4 || !qp[1].isTensor() || !qp[2].isTensor() || !qp[3].isInt())
        return fail("per-channel quantization needs (qscheme, scales, zero_points, axis)");
      params.scales = qp[1].toTensor().tensor;
      params.zeroPoints = qp[2].toTensor().tensor;
      params.axis = qp[3].toInt();
      if (params.axis < 0 || params.axis >= static_cast<int64_t>(sizes.size()))
        return fail(fmt::format("quantization axis {} out of range for a {}-d tensor", params.axis,
                                sizes.size()));
      int64_t channels = sizes[static_cast<size_t>(params.axis)];
      if (params.scales.dim() != 1 || params.scales.numel() != channels ||
          params.zeroPoints.dim() != 1 || params.zeroPoints.numel() != channels)
        return fail(
            fmt::format("per-channel scales/zero points must be 1-d with {} elements", channels));
      break;
    }
    default:
      return fail(
          fmt::format("unsupported quantization scheme '{}'", qp[0].toGlobal().qualifiedName));
    }
    t->quant = std::move(params);
  }
  if (!e[idx].isBool())
    return fail(fmt::format("{}: requires_grad must be a bool, got a {}", fn, e[idx].kindName()));
  t->requiresGrad = e[idx].toBool();
  ++idx;
  if (!e[idx].isNone() && !e[idx].isDict())
    return fail(fmt::format("{}: backward hooks must be a dict", fn));
  ++idx;
  if (idx < e.size()) {
    if (!e[idx].isDict())
      return fail(fmt::format("{}: tensor metadata must be a dict", fn));
    for (const auto &[k, v] : e[idx].toDict().entries()) {
      if (!k.isString() || !v.isBool())
        return fail(fmt::format("{}: tensor metadata must map names to bools", fn));
      if (k.toStringRef() == "conj")
        t->conj = v.toBool();
      else if (k.toStringRef() == "neg")
        t->neg = v.toBool();
      else
        return fail(fmt::format("{}: unknown tensor metadata '{}'", fn, k.toStringRef()));
    }
  }
  t->tensor =
      ir::Tensor(storage.dtype, std::move(sizes), std::move(strides), offset, storage.storage);
  return IValue::fromTensor(std::move(t));
}

absl::Status Unpickler::validate(const IValue &root) {
  // Depth-first over containers with an explicit stack: rejects cycles, leftover globals and
  // storages, and nesting deeper than the limit; records what is reachable.
  struct Frame {
    IValue value;
    size_t next = 0;
    size_t height = 0; // of the deepest finished child
  };
  absl::flat_hash_map<const void *, size_t> heights;
  absl::flat_hash_set<const void *> onPath;
  auto check = [&](const IValue &v) -> absl::Status {
    if (v.isGlobal())
      return fail(
          fmt::format("result contains the unapplied global '{}'", v.toGlobal().qualifiedName));
    if (v.isStorage())
      return fail(fmt::format("result contains storage '{}' outside a tensor", v.toStorage().key));
    return absl::OkStatus();
  };
  TS2ONNX_RETURN_IF_ERROR(check(root));
  if (!isContainer(root))
    return absl::OkStatus();
  std::vector<Frame> stack;
  stack.push_back({root});
  onPath.insert(root.identity());
  while (!stack.empty()) {
    Frame &f = stack.back();
    if (f.next < childCount(f.value)) {
      const IValue &c = child(f.value, f.next++);
      TS2ONNX_RETURN_IF_ERROR(check(c));
      if (!isContainer(c))
        continue;
      const void *id = c.identity();
      if (onPath.contains(id))
        return fail("result contains a reference cycle");
      if (auto it = heights.find(id); it != heights.end()) {
        f.height = std::max(f.height, it->second);
        if (stack.size() + it->second > limits_.maxDepth)
          return fail(fmt::format("containers nested deeper than {}", limits_.maxDepth));
        continue;
      }
      if (stack.size() >= limits_.maxDepth)
        return fail(fmt::format("containers nested deeper than {}", limits_.maxDepth));
      onPath.insert(id);
      stack.push_back({c});
      continue;
    }
    size_t height = f.height + 1;
    const void *id = f.value.identity();
    heights.emplace(id, height);
    onPath.erase(id);
    stack.pop_back();
    if (!stack.empty())
      stack.back().height = std::max(stack.back().height, height);
  }
  for (const auto &[id, height] : heights)
    reachable_.insert(id);
  return absl::OkStatus();
}

void Unpickler::releaseUnreachable() {
  // Every container is still held by registry_, so clearing the children of the ones the caller
  // will not get frees nothing recursively; afterwards they hold nothing, and the rest is the
  // validated, depth-limited result.
  stack_.clear();
  memo_.clear();
  if (!done_)
    reachable_.clear();
  for (const IValue &v : registry_)
    if (!reachable_.contains(v.identity()))
      clearChildren(v);
  registry_.clear();
}

} // namespace

absl::StatusOr<IValue> unpickle(std::string_view bytes, const UnpicklerOptions &options) {
  Unpickler unpickler(bytes, options);
  return unpickler.run();
}

StorageLoader archiveStorageLoader(const ZipArchive &archive, std::string prefix) {
  return [&archive, prefix = std::move(prefix)](
             std::string_view key) -> absl::StatusOr<std::shared_ptr<const ir::Storage>> {
    std::string record = prefix.empty() || prefix.back() == '/' ? fmt::format("{}{}", prefix, key)
                                                                : fmt::format("{}/{}", prefix, key);
    if (!archive.has(record))
      return absl::NotFoundError(fmt::format("no record '{}' in the archive", record));
    return archive.read(record);
  };
}

absl::StatusOr<IValue> unpickleRecord(const ZipArchive &archive, std::string_view pickleName,
                                      std::string_view storagePrefix, UnpicklerOptions options) {
  if (archive.has("byteorder")) {
    TS2ONNX_ASSIGN_OR_RETURN(std::string order, archive.readString("byteorder"));
    if (order == "big")
      return absl::UnimplementedError(
          fmt::format("{}: byteorder 'big' is not supported yet (storages would need byte "
                      "swapping)",
                      archive.displayName()));
    if (order != "little")
      return absl::InvalidArgumentError(
          fmt::format("{}: unknown byteorder '{}'", archive.displayName(), order.substr(0, 40)));
  }
  TS2ONNX_ASSIGN_OR_RETURN(std::shared_ptr<const ir::Storage> bytes, archive.read(pickleName));
  if (options.name == UnpicklerOptions().name)
    options.name = fmt::format("{}: {}", archive.displayName(), pickleName);
  if (!options.storageLoader)
    options.storageLoader = archiveStorageLoader(archive, std::string(storagePrefix));
  return unpickle(std::string_view(reinterpret_cast<const char *>(bytes->data), bytes->nbytes),
                  options);
}

} // namespace ts2onnx::frontend
