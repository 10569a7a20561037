#include "pki/served_cert.hpp"

#include <cerrno>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>

#include "core/dial.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "pki/ossl.hpp"

namespace kforge::pki {

namespace {

std::string serialOf(X509* cert) {
  const ASN1_INTEGER* s = X509_get0_serialNumber(cert);
  BIGNUM* bn = ASN1_INTEGER_to_BN(s, nullptr);
  if (!bn) throwSsl("reading a certificate serial");
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A TCP connection to host:port within timeoutMs, blocking afterwards with the same send/receive timeouts.
int connectWithin(const std::string& host, int port, int timeoutMs, const std::string& what) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    throw Error(what + ": cannot resolve " + host, ExitCode::Unreachable);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw Error(what + ": socket failed", ExitCode::Unreachable);
  Fd owner{fd};
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  if (rc != 0 && errno != EINPROGRESS) throw Error(what + ": connection refused", ExitCode::Unreachable);
  if (rc != 0) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeoutMs) != 1) throw Error(what + ": connect timed out", ExitCode::Unreachable);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw Error(what + ": connection refused", ExitCode::Unreachable);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  owner.fd = -1;
  return fd;
}

}  // namespace

std::string certSerialHex(const std::string& certPem, const std::string& what) {
  BioPtr bio(BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size())));
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!x) throwSsl(what + ": not a PEM certificate");
  Cert c = wrap(x);
  return serialOf(c.get());
}

std::string servedCertSerial(const std::string& host, int port, int timeoutMs, const ClientCertPem* client) {
  std::string hostPort = joinHostPort(host, port);
  std::string what = "TLS " + hostPort;
  std::string dialHost = host;
  int dialPort = port;
  if (auto o = dialOverride(hostPort)) splitHostPort(*o, dialHost, dialPort);
  Fd fd{connectWithin(dialHost, dialPort, timeoutMs, what)};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throwSsl(what);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // we read what is served, we do not trust it
  if (client) {
    BioPtr cb(BIO_new_mem_buf(client->certPem.data(), static_cast<int>(client->certPem.size())));
    Cert cc = wrap(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    BioPtr kb(BIO_new_mem_buf(client->keyPem.data(), static_cast<int>(client->keyPem.size())));
    Pkey ck = wrap(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!cc || !ck || SSL_CTX_use_certificate(ctx.get(), cc.get()) != 1 || SSL_CTX_use_PrivateKey(ctx.get(), ck.get()) != 1)
      throwSsl(what + ": client certificate");
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd.fd);
  if (!IpAddr::parse(host)) SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  int rc = SSL_connect(ssl.get());
  X509* peer = SSL_get1_peer_certificate(ssl.get());  // also after a failed handshake that got this far
  ERR_clear_error();
  if (!peer) throw Error(what + ": no certificate presented" + (rc == 1 ? "" : " (handshake failed)"), ExitCode::Unreachable);
  Cert pc = wrap(peer);
  if (rc == 1) SSL_shutdown(ssl.get());
  return serialOf(pc.get());
}

}  // namespace kforge::pki
