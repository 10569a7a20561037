// kube-scheduler static pod (kubeadm: ka/phases/controlplane/manifests.go getSchedulerCommand).
#include "bootstrap/manifests.hpp"
#include "images/images.hpp"

namespace kforge {

namespace {
constexpr const char* kKubeconfig = "/etc/kubernetes/scheduler.conf";
}

Flags schedulerFlags(const Cluster& c) {
  Flags f = {
      {"authentication-kubeconfig", kKubeconfig},
      {"authorization-kubeconfig", kKubeconfig},
      {"bind-address", "127.0.0.1"},
      {"kubeconfig", kKubeconfig},
      {"leader-elect", "true"},
  };
  return mergeFlags(std::move(f), c.scheduler.extraArgs);
}

std::string renderSchedulerManifest(const Cluster& c, const Host& h) {
  StaticPodSpec s;
  s.name = "kube-scheduler";
  s.image = kubernetesImage(c, s.name);
  s.command = commandLine(s.name, schedulerFlags(c), c.scheduler.extraArgs, c.kubernetesVersion);
  std::string host = "127.0.0.1";
  if (auto it = c.scheduler.extraArgs.find("bind-address"); it != c.scheduler.extraArgs.end())
    host = (it->second == "0.0.0.0" || it->second == "::") ? "" : it->second;
  if (c.kubernetesVersion >= Version{1, 32, 0, ""}) {
    // kubeadm 1.32+: /livez for liveness and startup, /readyz for a readiness probe (before: /healthz, no readiness).
    s.liveness = HttpProbe{host, "/livez", 10259, "HTTPS"};
    s.readiness = HttpProbe{host, "/readyz", 10259, "HTTPS"};
    s.startup = HttpProbe{host, "/livez", 10259, "HTTPS"};
  } else {
    s.liveness = HttpProbe{host, "/healthz", 10259, "HTTPS"};
    s.startup = HttpProbe{host, "/healthz", 10259, "HTTPS"};
  }
  s.requests = {{"cpu", "100m"}};
  s.mounts.push_back({"kubeconfig", kKubeconfig, kKubeconfig, "FileOrCreate", true});
  setRelease(s, c.kubernetesVersion);
  s.env = c.proxy.env();  // kubeadm: its own *_PROXY environment (spec.proxy)
  return renderStaticPod(s);
}

}  // namespace kforge
