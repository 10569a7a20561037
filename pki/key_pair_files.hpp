// A certificate and its private key replaced as one (docs/pki.md, "Replacing a key and its certificate"): two
// renames cannot be atomic together, so the change goes through a commit mark and a recovery rule.
//   1. <key>.next is written, then <crt>.next (each a whole file: temp, fsync, rename, fsync of the directory).
//      <crt>.next existing is the commit mark: from here on the new pair wins.
//   2. <key>.next is renamed over <key>, then <crt>.next over <crt>; the directory is fsynced.
// A crash leaves either <key>.next alone (not committed: recovery removes it and the old pair stands) or
// <crt>.next, with or without <key>.next (committed: recovery does the remaining renames). Every reader of a pair
// (certs renew and check-expiration, ensurePki, hostPkiFiles) runs recoverKeyPair first, so a half-done change
// is never read, used or shipped as a mismatched pair.
#pragma once
#include <string>

namespace kforge::pki {

void writeKeyPair(const std::string& keyPath, const std::string& keyPem, const std::string& certPath,
                  const std::string& certPem);
// Applies the recovery rule above. Returns a description of what it did ("" when there was nothing to do).
std::string recoverKeyPair(const std::string& keyPath, const std::string& certPath);

}  // namespace kforge::pki
