#include <gtest/gtest.h>

#include "pocker/fs.hpp"
#include "pocker/parse.hpp"

namespace pocker {
namespace {

TEST(ParseSize, PlainBytesAndSuffixes) {
  EXPECT_EQ(parse_size("0").value(), 0u);
  EXPECT_EQ(parse_size("100").value(), 100u);
  EXPECT_EQ(parse_size("1b").value(), 1u);
  EXPECT_EQ(parse_size("1k").value(), 1024u);
  EXPECT_EQ(parse_size("1K").value(), 1024u);
  EXPECT_EQ(parse_size("2kb").value(), 2048u);
  EXPECT_EQ(parse_size("64m").value(), 64u << 20);
  EXPECT_EQ(parse_size("64MB").value(), 64u << 20);
  EXPECT_EQ(parse_size("1g").value(), 1ULL << 30);
  EXPECT_EQ(parse_size("3Gb").value(), 3ULL << 30);
}

TEST(ParseSize, DecimalsAreTruncatedToBytes) {
  EXPECT_EQ(parse_size("1.5g").value(), 1610612736u);
  EXPECT_EQ(parse_size("0.5k").value(), 512u);
  EXPECT_EQ(parse_size("1.5b").value(), 1u);
  EXPECT_EQ(parse_size("6.25m").value(), 6553600u);
}

TEST(ParseSize, RejectsWithOneLineNamingTheValue) {
  auto r = parse_size("1x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "invalid size \"1x\": use a number with an optional b, k, m or g suffix");
  EXPECT_EQ(r.error().err(), 0);
  for (const char* bad : {"", "-1", "1.", ".5", "m", "1 m", "1kib", "1t", "0x10", "1e3", "+1"}) {
    EXPECT_FALSE(parse_size(bad)) << bad;
  }
}

TEST(ParseSize, RejectsWhatDoesNotFit) {
  auto r = parse_size("99999999999g");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "invalid size \"99999999999g\": too large");
  EXPECT_FALSE(parse_size("18446744073709551616"));
  EXPECT_EQ(parse_size("18446744073709551615").value(), 18446744073709551615ULL);
}

TEST(ParseCpus, AcceptsTheHostRange) {
  EXPECT_DOUBLE_EQ(parse_cpus("0.5", 2).value(), 0.5);
  EXPECT_DOUBLE_EQ(parse_cpus("0.01", 2).value(), 0.01);
  EXPECT_DOUBLE_EQ(parse_cpus("2", 2).value(), 2.0);
  EXPECT_DOUBLE_EQ(parse_cpus("1.25", 2).value(), 1.25);
}

TEST(ParseCpus, RejectsOutsideTheRangeNamingIt) {
  auto zero = parse_cpus("0", 2);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message(), "invalid --cpus \"0\": must be between 0.01 and 2");
  auto three = parse_cpus("3", 2);
  ASSERT_FALSE(three);
  EXPECT_EQ(three.error().message(), "invalid --cpus \"3\": must be between 0.01 and 2");
  auto negative = parse_cpus("-1", 2);
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message().find("between 0.01 and 2"), std::string::npos);
  EXPECT_FALSE(parse_cpus("0.009", 2));
  EXPECT_FALSE(parse_cpus("2.001", 2));
}

TEST(ParseCpus, RejectsWhatIsNotANumber) {
  for (const char* bad : {"", "abc", "1c", "nan", "inf", " 1", "1 "}) {
    auto r = parse_cpus(bad, 4);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("between 0.01 and 4"), std::string::npos) << bad;
  }
}

TEST(ParseCpuList, RangesAndSingles) {
  using V = std::vector<unsigned>;
  EXPECT_EQ(parse_cpu_list("0-2,4").value(), (V{0, 1, 2, 4}));
  EXPECT_EQ(parse_cpu_list("4,0-2,2").value(), (V{0, 1, 2, 4}));  // sorted, each once
  EXPECT_EQ(parse_cpu_list("0").value(), (V{0}));
  EXPECT_EQ(parse_cpu_list("0-1\n").value(), (V{0, 1}));  // as read from sysfs
  EXPECT_EQ(parse_cpu_list("3-3").value(), (V{3}));
}

TEST(ParseCpuList, RejectsMalformedLists) {
  for (const char* bad : {"", "\n", "a", "1-", "-1", "0,,1", "1,", ",1", "1-2-3", "0 1", "1.5"}) {
    EXPECT_FALSE(parse_cpu_list(bad)) << bad;
  }
  auto backwards = parse_cpu_list("3-1");
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().message(), "invalid CPU list \"3-1\": range 3-1 goes backwards");
  auto huge = parse_cpu_list("0-70000");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message().find("70000"), std::string::npos);
}

TEST(ParseCpuList, FormatIsTheInverse) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 4}), "0-2,4");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({3}), "3");
  EXPECT_EQ(format_cpu_list({1, 3, 5}), "1,3,5");
  EXPECT_EQ(format_cpu_list({5, 4, 4, 0, 1}), "0-1,4-5");
  for (const char* list : {"0-7", "0,2-3,8-15,17"}) {
    EXPECT_EQ(format_cpu_list(parse_cpu_list(list).value()), list);
  }
}

class ParseHost : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-parse-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

TEST_F(ParseHost, CpuCountAndOnlineCpusOfThisMachine) {
  unsigned count = host_cpu_count();
  EXPECT_GE(count, 1u);
  auto online = host_online_cpus();
  ASSERT_TRUE(online) << online.error().message();
  EXPECT_EQ(online.value().size(), count);
}

TEST_F(ParseHost, OnlineCpusFromAnInjectedSysRoot) {
  ASSERT_TRUE(make_dirs(dir_ + "/devices/system/cpu"));
  ASSERT_TRUE(write_file_atomic(dir_ + "/devices/system/cpu/online", "0-3,6\n"));
  EXPECT_EQ(host_online_cpus(dir_).value(), (std::vector<unsigned>{0, 1, 2, 3, 6}));
}

TEST_F(ParseHost, MissingOnlineFileNamesThePath) {
  auto r = host_online_cpus(dir_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err(), ENOENT);
  EXPECT_NE(r.error().message().find(dir_ + "/devices/system/cpu/online"), std::string::npos);
}

}  // namespace
}  // namespace pocker
