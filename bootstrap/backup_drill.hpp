// `kforge backup verify`'s restore drill with TLS made for it alone: a private scratch directory (mkdtemp, 0700,
// under $TMPDIR), a throwaway CA with an etcd server and a client certificate in it (pki/throwaway_etcd_pki.hpp),
// the drill itself (etcdctl/backup.hpp restoreDrill), and the directory removed afterwards, keys included.
#pragma once
#include <string>

#include "etcdctl/backup.hpp"

namespace kforge {

etcd::DrillResult runRestoreDrill(const etcd::BackupCatalog& catalog, const etcd::BackupMeta& meta,
                                  const std::string& loopbackAddress, const etcd::DrillProbe& whileServing = {});

}  // namespace kforge
