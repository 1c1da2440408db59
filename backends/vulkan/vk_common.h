/*
 * Internal declarations of the Vulkan backend plugin (prefix pv__vk).
 *
 * The plugin never links against libvulkan: it dlopens the loader and
 * fetches every entry point through vkGetInstanceProcAddr /
 * vkGetDeviceProcAddr into the tables below, so a machine without Vulkan
 * still loads the plugin and simply reports 0 devices.
 */
#ifndef POLYVIS_VK_COMMON_H
#define POLYVIS_VK_COMMON_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <polyvis/error.h>
#include <polyvis/plugin.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PV_VK_VERSION "0.1.0"
#define PV_VK_MAX_DEVICES 16
#define PV_VK_MAX_BINDINGS 6
#define PV_VK_PUSH_WORDS 32 /* 128 bytes: the guaranteed minimum */

/* Entry points resolved from the loader before an instance exists. */
#define PV_VK_GLOBAL_FNS(X)                                                    \
  X(vkEnumerateInstanceExtensionProperties)                                    \
  X(vkEnumerateInstanceLayerProperties)                                        \
  X(vkCreateInstance)

/* Entry points resolved per instance. */
#define PV_VK_INSTANCE_FNS(X)                                                  \
  X(vkDestroyInstance)                                                         \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceProperties2)                                            \
  X(vkGetPhysicalDeviceFeatures2)                                              \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkEnumerateDeviceExtensionProperties)                                      \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceProcAddr)

/* Entry points resolved per device. */
#define PV_VK_DEVICE_FNS(X)                                                    \
  X(vkDestroyDevice)                                                           \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkUnmapMemory)                                                             \
  X(vkFlushMappedMemoryRanges)                                                 \
  X(vkInvalidateMappedMemoryRanges)                                            \
  X(vkCreateShaderModule)                                                      \
  X(vkDestroyShaderModule)                                                     \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkDestroyDescriptorSetLayout)                                              \
  X(vkCreatePipelineLayout)                                                    \
  X(vkDestroyPipelineLayout)                                                   \
  X(vkCreateComputePipelines)                                                  \
  X(vkDestroyPipeline)                                                         \
  X(vkCreatePipelineCache)                                                     \
  X(vkDestroyPipelineCache)                                                    \
  X(vkGetPipelineCacheData)                                                    \
  X(vkCreateDescriptorPool)                                                    \
  X(vkDestroyDescriptorPool)                                                   \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkDestroyCommandPool)                                                      \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkFreeCommandBuffers)                                                      \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdPushConstants)                                                        \
  X(vkCmdDispatch)                                                             \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCmdCopyBuffer)                                                           \
  X(vkQueueSubmit)                                                             \
  X(vkQueueWaitIdle)                                                           \
  X(vkDeviceWaitIdle)                                                          \
  X(vkCreateFence)                                                             \
  X(vkDestroyFence)                                                            \
  X(vkWaitForFences)                                                           \
  X(vkResetFences)

#define PV__VK_DECL(name) PFN_##name name;

/* Device-independent quirks, looked up once per physical device. */
typedef struct pv_vk_quirks {
  const char *note;          /* why, for device_describe */
  int prefer_transfer_queue; /* 0: do staging copies on the compute queue */
  int disable_fp16;          /* fp16 storage is broken or slow */
  int max_dispatches_per_submit;
  int force_staging; /* never map device memory directly */
} pv_vk_quirks;

/* One physical device as enumerated at init. */
typedef struct pv_vk_physdev {
  VkPhysicalDevice pd;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceIDProperties id;
  VkPhysicalDeviceSubgroupProperties subgroup;
  VkPhysicalDeviceMaintenance3Properties maint3;
  VkPhysicalDeviceMemoryProperties mem;
  int has_fp16_storage;
  int compute_family, transfer_family; /* transfer = compute if no separate */
  uint64_t memory_bytes;
  pv_vk_quirks quirks;
  int score;
} pv_vk_physdev;

struct pv_plugin_ctx {
  const pv_host_api *host;
  void *lib;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
  PFN_vkEnumerateInstanceVersion vkEnumerateInstanceVersion;
  PV_VK_GLOBAL_FNS(PV__VK_DECL)
  PV_VK_INSTANCE_FNS(PV__VK_DECL)
  PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
  PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  int validation; /* messenger installed */
  int n_devices;
  pv_vk_physdev devices[PV_VK_MAX_DEVICES];
};

/* A sub-allocation of one VkDeviceMemory block. */
typedef struct pv_vk_block pv_vk_block;

/* A buffer: one VkBuffer bound to a range of a block. */
typedef struct pv_vk_buf {
  VkBuffer buffer;
  pv_vk_block *block;
  uint64_t offset, size; /* in the block */
  void *mapped;          /* host pointer when the block is mappable */
  uint64_t id;           /* unique, never reused: keys per-arena caches */
} pv_vk_buf;

struct pv_plugin_buffer {
  pv_vk_buf b;
};

typedef struct pv_vk_pipeline {
  int shader;
  uint32_t spec[8];
  int n_spec;
  VkPipeline pipeline;
  VkPipelineLayout layout;
  VkDescriptorSetLayout dsl;
  int n_bind;
} pv_vk_pipeline;

struct pv_plugin_device {
  pv_plugin_ctx *ctx;
  pv_vk_physdev *phys;
  PV_VK_DEVICE_FNS(PV__VK_DECL)
  VkDevice device;
  VkQueue queue, transfer_queue;
  pthread_mutex_t queue_mu; /* every vkQueueSubmit on `queue` */
  pthread_mutex_t xfer_mu;  /* staging: pool, buffer, transfer queue */
  pthread_mutex_t mem_mu;   /* the block allocator */
  pthread_mutex_t pipe_mu;  /* the pipeline cache table */
  int fp16;                 /* fp16 weight storage requested and supported */
  int use_staging;          /* memory is not host-visible */
  uint32_t mem_type_device, mem_type_host;
  uint64_t block_size;
  uint64_t max_range; /* maxStorageBufferRange */
  uint64_t align;     /* minStorageBufferOffsetAlignment (>= 4) */
  pv_vk_block *blocks;
  /* staging */
  VkCommandPool xfer_pool;
  VkCommandBuffer xfer_cb;
  VkFence xfer_fence;
  pv_vk_buf staging;
  int staging_ok;
  /* pipelines */
  VkPipelineCache pcache;
  char pcache_path[1024];
  size_t pcache_loaded_size;
  pv_vk_pipeline *pipes;
  int n_pipes, cap_pipes;
  VkDescriptorSetLayout dsl[PV_VK_MAX_BINDINGS + 1];
  VkPipelineLayout playout[PV_VK_MAX_BINDINGS + 1];
  uint64_t next_buf_id;
  int max_dispatches_per_submit;
};

/* --- vk_plugin.c --------------------------------------------------------- */
extern const pv_host_api *pv__vk_host;
int pv__vk_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pv__vk_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *pv__vk_result_str(VkResult r);

/* --- vk_loader.c --------------------------------------------------------- */
int pv__vk_instance_create(pv_plugin_ctx *ctx);
/* Fails (PV_ERR_DEVICE, naming the first message) once a validation warning
 * or error was reported, when POLYVIS_VK_VALIDATION_FATAL is set. */
int pv__vk_validation_check(void);
void pv__vk_instance_destroy(pv_plugin_ctx *ctx);

/* --- vk_device.c --------------------------------------------------------- */
int pv__vk_enumerate(pv_plugin_ctx *ctx);
int pv__vk_device_info(pv_plugin_ctx *ctx, int index, pv_device_info *info);
int pv__vk_device_describe(pv_plugin_ctx *ctx, int index, char *buf,
                           size_t size);
int pv__vk_device_open(pv_plugin_ctx *ctx, int index,
                       const pv_device_options *opts, pv_plugin_device **out);
void pv__vk_device_close(pv_plugin_device *dev);

/* --- quirks.c ------------------------------------------------------------ */
void pv__vk_quirks_lookup(const VkPhysicalDeviceProperties *p,
                          uint32_t driver_id, pv_vk_quirks *q);

/* --- vk_memory.c --------------------------------------------------------- */
int pv__vk_mem_init(pv_plugin_device *dev);
void pv__vk_mem_shutdown(pv_plugin_device *dev);
int pv__vk_buf_create(pv_plugin_device *dev, uint64_t size, pv_vk_buf *out);
void pv__vk_buf_destroy(pv_plugin_device *dev, pv_vk_buf *b);
int pv__vk_buf_write(pv_plugin_device *dev, pv_vk_buf *b, uint64_t off,
                     const void *src, uint64_t size);
int pv__vk_buf_read(pv_plugin_device *dev, pv_vk_buf *b, uint64_t off,
                    void *dst, uint64_t size);

/* --- vk_pipeline.c ------------------------------------------------------- */
int pv__vk_pipelines_init(pv_plugin_device *dev);
void pv__vk_pipelines_shutdown(pv_plugin_device *dev);
/* The pipeline for a shader with these specialization constants, created on
 * first use. */
int pv__vk_pipeline_get(pv_plugin_device *dev, int shader, const uint32_t *spec,
                        int n_spec, pv_vk_pipeline **out);

/* --- shaders.c ----------------------------------------------------------- */
typedef struct pv_vk_shader {
  const char *name;
  const uint32_t *code;
  size_t size; /* bytes */
  int n_bind;  /* storage buffer bindings 0..n_bind-1 */
} pv_vk_shader;
const pv_vk_shader *pv__vk_shader(int id, int fp16);
/* Or'ed into a shader id: the fp16-weight-storage variant. */
#define PV_VK_SHADER_F16 0x100

#endif
