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

inline constexpr const char* kPorts =
    "lessons/network/README.md step 9 (published ports: the host port bound first, DNAT in table ip pocker, "
    "the forwarder for 127.0.0.1: pocker/src/net/nat.cpp, pocker/src/net/forwarder.cpp)";
inline constexpr const char* kNat =
    "lessons/network/README.md step 8 (outbound NAT: ip_forward and a masquerade rule per container, "
    "pocker/src/net/nat.cpp)";
inline constexpr const char* kPortsInput =
    "lessons/network/README.md step 9 (-p is checked before anything is made: a port in use, a bad port, "
    "or a network without a way in is refused)";
inline constexpr const char* kPortsCleanup =
    "lessons/network/README.md step 9 (the rules and the bound port live exactly as long as the container: "
    "pocker/src/runtime/container_nat.cpp, collected after kill -9 by the next command)";
inline constexpr const char* kUser =
    "lessons/network/README.md step 10 (user networks: a bridge and a subnet each, pocker/src/net/user_network.cpp)";
inline constexpr const char* kUserInput =
    "lessons/network/README.md step 10 (network create checks names and subnets before it makes anything)";
inline constexpr const char* kNames =
    "lessons/network/README.md step 11 (/etc/hosts, /etc/resolv.conf and the DNS responder: pocker/src/net/dns_*.cpp)";

}  // namespace lab::network
