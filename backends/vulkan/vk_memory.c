/*
 * Device memory: buffers are sub-allocated (first fit, coalescing free list)
 * from a few large VkDeviceMemory blocks, because drivers cap the number of
 * allocations (maxMemoryAllocationCount, 4096 on many) and each allocation
 * is slow. A buffer bigger than the block size gets a block of its own, up
 * to maxMemoryAllocationSize.
 *
 * Host access: when the chosen memory type is host-visible and coherent
 * (integrated GPUs, lavapipe, resizable BAR), buffers are mapped once and
 * read/written with memcpy. Otherwise reads and writes go through a staging
 * buffer and a copy on the transfer queue (a DMA queue when the device has
 * one; buffers are then created with concurrent sharing).
 */
#include "vk_common.h"

#include <stdlib.h>

#define STAGING_SIZE ((uint64_t)16 << 20)
#define MAX_FREE 256

typedef struct free_range {
  uint64_t off, size;
} free_range;

struct pv_vk_block {
  VkDeviceMemory mem;
  uint64_t size;
  uint32_t type;
  void *mapped;
  int n_free;
  free_range free[MAX_FREE];
  int n_live;
  pv_vk_block *next;
};

static int find_type(const VkPhysicalDeviceMemoryProperties *mp, uint32_t bits,
                     VkMemoryPropertyFlags want) {
  for (uint32_t i = 0; i < mp->memoryTypeCount; i++)
    if ((bits & (1u << i)) && (mp->memoryTypes[i].propertyFlags & want) == want)
      return (int)i;
  return -1;
}

int pv__vk_mem_init(pv_plugin_device *dev) {
  const pv_vk_physdev *d = dev->phys;
  const VkPhysicalDeviceMemoryProperties *mp = &d->mem;
  const char *force = dev->ctx->host->get_option("POLYVIS_VK_FORCE_STAGING");
  int staging = d->quirks.force_staging || (force && !strcmp(force, "1"));
  int t = -1;
  if (!staging)
    t = find_type(mp, ~0u,
                  VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                      VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  /* A discrete GPU's small host-visible window (256 MiB BAR) is no place
   * for weights: only map device memory when the heap is big. */
  if (t >= 0 && d->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU &&
      mp->memoryHeaps[mp->memoryTypes[t].heapIndex].size < ((uint64_t)1 << 30))
    t = -1;
  if (t >= 0) {
    dev->mem_type_device = (uint32_t)t;
    dev->use_staging = 0;
  } else {
    t = find_type(mp, ~0u, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (t < 0)
      t = 0;
    dev->mem_type_device = (uint32_t)t;
    dev->use_staging = !(mp->memoryTypes[t].propertyFlags &
                         VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) ||
                       staging;
  }
  int h = find_type(mp, ~0u,
                    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                        VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                        VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  if (h < 0)
    h = find_type(mp, ~0u,
                  VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                      VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (h < 0)
    return pv__vk_error(PV_ERR_DEVICE,
                        "vulkan: %s has no host-visible coherent memory",
                        d->props.deviceName);
  dev->mem_type_host = (uint32_t)h;
  uint64_t maxalloc = d->maint3.maxMemoryAllocationSize;
  if (!maxalloc)
    maxalloc = (uint64_t)1 << 30;
  dev->block_size = (uint64_t)64 << 20;
  if (dev->block_size > maxalloc)
    dev->block_size = maxalloc;
  dev->max_range = d->props.limits.maxStorageBufferRange;
  dev->align = d->props.limits.minStorageBufferOffsetAlignment;
  if (dev->align < 16)
    dev->align = 16;
  VkCommandPoolCreateInfo pci = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
      .queueFamilyIndex = (uint32_t)(dev->transfer_queue ? d->transfer_family
                                                         : d->compute_family)};
  VkResult r =
      dev->vkCreateCommandPool(dev->device, &pci, NULL, &dev->xfer_pool);
  if (r != VK_SUCCESS)
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkCreateCommandPool: %s",
                        pv__vk_result_str(r));
  VkCommandBufferAllocateInfo ai = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = dev->xfer_pool,
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1};
  VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (dev->vkAllocateCommandBuffers(dev->device, &ai, &dev->xfer_cb) ||
      dev->vkCreateFence(dev->device, &fci, NULL, &dev->xfer_fence))
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: cannot create staging objects");
  return 0;
}

static void block_free(pv_plugin_device *dev, pv_vk_block *b) {
  if (b->mapped)
    dev->vkUnmapMemory(dev->device, b->mem);
  dev->vkFreeMemory(dev->device, b->mem, NULL);
  free(b);
}

void pv__vk_mem_shutdown(pv_plugin_device *dev) {
  if (dev->staging_ok)
    pv__vk_buf_destroy(dev, &dev->staging);
  if (dev->xfer_fence)
    dev->vkDestroyFence(dev->device, dev->xfer_fence, NULL);
  if (dev->xfer_pool)
    dev->vkDestroyCommandPool(dev->device, dev->xfer_pool, NULL);
  while (dev->blocks) {
    pv_vk_block *n = dev->blocks->next;
    if (dev->blocks->n_live)
      pv__vk_log(PV_LOG_WARN, "vulkan: %d buffers still live at device close",
                 dev->blocks->n_live);
    block_free(dev, dev->blocks);
    dev->blocks = n;
  }
}

static int block_new(pv_plugin_device *dev, uint64_t size, uint32_t type,
                     pv_vk_block **out) {
  pv_vk_block *b = calloc(1, sizeof *b);
  if (!b)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                             .allocationSize = size,
                             .memoryTypeIndex = type};
  VkResult r = dev->vkAllocateMemory(dev->device, &ai, NULL, &b->mem);
  if (r != VK_SUCCESS) {
    free(b);
    return pv__vk_error(PV_ERR_NOMEM,
                        "vulkan: cannot allocate %llu bytes of device memory "
                        "(%s)",
                        (unsigned long long)size, pv__vk_result_str(r));
  }
  b->size = size;
  b->type = type;
  b->n_free = 1;
  b->free[0].off = 0;
  b->free[0].size = size;
  if (dev->phys->mem.memoryTypes[type].propertyFlags &
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    if (dev->vkMapMemory(dev->device, b->mem, 0, VK_WHOLE_SIZE, 0,
                         &b->mapped) != VK_SUCCESS)
      b->mapped = NULL;
  }
  b->next = dev->blocks;
  dev->blocks = b;
  *out = b;
  return 0;
}

/* First fit in one block; returns the offset or UINT64_MAX. */
static uint64_t block_take(pv_vk_block *b, uint64_t size, uint64_t align) {
  for (int i = 0; i < b->n_free; i++) {
    uint64_t start = (b->free[i].off + align - 1) & ~(align - 1);
    uint64_t end = b->free[i].off + b->free[i].size;
    if (start + size > end)
      continue;
    if (start > b->free[i].off && b->n_free >= MAX_FREE)
      continue;
    uint64_t head = start - b->free[i].off;
    free_range tail = {start + size, end - (start + size)};
    if (head) {
      b->free[i].size = head;
      if (tail.size) {
        if (b->n_free >= MAX_FREE) {
          b->free[i].size = head + size + tail.size;
          continue;
        }
        memmove(&b->free[i + 2], &b->free[i + 1],
                sizeof(free_range) * (size_t)(b->n_free - i - 1));
        b->free[i + 1] = tail;
        b->n_free++;
      }
    } else if (tail.size) {
      b->free[i] = tail;
    } else {
      memmove(&b->free[i], &b->free[i + 1],
              sizeof(free_range) * (size_t)(b->n_free - i - 1));
      b->n_free--;
    }
    b->n_live++;
    return start;
  }
  return UINT64_MAX;
}

static void block_give(pv_vk_block *b, uint64_t off, uint64_t size) {
  int i = 0;
  while (i < b->n_free && b->free[i].off < off)
    i++;
  /* merge with the previous and/or next range */
  int merged = 0;
  if (i > 0 && b->free[i - 1].off + b->free[i - 1].size == off) {
    b->free[i - 1].size += size;
    merged = 1;
    if (i < b->n_free &&
        b->free[i - 1].off + b->free[i - 1].size == b->free[i].off) {
      b->free[i - 1].size += b->free[i].size;
      memmove(&b->free[i], &b->free[i + 1],
              sizeof(free_range) * (size_t)(b->n_free - i - 1));
      b->n_free--;
    }
  } else if (i < b->n_free && off + size == b->free[i].off) {
    b->free[i].off = off;
    b->free[i].size += size;
    merged = 1;
  }
  if (!merged && b->n_free < MAX_FREE) {
    memmove(&b->free[i + 1], &b->free[i],
            sizeof(free_range) * (size_t)(b->n_free - i));
    b->free[i].off = off;
    b->free[i].size = size;
    b->n_free++;
  } /* else: the range leaks until the block is empty and freed */
  b->n_live--;
}

static int buf_create_type(pv_plugin_device *dev, uint64_t size, uint32_t type,
                           pv_vk_buf *out) {
  memset(out, 0, sizeof *out);
  if (!size)
    size = 16;
  size = (size + 15) & ~(uint64_t)15;
  uint32_t fams[2] = {(uint32_t)dev->phys->compute_family,
                      (uint32_t)dev->phys->transfer_family};
  VkBufferCreateInfo bci = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
      .size = size,
      .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .sharingMode = dev->transfer_queue ? VK_SHARING_MODE_CONCURRENT
                                         : VK_SHARING_MODE_EXCLUSIVE,
      .queueFamilyIndexCount = dev->transfer_queue ? 2 : 0,
      .pQueueFamilyIndices = fams};
  VkResult r = dev->vkCreateBuffer(dev->device, &bci, NULL, &out->buffer);
  if (r != VK_SUCCESS)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: vkCreateBuffer(%llu): %s",
                        (unsigned long long)size, pv__vk_result_str(r));
  VkMemoryRequirements req;
  dev->vkGetBufferMemoryRequirements(dev->device, out->buffer, &req);
  if (!(req.memoryTypeBits & (1u << type))) {
    dev->vkDestroyBuffer(dev->device, out->buffer, NULL);
    return pv__vk_error(PV_ERR_DEVICE,
                        "vulkan: buffers cannot use memory type %u", type);
  }
  uint64_t align = req.alignment < 256 ? 256 : req.alignment;
  pthread_mutex_lock(&dev->mem_mu);
  pv_vk_block *blk = NULL;
  uint64_t off = UINT64_MAX;
  if (req.size <= dev->block_size / 2) {
    for (pv_vk_block *b = dev->blocks; b && off == UINT64_MAX; b = b->next)
      if (b->type == type &&
          (off = block_take(b, req.size, align)) != UINT64_MAX)
        blk = b;
  }
  int rc = 0;
  if (!blk) {
    uint64_t bs = req.size > dev->block_size / 2 ? req.size : dev->block_size;
    uint64_t maxalloc = dev->phys->maint3.maxMemoryAllocationSize;
    if (maxalloc && bs > maxalloc)
      rc = pv__vk_error(PV_ERR_NOMEM,
                        "vulkan: buffer of %llu bytes exceeds "
                        "maxMemoryAllocationSize %llu",
                        (unsigned long long)size, (unsigned long long)maxalloc);
    else
      rc = block_new(dev, bs, type, &blk);
    if (!rc)
      off = block_take(blk, req.size, align);
  }
  if (!rc && dev->vkBindBufferMemory(dev->device, out->buffer, blk->mem, off) !=
                 VK_SUCCESS) {
    block_give(blk, off, req.size);
    rc = pv__vk_error(PV_ERR_DEVICE, "vulkan: vkBindBufferMemory failed");
  }
  if (rc) {
    pthread_mutex_unlock(&dev->mem_mu);
    dev->vkDestroyBuffer(dev->device, out->buffer, NULL);
    out->buffer = VK_NULL_HANDLE;
    return rc;
  }
  out->block = blk;
  out->offset = off;
  out->size = req.size;
  out->mapped = blk->mapped ? (char *)blk->mapped + off : NULL;
  out->id = ++dev->next_buf_id;
  pthread_mutex_unlock(&dev->mem_mu);
  out->size = size;
  return 0;
}

int pv__vk_buf_create(pv_plugin_device *dev, uint64_t size, pv_vk_buf *out) {
  return buf_create_type(dev, size, dev->mem_type_device, out);
}

void pv__vk_buf_destroy(pv_plugin_device *dev, pv_vk_buf *b) {
  if (!b || !b->buffer)
    return;
  VkMemoryRequirements req;
  dev->vkGetBufferMemoryRequirements(dev->device, b->buffer, &req);
  dev->vkDestroyBuffer(dev->device, b->buffer, NULL);
  pthread_mutex_lock(&dev->mem_mu);
  pv_vk_block *blk = b->block;
  block_give(blk, b->offset, req.size);
  if (blk->n_live == 0) {
    pv_vk_block **pp = &dev->blocks;
    while (*pp && *pp != blk)
      pp = &(*pp)->next;
    if (*pp)
      *pp = blk->next;
    block_free(dev, blk);
  }
  pthread_mutex_unlock(&dev->mem_mu);
  memset(b, 0, sizeof *b);
}

/* One staged copy; xfer_mu is held. dir 0: staging -> b, 1: b -> staging. */
static int staged_copy(pv_plugin_device *dev, pv_vk_buf *b, uint64_t off,
                       uint64_t size, int dir) {
  VkCommandBufferBeginInfo bi = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  dev->vkBeginCommandBuffer(dev->xfer_cb, &bi);
  VkBufferCopy c = {
      .srcOffset = dir ? off : 0, .dstOffset = dir ? 0 : off, .size = size};
  dev->vkCmdCopyBuffer(dev->xfer_cb, dir ? b->buffer : dev->staging.buffer,
                       dir ? dev->staging.buffer : b->buffer, 1, &c);
  dev->vkEndCommandBuffer(dev->xfer_cb);
  VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                     .commandBufferCount = 1,
                     .pCommandBuffers = &dev->xfer_cb};
  VkResult r;
  if (dev->transfer_queue) {
    r = dev->vkQueueSubmit(dev->transfer_queue, 1, &si, dev->xfer_fence);
  } else {
    pthread_mutex_lock(&dev->queue_mu);
    r = dev->vkQueueSubmit(dev->queue, 1, &si, dev->xfer_fence);
    pthread_mutex_unlock(&dev->queue_mu);
  }
  if (r == VK_SUCCESS)
    r = dev->vkWaitForFences(dev->device, 1, &dev->xfer_fence, VK_TRUE,
                             UINT64_MAX);
  dev->vkResetFences(dev->device, 1, &dev->xfer_fence);
  if (r != VK_SUCCESS)
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: staging copy failed: %s",
                        pv__vk_result_str(r));
  return 0;
}

static int staging_ready(pv_plugin_device *dev) {
  if (dev->staging_ok)
    return 0;
  int rc =
      buf_create_type(dev, STAGING_SIZE, dev->mem_type_host, &dev->staging);
  if (rc)
    return rc;
  if (!dev->staging.mapped) {
    pv__vk_buf_destroy(dev, &dev->staging);
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: staging buffer is not mapped");
  }
  dev->staging_ok = 1;
  return 0;
}

static int check_range(const pv_vk_buf *b, uint64_t off, uint64_t size,
                       const char *what) {
  if (off > b->size || size > b->size - off)
    return pv__vk_error(PV_ERR_RANGE,
                        "vulkan: buffer %s of %llu bytes at %llu is out of "
                        "range (buffer has %llu)",
                        what, (unsigned long long)size, (unsigned long long)off,
                        (unsigned long long)b->size);
  return 0;
}

int pv__vk_buf_write(pv_plugin_device *dev, pv_vk_buf *b, uint64_t off,
                     const void *src, uint64_t size) {
  int rc = check_range(b, off, size, "write");
  if (rc || !size)
    return rc;
  if (b->mapped && !dev->use_staging) {
    memcpy((char *)b->mapped + off, src, size);
    return 0;
  }
  pthread_mutex_lock(&dev->xfer_mu);
  rc = staging_ready(dev);
  for (uint64_t done = 0; !rc && done < size; done += STAGING_SIZE) {
    uint64_t n = size - done < STAGING_SIZE ? size - done : STAGING_SIZE;
    memcpy(dev->staging.mapped, (const char *)src + done, n);
    rc = staged_copy(dev, b, off + done, n, 0);
  }
  pthread_mutex_unlock(&dev->xfer_mu);
  return rc;
}

int pv__vk_buf_read(pv_plugin_device *dev, pv_vk_buf *b, uint64_t off,
                    void *dst, uint64_t size) {
  int rc = check_range(b, off, size, "read");
  if (rc || !size)
    return rc;
  if (b->mapped && !dev->use_staging) {
    memcpy(dst, (const char *)b->mapped + off, size);
    return 0;
  }
  pthread_mutex_lock(&dev->xfer_mu);
  rc = staging_ready(dev);
  for (uint64_t done = 0; !rc && done < size; done += STAGING_SIZE) {
    uint64_t n = size - done < STAGING_SIZE ? size - done : STAGING_SIZE;
    rc = staged_copy(dev, b, off + done, n, 1);
    if (!rc)
      memcpy((char *)dst + done, dev->staging.mapped, n);
  }
  pthread_mutex_unlock(&dev->xfer_mu);
  return rc;
}
