/// @file
/// @brief lvX: IP address management, one lease file per leased address.
///
/// As CNI's host-local plugin does it: a network's leases are files in one
/// directory, named by the address and holding the container id. A lease
/// is taken by creating its file with O_EXCL while holding flock(2) on the
/// directory, so concurrent `pocker run`s never get the same address (a
/// run on this machine without the lock got 18 duplicates out of 20).
/// The files outlive a killed pocker; collect() frees the leases of
/// containers that no longer exist. A lease may be *held*: the pocker that
/// runs the container keeps its file open and flock(2)ed, and the kernel
/// drops that lock when the holder dies, however it dies. So a collector
/// tells "being set up or running" (held) from "its pocker is gone" without
/// guessing from pids.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/ipv4.hpp"

namespace pocker {

/// One leased address and the container holding it.
struct Lease {
  Ipv4 address;              ///< the leased address (the lease file's name)
  std::string container_id;  ///< empty if the file was left half-written
  bool held = false;         ///< a live process holds the lease file locked (allocate's `hold`)
};

/// The leases of one network.
class Ipam {
 public:
  /// Leases of `subnet` (/30 or larger: it needs a gateway and a host),
  /// kept in directory `dir`, which must exist. `gateway` is never leased.
  Ipam(std::string dir, Ipv4Net subnet, Ipv4 gateway)
      : dir_(std::move(dir)), subnet_(subnet), gateway_(gateway) {}

  /// Leases the lowest free address for `container_id`, skipping the
  /// network, gateway and broadcast addresses. Fails with ENOSPC when the
  /// subnet is full. With `hold`, the lease file stays open there, locked
  /// (LOCK_EX), from the moment it is made: collect() never frees it while
  /// that descriptor lives.
  Result<Ipv4> allocate(const std::string& container_id, Fd* hold = nullptr);
  /// Leases exactly `address` (`--ip`); EEXIST if it is taken. `hold` as
  /// for allocate().
  Result<void> reserve(Ipv4 address, const std::string& container_id, Fd* hold = nullptr);
  /// Frees `address`. Freeing an address that is not leased is not an
  /// error: teardown runs on every exit path, after a collect too.
  Result<void> release(Ipv4 address);
  /// Frees every lease of `container_id`.
  Result<void> release_container(const std::string& container_id);
  /// Every lease, lowest address first.
  Result<std::vector<Lease>> leases() const;
  /// Frees the leases whose container `alive` says is gone, and those left
  /// without an id; returns how many were freed. A held lease is never
  /// freed, and `alive` is not asked about it.
  Result<int> collect(const std::function<bool(const std::string&)>& alive);

 private:
  Result<void> take(Ipv4 address, const std::string& container_id, int dir_fd, Fd* hold);

  std::string dir_;
  Ipv4Net subnet_;
  Ipv4 gateway_;
};

}  // namespace pocker
