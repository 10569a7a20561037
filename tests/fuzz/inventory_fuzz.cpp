// libFuzzer target for the inventory parser: the entry point `kforge validate -f` uses (parseInventory, what
// loadInventory calls after reading the file). Any input may be refused with kforge::Error; a crash, another
// exception escaping, a leak or undefined behaviour (ASan + UBSan, scripts/fuzz.sh) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/inventory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kforge::Cluster c = kforge::parseInventory(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    (void)c.hosts();
  } catch (const kforge::Error&) {
    // Refused input: fine.
  }
  return 0;
}
