/// @file
/// @brief lvX: user networks do not reach each other through the host.
///
/// The host forwards between its interfaces (ip_forward is on for the
/// bridges' way out), so without a rule a container on one network would
/// reach another network's containers through its gateway. pocker keeps
/// one nftables table of its own, `inet pocker_isolation` (docker's
/// DOCKER-ISOLATION chains do the same job):
///
///     chain forward   (hook forward, before the filter priority)
///       iifname "pocker0" oifname "pb*" drop
///       iifname vmap @isolate          one element per network:
///     chain iso_<id12>                 "pbXXXX" : jump iso_<id12>
///       oifname "pb*" oifname != "pbXXXX" drop
///       oifname "pocker0" drop
///
/// Rules are written by the `nft` program (Debian's nftables), a script on
/// its stdin; the table goes with the last network.
#pragma once

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// Adds the rules that keep bridge `bridge` (of network id `id`) apart
/// from every other pocker bridge. The caller holds the networks' lock.
Result<void> isolate_bridge(const std::string& bridge, const std::string& id);

/// Removes them again; the whole table once no network is left. Parts
/// already gone are fine.
Result<void> unisolate_bridge(const std::string& bridge, const std::string& id);

}  // namespace pocker
