// libts2onnx.so is linked from the static libraries' objects (cmake/SharedLibrary.cmake); a
// shared library target needs one source of its own, and this is it.
namespace ts2onnx {
/// The soname's major version, for a dlopen()ing embedder to check.
extern const int kSharedLibraryAbi = 0;
} // namespace ts2onnx
