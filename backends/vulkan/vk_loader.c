/*
 * Loading Vulkan at run time: dlopen the loader (libvulkan.so.1, or
 * POLYVIS_VK_LOADER), resolve entry points through vkGetInstanceProcAddr,
 * create the instance (with VK_KHR_portability_enumeration where present, so
 * MoltenVK devices are listed) and, when validation is on, a debug-utils
 * messenger that reports every validation message through the host log.
 *
 * Every failure here leaves the context with 0 devices: a machine without
 * Vulkan is a normal machine, not an error.
 */
#include "vk_common.h"

#include <dlfcn.h>
#include <stdlib.h>

/* Validation warnings and errors seen so far; with
 * POLYVIS_VK_VALIDATION_FATAL=1 every later execute fails, so any test that
 * triggers one fails (the suite runs with the layers on). */
static int g_validation_issues;
static char g_first_issue[512];

static VKAPI_ATTR VkBool32 VKAPI_CALL
debug_cb(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
         VkDebugUtilsMessageTypeFlagsEXT type,
         const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
  (void)user;
  int level = PV_LOG_INFO;
  if (!(type & (VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT))) {
    /* Loader chatter ("env var VK_INSTANCE_LAYERS defined ..."). */
    pv__vk_log(PV_LOG_DEBUG, "vulkan loader: %s",
               data && data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
  }
  if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
    level = PV_LOG_ERROR;
  else if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
    level = PV_LOG_WARN;
  /* The prefix is stable: tests count messages that start with it. */
  pv__vk_log(level, "vulkan validation: %s",
             data && data->pMessage ? data->pMessage : "(no message)");
  if (level <= PV_LOG_WARN) {
    __atomic_fetch_add(&g_validation_issues, 1, __ATOMIC_RELAXED);
    if (!g_first_issue[0])
      snprintf(g_first_issue, sizeof g_first_issue, "%s",
               data && data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

int pv__vk_validation_check(void) {
  static int fatal = -1;
  if (fatal < 0) {
    const char *f = pv__vk_host
                        ? pv__vk_host->get_option("POLYVIS_VK_VALIDATION_FATAL")
                        : NULL;
    fatal = f && *f && strcmp(f, "0") != 0;
  }
  int n = __atomic_load_n(&g_validation_issues, __ATOMIC_RELAXED);
  if (!fatal || n == 0)
    return 0;
  return pv__vk_error(PV_ERR_DEVICE,
                      "vulkan: %d validation message(s) (warning or error), "
                      "first: %.300s",
                      n, g_first_issue);
}

static int has_ext(const VkExtensionProperties *e, uint32_t n,
                   const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(e[i].extensionName, name))
      return 1;
  return 0;
}

static int env_true(const char *v) {
  return v && *v && strcmp(v, "0") && strcmp(v, "off") && strcmp(v, "false");
}

/* Unloads the library and forgets every pointer. */
static void unload(pv_plugin_ctx *ctx) {
  if (ctx->lib)
    dlclose(ctx->lib);
  const pv_host_api *host = ctx->host;
  memset(ctx, 0, sizeof *ctx);
  ctx->host = host;
}

int pv__vk_instance_create(pv_plugin_ctx *ctx) {
  const char *path = ctx->host->get_option("POLYVIS_VK_LOADER");
  if (path && *path) {
    ctx->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  } else {
    /* The loader's soname, then the unversioned name, then macOS names. */
    static const char *const names[] = {"libvulkan.so.1", "libvulkan.so",
                                        "libvulkan.1.dylib",
                                        "libMoltenVK.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !ctx->lib; i++)
      ctx->lib = dlopen(path = names[i], RTLD_NOW | RTLD_LOCAL);
  }
  if (!ctx->lib) {
    pv__vk_log(PV_LOG_INFO, "vulkan: cannot load %s (%s): 0 devices", path,
               dlerror());
    return 0;
  }
  ctx->vkGetInstanceProcAddr =
      (PFN_vkGetInstanceProcAddr)dlsym(ctx->lib, "vkGetInstanceProcAddr");
  if (!ctx->vkGetInstanceProcAddr) {
    pv__vk_log(PV_LOG_INFO, "vulkan: %s has no vkGetInstanceProcAddr", path);
    unload(ctx);
    return 0;
  }
#define PV__VK_GLOBAL(name)                                                    \
  ctx->name = (PFN_##name)ctx->vkGetInstanceProcAddr(NULL, #name);             \
  if (!ctx->name) {                                                            \
    pv__vk_log(PV_LOG_INFO, "vulkan: loader lacks %s", #name);                 \
    unload(ctx);                                                               \
    return 0;                                                                  \
  }
  PV_VK_GLOBAL_FNS(PV__VK_GLOBAL)
#undef PV__VK_GLOBAL
  ctx->vkEnumerateInstanceVersion =
      (PFN_vkEnumerateInstanceVersion)ctx->vkGetInstanceProcAddr(
          NULL, "vkEnumerateInstanceVersion");
  uint32_t api = VK_API_VERSION_1_0;
  if (ctx->vkEnumerateInstanceVersion)
    ctx->vkEnumerateInstanceVersion(&api);
  if (api < VK_API_VERSION_1_1) {
    pv__vk_log(PV_LOG_INFO, "vulkan: instance version %u.%u < 1.1: 0 devices",
               VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api));
    unload(ctx);
    return 0;
  }

  uint32_t n_ext = 0;
  VkExtensionProperties *exts = NULL;
  if (ctx->vkEnumerateInstanceExtensionProperties(NULL, &n_ext, NULL) ==
          VK_SUCCESS &&
      n_ext) {
    exts = calloc(n_ext, sizeof *exts);
    if (!exts ||
        ctx->vkEnumerateInstanceExtensionProperties(NULL, &n_ext, exts) < 0)
      n_ext = 0;
  }
  const char *enable[4];
  uint32_t n_enable = 0;
  VkInstanceCreateFlags flags = 0;
  if (has_ext(exts, n_ext, "VK_KHR_portability_enumeration")) {
    enable[n_enable++] = "VK_KHR_portability_enumeration";
    flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }
  /* Validation: explicitly asked for, or the layer enabled from outside
   * (VK_INSTANCE_LAYERS), in which case its messages should be seen. */
  const char *layers_env = getenv("VK_INSTANCE_LAYERS");
  int want_validation =
      env_true(ctx->host->get_option("POLYVIS_VK_VALIDATION")) ||
      (layers_env && strstr(layers_env, "VK_LAYER_KHRONOS_validation"));
  int debug_utils =
      want_validation && has_ext(exts, n_ext, "VK_EXT_debug_utils");
  if (debug_utils)
    enable[n_enable++] = "VK_EXT_debug_utils";
  free(exts);

  const char *layer_names[1];
  uint32_t n_layers = 0;
  if (env_true(ctx->host->get_option("POLYVIS_VK_VALIDATION"))) {
    uint32_t nl = 0;
    ctx->vkEnumerateInstanceLayerProperties(&nl, NULL);
    VkLayerProperties *lp = nl ? calloc(nl, sizeof *lp) : NULL;
    if (lp && ctx->vkEnumerateInstanceLayerProperties(&nl, lp) >= 0)
      for (uint32_t i = 0; i < nl; i++)
        if (!strcmp(lp[i].layerName, "VK_LAYER_KHRONOS_validation"))
          layer_names[n_layers = 1, 0] = "VK_LAYER_KHRONOS_validation";
    free(lp);
    if (!n_layers)
      pv__vk_log(PV_LOG_WARN, "vulkan: POLYVIS_VK_VALIDATION is set but "
                              "VK_LAYER_KHRONOS_validation is not installed");
  }

  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .pApplicationName = "polyvis",
                           .applicationVersion = VK_MAKE_VERSION(0, 1, 0),
                           .pEngineName = "polyvis",
                           .engineVersion = VK_MAKE_VERSION(0, 1, 0),
                           .apiVersion = VK_API_VERSION_1_1};
  VkDebugUtilsMessengerCreateInfoEXT dbg = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = debug_cb};
  VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                             .pNext = debug_utils ? &dbg : NULL,
                             .flags = flags,
                             .pApplicationInfo = &app,
                             .enabledLayerCount = n_layers,
                             .ppEnabledLayerNames = layer_names,
                             .enabledExtensionCount = n_enable,
                             .ppEnabledExtensionNames = enable};
  VkResult r = ctx->vkCreateInstance(&ci, NULL, &ctx->instance);
  if (r != VK_SUCCESS) {
    pv__vk_log(PV_LOG_INFO, "vulkan: vkCreateInstance failed (%s): 0 devices",
               pv__vk_result_str(r));
    ctx->instance = VK_NULL_HANDLE;
    unload(ctx);
    return 0;
  }
#define PV__VK_INST(name)                                                      \
  ctx->name = (PFN_##name)ctx->vkGetInstanceProcAddr(ctx->instance, #name);    \
  if (!ctx->name) {                                                            \
    pv__vk_log(PV_LOG_INFO, "vulkan: instance lacks %s", #name);               \
    pv__vk_instance_destroy(ctx);                                              \
    return 0;                                                                  \
  }
  PV_VK_INSTANCE_FNS(PV__VK_INST)
#undef PV__VK_INST
  if (debug_utils) {
    ctx->vkCreateDebugUtilsMessengerEXT =
        (PFN_vkCreateDebugUtilsMessengerEXT)ctx->vkGetInstanceProcAddr(
            ctx->instance, "vkCreateDebugUtilsMessengerEXT");
    ctx->vkDestroyDebugUtilsMessengerEXT =
        (PFN_vkDestroyDebugUtilsMessengerEXT)ctx->vkGetInstanceProcAddr(
            ctx->instance, "vkDestroyDebugUtilsMessengerEXT");
    if (ctx->vkCreateDebugUtilsMessengerEXT &&
        ctx->vkDestroyDebugUtilsMessengerEXT &&
        ctx->vkCreateDebugUtilsMessengerEXT(ctx->instance, &dbg, NULL,
                                            &ctx->messenger) == VK_SUCCESS)
      ctx->validation = 1;
  }
  return 0;
}

void pv__vk_instance_destroy(pv_plugin_ctx *ctx) {
  if (ctx->instance) {
    if (ctx->messenger && ctx->vkDestroyDebugUtilsMessengerEXT)
      ctx->vkDestroyDebugUtilsMessengerEXT(ctx->instance, ctx->messenger, NULL);
    if (ctx->vkDestroyInstance)
      ctx->vkDestroyInstance(ctx->instance, NULL);
  }
  unload(ctx);
}
