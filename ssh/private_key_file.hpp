// What kforge must know about an SSH private key file before handing it to libssh2, as OpenSSH checks it: that no
// one else can read it ("UNPROTECTED PRIVATE KEY FILE", core/file_permissions.hpp), whether it is protected by a
// passphrase (OpenSSH "openssh-key-v1" format: its cipher name; PEM: an ENCRYPTED header), and its public key
// (from <key>.pub) to pick the same key out of ssh-agent.
#pragma once
#include <optional>
#include <string>

namespace kforge::ssh {

// Throws kforge::Error (ExitCode::Unreachable), prefixed with `label`, when the file is missing, unreadable or
// readable by group or others.
void checkClientKeyFile(const std::string& label, const std::string& path);
// Whether the key file is passphrase-protected. Throws kforge::Error when it cannot be read.
bool isEncryptedKeyFile(const std::string& path);
// The public key blob of <path>.pub, when that file exists and holds one.
std::optional<std::string> publicKeyBlobBeside(const std::string& path);

}  // namespace kforge::ssh
