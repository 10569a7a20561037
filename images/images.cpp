#include "images/images.hpp"

#include "core/version_catalog.hpp"

namespace kforge {

namespace {
std::string ref(const std::string& repo, const std::string& name, const std::string& tag) {
  return repo + "/" + name + ":" + tag;
}
}  // namespace

std::string kubernetesImageTag(std::string_view version) {
  std::string tag(version);
  if (!tag.empty() && tag[0] != 'v') tag = "v" + tag;
  for (char& ch : tag)
    if (ch == '+') ch = '_';
  return tag;
}

std::string corednsImage(const Version& k, const std::string& repository) {
  // kubeadm keeps CoreDNS under coredns/ only in the default registry; a custom repository is flat.
  const std::string name = repository == kDefaultImageRepository ? "coredns/coredns" : "coredns";
  return ref(repository, name, componentTags(k).coredns);
}

std::string pauseImage(const Version& k, const std::string& repository) {
  return ref(repository, "pause", componentTags(k).pause);
}

std::vector<std::string> imageList(const Version& k, const ImageListOptions& opts) {
  const ComponentTags tags = componentTags(k);  // throws for unknown versions
  const std::string tag = kubernetesImageTag(k.str());
  std::vector<std::string> out;
  for (const char* name : {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"})
    out.push_back(ref(opts.repository, name, tag));
  out.push_back(corednsImage(k, opts.repository));
  out.push_back(ref(opts.repository, "pause", tags.pause));
  if (opts.includeEtcd) out.push_back(ref(opts.repository, "etcd", opts.etcdTag.empty() ? tags.etcd : opts.etcdTag));
  return out;
}

std::vector<std::string> imageList(const Cluster& c) {
  ImageListOptions o;
  o.repository = c.images.repository;
  o.etcdTag = c.etcd.imageTag;
  o.includeEtcd = c.etcd.topology == EtcdTopology::Stacked;
  return imageList(c.kubernetesVersion, o);
}

std::string kubernetesImage(const Cluster& c, const std::string& component) {
  componentTags(c.kubernetesVersion);  // same catalog check as the image list
  return ref(c.images.repository, component, kubernetesImageTag(c.kubernetesVersion.str()));
}

std::string etcdImageTag(const Cluster& c) {
  return c.etcd.imageTag.empty() ? componentTags(c.kubernetesVersion).etcd : c.etcd.imageTag;
}

std::string etcdImage(const Cluster& c) { return ref(c.images.repository, "etcd", etcdImageTag(c)); }

}  // namespace kforge
