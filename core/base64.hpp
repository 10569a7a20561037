// Standard base64 (RFC 4648, with padding, no line breaks) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
#pragma once
#include <string>
#include <string_view>

namespace kforge {

std::string base64Encode(std::string_view bytes);
// Decodes text, ignoring ASCII whitespace; returns false on anything that is not base64.
bool base64Decode(std::string_view text, std::string& out);
// Same, throwing kforge::Error("invalid base64 in <what>").
std::string base64DecodeOrThrow(std::string_view text, const std::string& what);

}  // namespace kforge
