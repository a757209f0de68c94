#include "support/probe.hpp"

#include "support/expect.hpp"

namespace lab {

nlohmann::json probe(const Pocker& pocker, std::vector<std::string> run_flags, std::vector<std::string> probe_args,
                     RunOptions opts, std::source_location where) {
  std::vector<std::string> args{"run"};
  args.insert(args.end(), run_flags.begin(), run_flags.end());
  args.insert(args.end(), {"busybox", "pocker-probe"});
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  const Outcome outcome = pocker.run(std::move(args), std::move(opts));

  const char* problem = nullptr;
  nlohmann::json report;
  if (outcome.status != 0) {
    problem = "the probe to run and exit 0";
  } else {
    report = nlohmann::json::parse(outcome.out, nullptr, /*allow_exceptions=*/false);
    if (!report.is_object()) problem = "the probe's stdout to be one JSON object";
  }
  if (problem == nullptr) return report;
  ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
      << "expected " << problem << "\n"
      << describe(outcome)
      << "  hint:   when the probe cannot run at all, the simpler Lv0Exit and Lv0ExecError labs say why";
  return nullptr;
}

}  // namespace lab
