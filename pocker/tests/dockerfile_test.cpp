// The Dockerfile parser, the word expansion and the stage plan (pocker/dockerfile.hpp), and the
// layer writer's whiteouts (pocker/layer_writer.hpp).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>

#include "pocker/dockerfile.hpp"
#include "pocker/fs.hpp"
#include "pocker/layer_writer.hpp"

namespace pocker {
namespace {

VarLookup vars(std::map<std::string, std::string> m) {
  return [m](const std::string& n) -> std::optional<std::string> {
    auto it = m.find(n);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Dockerfile, ContinuationsCommentsAndForms) {
  auto df = parse_dockerfile(
      "# syntax=docker/dockerfile:1\n"
      "FROM busybox AS base\n"
      "# a comment\n"
      "RUN echo a \\\n"
      "  # a comment inside\n"
      "  && echo b\n"
      "COPY --from=base --chown=1:2 a b\n"
      "CMD [\"sh\", \"-c\", \"x\"]\n"
      "CMD [not json\n",
      "Dockerfile");
  ASSERT_TRUE(df) << df.error().message();
  const auto& ins = df.value().instructions;
  ASSERT_EQ(ins.size(), 5u);
  EXPECT_EQ(ins[1].keyword, "RUN");
  EXPECT_EQ(ins[1].line, 4);
  EXPECT_EQ(ins[1].args, "echo a   && echo b");
  EXPECT_EQ(ins[2].flag("from").value_or(""), "base");
  EXPECT_EQ(ins[2].flag("chown").value_or(""), "1:2");
  EXPECT_EQ(ins[2].args, "a b");
  EXPECT_TRUE(ins[3].exec_form);
  EXPECT_EQ(ins[3].json, (std::vector<std::string>{"sh", "-c", "x"}));
  EXPECT_FALSE(ins[4].exec_form);  // not JSON: the shell form, as docker reads it
}

TEST(Dockerfile, EscapeDirectiveAndUnknownInstruction) {
  auto df = parse_dockerfile("# escape=`\nFROM busybox\nRUN echo a `\n b\n", "D");
  ASSERT_TRUE(df);
  EXPECT_EQ(df.value().escape, '`');
  EXPECT_EQ(df.value().instructions[1].args, "echo a  b");
  auto bad = parse_dockerfile("FROM busybox\n\nFROMM x\n", "my/Dockerfile");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("my/Dockerfile:3"), std::string::npos) << bad.error().message();
}

TEST(Dockerfile, ExpandsAsDocker) {
  auto v = vars({{"A", "x"}, {"E", ""}});
  auto ex = [&](const char* w) { return expand_word(w, v, '\\').value(); };
  EXPECT_EQ(ex("$A/${A}"), "x/x");
  EXPECT_EQ(ex("${B:-def}-${E:-empty}-${E-set}"), "def-empty-");
  EXPECT_EQ(ex("${A:+alt}${B:+alt}"), "alt");
  EXPECT_EQ(ex("'$A'\"$A\"\\$A"), "$Ax$A");
  EXPECT_EQ(ex("${B:-${A}y}"), "xy");
  EXPECT_FALSE(expand_word("${B:?needed}", v, '\\'));
  EXPECT_FALSE(expand_word("\"open", v, '\\'));
  auto pairs = parse_pairs("K=\"a b\" L=$A", v, '\\', true).value();
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].second, "a b");
  EXPECT_EQ(pairs[1].second, "x");
  auto old = parse_pairs("K the rest $A", v, '\\', true).value();
  EXPECT_EQ(old[0].second, "the rest x");
}

TEST(Dockerfile, PlanChecksShapesAndFindsNeededStages) {
  auto plan_of = [](const char* text) { return plan_stages(parse_dockerfile(text, "D").value()); };
  auto bad = plan_of("FROM a\nCOPY onlyone\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("D:2"), std::string::npos);
  EXPECT_FALSE(plan_of("RUN x\nFROM a\n"));
  EXPECT_FALSE(plan_of("FROM a\nSHELL sh -c\n"));
  EXPECT_FALSE(plan_of("FROM a AS x\nFROM b AS x\n"));
  auto plan = plan_of("ARG V=1\nFROM a AS one\nFROM a AS two\nFROM one AS three\nCOPY --from=two / /\nFROM a\n");
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan.value().global_args.size(), 1u);
  auto same = [](std::string_view w) -> Result<std::string> { return std::string(w); };
  EXPECT_EQ(needed_stages(plan.value(), 2, same).value(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(needed_stages(plan.value(), 3, same).value(), (std::vector<int>{3}));
  EXPECT_EQ(find_stage(plan.value(), "ONE", 3).value_or(-1), 0);
  EXPECT_FALSE(find_stage(plan.value(), "three", 2));
}

// The upper dir of an overlay, by hand: a file, a whiteout (0/0 character device) and an opaque
// directory, written as a tar with `.wh.` entries.
TEST(LayerWriter, WhiteoutsBecomeWhEntries) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a 0/0 character device and trusted.* xattrs)";
  std::string dir = make_temp_dir("/tmp/pocker-layer-writer-").value();
  ASSERT_TRUE(write_file_atomic(dir + "/new.txt", "new\n"));
  ASSERT_EQ(::mknod((dir + "/gone").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0);
  ASSERT_EQ(::mkdir((dir + "/fresh").c_str(), 0755), 0);
  ASSERT_EQ(::setxattr((dir + "/fresh").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  std::string tar;
  auto entries = write_upper_tar(dir, [&tar](const void* d, size_t n) -> Result<void> {
    tar.append(static_cast<const char*>(d), n);
    return ok();
  });
  ASSERT_TRUE(entries) << entries.error().message();
  EXPECT_EQ(entries.value(), 4u);  // fresh, fresh/.wh..wh..opq, .wh.gone, new.txt
  for (const char* name : {"fresh/.wh..wh..opq", ".wh.gone", "new.txt"}) {
    EXPECT_NE(tar.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(tar.find("trusted.overlay"), std::string::npos);
  std::string again;
  (void)write_upper_tar(dir, [&again](const void* d, size_t n) -> Result<void> {
    again.append(static_cast<const char*>(d), n);
    return ok();
  });
  EXPECT_EQ(tar, again);  // the same tree, the same bytes
  (void)remove_tree(dir);
}

}  // namespace
}  // namespace pocker
