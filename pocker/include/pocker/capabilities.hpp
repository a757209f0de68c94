/// @file
/// @brief Security: capabilities, root's powers cut into pieces.
///
/// capabilities(7): the kernel splits root's power into about 40
/// capabilities (CAP_SYS_ADMIN to mount, CAP_NET_ADMIN to change the
/// network, ...). A process has several sets: *effective* (what it may do
/// now), *permitted* (what it may take back), *inheritable* and *ambient*
/// (what passes through execve), and the *bounding* set, the ceiling no
/// execve can raise, not even of a setuid-root program. A container keeps
/// docker's 14, and the bounding set is cut to the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// A set of capabilities: bit N is capability N (CAP_CHOWN is 0).
using CapSet = uint64_t;

/// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int last_capability();

/// Every capability this kernel knows: what `--privileged` keeps.
CapSet all_capabilities();

/// docker's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD,
/// NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE,
/// SYS_CHROOT, KILL, AUDIT_WRITE.
CapSet default_capabilities();

/// "NET_ADMIN", "cap_net_admin" or "CAP_NET_ADMIN" → its number; "ALL" is
/// not a single capability and is refused here.
Result<int> parse_capability(std::string_view name);

/// "CAP_NET_ADMIN" for 12.
std::string capability_name(int cap);

/// The names in `caps`, lowest number first ("CAP_CHOWN", ...).
std::vector<std::string> capability_names(CapSet caps);

/// The container's set: all with `privileged`, else the default; then
/// `--cap-drop` (ALL empties it), then `--cap-add` (ALL fills it), as
/// docker orders them. An unknown name is a one-line error.
Result<CapSet> resolve_capabilities(const std::vector<std::string>& add,
                                    const std::vector<std::string>& drop, bool privileged);

/// Child: drops every capability outside `keep` from the bounding set
/// (prctl PR_CAPBSET_DROP; needs CAP_SETPCAP, so it comes first).
Result<void> drop_bounding_set(CapSet keep);

/// Child, after the user switch: effective = permitted = `caps` (for uid
/// 0; nothing for another user, as docker does), inheritable and ambient
/// empty.
Result<void> set_capabilities(CapSet caps);

/// Child: prctl(PR_SET_NO_NEW_PRIVS): execve can never again grant a
/// privilege (setuid bits and file capabilities are ignored).
Result<void> set_no_new_privs();

}  // namespace pocker
