// The doctest main shared by every unit-test executable. CTest runs each TEST_CASE on its own
// with --test-case=NAME; a name that the filter cannot match (doctest splits filters on ',' and
// CMake lists on ';') would run nothing and pass. This main fails such a run instead.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

namespace {

unsigned gMatched = 0;
bool gRunEnded = false;

/// Records how many test cases passed the command line's filters.
struct MatchCounter : doctest::IReporter {
  explicit MatchCounter(const doctest::ContextOptions &) {}
  void report_query(const doctest::QueryData &) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats &s) override {
    gMatched = s.numTestCasesPassingFilters;
    gRunEnded = true;
  }
  void test_case_start(const doctest::TestCaseData &) override {}
  void test_case_reenter(const doctest::TestCaseData &) override {}
  void test_case_end(const doctest::CurrentTestCaseStats &) override {}
  void test_case_exception(const doctest::TestCaseException &) override {}
  void subcase_start(const doctest::SubcaseSignature &) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData &) override {}
  void log_message(const doctest::MessageData &) override {}
  void test_case_skipped(const doctest::TestCaseData &) override {}
};

REGISTER_LISTENER("match-counter", 1, MatchCounter);

bool filtersByName(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    for (const char *p : {"--test-case=", "-tc=", "--dt-test-case=", "--dt-tc="})
      if (std::strncmp(argv[i], p, std::strlen(p)) == 0)
        return true;
  return false;
}

} // namespace

int main(int argc, char **argv) {
  doctest::Context context(argc, argv);
  int rc = context.run();
  if (context.shouldExit())
    return rc;
  if (rc == 0 && gRunEnded && gMatched == 0 && filtersByName(argc, argv)) {
    std::fprintf(stderr, "error: no test case matches the --test-case filter (a test name with "
                         "';' cannot be selected by CTest)\n");
    return 1;
  }
  return rc;
}
