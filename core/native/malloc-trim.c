// malloc_trim(0) for Node: gives the pages glibc's malloc holds free, anywhere in its heaps, back to the
// kernel. free() returns only the top of a heap; after a burst (10,000 pods converging) LevelDB's
// buffers, TLS records and Node's buffers leave free pages between live blocks (~14 MB of 50 in the main
// heap). core/src/util/malloc-trim.ts loads this; without a C compiler it is not built and nothing trims.
// Node-API is a stable C ABI exported by the node binary: the few declarations it needs are written here,
// so that building needs a C compiler and libc headers only, not Node's headers.
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);

extern napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
extern napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
extern napi_status napi_get_boolean(napi_env, bool, napi_value *);

/** trim(): whether any memory was returned. */
static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
  return result;
}

__attribute__((visibility("default"))) int32_t node_api_module_get_api_version_v1(void) { return 1; }

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "trim", (size_t)-1, trim, NULL, &fn) == 0) napi_set_named_property(env, exports, "trim", fn);
  return exports;
}
