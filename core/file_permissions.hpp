// Who may touch kforge's local secrets. The state dir (CA keys), the backup dir (snapshots hold every Secret)
// and a render output dir (every host's keys) must belong to the user running kforge and be writable by no one
// else, and so must every directory above them (or be root's, or sticky like /tmp): otherwise another local
// user could read the keys, plant a CA or swap the directory for their own. Private keys must be readable by
// their owner only, as OpenSSH demands of SSH keys. Every refusal names the path and the command that fixes it.
#pragma once
#include <string>

namespace kforge {

// Creates `path` (and missing parents) 0700 when it does not exist, then checks it as checkPrivateDir does.
// `what` names the directory in errors: "state directory", "backup directory", "render output directory".
void ensurePrivateDir(const std::string& path, const std::string& what);
// Throws kforge::Error (InvalidInput) when `path` is not a directory owned by the current user, is writable by
// group or others, or sits below a directory another user could rename it in (not root's or ours, or writable
// by group/others without the sticky bit). A missing path passes (there is nothing to trust yet).
void checkPrivateDir(const std::string& path, const std::string& what);
// Throws kforge::Error (InvalidInput) "UNPROTECTED PRIVATE KEY FILE" when the key file at `path` is readable,
// writable or executable by group or others (mode & 077). A missing file passes.
void checkPrivateKeyFile(const std::string& path);

}  // namespace kforge
