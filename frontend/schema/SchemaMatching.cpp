#include "frontend/schema/SchemaMatching.h"

#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"

namespace ts2onnx::frontend {

namespace {

using TypeEnv = absl::flat_hash_map<std::string, SchemaType>;

// torch's "fake" types: enum-like and symbolic arguments are plain ints, floats, bools and strs.
SchemaTypeKind fakeKind(SchemaTypeKind k) {
  switch (k) {
  case SchemaTypeKind::SymInt:
  case SchemaTypeKind::ScalarType:
  case SchemaTypeKind::Layout:
  case SchemaTypeKind::MemoryFormat:
    return SchemaTypeKind::Int;
  case SchemaTypeKind::SymFloat:
    return SchemaTypeKind::Float;
  case SchemaTypeKind::SymBool:
    return SchemaTypeKind::Bool;
  case SchemaTypeKind::Dimname:
    return SchemaTypeKind::Str;
  default:
    return k;
  }
}

bool sameType(const SchemaType &a, const SchemaType &b) {
  if (fakeKind(a.kind) != fakeKind(b.kind) || a.name != b.name ||
      a.contained.size() != b.contained.size())
    return false;
  for (size_t i = 0; i < a.contained.size(); ++i)
    if (!sameType(a.contained[i], b.contained[i]))
      return false;
  return true;
}

SchemaType stripAliases(SchemaType t) {
  t.alias.reset();
  for (auto &c : t.contained)
    c = stripAliases(std::move(c));
  return t;
}

std::optional<SchemaType> unifyTypes(const SchemaType &a, const SchemaType &b) {
  if (isSchemaSubtype(a, b))
    return b;
  if (isSchemaSubtype(b, a))
    return a;
  if (a.is(SchemaTypeKind::None))
    return SchemaType::optional(b);
  if (b.is(SchemaTypeKind::None))
    return SchemaType::optional(a);
  if (a.is(SchemaTypeKind::Optional) && !a.contained.empty()) {
    if (auto u = unifyTypes(a.contained[0], b))
      return SchemaType::optional(*u);
  }
  if (b.is(SchemaTypeKind::Optional) && !b.contained.empty()) {
    if (auto u = unifyTypes(a, b.contained[0]))
      return SchemaType::optional(*u);
  }
  if (a.is(SchemaTypeKind::Tuple) && b.is(SchemaTypeKind::Tuple) &&
      a.contained.size() == b.contained.size()) {
    std::vector<SchemaType> members;
    for (size_t i = 0; i < a.contained.size(); ++i) {
      auto u = unifyTypes(a.contained[i], b.contained[i]);
      if (!u)
        return std::nullopt;
      members.push_back(std::move(*u));
    }
    return SchemaType::tuple(std::move(members));
  }
  return std::nullopt;
}

// Binds the type variables of `formal` from `actual`; an error message on failure.
std::optional<std::string> matchTypeVariables(const SchemaType &formal, const SchemaType &actual,
                                              TypeEnv &env) {
  if (!formal.hasTypeVars())
    return std::nullopt;
  switch (formal.kind) {
  case SchemaTypeKind::Var: {
    auto it = env.find(formal.name);
    if (it == env.end()) {
      env.emplace(formal.name, stripAliases(actual));
      return std::nullopt;
    }
    if (auto u = unifyTypes(it->second, actual)) {
      it->second = std::move(*u);
      return std::nullopt;
    }
    return fmt::format("Type variable '{}' previously matched to type {} is matched to type {}",
                       formal.name, it->second.str(), actual.str());
  }
  case SchemaTypeKind::List:
    if (actual.is(SchemaTypeKind::List) && !actual.contained.empty())
      return matchTypeVariables(formal.contained[0], actual.contained[0], env);
    if (actual.is(SchemaTypeKind::Tuple)) {
      std::optional<SchemaType> elem;
      for (const auto &m : actual.contained) {
        elem = elem ? unifyTypes(*elem, m) : std::optional<SchemaType>(m);
        if (!elem)
          break;
      }
      if (elem)
        return matchTypeVariables(formal.contained[0], *elem, env);
      return fmt::format("Cannot match a list to {}", actual.str());
    }
    return fmt::format("Cannot match {} to {}", formal.str(), actual.str());
  case SchemaTypeKind::Optional:
    if (actual.is(SchemaTypeKind::None))
      return std::nullopt;
    if (actual.is(SchemaTypeKind::Optional) && !actual.contained.empty())
      return matchTypeVariables(formal.contained[0], actual.contained[0], env);
    return matchTypeVariables(formal.contained[0], actual, env);
  case SchemaTypeKind::Tuple:
  case SchemaTypeKind::Dict:
  case SchemaTypeKind::Future:
  case SchemaTypeKind::RRef:
  case SchemaTypeKind::Await:
    if (actual.kind == formal.kind && actual.contained.size() == formal.contained.size()) {
      for (size_t i = 0; i < formal.contained.size(); ++i)
        if (auto err = matchTypeVariables(formal.contained[i], actual.contained[i], env))
          return err;
      return std::nullopt;
    }
    return fmt::format("Cannot match {} to {}", formal.str(), actual.str());
  default:
    return fmt::format("Cannot match {} to {}", formal.str(), actual.str());
  }
}

// Substitutes bound type variables; nullopt when one is unbound.
std::optional<SchemaType> evalTypeVariables(const SchemaType &formal, const TypeEnv &env) {
  if (formal.is(SchemaTypeKind::Var)) {
    auto it = env.find(formal.name);
    if (it == env.end())
      return std::nullopt;
    return it->second;
  }
  SchemaType out = formal;
  out.alias.reset();
  for (auto &c : out.contained) {
    auto e = evalTypeVariables(c, env);
    if (!e)
      return std::nullopt;
    c = std::move(*e);
  }
  return out;
}

bool convertibleToList(const SchemaType &type, const SchemaType &listType) {
  if (!listType.is(SchemaTypeKind::List) || listType.contained.empty())
    return false;
  if (isSchemaSubtype(type, listType))
    return true;
  if (type.is(SchemaTypeKind::Tuple)) {
    for (const auto &m : type.contained)
      if (!isSchemaSubtype(m, listType.contained[0]))
        return false;
    return true;
  }
  return false;
}

struct Converted {
  SchemaType type;
  ArgConversion conversion = ArgConversion::None;
};

// torch's tryMatchArgument: type variables, then implicit conversions, then the subtype check.
std::variant<Converted, std::string> matchArgument(const SchemaArgument &arg,
                                                   const CallArgument &value, bool allowConversions,
                                                   TypeEnv &env) {
  Converted v{stripAliases(value.type), ArgConversion::None};
  const SchemaType &formalUnopt = arg.type.unwrapOptional();

  // A single int/float for `int[N]` / `float[N]`.
  if ((v.type.is(SchemaTypeKind::Int) || v.type.is(SchemaTypeKind::Float)) &&
      formalUnopt.is(SchemaTypeKind::List) && formalUnopt.fixedSize &&
      !formalUnopt.contained.empty() && fakeKind(formalUnopt.contained[0].kind) == v.type.kind) {
    v.type = SchemaType::list(v.type);
    v.conversion = ArgConversion::RepeatToList;
  }

  if (auto err = matchTypeVariables(arg.type, v.type, env))
    return fmt::format("Could not match type {} to {} in argument '{}': {}.", v.type.str(),
                       arg.type.str(), arg.name, *err);
  auto concrete = evalTypeVariables(arg.type, env);
  if (!concrete)
    return fmt::format("Type variables in type {} could not be inferred from actual type {}",
                       arg.type.str(), v.type.str());

  // tryConvertToType
  const SchemaType *target = &*concrete;
  while (target->is(SchemaTypeKind::Optional) && !target->contained.empty() &&
         !v.type.is(SchemaTypeKind::Optional) && !v.type.is(SchemaTypeKind::None))
    target = &target->contained[0];
  if (value.isEmptyListLiteral && target->is(SchemaTypeKind::List)) {
    v.type =
        SchemaType::list(target->contained.empty() ? SchemaType::tensor() : target->contained[0]);
    v.conversion = ArgConversion::EmptyListLiteral;
  }
  if (v.type.is(SchemaTypeKind::Tuple)) {
    const SchemaType &listTarget = target->unwrapOptional();
    if (convertibleToList(v.type, listTarget) && !isSchemaSubtype(v.type, listTarget)) {
      v.type = SchemaType::list(listTarget.contained[0]);
      v.conversion = ArgConversion::TupleToList;
    }
  }
  if (allowConversions) {
    SchemaTypeKind t = fakeKind(target->kind);
    if (v.type.is(SchemaTypeKind::Tensor)) {
      ArgConversion c = t == SchemaTypeKind::Float     ? ArgConversion::TensorToFloat
                        : t == SchemaTypeKind::Complex ? ArgConversion::TensorToComplex
                        : t == SchemaTypeKind::Int     ? ArgConversion::TensorToInt
                        : t == SchemaTypeKind::Number  ? ArgConversion::TensorToScalar
                                                       : ArgConversion::None;
      if (c != ArgConversion::None) {
        v.type = SchemaType::of(t);
        v.conversion = c;
      }
    } else if (v.type.is(SchemaTypeKind::Number)) {
      ArgConversion c = t == SchemaTypeKind::Float     ? ArgConversion::ScalarToFloat
                        : t == SchemaTypeKind::Complex ? ArgConversion::ScalarToComplex
                        : t == SchemaTypeKind::Int     ? ArgConversion::ScalarToInt
                                                       : ArgConversion::None;
      if (c != ArgConversion::None) {
        v.type = SchemaType::of(t);
        v.conversion = c;
      }
    }
    if (v.type.is(SchemaTypeKind::Str) && t == SchemaTypeKind::Device) {
      v.type = SchemaType::of(SchemaTypeKind::Device);
      v.conversion = ArgConversion::StrToDevice;
    }
  }
  if (!isSchemaSubtype(v.type, *concrete))
    return fmt::format("Expected a value of type '{}' for argument '{}' but instead found type "
                       "'{}'.",
                       concrete->str(), arg.name, value.type.str());
  v.type = std::move(*concrete);
  return v;
}

SchemaType typeOfDefault(const SchemaValue &v, const SchemaType &formal) {
  switch (v.kind) {
  case SchemaValue::Kind::None:
    return SchemaType::noneType();
  case SchemaValue::Kind::Bool:
    return SchemaType::boolType();
  case SchemaValue::Kind::Int:
    return SchemaType::intType();
  case SchemaValue::Kind::Float:
    return SchemaType::floatType();
  case SchemaValue::Kind::Str:
    return SchemaType::strType();
  case SchemaValue::Kind::List:
    return stripAliases(formal.unwrapOptional());
  }
  return formal;
}

bool isLastPositional(const FunctionSchema &schema, size_t i) {
  return i + 1 == schema.arguments.size() || schema.arguments[i + 1].kwargOnly;
}

std::string describeCall(absl::Span<const CallArgument> positional,
                         absl::Span<const CallArgument> keywords) {
  std::string out = "(";
  bool first = true;
  for (const auto &a : positional) {
    out += first ? "" : ", ";
    out += a.isEmptyListLiteral ? "[]" : a.type.str();
    first = false;
  }
  for (const auto &a : keywords) {
    out += first ? "" : ", ";
    out += a.name + "=" + a.type.str();
    first = false;
  }
  return out + ")";
}

} // namespace

bool isSchemaSubtype(const SchemaType &actual, const SchemaType &formal) {
  SchemaTypeKind fa = fakeKind(actual.kind);
  SchemaTypeKind ff = fakeKind(formal.kind);
  if (ff == SchemaTypeKind::Any)
    return true;
  if (ff == SchemaTypeKind::Optional) {
    if (formal.contained.empty())
      return false;
    if (fa == SchemaTypeKind::None)
      return true;
    if (fa == SchemaTypeKind::Optional)
      return !actual.contained.empty() && isSchemaSubtype(actual.contained[0], formal.contained[0]);
    return isSchemaSubtype(actual, formal.contained[0]);
  }
  if (ff == SchemaTypeKind::Union) {
    if (fa == SchemaTypeKind::Union) {
      for (const auto &m : actual.contained)
        if (!isSchemaSubtype(m, formal))
          return false;
      return true;
    }
    for (const auto &m : formal.contained)
      if (isSchemaSubtype(actual, m))
        return true;
    return false;
  }
  // A union value fits where each of its members fits (torch's UnionType subtyping): a
  // `Union[int, float]` argument is a Scalar.
  if (fa == SchemaTypeKind::Union && !actual.contained.empty()) {
    for (const auto &m : actual.contained)
      if (!isSchemaSubtype(m, formal))
        return false;
    return true;
  }
  if (ff == SchemaTypeKind::Number)
    return fa == SchemaTypeKind::Number || fa == SchemaTypeKind::Int ||
           fa == SchemaTypeKind::Float || fa == SchemaTypeKind::Complex;
  if (ff == SchemaTypeKind::AnyClass)
    return fa == SchemaTypeKind::Class || fa == SchemaTypeKind::AnyClass;
  if (ff == SchemaTypeKind::AnyEnum)
    return fa == SchemaTypeKind::AnyEnum || fa == SchemaTypeKind::Class;
  if (fa != ff)
    return false;
  switch (ff) {
  case SchemaTypeKind::Tuple:
  case SchemaTypeKind::Future:
  case SchemaTypeKind::Await:
    if (actual.contained.size() != formal.contained.size())
      return false;
    for (size_t i = 0; i < formal.contained.size(); ++i)
      if (!isSchemaSubtype(actual.contained[i], formal.contained[i]))
        return false;
    return true;
  case SchemaTypeKind::List:
  case SchemaTypeKind::Dict:
  case SchemaTypeKind::RRef:
  case SchemaTypeKind::Class:
  case SchemaTypeKind::Var:
    return sameType(actual, formal);
  default:
    return true;
  }
}

absl::StatusOr<SchemaMatch> matchSchema(const FunctionSchema &schema,
                                        absl::Span<const CallArgument> positional,
                                        absl::Span<const CallArgument> keywords,
                                        bool allowConversions) {
  auto fail = [&](const std::string &why) {
    return absl::InvalidArgumentError(fmt::format("{}:\n{}", schema.str(), why));
  };
  if (schema.name == "aten::view" && schema.overloadName == "dtype")
    return fail("aten::view.dtype is never matched (it cannot be told apart from view(int)).");

  SchemaMatch match;
  match.schema = &schema;
  TypeEnv env;
  std::vector<bool> usedKeyword(keywords.size(), false);
  const bool isAten = schema.nameSpace() == "aten";
  size_t usedArgs = 0;

  for (size_t i = 0; i < schema.arguments.size(); ++i) {
    const SchemaArgument &arg = schema.arguments[i];
    BoundArgument bound;
    const CallArgument *value = nullptr;

    if (!arg.kwargOnly && usedArgs < positional.size()) {
      // Trailing positional values packed into the last positional list (`zeros(2, 3)`).
      const SchemaType &argType = arg.type;
      bool varargsAsList = allowConversions && isLastPositional(schema, i) &&
                           argType.is(SchemaTypeKind::List) && !argType.fixedSize &&
                           !argType.contained.empty() &&
                           !argType.contained[0].is(SchemaTypeKind::Var);
      const CallArgument &first = positional[usedArgs];
      if (varargsAsList && !first.type.is(SchemaTypeKind::List) &&
          !convertibleToList(first.type, argType.unwrapOptional())) {
        SchemaArgument elemArg{"<varargs>", argType.contained[0], std::nullopt, false};
        bound.source = BoundArgument::Source::Positional;
        bound.conversion = ArgConversion::VarargsToList;
        for (; usedArgs < positional.size(); ++usedArgs) {
          auto r = matchArgument(elemArg, positional[usedArgs], allowConversions, env);
          if (auto *err = std::get_if<std::string>(&r))
            return fail(*err);
          bound.indices.push_back(usedArgs);
          bound.elementConversions.push_back(std::get<Converted>(r).conversion);
        }
        auto concrete = evalTypeVariables(arg.type, env);
        bound.type = concrete ? *concrete : stripAliases(arg.type);
        match.arguments.push_back(std::move(bound));
        continue;
      }
      value = &first;
      bound.source = BoundArgument::Source::Positional;
      bound.indices.push_back(usedArgs);
      ++usedArgs;
    } else {
      std::optional<size_t> kw;
      for (size_t k = 0; k < keywords.size(); ++k) {
        // aten's `self` may be passed as `input=`.
        if ((isAten && arg.name == "self" && keywords[k].name == "input") ||
            keywords[k].name == arg.name) {
          kw = k;
          break;
        }
      }
      if (kw) {
        if (usedKeyword[*kw])
          return fail(fmt::format("Argument {} specified twice in schema.", keywords[*kw].name));
        usedKeyword[*kw] = true;
        value = &keywords[*kw];
        bound.source = BoundArgument::Source::Keyword;
        bound.indices.push_back(*kw);
      } else if (arg.defaultValue) {
        bound.source = BoundArgument::Source::Default;
        bound.defaultValue = &*arg.defaultValue;
        SchemaType dtype = typeOfDefault(*arg.defaultValue, arg.type);
        if (auto err = matchTypeVariables(arg.type, dtype, env))
          return fail(*err);
        auto concrete = evalTypeVariables(arg.type, env);
        if (!concrete)
          return fail(
              fmt::format("Type variables in type {} could not be inferred.", arg.type.str()));
        bound.type = std::move(*concrete);
        match.arguments.push_back(std::move(bound));
        continue;
      } else {
        return fail(fmt::format("Argument {} not provided.", arg.name));
      }
    }

    auto r = matchArgument(arg, *value, allowConversions, env);
    if (auto *err = std::get_if<std::string>(&r))
      return fail(*err);
    auto &converted = std::get<Converted>(r);
    bound.conversion = converted.conversion;
    bound.type = std::move(converted.type);
    match.arguments.push_back(std::move(bound));
  }

  if (schema.isVararg)
    for (; usedArgs < positional.size(); ++usedArgs)
      match.varargs.push_back(usedArgs);
  if (usedArgs < positional.size())
    return fail(fmt::format("Expected at most {} arguments but found {} positional arguments.",
                            usedArgs, positional.size()));
  for (size_t k = 0; k < keywords.size(); ++k) {
    if (usedKeyword[k])
      continue;
    if (!schema.argumentIndex(keywords[k].name))
      return fail(fmt::format("Keyword argument {} unknown.", keywords[k].name));
    return fail(fmt::format("Keyword argument {} specified twice.", keywords[k].name));
  }
  for (const auto &ret : schema.returns) {
    auto t = evalTypeVariables(ret.type, env);
    if (!t)
      return fail(fmt::format("Return type {} has unbound type variables.", ret.type.str()));
    match.returnTypes.push_back(std::move(*t));
  }
  return match;
}

absl::StatusOr<SchemaMatch> matchSchemas(absl::Span<const FunctionSchema> candidates,
                                         absl::Span<const CallArgument> positional,
                                         absl::Span<const CallArgument> keywords) {
  if (candidates.empty())
    return absl::NotFoundError("schema: no candidate schemas");
  std::string failures;
  // With one candidate torch goes straight to the round with conversions.
  const bool single = candidates.size() == 1;
  for (bool allowConversions : {false, true}) {
    if (single && !allowConversions)
      continue;
    failures.clear();
    for (size_t i = 0; i < candidates.size(); ++i) {
      auto m = matchSchema(candidates[i], positional, keywords, allowConversions);
      if (m.ok()) {
        m->overloadIndex = i;
        return m;
      }
      // Indent every line of the reason under the list of variants.
      std::string reason(m.status().message());
      failures += "\n  ";
      for (char c : reason) {
        failures += c;
        if (c == '\n')
          failures += "  ";
      }
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("Arguments for call to {}{} are not valid.\nThe following variants are "
                  "available:{}",
                  candidates[0].name, describeCall(positional, keywords), failures));
}

absl::StatusOr<SchemaMatch> resolveOverload(const SchemaRegistry &registry,
                                            std::string_view qualifiedName,
                                            absl::Span<const CallArgument> positional,
                                            absl::Span<const CallArgument> keywords) {
  const auto *candidates = registry.lookup(qualifiedName);
  if (!candidates || candidates->empty())
    return absl::NotFoundError(fmt::format("Unknown builtin op: {}.", qualifiedName));
  return matchSchemas(absl::MakeConstSpan(*candidates), positional, keywords);
}

} // namespace ts2onnx::frontend
