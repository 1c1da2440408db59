/*
 * Compute pipelines: created on first use for a (shader, specialization
 * constants) pair, kept for the life of the device, and backed by a
 * persistent VkPipelineCache file under host->cache_dir()/vulkan/.
 *
 * The file starts with our own header keyed by the plugin version,
 * vendorID, deviceID, driverVersion and pipelineCacheUUID; anything that
 * does not match (another driver, a truncated or corrupt file) is a miss,
 * never an error. Note that some drivers (Debian 12 lavapipe) return only
 * the 32-byte Vulkan header from vkGetPipelineCacheData.
 */
#include "vk_common.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCACHE_MAGIC "PVVKPC01"

typedef struct pcache_header {
  char magic[8];
  char version[16];
  uint32_t vendor, device, driver, reserved;
  uint8_t uuid[VK_UUID_SIZE];
  uint64_t size;
} pcache_header;

static void make_header(pv_plugin_device *dev, pcache_header *h) {
  memset(h, 0, sizeof *h);
  memcpy(h->magic, PCACHE_MAGIC, 8);
  snprintf(h->version, sizeof h->version, "%s", PV_VK_VERSION);
  h->vendor = dev->phys->props.vendorID;
  h->device = dev->phys->props.deviceID;
  h->driver = dev->phys->props.driverVersion;
  memcpy(h->uuid, dev->phys->props.pipelineCacheUUID, VK_UUID_SIZE);
}

static int mkdirs(const char *path) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    if (mkdir(tmp, 0755) && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0755) && errno != EEXIST)
    return -1;
  return 0;
}

/* Reads the cache file; returns malloc'ed Vulkan cache data or NULL. */
static void *load_cache(pv_plugin_device *dev, size_t *size) {
  *size = 0;
  FILE *f = fopen(dev->pcache_path, "rb");
  if (!f)
    return NULL;
  pcache_header want, got;
  make_header(dev, &want);
  void *data = NULL;
  if (fread(&got, sizeof got, 1, f) == 1 &&
      !memcmp(&got, &want, offsetof(pcache_header, size)) && got.size > 0 &&
      got.size < ((uint64_t)1 << 30)) {
    data = malloc(got.size);
    if (data && fread(data, 1, got.size, f) != got.size) {
      free(data);
      data = NULL;
    } else if (data) {
      *size = got.size;
    }
  }
  fclose(f);
  if (!data)
    pv__vk_log(PV_LOG_INFO,
               "vulkan: pipeline cache %s is foreign or corrupt: ignored",
               dev->pcache_path);
  return data;
}

static void save_cache(pv_plugin_device *dev) {
  if (!dev->pcache || !dev->pcache_path[0])
    return;
  size_t size = 0;
  if (dev->vkGetPipelineCacheData(dev->device, dev->pcache, &size, NULL) !=
          VK_SUCCESS ||
      !size)
    return;
  char *buf = malloc(sizeof(pcache_header) + size);
  if (!buf)
    return;
  pcache_header h;
  make_header(dev, &h);
  if (dev->vkGetPipelineCacheData(dev->device, dev->pcache, &size,
                                  buf + sizeof h) != VK_SUCCESS) {
    free(buf);
    return;
  }
  h.size = size;
  memcpy(buf, &h, sizeof h);
  char dir[1024], tmp[1100];
  snprintf(dir, sizeof dir, "%s", dev->pcache_path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = 0;
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", dev->pcache_path, (int)getpid());
  FILE *f = NULL;
  if (!mkdirs(dir))
    f = fopen(tmp, "wb");
  int ok = f && fwrite(buf, 1, sizeof h + size, f) == sizeof h + size;
  if (f && fclose(f))
    ok = 0;
  if (ok && rename(tmp, dev->pcache_path))
    ok = 0;
  if (!ok) {
    if (f)
      unlink(tmp);
    pv__vk_log(PV_LOG_INFO, "vulkan: cannot write pipeline cache %s",
               dev->pcache_path);
  }
  free(buf);
}

int pv__vk_pipelines_init(pv_plugin_device *dev) {
  /* One descriptor set layout + pipeline layout per binding count. */
  for (int n = 1; n <= PV_VK_MAX_BINDINGS; n++) {
    VkDescriptorSetLayoutBinding b[PV_VK_MAX_BINDINGS];
    for (int i = 0; i < n; i++) {
      b[i].binding = (uint32_t)i;
      b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      b[i].descriptorCount = 1;
      b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
      b[i].pImmutableSamplers = NULL;
    }
    VkDescriptorSetLayoutCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = (uint32_t)n,
        .pBindings = b};
    if (dev->vkCreateDescriptorSetLayout(dev->device, &dci, NULL,
                                         &dev->dsl[n]) != VK_SUCCESS)
      return pv__vk_error(PV_ERR_DEVICE,
                          "vulkan: vkCreateDescriptorSetLayout failed");
    VkPushConstantRange pr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
                              .offset = 0,
                              .size = PV_VK_PUSH_WORDS * 4};
    VkPipelineLayoutCreateInfo lci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &dev->dsl[n],
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &pr};
    if (dev->vkCreatePipelineLayout(dev->device, &lci, NULL,
                                    &dev->playout[n]) != VK_SUCCESS)
      return pv__vk_error(PV_ERR_DEVICE,
                          "vulkan: vkCreatePipelineLayout failed");
  }
  const char *dir = dev->ctx->host->cache_dir();
  size_t size = 0;
  void *data = NULL;
  if (dir && *dir) {
    char uuid[33];
    for (int i = 0; i < 16; i++)
      snprintf(uuid + 2 * i, 3, "%02x", dev->phys->id.deviceUUID[i]);
    snprintf(dev->pcache_path, sizeof dev->pcache_path,
             "%s/vulkan/pipelines-%04x-%04x-%s.bin", dir,
             dev->phys->props.vendorID, dev->phys->props.deviceID, uuid);
    data = load_cache(dev, &size);
  }
  VkPipelineCacheCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
      .initialDataSize = size,
      .pInitialData = data};
  VkResult r = dev->vkCreatePipelineCache(dev->device, &ci, NULL, &dev->pcache);
  if (r != VK_SUCCESS && data) { /* the driver rejected the data: a miss */
    ci.initialDataSize = 0;
    ci.pInitialData = NULL;
    r = dev->vkCreatePipelineCache(dev->device, &ci, NULL, &dev->pcache);
  }
  free(data);
  if (r != VK_SUCCESS)
    dev->pcache = VK_NULL_HANDLE; /* pipelines still work without one */
  dev->pcache_loaded_size = size;
  return 0;
}

void pv__vk_pipelines_shutdown(pv_plugin_device *dev) {
  save_cache(dev);
  for (int i = 0; i < dev->n_pipes; i++)
    dev->vkDestroyPipeline(dev->device, dev->pipes[i].pipeline, NULL);
  free(dev->pipes);
  dev->pipes = NULL;
  dev->n_pipes = 0;
  if (dev->pcache)
    dev->vkDestroyPipelineCache(dev->device, dev->pcache, NULL);
  for (int n = 1; n <= PV_VK_MAX_BINDINGS; n++) {
    if (dev->playout[n])
      dev->vkDestroyPipelineLayout(dev->device, dev->playout[n], NULL);
    if (dev->dsl[n])
      dev->vkDestroyDescriptorSetLayout(dev->device, dev->dsl[n], NULL);
  }
}

int pv__vk_pipeline_get(pv_plugin_device *dev, int shader, const uint32_t *spec,
                        int n_spec, pv_vk_pipeline **out) {
  if (n_spec > 8)
    return pv__vk_error(PV_ERR_INTERNAL, "vulkan: too many constants");
  pthread_mutex_lock(&dev->pipe_mu);
  for (int i = 0; i < dev->n_pipes; i++) {
    pv_vk_pipeline *p = &dev->pipes[i];
    if (p->shader == shader && p->n_spec == n_spec &&
        (!n_spec ||
         !memcmp(p->spec, spec, sizeof(uint32_t) * (size_t)n_spec))) {
      *out = p;
      pthread_mutex_unlock(&dev->pipe_mu);
      return 0;
    }
  }
  int rc = 0;
  const pv_vk_shader *sh =
      pv__vk_shader(shader & 0xff, (shader & PV_VK_SHADER_F16) != 0);
  if (!sh) {
    rc = pv__vk_error(PV_ERR_INTERNAL, "vulkan: no shader %d", shader);
    goto done;
  }
  if (dev->n_pipes == dev->cap_pipes) {
    /* Pipelines are handed out by pointer: grow only while nobody holds
     * one, i.e. allocate generously up front. */
    if (dev->cap_pipes) {
      rc = pv__vk_error(PV_ERR_NOMEM, "vulkan: pipeline table is full (%d)",
                        dev->cap_pipes);
      goto done;
    }
    dev->cap_pipes = 1024;
    dev->pipes = calloc((size_t)dev->cap_pipes, sizeof *dev->pipes);
    if (!dev->pipes) {
      dev->cap_pipes = 0;
      rc = pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
      goto done;
    }
  }
  VkShaderModuleCreateInfo smci = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
      .codeSize = sh->size,
      .pCode = sh->code};
  VkShaderModule mod;
  VkResult r = dev->vkCreateShaderModule(dev->device, &smci, NULL, &mod);
  if (r != VK_SUCCESS) {
    rc = pv__vk_error(PV_ERR_DEVICE, "vulkan: shader %s: %s", sh->name,
                      pv__vk_result_str(r));
    goto done;
  }
  VkSpecializationMapEntry me[8];
  for (int i = 0; i < n_spec; i++) {
    me[i].constantID = (uint32_t)i;
    me[i].offset = (uint32_t)(4 * i);
    me[i].size = 4;
  }
  VkSpecializationInfo si = {.mapEntryCount = (uint32_t)n_spec,
                             .pMapEntries = me,
                             .dataSize = (size_t)(4 * n_spec),
                             .pData = spec};
  VkComputePipelineCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = mod,
                .pName = "main",
                .pSpecializationInfo = n_spec ? &si : NULL},
      .layout = dev->playout[sh->n_bind]};
  pv_vk_pipeline *p = &dev->pipes[dev->n_pipes];
  r = dev->vkCreateComputePipelines(dev->device, dev->pcache, 1, &ci, NULL,
                                    &p->pipeline);
  dev->vkDestroyShaderModule(dev->device, mod, NULL);
  if (r != VK_SUCCESS) {
    rc = pv__vk_error(PV_ERR_DEVICE, "vulkan: pipeline for %s: %s", sh->name,
                      pv__vk_result_str(r));
    goto done;
  }
  p->shader = shader;
  p->n_spec = n_spec;
  if (n_spec)
    memcpy(p->spec, spec, sizeof(uint32_t) * (size_t)n_spec);
  p->layout = dev->playout[sh->n_bind];
  p->dsl = dev->dsl[sh->n_bind];
  p->n_bind = sh->n_bind;
  dev->n_pipes++;
  *out = p;
done:
  pthread_mutex_unlock(&dev->pipe_mu);
  return rc;
}
