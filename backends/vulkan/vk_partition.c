/*
 * Partitions: compile (plan every node into dispatches, upload constants
 * once), record (once per (partition, arena): descriptor sets + command
 * buffers with automatically tracked barriers), execute (replay under the
 * device's queue lock, wait on the recording's fence).
 *
 * Barriers: a dispatch gets one compute->compute memory barrier before it
 * exactly when it reads a byte range written since the last barrier, or
 * writes a range read or written since then. Independent dispatches (the
 * branches of a graph) therefore run back to back.
 *
 * Long graphs are split into command buffers of at most
 * max_dispatches_per_submit dispatches, each its own batch, so no single
 * batch trips a driver watchdog.
 */
#include "vk_ops.h"

#include <stdlib.h>

#define MAX_RECORDINGS 8
#define MAX_PENDING 64

typedef struct vk_recording {
  uint64_t arena_id;
  uint64_t last_use;
  pthread_mutex_t mu; /* held while in flight */
  VkDescriptorPool dpool;
  VkCommandPool cpool;
  VkCommandBuffer *cbs;
  int n_cb;
  VkFence fence;
} vk_recording;

struct pv_vk_partition {
  pv_vk_dispatch *d;
  int n_d, cap_d;
  pv_vk_buf **cbufs; /* constant buffers */
  int n_cbufs, cap_cbufs;
  pv_vk_buf **value_buf; /* per value: its uploaded constant, or NULL */
  int n_values;
  pthread_mutex_t mu;
  vk_recording *rec[MAX_RECORDINGS];
  uint64_t use_clock;
};

const pv_tensor_desc *pv__vk_vdesc(pv_vk_plan *pl, int v) {
  return &pl->pd->values[v].desc;
}

int64_t pv__vk_numel(const pv_tensor_desc *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++)
    n *= d->shape[i];
  return n;
}

pv_vk_dispatch *pv__vk_dispatch_list(pv_vk_plan *pl, int *n) {
  *n = pl->part->n_d;
  return pl->part->d;
}

void pv__vk_groups_1d(pv_plugin_device *dev, uint64_t n, uint32_t g[3]) {
  uint64_t maxx = dev->phys->props.limits.maxComputeWorkGroupCount[0];
  if (maxx > 65535)
    maxx = 65535;
  if (!n)
    n = 1;
  if (n <= maxx) {
    g[0] = (uint32_t)n;
    g[1] = 1;
  } else {
    g[0] = (uint32_t)maxx;
    g[1] = (uint32_t)((n + maxx - 1) / maxx);
  }
  g[2] = 1;
}

int pv__vk_const_buf(pv_vk_plan *pl, const void *data, uint64_t size,
                     pv_vk_buf **out) {
  pv_vk_partition *p = pl->part;
  if (p->n_cbufs == p->cap_cbufs) {
    int cap = p->cap_cbufs ? 2 * p->cap_cbufs : 16;
    pv_vk_buf **nb = realloc(p->cbufs, sizeof *nb * (size_t)cap);
    if (!nb)
      return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
    p->cbufs = nb;
    p->cap_cbufs = cap;
  }
  pv_vk_buf *b = calloc(1, sizeof *b);
  if (!b)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  int rc = pv__vk_buf_create(pl->dev, size, b);
  if (!rc && data)
    rc = pv__vk_buf_write(pl->dev, b, 0, data, size);
  if (rc) {
    pv__vk_buf_destroy(pl->dev, b);
    free(b);
    return rc;
  }
  p->cbufs[p->n_cbufs++] = b;
  *out = b;
  return 0;
}

static int bind_range(pv_vk_plan *pl, pv_vk_dispatch *d, int slot, int v,
                      pv_vk_buf *buf, uint64_t base, uint64_t off,
                      uint64_t size, int written, int esize,
                      uint32_t *elem_off) {
  pv_plugin_device *dev = pl->dev;
  uint64_t abs = base + off;
  if (abs % (uint64_t)esize)
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: tensor offset %llu is not a multiple of its "
                        "element size %d",
                        (unsigned long long)abs, esize);
  uint64_t aligned = abs & ~(dev->align - 1);
  uint64_t range = abs - aligned + size;
  range = (range + 3) & ~(uint64_t)3;
  if (range < 4)
    range = 4;
  if (range > dev->max_range)
    return pv__vk_error(PV_ERR_UNSUPPORTED,
                        "vulkan: a binding of %llu bytes exceeds "
                        "maxStorageBufferRange %llu",
                        (unsigned long long)range,
                        (unsigned long long)dev->max_range);
  if (buf && aligned + range > buf->size)
    range = buf->size - aligned;
  pv_vk_bind *b = &d->bind[slot];
  b->value = v;
  b->buf = buf;
  b->offset = aligned;
  b->range = range;
  b->acc_off = abs;
  b->acc_size = size;
  b->written = written;
  if (slot + 1 > d->n_bind)
    d->n_bind = slot + 1;
  if (elem_off)
    *elem_off = (uint32_t)((abs - aligned) / (uint64_t)esize);
  return 0;
}

int pv__vk_bind_buf(pv_vk_plan *pl, pv_vk_dispatch *d, int slot, pv_vk_buf *b,
                    uint64_t off, uint64_t size, int written, int esize,
                    uint32_t *elem_off) {
  return bind_range(pl, d, slot, -1, b, 0, off, size, written, esize, elem_off);
}

int pv__vk_bind_value(pv_vk_plan *pl, pv_vk_dispatch *d, int slot, int v,
                      uint64_t off, uint64_t size, int written, int esize,
                      uint32_t *elem_off) {
  const pv_value_desc *vd = &pl->pd->values[v];
  if (vd->kind == PV_VALUE_CONST) {
    if (written)
      return pv__vk_error(PV_ERR_INVALID_ARG,
                          "vulkan: a node writes constant value %d", v);
    if (!vd->data || off > vd->nbytes || size > vd->nbytes - off)
      return pv__vk_error(PV_ERR_INVALID_ARG,
                          "vulkan: constant value %d has %llu bytes of data, "
                          "its use needs %llu",
                          v, (unsigned long long)vd->nbytes,
                          (unsigned long long)(off + size));
    pv_vk_partition *p = pl->part;
    if (!p->value_buf[v]) {
      int rc = pv__vk_const_buf(pl, vd->data, vd->nbytes, &p->value_buf[v]);
      if (rc)
        return rc;
    }
    return bind_range(pl, d, slot, -1, p->value_buf[v], 0, off, size, 0, esize,
                      elem_off);
  }
  return bind_range(pl, d, slot, v, NULL, vd->offset, off, size, written, esize,
                    elem_off);
}

uint64_t pv__vk_rows_per_binding(pv_plugin_device *dev, uint64_t row_bytes,
                                 uint64_t n, const char *op) {
  uint64_t rows = row_bytes ? (dev->max_range - dev->align) / row_bytes : n;
  if (rows > n)
    rows = n;
  if (rows < 1)
    pv__vk_error(PV_ERR_UNSUPPORTED,
                 "vulkan: %s weight rows of %llu bytes exceed "
                 "maxStorageBufferRange",
                 op, (unsigned long long)row_bytes);
  return rows;
}

int pv__vk_emit(pv_vk_plan *pl, pv_vk_dispatch *d, int shader,
                const uint32_t *spec, int n_spec) {
  pv_vk_partition *p = pl->part;
  int rc = pv__vk_pipeline_get(pl->dev, shader, spec, n_spec, &d->pipe);
  if (rc)
    return rc;
  if (d->n_bind != d->pipe->n_bind)
    return pv__vk_error(PV_ERR_INTERNAL,
                        "vulkan: shader %d takes %d bindings, plan gave %d",
                        shader, d->pipe->n_bind, d->n_bind);
  if (p->n_d == p->cap_d) {
    int cap = p->cap_d ? 2 * p->cap_d : 32;
    pv_vk_dispatch *nd = realloc(p->d, sizeof *nd * (size_t)cap);
    if (!nd)
      return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
    p->d = nd;
    p->cap_d = cap;
  }
  p->d[p->n_d++] = *d;
  return 0;
}

static void recording_free(pv_plugin_device *dev, vk_recording *r) {
  if (!r)
    return;
  if (r->fence)
    dev->vkDestroyFence(dev->device, r->fence, NULL);
  if (r->cpool)
    dev->vkDestroyCommandPool(dev->device, r->cpool, NULL);
  if (r->dpool)
    dev->vkDestroyDescriptorPool(dev->device, r->dpool, NULL);
  pthread_mutex_destroy(&r->mu);
  free(r->cbs);
  free(r);
}

void pv__vk_partition_release(pv_plugin_device *dev, pv_vk_partition *p) {
  if (!p)
    return;
  for (int i = 0; i < MAX_RECORDINGS; i++) {
    if (p->rec[i]) {
      pthread_mutex_lock(&p->rec[i]->mu); /* wait until not in flight */
      pthread_mutex_unlock(&p->rec[i]->mu);
      recording_free(dev, p->rec[i]);
    }
  }
  for (int i = 0; i < p->n_cbufs; i++) {
    pv__vk_buf_destroy(dev, p->cbufs[i]);
    free(p->cbufs[i]);
  }
  free(p->cbufs);
  free(p->value_buf);
  free(p->d);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

int pv__vk_partition_compile(pv_plugin_device *dev, const pv_partition_desc *pd,
                             pv_vk_partition **out) {
  pv_vk_partition *p = calloc(1, sizeof *p);
  if (!p)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  pthread_mutex_init(&p->mu, NULL);
  p->n_values = pd->n_values;
  p->value_buf = calloc((size_t)(pd->n_values > 0 ? pd->n_values : 1),
                        sizeof *p->value_buf);
  if (!p->value_buf) {
    pv__vk_partition_release(dev, p);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  }
  pv_vk_plan pl = {dev, pd, p};
  for (int i = 0; i < pd->n_nodes; i++) {
    const pv_node_desc *n = &pd->nodes[i];
    if (n->n_inputs < 0 || n->n_inputs > PV_MAX_INPUTS || n->n_outputs < 1 ||
        n->n_outputs > PV_MAX_OUTPUTS) {
      pv__vk_partition_release(dev, p);
      return pv__vk_error(PV_ERR_INVALID_ARG,
                          "vulkan: node %d has %d inputs, "
                          "%d outputs",
                          i, n->n_inputs, n->n_outputs);
    }
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= pd->n_values) {
        pv__vk_partition_release(dev, p);
        return pv__vk_error(PV_ERR_INVALID_ARG,
                            "vulkan: node %d input %d refers to value %d of %d",
                            i, k, n->inputs[k], pd->n_values);
      }
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] < 0 || n->outputs[k] >= pd->n_values) {
        pv__vk_partition_release(dev, p);
        return pv__vk_error(PV_ERR_INVALID_ARG,
                            "vulkan: node %d output %d is invalid", i, k);
      }
    /* The plans trust what supports() checked: check it again. */
    pv_op_desc q;
    memset(&q, 0, sizeof q);
    q.op = n->op;
    q.n_inputs = n->n_inputs;
    q.n_outputs = n->n_outputs;
    q.attrs = n->attrs;
    for (int k = 0; k < n->n_inputs && k < PV_MAX_INPUTS; k++) {
      if (n->inputs[k] < 0) {
        q.inputs[k].ndim = -1;
        continue;
      }
      q.inputs[k] = pd->values[n->inputs[k]].desc;
      if (pd->values[n->inputs[k]].kind == PV_VALUE_CONST)
        q.const_inputs |= 1u << k;
    }
    for (int k = 0; k < n->n_outputs; k++)
      q.outputs[k] = pd->values[n->outputs[k]].desc;
    const pv_vk_op_impl *impl = pv__vk_op_impl(n->op);
    unsigned mask = 0;
    int k = 0, ok = impl && n->n_inputs <= PV_MAX_INPUTS;
    if (ok && !pv__vk_supports_whole(dev, &q)) {
      /* Too big for one binding: one plan per chunk of batch items. */
      k = pv__vk_batch_chunk(dev, &q, &mask);
      ok = k > 0;
    }
    int rc = !ok ? pv__vk_error(PV_ERR_UNSUPPORTED,
                                "vulkan: node %d (%s) is not supported with "
                                "these shapes/attributes",
                                i, pv__vk_host->op_name(n->op))
             : k ? pv__vk_plan_chunked(&pl, n, impl, k, mask)
                 : impl->plan(&pl, n);
    if (rc) {
      pv__vk_partition_release(dev, p);
      return rc;
    }
  }
  *out = p;
  return 0;
}

/* --- recording ------------------------------------------------------------ */

typedef struct access {
  VkBuffer buf;
  uint64_t off, size;
} access;

typedef struct hazard {
  access r[MAX_PENDING], w[MAX_PENDING];
  int nr, nw;
} hazard;

static int overlaps(const access *a, int n, VkBuffer b, uint64_t off,
                    uint64_t size) {
  for (int i = 0; i < n; i++)
    if (a[i].buf == b && off < a[i].off + a[i].size && a[i].off < off + size)
      return 1;
  return 0;
}

static void barrier(pv_plugin_device *dev, VkCommandBuffer cb,
                    VkPipelineStageFlags src, VkAccessFlags sa,
                    VkPipelineStageFlags dst, VkAccessFlags da) {
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = sa,
                        .dstAccessMask = da};
  dev->vkCmdPipelineBarrier(cb, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

static int record(pv_plugin_device *dev, pv_vk_partition *p,
                  pv_plugin_buffer *arena, vk_recording *r) {
  int nd = p->n_d;
  int chunk =
      dev->max_dispatches_per_submit > 0 ? dev->max_dispatches_per_submit : 256;
  r->n_cb = nd ? (nd + chunk - 1) / chunk : 1;
  r->cbs = calloc((size_t)r->n_cb, sizeof *r->cbs);
  if (!r->cbs)
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (dev->vkCreateFence(dev->device, &fci, NULL, &r->fence))
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkCreateFence failed");
  VkCommandPoolCreateInfo pci = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
      .queueFamilyIndex = (uint32_t)dev->phys->compute_family};
  if (dev->vkCreateCommandPool(dev->device, &pci, NULL, &r->cpool))
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkCreateCommandPool failed");
  VkCommandBufferAllocateInfo cai = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = r->cpool,
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = (uint32_t)r->n_cb};
  if (dev->vkAllocateCommandBuffers(dev->device, &cai, r->cbs))
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkAllocateCommandBuffers");
  VkDescriptorSet *sets = NULL;
  if (nd) {
    int nb = 0;
    for (int i = 0; i < nd; i++)
      nb += p->d[i].n_bind;
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, (uint32_t)nb};
    VkDescriptorPoolCreateInfo dpci = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = (uint32_t)nd,
        .poolSizeCount = 1,
        .pPoolSizes = &ps};
    if (dev->vkCreateDescriptorPool(dev->device, &dpci, NULL, &r->dpool))
      return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkCreateDescriptorPool");
    sets = calloc((size_t)nd, sizeof *sets);
    VkDescriptorSetLayout *layouts = calloc((size_t)nd, sizeof *layouts);
    VkWriteDescriptorSet *w = calloc((size_t)nb, sizeof *w);
    VkDescriptorBufferInfo *bi = calloc((size_t)nb, sizeof *bi);
    int rc = 0;
    if (!sets || !layouts || !w || !bi)
      rc = pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
    if (!rc) {
      for (int i = 0; i < nd; i++)
        layouts[i] = p->d[i].pipe->dsl;
      VkDescriptorSetAllocateInfo dai = {
          .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
          .descriptorPool = r->dpool,
          .descriptorSetCount = (uint32_t)nd,
          .pSetLayouts = layouts};
      if (dev->vkAllocateDescriptorSets(dev->device, &dai, sets))
        rc = pv__vk_error(PV_ERR_DEVICE, "vulkan: vkAllocateDescriptorSets");
    }
    if (!rc) {
      int k = 0;
      for (int i = 0; i < nd; i++)
        for (int j = 0; j < p->d[i].n_bind; j++, k++) {
          const pv_vk_bind *b = &p->d[i].bind[j];
          bi[k].buffer = b->value >= 0 ? arena->b.buffer : b->buf->buffer;
          bi[k].offset = b->offset;
          bi[k].range = b->range;
          if (b->value >= 0 && b->offset + b->range > arena->b.size) {
            if (b->acc_off + b->acc_size > arena->b.size) {
              rc = pv__vk_error(PV_ERR_RANGE,
                                "vulkan: arena of %llu bytes is too small "
                                "(a value ends at %llu)",
                                (unsigned long long)arena->b.size,
                                (unsigned long long)(b->acc_off + b->acc_size));
              break;
            }
            bi[k].range = arena->b.size - b->offset;
          }
          w[k].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
          w[k].dstSet = sets[i];
          w[k].dstBinding = (uint32_t)j;
          w[k].descriptorCount = 1;
          w[k].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          w[k].pBufferInfo = &bi[k];
        }
      if (!rc)
        dev->vkUpdateDescriptorSets(dev->device, (uint32_t)nb, w, 0, NULL);
    }
    free(layouts);
    free(w);
    free(bi);
    if (rc) {
      free(sets);
      return rc;
    }
  }
  hazard *hz = calloc(1, sizeof *hz);
  if (!hz) {
    free(sets);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  }
  VkCommandBufferBeginInfo bi = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  for (int c = 0; c < r->n_cb; c++) {
    VkCommandBuffer cb = r->cbs[c];
    dev->vkBeginCommandBuffer(cb, &bi);
    /* Host and staging writes before this submit become visible. */
    barrier(dev, cb,
            VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_HOST_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    hz->nr = hz->nw = 0;
    VkPipeline bound = VK_NULL_HANDLE;
    int end = (c + 1) * chunk < nd ? (c + 1) * chunk : nd;
    for (int i = c * chunk; i < end; i++) {
      const pv_vk_dispatch *d = &p->d[i];
      int need = 0;
      for (int j = 0; j < d->n_bind && !need; j++) {
        const pv_vk_bind *b = &d->bind[j];
        VkBuffer vb = b->value >= 0 ? arena->b.buffer : b->buf->buffer;
        need = overlaps(hz->w, hz->nw, vb, b->acc_off, b->acc_size) ||
               (b->written &&
                overlaps(hz->r, hz->nr, vb, b->acc_off, b->acc_size));
      }
      if (need || hz->nr + d->n_bind > MAX_PENDING ||
          hz->nw + d->n_bind > MAX_PENDING) {
        barrier(dev, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        hz->nr = hz->nw = 0;
      }
      for (int j = 0; j < d->n_bind; j++) {
        const pv_vk_bind *b = &d->bind[j];
        access a = {b->value >= 0 ? arena->b.buffer : b->buf->buffer,
                    b->acc_off, b->acc_size};
        if (b->written)
          hz->w[hz->nw++] = a;
        else
          hz->r[hz->nr++] = a;
      }
      if (d->pipe->pipeline != bound) {
        dev->vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
                               d->pipe->pipeline);
        bound = d->pipe->pipeline;
      }
      dev->vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
                                   d->pipe->layout, 0, 1, &sets[i], 0, NULL);
      dev->vkCmdPushConstants(cb, d->pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT,
                              0, PV_VK_PUSH_WORDS * 4, d->push);
      dev->vkCmdDispatch(cb, d->groups[0], d->groups[1], d->groups[2]);
    }
    /* Results become visible to the host and to staging reads. */
    barrier(dev, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    if (dev->vkEndCommandBuffer(cb) != VK_SUCCESS) {
      free(hz);
      free(sets);
      return pv__vk_error(PV_ERR_DEVICE, "vulkan: vkEndCommandBuffer failed");
    }
  }
  free(hz);
  free(sets);
  return 0;
}

/* Finds or records the command buffers for this arena; returns it locked. */
static int get_recording(pv_plugin_device *dev, pv_vk_partition *p,
                         pv_plugin_buffer *arena, vk_recording **out) {
  pthread_mutex_lock(&p->mu);
  p->use_clock++;
  for (int i = 0; i < MAX_RECORDINGS; i++) {
    vk_recording *r = p->rec[i];
    if (r && r->arena_id == arena->b.id) {
      r->last_use = p->use_clock;
      pthread_mutex_unlock(&p->mu);
      pthread_mutex_lock(&r->mu);
      *out = r;
      return 0;
    }
  }
  /* A free slot, or evict the least recently used idle recording. */
  int slot = -1;
  for (int i = 0; i < MAX_RECORDINGS && slot < 0; i++)
    if (!p->rec[i])
      slot = i;
  if (slot < 0) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < MAX_RECORDINGS; i++)
      if (p->rec[i]->last_use < best &&
          !pthread_mutex_trylock(&p->rec[i]->mu)) {
        pthread_mutex_unlock(&p->rec[i]->mu);
        best = p->rec[i]->last_use;
        slot = i;
      }
    if (slot < 0) {
      pthread_mutex_unlock(&p->mu);
      return pv__vk_error(PV_ERR_STATE,
                          "vulkan: more than %d arenas in flight on one "
                          "partition",
                          MAX_RECORDINGS);
    }
    recording_free(dev, p->rec[slot]);
    p->rec[slot] = NULL;
  }
  vk_recording *r = calloc(1, sizeof *r);
  if (!r) {
    pthread_mutex_unlock(&p->mu);
    return pv__vk_error(PV_ERR_NOMEM, "vulkan: out of memory");
  }
  pthread_mutex_init(&r->mu, NULL);
  r->arena_id = arena->b.id;
  r->last_use = p->use_clock;
  int rc = record(dev, p, arena, r);
  if (rc) {
    recording_free(dev, r);
    pthread_mutex_unlock(&p->mu);
    return rc;
  }
  p->rec[slot] = r;
  pthread_mutex_lock(&r->mu);
  pthread_mutex_unlock(&p->mu);
  *out = r;
  return 0;
}

int pv__vk_partition_execute(pv_plugin_device *dev, pv_vk_partition *p,
                             pv_plugin_buffer *arena) {
  if (!p->n_d)
    return 0;
  if (!arena)
    return pv__vk_error(PV_ERR_INVALID_ARG, "vulkan: execute without an arena");
  vk_recording *r = NULL;
  int rc = get_recording(dev, p, arena, &r);
  if (rc)
    return rc;
  VkSubmitInfo si[64];
  int n = r->n_cb;
  VkResult vr = VK_SUCCESS;
  pthread_mutex_lock(&dev->queue_mu);
  for (int c = 0; c < n && vr == VK_SUCCESS; c += 64) {
    int m = n - c < 64 ? n - c : 64;
    for (int i = 0; i < m; i++) {
      memset(&si[i], 0, sizeof si[i]);
      si[i].sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
      si[i].commandBufferCount = 1;
      si[i].pCommandBuffers = &r->cbs[c + i];
    }
    vr = dev->vkQueueSubmit(dev->queue, (uint32_t)m, si,
                            c + m == n ? r->fence : VK_NULL_HANDLE);
  }
  pthread_mutex_unlock(&dev->queue_mu);
  if (vr == VK_SUCCESS)
    vr = dev->vkWaitForFences(dev->device, 1, &r->fence, VK_TRUE, UINT64_MAX);
  dev->vkResetFences(dev->device, 1, &r->fence);
  pthread_mutex_unlock(&r->mu);
  if (vr != VK_SUCCESS)
    return pv__vk_error(PV_ERR_DEVICE, "vulkan: partition execution failed: %s",
                        pv__vk_result_str(vr));
  return pv__vk_validation_check();
}
