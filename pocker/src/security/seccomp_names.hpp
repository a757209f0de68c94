/// @file
/// @brief Internal to the seccomp files: the names of libseccomp's
/// constants (architectures, actions, operators) as a profile writes them.
///
/// A profile names architectures twice over: as libseccomp's SCMP_ARCH_*
/// (`architectures`, `archMap`) and, in a rule's `includes.arches`, as Go
/// names ("amd64", "arm64"), because docker is written in Go. One table
/// holds both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pocker::seccomp_names {

/// The libseccomp token of `name` ("SCMP_ARCH_X86_64"), if it is one.
std::optional<uint32_t> token(std::string_view name);

/// The SCMP_ARCH_* name of this machine's architecture.
std::string native_name();

/// This machine's architecture as docker's rules name it ("amd64").
std::string native_go_name();

/// The architectures this machine's kernel runs programs of: x86_64,
/// x86 and x32 on an x86_64 machine. A filter only needs those; a
/// program for any other architecture cannot run here at all.
std::vector<uint32_t> native_family();

/// The libseccomp action for `name` ("SCMP_ACT_ERRNO"); `ret` is the
/// errno for SCMP_ACT_ERRNO and the message for SCMP_ACT_TRACE.
/// SCMP_ACT_NOTIFY is not offered: it needs an agent, and pocker has none.
std::optional<uint32_t> action(std::string_view name, unsigned ret);

/// The libseccomp comparison (enum scmp_compare) for `name` ("SCMP_CMP_EQ").
std::optional<int> compare_op(std::string_view name);

}  // namespace pocker::seccomp_names
