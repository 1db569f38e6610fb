// A transient uid: an unprivileged identity of one untrusted child's own
// (qemu running a guest, e2fsck and debugfs reading the bytes a guest
// wrote), as systemd's DynamicUser= gives a service. Sharing `nobody`
// with every other daemon that uses it would let any of them signal or
// ptrace our child and so reach what it holds (the run's disks, its
// event pipe); a uid no account, group or running process has, chosen
// afresh for each child, is no one else's.
//
// The uid is taken at random from a high range no distribution allocates
// (from 0x7f000000, below systemd's "foreign" range 0x7ffe0000-0x7ffeffff,
// which nsresourced maps into unprivileged users' namespaces), skipping
// any that /etc/passwd or /etc/group name, that /etc/subuid or
// /etc/subgid delegate to a user (they may run processes as it in a user
// namespace), or that a running process holds. It
// is used as the gid too. Nothing records it: files the child owns live in
// the run's private folder and go with it.
#pragma once

#include <sys/types.h>

namespace harness {

inline constexpr uid_t kFirstTransientUid = 0x7f000000u;
inline constexpr uid_t kTransientUidCount = 0x00fe0000u;

// Whether /etc/subuid (or /etc/subgid) delegates `id` to some user.
bool delegated_subordinate_id(uid_t id, const char* file);

// Throws RuntimeError when no free uid was found in many tries.
uid_t transient_uid();

// Whether some running process holds `uid` as its real, effective, saved
// or filesystem uid (read from /proc/PID/status).
bool uid_in_use(uid_t uid);

}  // namespace harness
