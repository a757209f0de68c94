// Where the network lesson explains what each lab checks; failure messages print these. One place
// to update when the lesson's steps move.
#pragma once

namespace lab::network {

inline constexpr const char* kBridge =
    "lessons/network/README.md steps 1-4 (netns, veth, bridge, addresses and routes: pocker/src/net/bridge_network.cpp)";
inline constexpr const char* kModes = "lessons/network/README.md step 5 (none, host and bridge)";
inline constexpr const char* kIpam =
    "lessons/network/README.md step 4 (IPAM: one lease file per address, O_EXCL under a flock)";
inline constexpr const char* kCleanup =
    "lessons/network/README.md step 6 (the end of a container: the lease goes, the veth dies with the namespace)";
inline constexpr const char* kCaps =
    "lessons/network/README.md step 7 (no CAP_NET_ADMIN: the container cannot undo its network)";
inline constexpr const char* kInput = "lessons/network/README.md step 5 (none, host and bridge: anything else is refused)";

inline constexpr const char* kUser =
    "lessons/network/README.md step 8 (user networks: a bridge and a subnet each, pocker/src/net/user_network.cpp)";
inline constexpr const char* kUserInput =
    "lessons/network/README.md step 8 (network create checks names and subnets before it makes anything)";
inline constexpr const char* kNames =
    "lessons/network/README.md step 9 (/etc/hosts, /etc/resolv.conf and the DNS responder: pocker/src/net/dns_*.cpp)";

}  // namespace lab::network
