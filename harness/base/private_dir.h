// Folders the harness trusts, as root, to hold what it wrote: they must be
// ours alone. A folder another user owns or may write to lets them swap a
// file for a symlink (and have root write through it) or replace what a
// later run reads back (a cached initramfs decides what runs in a VM).
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/scoped_fd.h"

namespace harness {

// Why a folder with this stat is not ours alone ("owned by uid 1000, not
// by us (uid 0)", "writable by its group or by others (mode 775)"), or
// nullopt when it is.
std::optional<std::string> why_not_ours_alone(const struct stat& st);

// Why a user we do not trust could rename an entry of a folder with this
// stat (and so put a link where a run folder below it was), or nullopt.
// Trusted owners: root, us, and the user who ran us through sudo
// (`sudo_uid`, from SUDO_UID; they are root whenever they like). Others
// may write only into a sticky folder (/tmp), where they can rename no
// entry of ours.
std::optional<std::string> why_others_could_rename_in(const struct stat& st, std::optional<uid_t> sudo_uid);
// The first existing parent folder of `dir`, from / down, in which that is
// so, or that is a symbolic link, with why ("/tmp/a: owned by uid 1000
// ..."); nullopt when none is. Read the way open_trusted_parent() walks.
std::optional<std::string> untrusted_parent(const std::filesystem::path& dir);

// Why a user we do not trust could replace `entry` in the folder `dir` it
// was looked up in (both lstat'ed): the folder is not a trusted user's, or
// others may write to it and the entry is not a trusted user's either.
std::optional<std::string> why_entry_could_change(const struct stat& dir, const struct stat& entry);

// Why a user we do not trust could make `path` (absolute) lead to another
// file than it does now, or nullopt when none could. It is walked from /
// as the kernel resolves it, links followed (at most 40): every folder a
// name is looked up in must be owned by a trusted user (as above) and
// either writable by no one else, or sticky with the entry looked up owned
// by a trusted user too (in /tmp another user could not rename root's
// entry, but could their own). A link on the way is fine when it lies in
// such a folder: its owner cannot change where it points, only rename it.
// A missing component says so ("/a/b: does not exist").
std::optional<std::string> why_path_could_change(const std::filesystem::path& path);

// The parent folder of `dir`, opened by a walk from / that follows no
// link (each component opened with O_NOFOLLOW beneath the one before, and
// checked on that descriptor): every folder on the way must be one no
// untrusted user could rename entries in, and none may be a link (its
// owner could point it elsewhere at any moment). A missing folder is made
// beneath its checked parent, 0755 whatever the umask. Throws
// EnvironmentError naming `role` ("the run directory") and the folder.
ScopedFd open_trusted_parent(const std::filesystem::path& dir, const std::string& role);

// Creates `dir` (and its parents, as above) or checks it: it must be ours,
// and is made private (0700) -- one that others could read or write is
// chmod'ed, never used as it was. One owned by another user is refused
// with an EnvironmentError that names `role` ("the VM cache"). Returns
// its descriptor.
ScopedFd ensure_private_dir(const std::filesystem::path& dir, const std::string& role);

}  // namespace harness
