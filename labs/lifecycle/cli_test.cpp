// The command line itself: a word that is no command is named in the error, as docker does.
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

namespace lc = lab::lifecycle;
using LifecycleCli = lc::LifecycleTest;

// Catches: an unknown command answered with the parser's "A subcommand is required", which does
// not say what was wrong.
TEST_F(LifecycleCli, UnknownCommandNamesItself) {
  const lab::Outcome typo = pocker.run({"imagez"});
  LAB_EXPECT(typo.status == 125 && typo.err.find("'imagez' is not a pocker command") != std::string::npos,
             "`pocker imagez` to exit 125 saying 'imagez' is not a pocker command", typo, lc::kState);
  const lab::Outcome nothing = pocker.run({});
  LAB_EXPECT(nothing.status == 125 && nothing.err.find("no command") != std::string::npos,
             "`pocker` alone to exit 125 saying no command was given", nothing, lc::kState);
}

}  // namespace
