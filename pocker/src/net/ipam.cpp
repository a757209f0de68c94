// IPAM: leases as files, one per address, taken with O_EXCL under a
// flock(2) on the network's directory (see pocker/ipam.hpp for why).
#include "pocker/ipam.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "pocker/fd.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// The directory, open and locked; the lock goes with the descriptor.
// LOCK_SH lets readers look together; every change takes LOCK_EX.
Result<Fd> lock_dir(const std::string& dir, int how) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open lease directory {}", dir);
  while (::flock(fd.get(), how) < 0) {
    if (errno != EINTR) return sys_error("lock lease directory {}", dir);
  }
  return fd;
}

// Every file named like an address; others (an editor's backup) are not
// leases. The id is the file's first line.
Result<std::vector<Lease>> read_leases(int dir_fd, const std::string& dir) {
  // A descriptor of its own: readdir moves the offset of the one it reads.
  int listing = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing < 0) return sys_error("open lease directory {}", dir);
  DIR* stream = ::fdopendir(listing);
  if (!stream) {
    Error error = sys_error("read lease directory {}", dir);
    ::close(listing);
    return error;
  }
  std::vector<Lease> leases;
  while (dirent* entry = ::readdir(stream)) {
    auto address = parse_ipv4(entry->d_name);
    if (!address) continue;
    Lease lease{address.value(), {}};
    Fd file(::openat(dir_fd, entry->d_name, O_RDONLY | O_CLOEXEC));
    char text[256];
    ssize_t got = file ? ::read(file.get(), text, sizeof text) : -1;
    if (got > 0) lease.container_id.assign(text, static_cast<size_t>(got));
    lease.container_id = lease.container_id.substr(0, lease.container_id.find('\n'));
    // A holder has LOCK_EX: our LOCK_SH fails with EWOULDBLOCK. Taken, it
    // goes with this descriptor at the end of the loop.
    lease.held = file && ::flock(file.get(), LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    leases.push_back(std::move(lease));
  }
  ::closedir(stream);
  std::sort(leases.begin(), leases.end(),
            [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return leases;
}

Result<void> remove_lease(int dir_fd, const std::string& dir, Ipv4 address) {
  if (::unlinkat(dir_fd, to_string(address).c_str(), 0) < 0 && errno != ENOENT) {
    return sys_error("release {}: remove {}/{}", to_string(address), dir, to_string(address));
  }
  trace("ipam release {} = ok", to_string(address));
  return ok();
}

}  // namespace

Result<void> Ipam::take(Ipv4 address, const std::string& container_id, int dir_fd, Fd* hold) {
  std::string name = to_string(address);
  // O_EXCL is the lease itself: of two creators, one gets EEXIST. The flock
  // around it makes the scan and the create one step.
  Fd file(::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!file) return sys_error("lease {}: create {}/{}", name, dir_, name);
  // Held before the directory's lock goes: no collector can ever see the
  // lease unheld while its holder lives.
  if (hold && ::flock(file.get(), LOCK_EX | LOCK_NB) < 0) {
    Error error = sys_error("lease {}: lock {}/{}", name, dir_, name);
    (void)::unlinkat(dir_fd, name.c_str(), 0);
    return error;
  }
  std::string line = container_id + "\n";
  if (::write(file.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    Error error = sys_error("lease {}: write {}/{}", name, dir_, name);
    (void)::unlinkat(dir_fd, name.c_str(), 0);
    return error;
  }
  trace("ipam lease {} for {} = ok", name, container_id);
  if (hold) *hold = std::move(file);
  return ok();
}

Result<Ipv4> Ipam::allocate(const std::string& container_id, Fd* hold) {
  // A /31 or /32 has no address left once the gateway has one.
  if (subnet_.prefix > 30) {
    return user_error("subnet {} is too small: want /30 or larger", to_string(subnet_));
  }
  Fd dir = TRY(lock_dir(dir_, LOCK_EX));
  std::set<Ipv4> taken;
  for (const Lease& lease : TRY(read_leases(dir.get(), dir_))) taken.insert(lease.address);
  // The kernel would accept the network and broadcast addresses on an
  // interface, so skipping them is IPAM's job.
  for (uint32_t v = subnet_.network().value + 1; v < subnet_.broadcast().value; ++v) {
    Ipv4 candidate{v};
    if (candidate == gateway_ || taken.count(candidate)) continue;
    TRY(take(candidate, container_id, dir.get(), hold));
    return candidate;
  }
  return errno_error(ENOSPC, "no free address in {}", to_string(subnet_));
}

Result<void> Ipam::reserve(Ipv4 address, const std::string& container_id, Fd* hold) {
  std::string name = to_string(address);
  if (!subnet_.contains(address)) {
    return user_error("address {} is not in subnet {}", name, to_string(subnet_));
  }
  if (address == subnet_.network() || address == subnet_.broadcast() || address == gateway_) {
    return user_error("address {} is the network, broadcast or gateway address of {}", name,
                      to_string(subnet_));
  }
  if (subnet_.prefix > 30) {
    return user_error("subnet {} is too small: want /30 or larger", to_string(subnet_));
  }
  Fd dir = TRY(lock_dir(dir_, LOCK_EX));
  auto taken = take(address, container_id, dir.get(), hold);
  if (!taken && taken.error().err() == EEXIST) {
    return errno_error(EEXIST, "address {} is already in use on {}", name, to_string(subnet_));
  }
  return taken;
}

Result<void> Ipam::release(Ipv4 address) {
  Fd dir = TRY(lock_dir(dir_, LOCK_EX));
  return remove_lease(dir.get(), dir_, address);
}

Result<void> Ipam::release_container(const std::string& container_id) {
  Fd dir = TRY(lock_dir(dir_, LOCK_EX));
  for (const Lease& lease : TRY(read_leases(dir.get(), dir_))) {
    if (lease.container_id == container_id) TRY(remove_lease(dir.get(), dir_, lease.address));
  }
  return ok();
}

Result<std::vector<Lease>> Ipam::leases() const {
  Fd dir = TRY(lock_dir(dir_, LOCK_SH));
  return read_leases(dir.get(), dir_);
}

Result<int> Ipam::collect(const std::function<bool(const std::string&)>& alive) {
  Fd dir = TRY(lock_dir(dir_, LOCK_EX));
  int freed = 0;
  for (const Lease& lease : TRY(read_leases(dir.get(), dir_))) {
    // No id: pocker died between create and write. Under the lock no one
    // else can be in that moment now.
    if (lease.held || (!lease.container_id.empty() && alive(lease.container_id))) continue;
    TRY(remove_lease(dir.get(), dir_, lease.address));
    ++freed;
  }
  return freed;
}

}  // namespace pocker
