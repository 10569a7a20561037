// Host addresses, the endpoint and the service subnet: IPv4-mapped IPv6 compared as IPv4, addresses that can
// never be a host's refused, loopback only for the testbed (spec.allowLoopbackAddresses), nothing inside the
// cluster's own subnets, bare IPv6 endpoints refused as ambiguous. And warnings for security-off extraArgs.
#include <gtest/gtest.h>

#include "core/inventory.hpp"

using namespace kforge;

namespace {

std::string inv(const std::string& specExtra, const std::string& hosts) {
  return "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n" +
         specExtra + "  nodePools:\n    - {name: control, role: control-plane, hosts: [" + hosts + "]}\n";
}

std::string errorOf(const std::string& text) {
  try {
    parseInventory(text, "a.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string hostError(const std::string& address) {
  return errorOf(inv("", "{name: cp1, address: \"" + address + "\"}"));
}

}  // namespace

TEST(InventoryAddresses, Ipv4MappedIsStoredAndComparedAsIpv4) {
  Cluster c = parseInventory(inv("", "{name: cp1, address: \"::ffff:10.0.0.12\"}"), "a.yaml");
  EXPECT_EQ(c.findHost("cp1")->address, "10.0.0.12");
  EXPECT_NE(errorOf(inv("", "{name: cp1, address: 10.0.0.12}, {name: cp2, address: \"::FFFF:10.0.0.12\"}"))
                .find("address \"10.0.0.12\" of host \"cp2\" is already used by host \"cp1\""),
            std::string::npos);
  // ::ffff:127.0.0.1 is loopback like 127.0.0.1.
  EXPECT_NE(hostError("::ffff:127.0.0.1").find("is a loopback address"), std::string::npos);
  // Other IPv6 forms with an embedded IPv4 are not IPv4 (::10.0.0.12 is deprecated IPv4-compatible, 64:ff9b:: NAT64).
  EXPECT_EQ(parseInventory(inv("", "{name: cp1, address: \"64:ff9b::a00:c\"}"), "a.yaml").findHost("cp1")->address,
            "64:ff9b::a00:c");
}

TEST(InventoryAddresses, AddressesThatAreNeverAHostAreRefused) {
  EXPECT_NE(hostError("0.0.0.0").find("is the unspecified address"), std::string::npos);
  EXPECT_NE(hostError("::").find("is the unspecified address"), std::string::npos);
  EXPECT_NE(hostError("0.1.2.3").find("is in 0.0.0.0/8 (\"this network\"), not a host address"), std::string::npos);
  EXPECT_NE(hostError("224.0.0.5").find("is a multicast address"), std::string::npos);
  EXPECT_NE(hostError("239.255.255.250").find("is a multicast address"), std::string::npos);
  EXPECT_NE(hostError("ff02::1").find("is a multicast address"), std::string::npos);
  EXPECT_NE(hostError("255.255.255.255").find("is the broadcast address"), std::string::npos);
  EXPECT_NE(hostError("fe80::1").find("is an IPv6 link-local address"), std::string::npos);
  EXPECT_NE(hostError("::ffff:224.0.0.1").find("is a multicast address"), std::string::npos);
  for (const char* ok : {"10.0.0.11", "192.168.1.1", "223.255.255.254", "fd00::11", "2001:db8::1"})
    EXPECT_EQ(hostError(ok), "(accepted)") << ok;
}

TEST(InventoryAddresses, LoopbackOnlyWithTheTestbedOptIn) {
  std::string hosts = "{name: cp1, address: 127.0.1.11}";
  EXPECT_EQ(errorOf(inv("", hosts)),
            "a.yaml:7:73: address \"127.0.1.11\" of host \"cp1\" is a loopback address, which no other host can reach; "
            "give the host's own address (only kforge's single-machine testbed uses loopback addresses, with "
            "spec.allowLoopbackAddresses: true)");
  EXPECT_NE(hostError("::1").find("is a loopback address"), std::string::npos);
  EXPECT_EQ(parseInventory(inv("  allowLoopbackAddresses: true\n", hosts), "a.yaml").findHost("cp1")->address,
            "127.0.1.11");
  EXPECT_NE(errorOf(inv("  allowLoopbackAddresses: false\n", hosts)).find("is a loopback address"), std::string::npos);
  // The opt-in is only about loopback: multicast and the rest stay refused.
  EXPECT_NE(errorOf(inv("  allowLoopbackAddresses: true\n", "{name: cp1, address: 224.0.0.1}")).find("multicast"),
            std::string::npos);
  EXPECT_NE(errorOf(inv("  allowLoopbackAddresses: \"true\"\n", hosts)).find("must be true or false"), std::string::npos);
}

TEST(InventoryAddresses, NotInsideTheServiceOrPodSubnet) {
  EXPECT_NE(hostError("10.96.0.10").find("is inside spec.networking.serviceSubnet \"10.96.0.0/12\""), std::string::npos);
  EXPECT_NE(hostError("10.244.3.7").find("is inside spec.networking.podSubnet \"10.244.0.0/16\""), std::string::npos);
  EXPECT_EQ(errorOf(inv("  networking: {podSubnet: \"\"}\n", "{name: cp1, address: 10.244.3.7}")), "(accepted)");
  EXPECT_NE(errorOf(inv("  controlPlaneEndpoint: 10.96.0.1:6443\n", "{name: cp1, address: 10.0.0.1}"))
                .find("spec.controlPlaneEndpoint \"10.96.0.1:6443\" is inside spec.networking.serviceSubnet"),
            std::string::npos);
  EXPECT_NE(errorOf(inv("  controlPlaneEndpoint: 224.0.0.1:6443\n", "{name: cp1, address: 10.0.0.1}"))
                .find("is not an address clients can connect to"),
            std::string::npos);
}

TEST(InventoryAddresses, ServiceSubnetLargeEnoughForTheDnsAddress) {
  auto svc = [](const std::string& cidr) {
    return errorOf(inv("  networking: {serviceSubnet: \"" + cidr + "\", podSubnet: \"\"}\n", "{name: cp1, address: 10.0.0.1}"));
  };
  EXPECT_EQ(svc("10.96.0.0/28"), "(accepted)");
  EXPECT_NE(svc("10.96.0.0/29").find("is too small"), std::string::npos);
  EXPECT_NE(svc("10.96.0.0/32").find("is too small"), std::string::npos);
  EXPECT_EQ(errorOf(inv("  networking: {serviceSubnet: \"fd02::/124\", podSubnet: \"\"}\n",
                        "{name: cp1, address: \"fd00::1\"}")),
            "(accepted)");
  EXPECT_NE(errorOf(inv("  networking: {serviceSubnet: \"fd02::/125\", podSubnet: \"\"}\n",
                        "{name: cp1, address: \"fd00::1\"}"))
                .find("(prefix /124 or shorter)"),
            std::string::npos);
}

TEST(InventoryAddresses, BareIpv6EndpointIsAmbiguous) {
  std::string hosts = "{name: cp1, address: \"fd00::11\"}";
  std::string v6net = "  networking: {podSubnet: \"fd01::/48\", serviceSubnet: \"fd02::/112\"}\n";
  EXPECT_NE(errorOf(inv("  controlPlaneEndpoint: \"fd00::10:6443\"\n" + v6net, hosts))
                .find("is ambiguous: write an IPv6 address in brackets, with the port after them, e.g. [fd00::10]:6443 "
                      "(if 6443 is the port) or [fd00::10:6443]:6443"),
            std::string::npos);
  EXPECT_NE(errorOf(inv("  controlPlaneEndpoint: \"fd00::10\"\n" + v6net, hosts)).find("e.g. [fd00::10]:6443"),
            std::string::npos);
  EXPECT_NE(errorOf(inv("  controlPlaneEndpoint: \"fd00::10:99999\"\n" + v6net, hosts)).find("e.g. [fd00::10]:6443"),
            std::string::npos);
  EXPECT_EQ(parseInventory(inv("  controlPlaneEndpoint: \"[fd00::10]:6443\"\n" + v6net, hosts), "a.yaml")
                .endpointHostPort(),
            "[fd00::10]:6443");
}

TEST(InventoryExtraArgs, SecurityOffFlagsAreWarnedNotRefused) {
  Cluster c = parseInventory(
      inv("  apiServer:\n    extraArgs: {anonymous-auth: \"true\", authorization-mode: \"Node,AlwaysAllow\"}\n"
          "  etcd: {extraArgs: {client-cert-auth: \"false\", peer-client-cert-auth: \"0\"}}\n",
          "{name: cp1, address: 10.0.0.1}"),
      "a.yaml");
  ASSERT_EQ(c.warnings.size(), 4u);
  EXPECT_EQ(c.warnings[0],
            "a.yaml:7:33: spec.apiServer.extraArgs[\"anonymous-auth\"] \"true\" switches off a security control: "
            "requests without credentials are served as system:anonymous (kube-apiserver's default, kept by kubeadm): "
            "whatever RBAC grants to system:unauthenticated is public. kforge allows it, as kubeadm does; remove it "
            "unless you mean it");
  EXPECT_NE(c.warnings[1].find("spec.apiServer.extraArgs[\"authorization-mode\"] \"Node,AlwaysAllow\""),
            std::string::npos);
  EXPECT_NE(c.warnings[2].find("spec.etcd.extraArgs[\"client-cert-auth\"] \"false\""), std::string::npos);
  EXPECT_NE(c.warnings[3].find("spec.etcd.extraArgs[\"peer-client-cert-auth\"] \"0\""), std::string::npos);

  Cluster safe = parseInventory(
      inv("  apiServer: {extraArgs: {anonymous-auth: \"false\", authorization-mode: \"Node,RBAC\"}}\n"
          "  etcd: {extraArgs: {client-cert-auth: \"true\"}}\n",
          "{name: cp1, address: 10.0.0.1}"),
      "a.yaml");
  EXPECT_TRUE(safe.warnings.empty()) << safe.warnings.front();
  // AlwaysAllow must be a whole element of the list.
  EXPECT_TRUE(parseInventory(inv("  apiServer: {extraArgs: {authorization-mode: \"Node,RBAC,AlwaysAllowX\"}}\n",
                                 "{name: cp1, address: 10.0.0.1}"),
                             "a.yaml")
                  .warnings.empty());
}
