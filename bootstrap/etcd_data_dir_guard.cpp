#include "bootstrap/etcd_data_dir_guard.hpp"

#include "ssh/shell.hpp"

namespace kforge {

std::string etcdDataDirGuard(const std::string& host, const std::string& dataDir) {
  using ssh::shellQuote;
  const std::string d = shellQuote(dataDir);
  const std::string head = host + ": refusing to move the content of " + dataDir + " (spec.etcd.dataDir) aside: ";
  const std::string tail = ". Nothing was changed; check spec.etcd.dataDir";
  auto refuse = [&](const std::string& why) { return "printf '%s\\n' " + shellQuote(head + why + tail) + " >&2; exit 1; "; };
  return "if [ -L " + d + " ]; then " +
         refuse("it is a symbolic link; set spec.etcd.dataDir to the directory it points to") + "fi\n" +
         "if [ -e " + d + " ] && [ ! -d " + d + " ]; then " + refuse("it is not a directory") + "fi\n" +
         "if [ -d " + d + " ]; then\n"
         "  unexpected=$(find " + d + " -mindepth 1 -maxdepth 1 ! \\( -type d \\( -name member -o -name lost+found \\) \\) "
         "-print 2>&1 | head -n 5)\n"
         "  if [ -n \"$unexpected\" ]; then printf '%s\\n' " +
         shellQuote(head +
                    "it does not look like an etcd data directory (which holds only member/, and lost+found/ on a "
                    "file system of its own)" + tail + ". It holds:") +
         " \"$unexpected\" >&2; exit 1; fi\n"
         "fi\n";
}

}  // namespace kforge
