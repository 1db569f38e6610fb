// DurableMark: where, in a power-cut disk's write log, the setup's install
// became durable. Crash points before it are not judged: a power cut there
// loses the first install, which proves nothing about the redeploy.
//
// qemu 7.2's blklogwrites does not pass a guest's marks into the log, so
// the mark is an ordinary write the host recognises by place and content:
//   - the power-cut disk is kDurableMarkReserve bytes larger than its
//     filesystem (vm/scratch_disk.h makes both), so nothing the filesystem
//     does ever writes past durable_mark_offset();
//   - after the setup actions the guest agent syncfs()es the filesystem
//     (every write it made is then complete and flushed), and only then
//     writes durable_mark_block() there on the raw device with
//     O_DIRECT|O_DSYNC, and fdatasync()s it (host/setup_durable.h);
//   - the log keeps writes in submission order, so every write of the
//     setup comes before the mark's entry: replaying the log up to and
//     including it gives the setup's durable state.
// Pure logic, but for reading the log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/log_writes.h"

namespace harness {

// Room past a power-cut filesystem's end (a whole MiB keeps it aligned).
inline constexpr uint64_t kDurableMarkReserve = 1ULL << 20;
// The mark's size: one block of any logical sector size up to 4 KiB.
inline constexpr size_t kDurableMarkBytes = 4096;
// How the mark's text starts.
inline constexpr const char* kDurableMarkMagic = "HARNESS-DURABLE";

// The byte offset of the mark on a disk whose filesystem is `fs_mib` MiB:
// its first byte past the filesystem.
uint64_t durable_mark_offset(unsigned fs_mib);

// The mark for the `index`-th (0-based) scratch folder at `scratch`: a
// line of text ("HARNESS-DURABLE setup scratch 2 data\n"), zero-padded to
// kDurableMarkBytes.
std::string durable_mark_block(size_t index, const std::string& scratch);

// The index of the log entry that wrote `block` at byte `offset`: one
// write starting at that sector whose data begins with the block's text.
// nullopt when there is none; throws RuntimeError when there are several
// (a mark is written once per run: the log is not this run's, or
// something else wrote past the filesystem).
std::optional<uint64_t> find_durable_mark(const LogWrites& log, uint64_t offset, const std::string& block);

}  // namespace harness
