// Loading a kubeconfig for the API client: the current context's (or a named context's) cluster and user,
// with credentials inline (*-data, base64) or in files (paths relative to the kubeconfig's directory, as
// kubectl resolves them). Everything is decoded into memory; KubeClient hands the PEMs to libcurl as blobs.
#pragma once
#include <string>

namespace kforge::kube {

// What a client needs to reach and authenticate to one kube-apiserver.
struct Credentials {
  std::string server;         // "https://host:port" (no trailing slash)
  std::string caPem;          // certificate-authority(-data); empty = the system trust store
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;  // cluster.tls-server-name (SNI / certificate name to verify); empty = server host
  std::string certPem;        // client-certificate(-data); empty = no client certificate
  std::string keyPem;         // client-key(-data)
  std::string token;          // bearer token (token / tokenFile); empty = none
  std::string source;         // where these came from, for messages ("kubeconfig /etc/kubernetes/admin.conf")
};

// Reads and parses a kubeconfig file. context: "" = current-context.
// Throws kforge::Error naming the file and the missing or bad field, e.g.
//   kubeconfig /etc/kubernetes/admin.conf: cluster "kubernetes": no server
Credentials loadKubeconfig(const std::string& path, const std::string& context = "");

// Same, from text. fileName is used in messages; baseDir resolves relative credential file paths.
Credentials parseKubeconfig(const std::string& yaml, const std::string& fileName, const std::string& context = "",
                            const std::string& baseDir = ".");

}  // namespace kforge::kube
