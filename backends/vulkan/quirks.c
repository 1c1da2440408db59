/*
 * The one table of per-driver workarounds, keyed by vendor ID, device ID
 * (0 = any) and VkDriverId (0 = any). The first matching row wins, so
 * specific rows go before generic ones. Every row says why it exists; it is
 * printed by `polyvis devices --verbose`.
 */
#include "vk_common.h"

typedef struct quirk_row {
  uint32_t vendor, device, driver;
  pv_vk_quirks q;
} quirk_row;

#define VENDOR_AMD 0x1002
#define VENDOR_NVIDIA 0x10de
#define VENDOR_INTEL 0x8086
#define VENDOR_ARM 0x13b5
#define VENDOR_QUALCOMM 0x5143
#define VENDOR_APPLE 0x106b
#define VENDOR_MESA 0x10005 /* VK_VENDOR_ID_MESA: lavapipe */

static const quirk_row g_quirks[] = {
    /* lavapipe runs every dispatch on the CPU threads and has no timeout:
     * long command buffers are cheaper than many submits. */
    {VENDOR_MESA,
     0,
     0,
     {"lavapipe: software rasterizer, no TDR; large submit chunks", 0, 0, 1024,
      0}},
    /* Mali and Adreno drivers have shipped broken 16-bit storage on older
     * releases and short GPU watchdogs. */
    {VENDOR_ARM,
     0,
     0,
     {"Mali: short watchdog, small submit chunks; fp16 storage off", 0, 1, 64,
      0}},
    {VENDOR_QUALCOMM,
     0,
     0,
     {"Adreno: short watchdog, small submit chunks; fp16 storage off", 0, 1, 64,
      0}},
    /* MoltenVK: Metal has no separate transfer queue worth using. */
    {VENDOR_APPLE,
     0,
     0,
     {"MoltenVK: staging copies on the compute queue", 0, 0, 256, 0}},
    /* Discrete GPUs: use the DMA queue for staging, moderate chunks so a
     * long graph never trips the display watchdog. */
    {VENDOR_NVIDIA, 0, 0, {"NVIDIA: DMA transfer queue", 1, 0, 256, 0}},
    {VENDOR_AMD, 0, 0, {"AMD: DMA transfer queue", 1, 0, 256, 0}},
    {VENDOR_INTEL, 0, 0, {"Intel: integrated, shared memory", 0, 0, 256, 0}},
};

void pv__vk_quirks_lookup(const VkPhysicalDeviceProperties *p,
                          uint32_t driver_id, pv_vk_quirks *q) {
  for (size_t i = 0; i < sizeof g_quirks / sizeof g_quirks[0]; i++) {
    const quirk_row *r = &g_quirks[i];
    if (r->vendor != p->vendorID)
      continue;
    if (r->device && r->device != p->deviceID)
      continue;
    if (r->driver && r->driver != driver_id)
      continue;
    *q = r->q;
    return;
  }
  pv_vk_quirks def = {"generic", 1, 0, 256, 0};
  *q = def;
}
