// Errors from the kube-apiserver: the metav1 Status body it returns with every failure, turned into a
// kforge::Error whose message says which server, which request, and what the server said:
//   kube-apiserver https://10.0.0.10:6443: GET /api/v1/nodes/x: 404 NotFound: nodes "x" not found
#pragma once
#include <string>

#include "core/error.hpp"

namespace kforge::kube {

// The parts of a metav1.Status kforge uses. For a body that is not a Status (a proxy's HTML page,
// an empty body) reason is the HTTP reason phrase and message the start of the body.
struct ApiStatus {
  long code = 0;        // HTTP status
  std::string reason;   // "NotFound", "Conflict", "TooManyRequests", "Forbidden", ...
  std::string message;  // "nodes \"x\" not found"
};

ApiStatus parseStatus(long httpStatus, const std::string& body);
// "404 NotFound: nodes \"x\" not found"
std::string formatStatus(const ApiStatus& s);

// A request the server answered with an error status.
class ApiError : public Error {
 public:
  ApiError(const std::string& server, const std::string& method, const std::string& path, ApiStatus status);
  const ApiStatus& status() const { return status_; }
  long httpStatus() const { return status_.code; }  // (Error::code() is the exit code)
  bool notFound() const { return status_.code == 404; }
  bool conflict() const { return status_.code == 409; }
  bool alreadyExists() const { return status_.code == 409 && status_.reason == "AlreadyExists"; }
  bool tooManyRequests() const { return status_.code == 429; }

 private:
  ApiStatus status_;
};

}  // namespace kforge::kube
