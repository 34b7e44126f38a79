// The compiled part of {fmt} for the statically linked ts2onnx executable.
//
// Debian ships {fmt} as a shared library only, and libfmt.so needs libstdc++.so: with it, the
// executable could not link libstdc++ statically (two copies of libstdc++ in one process). This
// file builds what libfmt.so provides from {fmt}'s own headers: format-inl.h defines the
// non-template functions (vformat, throw_format_error, is_printable, ...) when the library is
// not header-only, and the templates below are instantiated for char and wchar_t, as the shared
// library instantiates them. cmake/link-static-deps.sh puts this archive where libfmt.so was on
// the executable's link line. The libraries (libts2onnx and the static ones) keep libfmt.so.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

template FMT_API locale_ref::locale_ref(const std::locale &loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char *, const char *);
template FMT_API void vformat_to(buffer<char> &, string_view,
                                 basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API void buffer<wchar_t>::append(const wchar_t *, const wchar_t *);

} // namespace detail
FMT_END_NAMESPACE
