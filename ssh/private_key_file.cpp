#include "ssh/private_key_file.hpp"

#include <sstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"

namespace kforge::ssh {

void checkClientKeyFile(const std::string& label, const std::string& path) {
  if (!fileExists(path))
    throw Error(label + ": SSH private key " + path + " does not exist", ExitCode::Unreachable);
  try {
    checkPrivateKeyFile(path);
  } catch (const Error& e) {
    throw Error(label + ": " + e.what(), ExitCode::Unreachable);
  }
}

bool isEncryptedKeyFile(const std::string& path) {
  const std::string text = readFile(path);
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos) return true;  // PKCS#8
  if (text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos) return true;                // legacy PEM
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----";
  auto b = text.find(begin), e = text.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return false;
  std::string blob;
  if (!base64Decode(std::string_view(text).substr(b + begin.size(), e - b - begin.size()), blob)) return false;
  // "openssh-key-v1\0", then string ciphername ("none" when not encrypted) (OpenSSH PROTOCOL.key).
  static const std::string magic("openssh-key-v1\0", 15);
  if (blob.compare(0, magic.size(), magic) != 0 || blob.size() < magic.size() + 4) return false;
  auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(blob[i])); };
  size_t at = magic.size();
  uint32_t n = (u(at) << 24) | (u(at + 1) << 16) | (u(at + 2) << 8) | u(at + 3);
  if (n > 64 || at + 4 + n > blob.size()) return false;
  return blob.substr(at + 4, n) != "none";
}

std::optional<std::string> publicKeyBlobBeside(const std::string& path) {
  if (!fileExists(path + ".pub")) return std::nullopt;
  std::istringstream in(readFile(path + ".pub"));
  std::string type, b64, blob;
  if (!(in >> type >> b64) || !base64Decode(b64, blob) || blob.empty()) return std::nullopt;
  return blob;
}

}  // namespace kforge::ssh
