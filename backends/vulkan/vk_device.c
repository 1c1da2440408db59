/*
 * Physical device enumeration (with duplicates of one GPU dropped by
 * deviceUUID), pv_device_info, the verbose description, and opening a
 * logical device with a compute queue (a compute-only family when there is
 * one) and, where the quirks allow, a separate transfer queue.
 */
#include "vk_common.h"

#include <stddef.h>
#include <stdlib.h>

static int has_dev_ext(pv_plugin_ctx *ctx, VkPhysicalDevice pd,
                       const char *name) {
  uint32_t n = 0;
  if (ctx->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) < 0 || !n)
    return 0;
  VkExtensionProperties *e = calloc(n, sizeof *e);
  int found = 0;
  if (e && ctx->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e) >= 0)
    for (uint32_t i = 0; i < n && !found; i++)
      found = !strcmp(e[i].extensionName, name);
  free(e);
  return found;
}

static void pick_queues(pv_plugin_ctx *ctx, pv_vk_physdev *d) {
  uint32_t n = 0;
  ctx->vkGetPhysicalDeviceQueueFamilyProperties(d->pd, &n, NULL);
  VkQueueFamilyProperties *q = n ? calloc(n, sizeof *q) : NULL;
  d->compute_family = d->transfer_family = -1;
  if (!q)
    return;
  ctx->vkGetPhysicalDeviceQueueFamilyProperties(d->pd, &n, q);
  /* Compute-only first (async compute on AMD/NVIDIA), then any compute. */
  for (uint32_t i = 0; i < n && d->compute_family < 0; i++)
    if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
        !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) && q[i].queueCount)
      d->compute_family = (int)i;
  for (uint32_t i = 0; i < n && d->compute_family < 0; i++)
    if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && q[i].queueCount)
      d->compute_family = (int)i;
  /* A transfer-only family is a DMA engine. */
  for (uint32_t i = 0; i < n && d->transfer_family < 0; i++)
    if ((q[i].queueFlags & VK_QUEUE_TRANSFER_BIT) &&
        !(q[i].queueFlags & (VK_QUEUE_COMPUTE_BIT | VK_QUEUE_GRAPHICS_BIT)) &&
        q[i].queueCount)
      d->transfer_family = (int)i;
  if (d->transfer_family < 0)
    d->transfer_family = d->compute_family;
  free(q);
}

int pv__vk_enumerate(pv_plugin_ctx *ctx) {
  uint32_t n = 0;
  if (ctx->vkEnumeratePhysicalDevices(ctx->instance, &n, NULL) < 0 || !n)
    return 0;
  VkPhysicalDevice *pds = calloc(n, sizeof *pds);
  if (!pds)
    return 0;
  if (ctx->vkEnumeratePhysicalDevices(ctx->instance, &n, pds) < 0)
    n = 0;
  for (uint32_t i = 0; i < n && ctx->n_devices < PV_VK_MAX_DEVICES; i++) {
    pv_vk_physdev *d = &ctx->devices[ctx->n_devices];
    memset(d, 0, sizeof *d);
    d->pd = pds[i];
    ctx->vkGetPhysicalDeviceProperties(d->pd, &d->props);
    if (d->props.apiVersion < VK_API_VERSION_1_1) {
      pv__vk_log(PV_LOG_INFO, "vulkan: skipping %s (Vulkan 1.0 only)",
                 d->props.deviceName);
      continue;
    }
    VkPhysicalDeviceDriverProperties drv = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    d->id.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES;
    d->subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    d->maint3.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
    d->id.pNext = &d->subgroup;
    d->subgroup.pNext = &d->maint3;
    int have_drv = d->props.apiVersion >= VK_API_VERSION_1_2 ||
                   has_dev_ext(ctx, d->pd, "VK_KHR_driver_properties");
    if (have_drv)
      d->maint3.pNext = &drv;
    VkPhysicalDeviceProperties2 p2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
        .pNext = &d->id};
    ctx->vkGetPhysicalDeviceProperties2(d->pd, &p2);
    d->id.pNext = d->subgroup.pNext = d->maint3.pNext = NULL;
    /* One GPU may be listed twice (two ICDs, or a layer): keep the first. */
    int dup = 0;
    for (int j = 0; j < ctx->n_devices && !dup; j++)
      dup = !memcmp(ctx->devices[j].id.deviceUUID, d->id.deviceUUID,
                    VK_UUID_SIZE);
    if (dup) {
      pv__vk_log(PV_LOG_INFO, "vulkan: dropping duplicate of %s",
                 d->props.deviceName);
      continue;
    }
    VkPhysicalDevice16BitStorageFeatures f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceFeatures2 f2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f16};
    ctx->vkGetPhysicalDeviceFeatures2(d->pd, &f2);
    d->has_fp16_storage = f16.storageBuffer16BitAccess == VK_TRUE;
    ctx->vkGetPhysicalDeviceMemoryProperties(d->pd, &d->mem);
    for (uint32_t h = 0; h < d->mem.memoryHeapCount; h++)
      if (d->mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
        d->memory_bytes += d->mem.memoryHeaps[h].size;
    pv__vk_quirks_lookup(&d->props, have_drv ? (uint32_t)drv.driverID : 0,
                         &d->quirks);
    if (d->quirks.disable_fp16)
      d->has_fp16_storage = 0;
    pick_queues(ctx, d);
    if (d->compute_family < 0) {
      pv__vk_log(PV_LOG_INFO, "vulkan: %s has no compute queue",
                 d->props.deviceName);
      continue;
    }
    switch (d->props.deviceType) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      d->score = 300;
      break;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      d->score = 200;
      break;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      d->score = 100;
      break;
    default:
      d->score = 0;
    }
    ctx->n_devices++;
  }
  free(pds);
  return 0;
}

static const char *type_name(VkPhysicalDeviceType t) {
  switch (t) {
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
    return "discrete";
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
    return "integrated";
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
    return "virtual";
  case VK_PHYSICAL_DEVICE_TYPE_CPU:
    return "cpu";
  default:
    return "other";
  }
}

static const char *vendor_name(uint32_t id) {
  switch (id) {
  case 0x1002:
    return "AMD";
  case 0x10de:
    return "NVIDIA";
  case 0x8086:
    return "Intel";
  case 0x13b5:
    return "ARM";
  case 0x5143:
    return "Qualcomm";
  case 0x106b:
    return "Apple";
  case 0x10005:
    return "Mesa";
  default:
    return "unknown";
  }
}

int pv__vk_device_info(pv_plugin_ctx *ctx, int index, pv_device_info *info) {
  if (index < 0 || index >= ctx->n_devices)
    return pv__vk_error(PV_ERR_RANGE, "vulkan: no device %d (have %d)", index,
                        ctx->n_devices);
  const pv_vk_physdev *d = &ctx->devices[index];
  uint32_t ss = info->struct_size ? info->struct_size : sizeof *info;
  if (ss > sizeof *info)
    ss = sizeof *info;
  pv_device_info t;
  memset(&t, 0, sizeof t);
  t.struct_size = ss;
  switch (d->props.deviceType) {
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
    t.type = PV_DEVICE_DGPU;
    break;
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
    t.type = PV_DEVICE_IGPU;
    break;
  case VK_PHYSICAL_DEVICE_TYPE_CPU:
    t.type = PV_DEVICE_CPU;
    t.caps |= PV_CAP_SOFTWARE;
    break;
  default:
    t.type = PV_DEVICE_OTHER;
  }
  snprintf(t.name, sizeof t.name, "%s", d->props.deviceName);
  snprintf(t.vendor, sizeof t.vendor, "%s", vendor_name(d->props.vendorID));
  snprintf(t.driver, sizeof t.driver, "Vulkan %u.%u.%u, driver 0x%x",
           VK_API_VERSION_MAJOR(d->props.apiVersion),
           VK_API_VERSION_MINOR(d->props.apiVersion),
           VK_API_VERSION_PATCH(d->props.apiVersion), d->props.driverVersion);
  t.vendor_id = d->props.vendorID;
  t.device_id = d->props.deviceID;
  t.memory_bytes = d->memory_bytes;
  t.max_alloc_bytes = d->maint3.maxMemoryAllocationSize;
  if (d->has_fp16_storage)
    t.caps |= PV_CAP_FP16;
  if (d->subgroup.subgroupSize > 1)
    t.caps |= PV_CAP_SUBGROUPS;
  t.score = d->score;
  t.has_uuid = 1;
  memcpy(t.uuid, d->id.deviceUUID, 16);
  t.max_workgroup_size =
      (int32_t)d->props.limits.maxComputeWorkGroupInvocations;
  t.subgroup_size = (int32_t)d->subgroup.subgroupSize;
  t.local_memory_bytes = d->props.limits.maxComputeSharedMemorySize;
  memcpy(info, &t, ss);
  return 0;
}

int pv__vk_device_describe(pv_plugin_ctx *ctx, int index, char *buf,
                           size_t size) {
  if (index < 0 || index >= ctx->n_devices)
    return pv__vk_error(PV_ERR_RANGE, "vulkan: no device %d", index);
  const pv_vk_physdev *d = &ctx->devices[index];
  const VkPhysicalDeviceLimits *l = &d->props.limits;
  snprintf(
      buf, size,
      "type=%s api=%u.%u vendor=0x%04x device=0x%04x driver=0x%x "
      "compute_queue_family=%d transfer_queue_family=%d%s "
      "subgroup=%u fp16_storage=%s max_storage_range=%u "
      "max_alloc=%llu shared_mem=%u max_invocations=%u "
      "offset_align=%llu quirks=\"%s\" submit_chunk=%d validation=%s",
      type_name(d->props.deviceType), VK_API_VERSION_MAJOR(d->props.apiVersion),
      VK_API_VERSION_MINOR(d->props.apiVersion), d->props.vendorID,
      d->props.deviceID, d->props.driverVersion, d->compute_family,
      d->transfer_family,
      d->transfer_family != d->compute_family ? " (dma)" : "",
      d->subgroup.subgroupSize, d->has_fp16_storage ? "yes" : "no",
      l->maxStorageBufferRange,
      (unsigned long long)d->maint3.maxMemoryAllocationSize,
      l->maxComputeSharedMemorySize, l->maxComputeWorkGroupInvocations,
      (unsigned long long)l->minStorageBufferOffsetAlignment, d->quirks.note,
      d->quirks.max_dispatches_per_submit, ctx->validation ? "on" : "off");
  return 0;
}

int pv__vk_device_open(pv_plugin_ctx *ctx, int index,
                       const pv_device_options *opts, pv_plugin_device **out) {
  if (index < 0 || index >= ctx->n_devices)
    return pv__vk_error(PV_ERR_RANGE, "vulkan: no device %d (have %d)", index,
                        ctx->n_devices);
  pv_vk_physdev *d = &ctx->devices[index];
  pv_plugin_device *dev = calloc(1, sizeof *dev);
  if (!dev)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  dev->ctx = ctx;
  dev->phys = d;
  /* Only read fields the caller's struct has. */
  int precision =
      opts && opts->struct_size >= offsetof(pv_device_options, precision) +
                                       sizeof opts->precision
          ? opts->precision
          : 0;
  const char *env = ctx->host->get_option("POLYVIS_PRECISION");
  if (env && !strcmp(env, "fp16"))
    precision = 1;
  dev->fp16 = precision == 1 && d->has_fp16_storage;
  int use_xfer = d->transfer_family != d->compute_family &&
                 d->quirks.prefer_transfer_queue;
  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci[2] = {
      {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
       .queueFamilyIndex = (uint32_t)d->compute_family,
       .queueCount = 1,
       .pQueuePriorities = &prio},
      {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
       .queueFamilyIndex = (uint32_t)d->transfer_family,
       .queueCount = 1,
       .pQueuePriorities = &prio}};
  VkPhysicalDevice16BitStorageFeatures f16 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
      .storageBuffer16BitAccess = dev->fp16 ? VK_TRUE : VK_FALSE};
  const char *exts[1];
  uint32_t n_exts = 0;
  if (has_dev_ext(ctx, d->pd, "VK_KHR_portability_subset"))
    exts[n_exts++] = "VK_KHR_portability_subset";
  VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                            .pNext = &f16,
                            .queueCreateInfoCount = use_xfer ? 2 : 1,
                            .pQueueCreateInfos = qci,
                            .enabledExtensionCount = n_exts,
                            .ppEnabledExtensionNames = exts};
  VkResult r = ctx->vkCreateDevice(d->pd, &dci, NULL, &dev->device);
  if (r != VK_SUCCESS) {
    free(dev);
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkCreateDevice on %s: %s",
                        d->props.deviceName, pv__vk_result_str(r));
  }
#define PV__VK_DEV(name)                                                       \
  dev->name = (PFN_##name)ctx->vkGetDeviceProcAddr(dev->device, #name);        \
  if (!dev->name) {                                                            \
    PFN_vkDestroyDevice destroy =                                              \
        (PFN_vkDestroyDevice)ctx->vkGetDeviceProcAddr(dev->device,             \
                                                      "vkDestroyDevice");      \
    if (destroy)                                                               \
      destroy(dev->device, NULL);                                              \
    free(dev);                                                                 \
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: device lacks %s", #name);      \
  }
  PV_VK_DEVICE_FNS(PV__VK_DEV)
#undef PV__VK_DEV
  dev->vkGetDeviceQueue(dev->device, (uint32_t)d->compute_family, 0,
                        &dev->queue);
  if (use_xfer)
    dev->vkGetDeviceQueue(dev->device, (uint32_t)d->transfer_family, 0,
                          &dev->transfer_queue);
  else
    dev->transfer_queue = VK_NULL_HANDLE;
  pthread_mutex_init(&dev->queue_mu, NULL);
  pthread_mutex_init(&dev->xfer_mu, NULL);
  pthread_mutex_init(&dev->mem_mu, NULL);
  pthread_mutex_init(&dev->pipe_mu, NULL);
  dev->max_dispatches_per_submit = d->quirks.max_dispatches_per_submit;
  const char *chunk = ctx->host->get_option("POLYVIS_VK_SUBMIT_CHUNK");
  if (chunk && atoi(chunk) > 0)
    dev->max_dispatches_per_submit = atoi(chunk);
  int rc = pv__vk_mem_init(dev);
  /* Debug knob: a lower maxStorageBufferRange than the device's, so tests
   * reach the binding-range paths (batch chunking, weight row ranges) with
   * small tensors. Never raises the limit. */
  const char *mr = ctx->host->get_option("POLYVIS_VK_MAX_STORAGE_RANGE");
  if (!rc && mr) {
    unsigned long long v = strtoull(mr, NULL, 0);
    if (v >= 4096 && v < dev->max_range)
      dev->max_range = v & ~(unsigned long long)3;
  }
  if (!rc)
    rc = pv__vk_pipelines_init(dev);
  if (rc) {
    pv__vk_device_close(dev);
    return rc;
  }
  *out = dev;
  return 0;
}

void pv__vk_device_close(pv_plugin_device *dev) {
  if (!dev)
    return;
  if (dev->device) {
    dev->vkDeviceWaitIdle(dev->device);
    pv__vk_pipelines_shutdown(dev);
    pv__vk_mem_shutdown(dev);
    dev->vkDestroyDevice(dev->device, NULL);
  }
  pthread_mutex_destroy(&dev->queue_mu);
  pthread_mutex_destroy(&dev->xfer_mu);
  pthread_mutex_destroy(&dev->mem_mu);
  pthread_mutex_destroy(&dev->pipe_mu);
  free(dev);
}
