#pragma once
// A fixture whose suite set-up runs programs (synth, a baseline training) that can fail. A failed
// ASSERT in SetUpTestSuite makes GoogleTest mark the suite's tests skipped, which CTest counts as
// passed; here the set-up's error is kept and every test fails on it in its own SetUp.

#include <string>

#include <gtest/gtest.h>

/// Derive as `class Suite : public SuiteSetUp<Suite>` and define `static std::string prepare()`,
/// which returns an empty string or what went wrong.
template <class Suite>
class SuiteSetUp : public testing::Test {
 public:
  static void SetUpTestSuite() { error() = Suite::prepare(); }

 protected:
  void SetUp() override { ASSERT_TRUE(error().empty()) << "suite set-up failed: " << error(); }

 private:
  static std::string& error() {
    static std::string text;
    return text;
  }
};
