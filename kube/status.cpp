#include "kube/status.hpp"

#include <nlohmann/json.hpp>

namespace kforge::kube {

namespace {

std::string reasonPhrase(long code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

std::string firstLine(const std::string& body, size_t max = 200) {
  std::string s = body.substr(0, body.find('\n'));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

}  // namespace

ApiStatus parseStatus(long httpStatus, const std::string& body) {
  ApiStatus s;
  s.code = httpStatus;
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    if (j.contains("reason") && j["reason"].is_string()) s.reason = j["reason"].get<std::string>();
    if (j.contains("message") && j["message"].is_string()) s.message = j["message"].get<std::string>();
    if (j.contains("code") && j["code"].is_number_integer() && httpStatus == 0) s.code = j["code"].get<long>();
  } else {
    s.message = firstLine(body);
  }
  if (s.reason.empty()) s.reason = reasonPhrase(s.code);
  return s;
}

std::string formatStatus(const ApiStatus& s) {
  std::string out = std::to_string(s.code) + " " + s.reason;
  if (!s.message.empty()) out += ": " + s.message;
  return out;
}

ApiError::ApiError(const std::string& server, const std::string& method, const std::string& path, ApiStatus status)
    : Error("kube-apiserver " + server + ": " + method + " " + path + ": " + formatStatus(status)),
      status_(std::move(status)) {}

}  // namespace kforge::kube
