// Parser for the TorchScript source that torch.jit.save writes under `code/`: builds the AST of
// Ast.h from the tokens of Lexer.h. Recursive descent for statements, precedence climbing for
// expressions with Python's precedence. Nesting of expressions and blocks is bounded
// (kMaxNesting), so any input yields an AST or an error, never a crash.
//
// Errors read `<fileName>:<line>:<col>: error: <what>`; `fileName` is whatever the caller wants
// shown, e.g. `model.pt:code/__torch__/net.py`.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontend/script/Ast.h"

namespace ts2onnx::frontend::script {

/// Parses one source file.
absl::StatusOr<Module> parseModule(std::string_view source, std::string fileName);

/// Parses a single expression (the whole input, surrounding whitespace and one trailing newline
/// allowed), e.g. the type string `Dict[str, List[int]]` of a pickled `restore_type_tag`.
absl::StatusOr<ExprPtr> parseExpression(std::string_view source, std::string fileName);

} // namespace ts2onnx::frontend::script
