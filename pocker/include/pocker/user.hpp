/// @file
/// @brief -u USER[:GROUP]: switching the container process's identity.
#pragma once

#include <sys/types.h>

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// A resolved user: uid, primary gid.
struct UserIds {
  uid_t uid = 0;  ///< the user id to setuid(2) to
  gid_t gid = 0;  ///< the primary group id to setgid(2) to
};

/// Resolves `spec` (`uid`, `uid:gid`, `name`, `name:group`) against the
/// contents of the container's /etc/passwd and /etc/group. A numeric uid
/// that passwd does not list gets gid 0 unless a group is given, as docker does.
Result<UserIds> resolve_user(const std::string& spec, const std::string& passwd,
                             const std::string& group);

/// Child side, after the root is entered: setgroups, setgid, setuid.
Result<void> switch_user(const std::string& spec);

}  // namespace pocker
