// The grader's parts on their own: the points table, reading GoogleTest's output, text cleaning,
// XML escaping and the well-formedness check, and the three output files.
#include <gtest/gtest.h>

#include <sstream>

#include "grade.hpp"
#include "gtest_output.hpp"
#include "points.hpp"
#include "report.hpp"
#include "text.hpp"

namespace grader {
namespace {

TEST(GraderPoints, GlobMatchesLikeGoogleTest) {
  EXPECT_TRUE(glob_match("Lv0Exit.*", "Lv0Exit.PassesStatus0"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("Lv?Exit.*0", "Lv1Exit.PassesStatus0"));
  EXPECT_TRUE(glob_match("*Namespace.*/pid", "Lv1HostNamespace.SharesOnlyThatOne/pid"));
  EXPECT_FALSE(glob_match("Lv0Exit.*", "Lv0Exits.A"));
  EXPECT_FALSE(glob_match("Lv1*", "Lv0Exit.A"));
  EXPECT_FALSE(glob_match("Lv0Exit.Passes", "Lv0Exit.PassesStatus0"));  // the whole name
}

TEST(GraderPoints, LevelComesFromTheSuite) {
  EXPECT_EQ(level_of("Lv0Exit.PassesStatus0"), "Lv0");
  EXPECT_EQ(level_of("Lv12Thing.Test"), "Lv12");
  EXPECT_EQ(level_of("Lv1Namespace.DiffersFromHost/mnt"), "Lv1");
  EXPECT_EQ(level_of("Prefix/Lv2Param.Works/0"), "Lv2");
  EXPECT_EQ(level_of("LifecycleCp.IntoAndOutOfRunningContainer"), "Lifecycle");
  EXPECT_EQ(level_of("Helpers.Work"), "Helpers");
  EXPECT_EQ(level_of("lower.Test"), "Other");
  EXPECT_TRUE(level_less("Lv2", "Lv10"));
  EXPECT_TRUE(level_less("Lv10", "Lifecycle"));
  EXPECT_TRUE(level_less("Apple", "Lifecycle"));
  EXPECT_TRUE(level_less("Lifecycle", "Other"));
  EXPECT_EQ(normalize_level("lv1"), "Lv1");
  EXPECT_EQ(normalize_level("LV02"), "Lv2");
  EXPECT_EQ(normalize_level("3"), "Lv3");
  EXPECT_EQ(normalize_level("Lifecycle"), "lifecycle");
  EXPECT_TRUE(same_level(normalize_level("LIFECYCLE"), "Lifecycle"));
  EXPECT_EQ(normalize_level("lv-1"), "");
}

TEST(GraderPoints, FirstMatchingRuleWinsDefaultIsOne) {
  const PointsTable table = PointsTable::parse(
      "# comment\n"
      "\n"
      "Lv1Breakout.PivotRootHolds\t5   # the important one\n"
      "Lv1Breakout.*\t3\n"
      "Lv2Memory.*  0.5\n"
      "Lv9Nothing.* 2\n",
      "points.tsv");
  EXPECT_EQ(table.points_for("Lv1Breakout.PivotRootHolds"), 5);
  EXPECT_EQ(table.points_for("Lv1Breakout.NoPivotIsEscapable"), 3);
  EXPECT_EQ(table.points_for("Lv2Memory.UnderLimitRuns"), 0.5);
  EXPECT_EQ(table.points_for("Lv0Exit.PassesStatus0"), PointsTable::kDefault);
  const auto unused = table.unused({"Lv1Breakout.PivotRootHolds", "Lv2Memory.UnderLimitRuns"});
  ASSERT_EQ(unused.size(), 2u);
  EXPECT_EQ(unused[0].pattern, "Lv1Breakout.*");  // PivotRootHolds took the only name it matched
  EXPECT_EQ(unused[1].line, 6);
}

TEST(GraderPoints, BadLinesSayWhere) {
  for (const char* text : {"Lv0*\n", "Lv0* x\n", "Lv0* -1\n", "Lv0* 1 2\n", "Lv0* 1e999\n"}) {
    try {
      PointsTable::parse(std::string("# ok\n") + text, "p.tsv");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("p.tsv:2: ")) << e.what();
    }
  }
}

TEST(GraderGtest, ListingGivesFullNames) {
  const auto names = parse_test_list(
      "Running main() from ./googletest/src/gtest_main.cc\n"
      "Lv0Exit.\n"
      "  PassesStatus0\n"
      "  DISABLED_Later\n"
      "Lv1Namespace.\n"
      "  DiffersFromHost/mnt  # GetParam() = mnt\n"
      "DISABLED_Lv1Off.\n"
      "  Anything\n"
      "Lv1HostNamespace.\n"
      "  SharesOnlyThatOne/net  # GetParam() = --network host\n");
  EXPECT_EQ(names, (std::vector<std::string>{"Lv0Exit.PassesStatus0", "Lv1Namespace.DiffersFromHost/mnt",
                                             "Lv1HostNamespace.SharesOnlyThatOne/net"}));
}

TEST(GraderGtest, ConsoleSplitsTestsAndIgnoresTheSummary) {
  const auto tests = parse_console(
      "[==========] Running 4 tests from 1 test suite.\n"
      "[ RUN      ] A.Ok\n"
      "[       OK ] A.Ok (1 ms)\n"
      "[ RUN      ] A.Bad\n"
      "x.cpp:3: Failure\n"
      "expected 1\n"
      "[  FAILED  ] A.Bad (2 ms)\n"
      "[ RUN      ] A.Skip\n"
      "/src/x.cpp:9: Skipped\n"
      "no cgroup v2\n"
      "\n"
      "[  SKIPPED ] A.Skip (0 ms)\n"
      "[ RUN      ] P.T/a\n"
      "[  FAILED  ] P.T/a, where GetParam() = \"a\" (0 ms)\n"
      "[ RUN      ] A.Crash\n"
      "about to crash\n"
      "[  FAILED  ] A.Bad\n");  // a summary line, as if it came after a crash: not A.Crash's end
  ASSERT_EQ(tests.size(), 5u);
  EXPECT_EQ(tests[0].end, ConsoleTest::End::Ok);
  EXPECT_EQ(tests[1].end, ConsoleTest::End::Failed);
  EXPECT_EQ(tests[1].text, "x.cpp:3: Failure\nexpected 1\n");
  EXPECT_EQ(tests[2].end, ConsoleTest::End::Skipped);
  EXPECT_EQ(skip_reason(tests[2].text), "no cgroup v2");
  EXPECT_EQ(tests[3].name, "P.T/a");
  EXPECT_EQ(tests[3].end, ConsoleTest::End::Failed);
  EXPECT_EQ(tests[4].end, ConsoleTest::End::None);
  EXPECT_EQ(tests[4].text, "about to crash\n[  FAILED  ] A.Bad\n");
}

TEST(GraderGtest, JsonReportGivesVerdicts) {
  const auto tests = parse_json_report(R"({"testsuites": [{"name": "Lv0Exit", "testsuite": [
      {"name": "A", "status": "RUN", "result": "COMPLETED", "time": "0.25s"},
      {"name": "B", "status": "RUN", "result": "COMPLETED", "failures": [{"failure": "f.cpp:1\nexpected x", "type": ""}]},
      {"name": "C", "status": "RUN", "result": "SKIPPED"},
      {"name": "D", "status": "NOTRUN", "result": "SUPPRESSED"}]}]})");
  ASSERT_TRUE(tests.has_value());
  ASSERT_EQ(tests->size(), 3u);
  EXPECT_EQ((*tests)[0].name, "Lv0Exit.A");
  EXPECT_DOUBLE_EQ((*tests)[0].seconds, 0.25);
  EXPECT_EQ((*tests)[1].failures, std::vector<std::string>{"f.cpp:1\nexpected x"});
  EXPECT_TRUE((*tests)[2].skipped);
  EXPECT_FALSE(parse_json_report("{\"tests\": 1, \"testsuites\"").has_value());
}

TEST(GraderGtest, JsonReportGetsTheBytesBack) {
  // GoogleTest 1.12 writes each byte of 0x80 or more as \u00XX: UTF-8 must come back as it was.
  const auto tests = parse_json_report(R"({"testsuites": [{"name": "S", "testsuite": [{"name": "T",
      "status": "RUN", "result": "COMPLETED", "failures": [{"failure": "caf\u00C3\u00A9 \u00FF\u0001", "type": ""}]},
      {"name": "U", "status": "RUN", "result": "COMPLETED", "failures": [{"failure": "\u4E2D \u00C3\u00A9", "type": ""}]}]}]})");
  ASSERT_TRUE(tests.has_value());
  ASSERT_EQ(tests->size(), 2u);
  EXPECT_EQ((*tests)[0].failures.at(0), "caf\xc3\xa9 \xff\x01");
  EXPECT_EQ((*tests)[1].failures.at(0), "\xe4\xb8\xad \xc3\x83\xc2\xa9");  // not GoogleTest 1.12's: kept
}

TEST(GraderText, CleanTextIsValidAndVisible) {
  EXPECT_EQ(clean_text("a\r\nb\tc\x01\x1b[0m\x7f"), "a\nb\tc\\x01\\x1b[0m\\x7f");
  EXPECT_EQ(clean_text("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(clean_text("\xff\xc3"), "\xef\xbf\xbd\xef\xbf\xbd");         // bad bytes, a cut sequence
  EXPECT_EQ(clean_text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(clean_text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");         // overlong
}

TEST(GraderText, CutKeepsHeadOrTail) {
  EXPECT_EQ(cut("abcdef", 10), "abcdef");
  EXPECT_EQ(cut("abcdef", 2), "ab\n... (4 bytes left out)");
  EXPECT_EQ(cut("abcdef", 2, true), "... (4 bytes left out)\nef");
  EXPECT_EQ(cut("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\n... (2 bytes left out)");  // not inside a character
}

TEST(GraderText, XmlEscapingSurvivesTheCheck) {
  const std::string nasty = "<b>&amp;\"q\" 'a'</b> ]]> --> \x01\x1b \xff caf\xc3\xa9\r\nnext\tline";
  const std::string doc = "<?xml version=\"1.0\"?>\n<r a=\"" + xml_escape(nasty, true) + "\">" + xml_escape(nasty) +
                          "<!-- note --><![CDATA[x < y]]></r>\n";
  const XmlCheck check = check_xml(doc);
  EXPECT_TRUE(check.ok) << check.error << "\n" << doc;
  EXPECT_EQ(check.root, "r");
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(xml_escape("a\nb", true), "a&#10;b");
  EXPECT_EQ(xml_escape("\x02"), "\\x02");
}

TEST(GraderText, XmlCheckRejectsWhatIsNotWellFormed) {
  const char* bad[] = {
      "",
      "<a>",
      "<a></b>",
      "<a><b></a></b>",
      "<a/><b/>",
      "text<a/>",
      "<a x=1/>",
      "<a x=\"1\" x=\"2\"/>",
      "<a x=\"<\"/>",
      "<a>&nbsp;</a>",
      "<a>&#0;</a>",
      "<a>& b</a>",
      "<a>\x01</a>",
      "<a>\xff</a>",
      "<a>]]></a>",
      "<!DOCTYPE a><a/>",
      "<a><!-- x -- y --></a>",
      "<a/>\n<?xml version=\"1.0\"?>",
      "<a><![CDATA[x</a>",
  };
  for (const char* doc : bad) EXPECT_FALSE(check_xml(doc).ok) << "accepted: " << doc;
  EXPECT_TRUE(check_xml("<a x='1' y=\"&lt;&#x41;&#65;\"><b/>t<c></c></a>").ok);
  EXPECT_EQ(check_xml("<a>\n<b></c></a>").error.substr(0, 7), "line 2,");
}

TEST(GraderText, FormatPoints) {
  EXPECT_EQ(format_points(3), "3");
  EXPECT_EQ(format_points(0.5), "0.5");
  EXPECT_EQ(format_points(1.25), "1.25");
  EXPECT_EQ(format_points(2.0000000001), "2");
}

Grade sample_grade() {
  Grade grade;
  grade.pocker = "/bin/true";
  grade.started_at = "2024-01-01T00:00:00Z";
  LevelResult lv0;
  lv0.level = "Lv0";
  lv0.tests.push_back({"Lv0Exit.A", "Lv0", Status::Passed, 2, 2, 0.1, ""});
  lv0.tests.push_back({"Lv0Exit.B", "Lv0", Status::Failed, 1, 0, 0.2,
                       "labs/x.cpp:3\nexpected <1> & \"2\"\x01\n  lesson: lessons/lv0 step 1"});
  lv0.tests.push_back({"Lv0Exit.C", "Lv0", Status::Skipped, 0, 0, 0, "no cgroup v2 <here>"});
  grade.levels.push_back(lv0);
  return grade;
}

TEST(GraderReport, GradescopeResultsHaveTheFields) {
  const nlohmann::json results = gradescope_results(sample_grade());
  EXPECT_EQ(results["score"], 2.0);
  EXPECT_EQ(results["max_score"], 3.0);
  ASSERT_EQ(results["tests"].size(), 3u);
  const auto& failed = results["tests"][1];
  EXPECT_EQ(failed["name"], "Lv0Exit.B");
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["score"], 0.0);
  EXPECT_EQ(failed["max_score"], 1.0);
  EXPECT_EQ(failed["tags"], nlohmann::json::array({"Lv0"}));
  EXPECT_EQ(failed["visibility"], "visible");
  EXPECT_NE(failed["output"].get<std::string>().find("lesson: lessons/lv0 step 1"), std::string::npos);
  const auto& skipped = results["tests"][2];
  EXPECT_EQ(skipped["max_score"], 0.0);
  EXPECT_EQ(skipped["output"], "Skipped, not counted: no cgroup v2 <here>");
  EXPECT_NE(results["output"].get<std::string>().find("Score: 2/3"), std::string::npos);
}

TEST(GraderReport, JunitIsWellFormedWithEveryTest) {
  const std::string xml = junit_xml(sample_grade());
  const XmlCheck check = check_xml(xml);
  ASSERT_TRUE(check.ok) << check.error << "\n" << xml;
  EXPECT_EQ(check.root, "testsuites");
  EXPECT_EQ(check.elements.at("testcase"), 3);
  EXPECT_EQ(check.elements.at("failure"), 1);
  EXPECT_EQ(check.elements.at("skipped"), 1);
  EXPECT_NE(xml.find("message=\"expected &lt;1&gt; &amp; &quot;2&quot;\\x01\""), std::string::npos) << xml;
}

TEST(GraderReport, TextShowsTablesAndScore) {
  const Grade grade = sample_grade();
  const std::string level = render_level(grade.levels[0]);
  EXPECT_NE(level.find("  PASS  2/2  Lv0Exit.A\n"), std::string::npos) << level;
  EXPECT_NE(level.find("  FAIL  0/1  Lv0Exit.B\n"), std::string::npos) << level;
  EXPECT_NE(level.find("  SKIP    -  Lv0Exit.C\n"), std::string::npos) << level;
  EXPECT_NE(level.find("skipped: no cgroup v2 <here>"), std::string::npos) << level;
  EXPECT_NE(level.find("    expected <1>"), std::string::npos) << level;
  const std::string summary = render_summary(grade);
  EXPECT_TRUE(summary.ends_with("Score: 2/3\n")) << summary;
  EXPECT_FALSE(grade.full_marks());
}

TEST(GraderReport, ChineseWordsAroundTheSameNumbers) {
  Grade grade = sample_grade();
  grade.lang = lab::Lang::Zh;
  const std::string level = render_level(grade.levels[0], false, grade.lang);
  EXPECT_NE(level.find("Lv0：3 个测试\n"), std::string::npos) << level;
  EXPECT_NE(level.find("  Lv0 得分：2/3（通过 1，失败 1，跳过 1）\n"), std::string::npos) << level;
  EXPECT_NE(level.find("  FAIL  0/1  Lv0Exit.B\n"), std::string::npos) << level;  // names and verdicts stay
  EXPECT_NE(level.find("    expected <1>"), std::string::npos) << level;            // the lab's own text too
  const std::string summary = render_summary(grade);
  EXPECT_TRUE(summary.ends_with("总分：2/3\n")) << summary;
  EXPECT_EQ(summary.find("Score"), std::string::npos) << summary;
  // The table stays aligned: every row as wide on a terminal as the heading row.
  std::istringstream lines(summary);
  std::string heading, row;
  std::getline(lines, heading);
  EXPECT_TRUE(heading.starts_with("级别")) << heading;
  for (int i = 0; i < 2 && std::getline(lines, row); ++i) EXPECT_EQ(display_width(row), display_width(heading)) << row;
  EXPECT_NE(render_results_line("/out", lab::Lang::Zh).find("结果：/out/results.json"), std::string::npos);
  EXPECT_EQ(render_results_line("/out", lab::Lang::En),
            "Results: /out/results.json (Gradescope), junit.xml, summary.json; logs in /out/logs\n");
}

TEST(GraderText, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(display_width("Score"), 5u);
  EXPECT_EQ(display_width("得分"), 4u);
  EXPECT_EQ(display_width("总分：2/3"), 9u);
  EXPECT_EQ(display_width("µs"), 2u);
}

TEST(LabLang, PockerLangFirstThenTheLocale) {
  using lab::Lang;
  using lab::language_from;
  EXPECT_EQ(language_from(nullptr, nullptr, nullptr, nullptr), Lang::En);
  EXPECT_EQ(language_from("zh-CN", nullptr, nullptr, nullptr), Lang::Zh);
  EXPECT_EQ(language_from("zh_CN", nullptr, nullptr, "en_US.UTF-8"), Lang::Zh);
  EXPECT_EQ(language_from("en", nullptr, nullptr, "zh_CN.UTF-8"), Lang::En);  // POCKER_LANG decides
  EXPECT_EQ(language_from(nullptr, nullptr, nullptr, "zh_CN.UTF-8"), Lang::Zh);
  EXPECT_EQ(language_from(nullptr, "zh_CN.UTF-8", nullptr, "C"), Lang::Zh);
  EXPECT_EQ(language_from(nullptr, "C.UTF-8", nullptr, "zh_CN.UTF-8"), Lang::En);  // LC_ALL wins
  EXPECT_EQ(language_from("", nullptr, "zh_TW.UTF-8", "C"), Lang::Zh);              // empty is unset
  const lab::Hint hint{"step 1 (the exit status)", "第 1 步（退出状态）"};
  EXPECT_STREQ(hint.text(Lang::En), "step 1 (the exit status)");
  EXPECT_STREQ(hint.text(Lang::Zh), "第 1 步（退出状态）");
  const lab::Hint english_only{"step 2"};
  EXPECT_STREQ(english_only.text(Lang::Zh), "step 2");  // no Chinese yet: English
}

}  // namespace
}  // namespace grader
