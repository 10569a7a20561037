// Errors kforge reports to users. Every user-facing failure is a kforge::Error with a message that names the
// problem and, when it comes from an input file, the file:line:column where it is.
#pragma once
#include <stdexcept>
#include <string>

namespace kforge {

// A position in an input file (1-based line and column, as editors show them). line == 0 means "unknown".
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column" (or just "file" when line is unknown)
};

// Exit codes (documented in docs/exit-codes.md).
enum class ExitCode : int {
  Ok = 0,
  Failure = 1,        // a step failed
  Usage = 2,          // bad command line
  InvalidInput = 3,   // inventory or other input rejected by validation
  Preflight = 4,      // preflight checks failed, nothing changed
  Unreachable = 5,    // a host could not be reached / host key refused
  Locked = 6,         // another kforge run holds the cluster lock
  VerifyFailed = 7,   // a backup or certificate failed verification
  RolledBack = 8,     // upgrade: a host's new component did not become healthy; its old manifests are back
  Blocked = 9,        // upgrade: a drain timed out (PodDisruptionBudget) or the maintenance window closed
  Expiring = 10,      // certs check-expiration: a certificate expires within --warn-days
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg, ExitCode code = ExitCode::Failure)
      : std::runtime_error(msg), code_(code) {}
  Error(const SourceLoc& loc, const std::string& msg, ExitCode code = ExitCode::InvalidInput)
      : std::runtime_error(loc.str() + ": " + msg), code_(code), loc_(loc) {}
  ExitCode code() const { return code_; }
  const SourceLoc& loc() const { return loc_; }

 private:
  ExitCode code_;
  SourceLoc loc_;
};

}  // namespace kforge
