#include "pki/throwaway_etcd_pki.hpp"

#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/key.hpp"

namespace kforge::pki {

ThrowawayEtcdPki writeThrowawayEtcdPki(const std::string& dir, const std::string& ip, std::time_t now) {
  makeDirs(dir, 0700);
  CertSpec ca;
  ca.name = ca.baseName = "drill-ca";
  ca.commonName = "kforge-restore-drill-ca";
  CertSpec server;
  server.name = server.baseName = "drill-server";
  server.caBaseName = "drill-ca";
  server.commonName = "kforge-restore-drill";
  server.usages = {Usage::ServerAuth, Usage::ClientAuth};
  server.ips = {ip};
  CertSpec client;
  client.name = client.baseName = "drill-client";
  client.caBaseName = "drill-ca";
  client.commonName = "kforge-restore-drill-client";
  client.usages = {Usage::ClientAuth};

  auto keys = generateKeys({KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP256});
  Cert caCert = issueCert(ca, keys[0].get(), nullptr, nullptr, now, 1);
  Cert serverCert = issueCert(server, keys[1].get(), caCert.get(), keys[0].get(), now, 1);
  Cert clientCert = issueCert(client, keys[2].get(), caCert.get(), keys[0].get(), now, 1);

  ThrowawayEtcdPki out{dir + "/ca.crt", dir + "/server.crt", dir + "/server.key", dir + "/client.crt",
                       dir + "/client.key"};
  writeFileAtomic(out.caFile, certPem(caCert.get()), 0644);
  writeFileAtomic(out.serverKey, privateKeyPem(keys[1].get()), 0600);
  writeFileAtomic(out.serverCert, certPem(serverCert.get()), 0644);
  writeFileAtomic(out.clientKey, privateKeyPem(keys[2].get()), 0600);
  writeFileAtomic(out.clientCert, certPem(clientCert.get()), 0644);
  return out;
}

}  // namespace kforge::pki
