// A class table over TorchScript sources held in memory, for compiler tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/ClassTable.h"
#include "frontend/script/Parser.h"

namespace ts2onnx::frontend {

/// A class table over in-memory sources, keyed by qualifier (`__torch__.m`).
struct Sources {
  std::map<std::string, std::string> files;
  std::vector<std::unique_ptr<script::Module>> parsed;

  ClassTable table() {
    return ClassTable([this](std::string_view q) -> absl::StatusOr<const script::Module *> {
      auto it = files.find(std::string(q));
      if (it == files.end())
        return nullptr;
      auto m = script::parseModule(it->second, std::string(q) + ".py");
      if (!m.ok())
        return m.status();
      parsed.push_back(std::make_unique<script::Module>(std::move(*m)));
      return parsed.back().get();
    });
  }
};

} // namespace ts2onnx::frontend
