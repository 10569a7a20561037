#include "bootstrap/backup_drill.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/error.hpp"
#include "pki/throwaway_etcd_pki.hpp"

namespace kforge {

etcd::DrillResult runRestoreDrill(const etcd::BackupCatalog& catalog, const etcd::BackupMeta& meta,
                                  const std::string& address, const etcd::DrillProbe& whileServing) {
  const char* tmp = std::getenv("TMPDIR");
  std::string scratch = std::string(tmp && *tmp ? tmp : "/tmp") + "/kforge-drill-XXXXXX";
  if (!::mkdtemp(scratch.data())) throw Error("cannot create a scratch directory for the restore drill in " + scratch);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{scratch};
  auto pki = pki::writeThrowawayEtcdPki(scratch + "/pki", address, std::time(nullptr));
  return etcd::restoreDrill(catalog, meta, address,
                            {pki.caFile, pki.serverCert, pki.serverKey, pki.clientCert, pki.clientKey}, scratch,
                            whileServing);
}

}  // namespace kforge
