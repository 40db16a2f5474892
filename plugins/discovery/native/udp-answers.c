// The discovery server's UDP socket, served by a thread of its own (src/native-udp.ts loads this).
// Node handles a datagram at a time: a Buffer and an address object per query, one send call per answer,
// ~10 µs of CPU a query where dnsmasq spends ~6. This thread takes a batch of queries with one recvmmsg,
// answers the ones it has an answer for (the encoded zone answer JavaScript stored for the same query
// bytes after the ID, see answer-cache.ts) with one sendmmsg, and hands every other datagram to
// JavaScript, which decides and answers it (send) and stores zone answers here (remember).
// IPv4 only; server.ts uses node:dgram for an IPv6 address or where this is not built.
#define NAPI_VERSION 4
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BATCH 64
/** Largest query handled (server.ts MAX_QUERY); longer datagrams are dropped, as there. */
#define MAX_QUERY 4096
/** Largest answer kept; larger ones are always answered by JavaScript. */
#define MAX_ANSWER 4096
/** Queries of 12 to 300 bytes are cached (answer-cache.ts MAX_KEY_BYTES). */
#define MIN_KEY_QUERY 12
#define MAX_KEY_QUERY 300
/** At most this many answers; when full the cache starts again empty (answer-cache.ts). */
#define CACHE_LIMIT 10000
#define SLOTS 16384 /* a power of two, well above CACHE_LIMIT: probes stay short */
/** Datagrams waiting for JavaScript; more are dropped (the client asks again). */
#define MAX_WAITING 4096
#define MAX_NETWORKS 256

typedef struct {
  uint32_t hash;
  uint16_t key_len, answer_len;
  uint8_t *bytes; /* key (the query from byte 2), then the answer */
} entry_t;

typedef struct {
  uint32_t network, mask;
} network_t;

typedef struct {
  int fd;
  atomic_int stop;
  pthread_t thread;
  napi_threadsafe_function to_js;
  pthread_mutex_t lock; /* guards the cache and the networks */
  entry_t slots[SLOTS];
  uint32_t count;
  network_t networks[MAX_NETWORKS];
  uint32_t network_count;
  atomic_uint_fast64_t hits, handed;
  /* The thread's batch. */
  struct mmsghdr in[BATCH], out[BATCH];
  struct iovec in_iov[BATCH], out_iov[BATCH];
  struct sockaddr_in from[BATCH];
  uint8_t in_buf[BATCH][MAX_QUERY + 1];
  uint8_t out_buf[BATCH][MAX_ANSWER];
} server_t;

/** A datagram on its way to JavaScript. */
typedef struct {
  struct sockaddr_in from;
  uint32_t len;
  uint8_t bytes[];
} query_t;

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

/** The slot holding this key, or the empty slot where it would go. */
static entry_t *slot_for(server_t *s, uint32_t hash, const uint8_t *key, size_t len) {
  for (uint32_t i = hash & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
    entry_t *e = &s->slots[i];
    if (!e->bytes || (e->hash == hash && e->key_len == len && memcmp(e->bytes, key, len) == 0)) return e;
  }
}

static void cache_clear(server_t *s) {
  for (uint32_t i = 0; i < SLOTS; i++) free(s->slots[i].bytes);
  memset(s->slots, 0, sizeof s->slots);
  s->count = 0;
}

static int allowed(const server_t *s, const struct sockaddr_in *a) {
  uint32_t ip = ntohl(a->sin_addr.s_addr);
  if ((ip >> 24) == 127) return 1;
  for (uint32_t i = 0; i < s->network_count; i++)
    if ((ip & s->networks[i].mask) == s->networks[i].network) return 1;
  return 0;
}

/** Copies the stored answer to `query` into `out` with the query's ID; its length, or 0 when none. */
static size_t cached_answer(server_t *s, const uint8_t *query, size_t len, uint8_t *out) {
  if (len < MIN_KEY_QUERY || len > MAX_KEY_QUERY) return 0;
  entry_t *e = slot_for(s, fnv1a(query + 2, len - 2), query + 2, len - 2);
  if (!e->bytes) return 0;
  memcpy(out, e->bytes + e->key_len, e->answer_len);
  out[0] = query[0];
  out[1] = query[1];
  return e->answer_len;
}

static void hand_to_js(server_t *s, const struct sockaddr_in *from, const uint8_t *bytes, size_t len) {
  query_t *q = malloc(sizeof *q + len);
  if (!q) return;
  q->from = *from;
  q->len = (uint32_t)len;
  memcpy(q->bytes, bytes, len);
  if (napi_call_threadsafe_function(s->to_js, q, napi_tsfn_nonblocking) != napi_ok) free(q);
  else atomic_fetch_add(&s->handed, 1);
}

static void *serve(void *arg) {
  server_t *s = arg;
  for (int i = 0; i < BATCH; i++) {
    s->in_iov[i] = (struct iovec){s->in_buf[i], sizeof s->in_buf[i]};
    s->out_iov[i].iov_base = s->out_buf[i];
  }
  while (!atomic_load(&s->stop)) {
    for (int i = 0; i < BATCH; i++)
      s->in[i].msg_hdr = (struct msghdr){.msg_name = &s->from[i], .msg_namelen = sizeof s->from[i], .msg_iov = &s->in_iov[i], .msg_iovlen = 1};
    int n = recvmmsg(s->fd, s->in, BATCH, MSG_WAITFORONE, NULL);
    if (n <= 0) continue; /* the receive timeout, a signal, or close()'s shutdown: look at stop again */
    int answers = 0, misses = 0, miss[BATCH];
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < n; i++) {
      size_t len = s->in[i].msg_len;
      if ((s->in[i].msg_hdr.msg_flags & MSG_TRUNC) || s->in[i].msg_hdr.msg_namelen != sizeof(struct sockaddr_in)) continue;
      size_t out_len = allowed(s, &s->from[i]) ? cached_answer(s, s->in_buf[i], len, s->out_buf[answers]) : 0;
      if (out_len) {
        s->out_iov[answers].iov_len = out_len;
        s->out[answers].msg_hdr = (struct msghdr){.msg_name = &s->from[i], .msg_namelen = sizeof s->from[i], .msg_iov = &s->out_iov[answers], .msg_iovlen = 1};
        answers++;
      } else {
        miss[misses++] = i; /* handed over below, outside the lock */
      }
    }
    pthread_mutex_unlock(&s->lock);
    for (int j = 0; j < misses; j++) hand_to_js(s, &s->from[miss[j]], s->in_buf[miss[j]], s->in[miss[j]].msg_len);
    atomic_fetch_add(&s->hits, (uint64_t)answers);
    /* A failed send is a lost answer, as with node:dgram: the client asks again. */
    for (int sent = 0; sent < answers;) {
      int m = sendmmsg(s->fd, s->out + sent, (unsigned)(answers - sent), 0);
      if (m <= 0) break;
      sent += m;
    }
  }
  return NULL;
}

/* ---- JavaScript side ---- */

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value fail(napi_env env, const char *code, const char *what) {
  napi_throw_error(env, code, what);
  return NULL;
}

/** The server behind an external; NULL (and a thrown error) once it is closed. */
static server_t *server_arg(napi_env env, napi_value v) {
  server_t **box;
  if (napi_get_value_external(env, v, (void **)&box) != napi_ok || !*box) {
    fail(env, "ERR_INVALID_STATE", "the native UDP socket is closed");
    return NULL;
  }
  return *box;
}

/** A call's arguments into argv[0..n) (missing ones undefined), and the server its first names. */
static server_t *call_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return server_arg(env, argv[0]);
}

static void deliver(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  query_t *q = data;
  if (env && fn) {
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &q->from.sin_addr, addr, sizeof addr);
    napi_value args[3], global;
    napi_create_buffer_copy(env, q->len, q->bytes, NULL, &args[0]);
    napi_create_string_latin1(env, addr, NAPI_AUTO_LENGTH, &args[1]);
    napi_create_uint32(env, ntohs(q->from.sin_port), &args[2]);
    napi_get_global(env, &global);
    napi_call_function(env, global, fn, 3, args, NULL);
  }
  free(q);
}

static void stop_server(server_t *s) {
  atomic_store(&s->stop, 1);
  shutdown(s->fd, SHUT_RDWR); /* wakes a blocked recvmmsg on Linux, even unconnected */
  pthread_join(s->thread, NULL);
  close(s->fd);
  napi_release_threadsafe_function(s->to_js, napi_tsfn_release);
  cache_clear(s);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

/** A handle collected without close() closes its socket. */
static void finalize_box(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  server_t **box = data;
  if (*box) stop_server(*box);
  free(box);
}

/** open(host, port, onQuery(msg, address, port)): binds, starts the thread; an external for the rest. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  uint32_t port;
  size_t host_len;
  if (argc < 3 || napi_get_value_string_latin1(env, argv[0], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535)
    return fail(env, "ERR_INVALID_ARG_TYPE", "open(host, port, onQuery)");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return fail(env, "ERR_INVALID_ARG_VALUE", "host: not an IPv4 address");

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, "EMFILE", strerror(errno));
  struct timeval poll_stop = {.tv_sec = 1}; /* bounds how long close() waits should shutdown not wake it */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &poll_stop, sizeof poll_stop);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int err = errno;
    close(fd);
    /* As node:dgram says it: "bind EADDRNOTAVAIL 10.1.2.1:53", the code the errno's name. */
    const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : "EINVAL";
    char what[128];
    snprintf(what, sizeof what, "bind %s %s:%u (%s)", code, host, port, strerror(err));
    return fail(env, code, what);
  }
  server_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return fail(env, "ENOMEM", "out of memory");
  }
  s->fd = fd;
  pthread_mutex_init(&s->lock, NULL);
  napi_value name;
  napi_create_string_utf8(env, "discovery DNS query", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, MAX_WAITING, 1, NULL, NULL, NULL, deliver, &s->to_js) != napi_ok) {
    close(fd);
    free(s);
    return fail(env, "ERR_INVALID_ARG_TYPE", "onQuery: not a function");
  }
  /* Signals go to node's threads, not this one. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int err = pthread_create(&s->thread, NULL, serve, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err) {
    close(fd);
    napi_release_threadsafe_function(s->to_js, napi_tsfn_release);
    free(s);
    return fail(env, "EAGAIN", "cannot start the DNS thread");
  }
  server_t **box = malloc(sizeof *box);
  *box = s;
  napi_value handle;
  napi_create_external(env, box, finalize_box, NULL, &handle);
  return handle;
}

static napi_value js_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  server_t *s = call_args(env, info, 1, argv);
  if (!s) return NULL;
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(s->fd, (struct sockaddr *)&a, &len);
  napi_value out;
  napi_create_uint32(env, ntohs(a.sin_port), &out);
  return out;
}

/** send(handle, answer, address, port): one datagram, never blocking; false when it was not sent. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  server_t *s = call_args(env, info, 4, argv);
  if (!s) return NULL;
  void *data;
  size_t len;
  char host[INET_ADDRSTRLEN];
  size_t host_len;
  uint32_t port;
  struct sockaddr_in to = {.sin_family = AF_INET};
  napi_value ok;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok ||
      napi_get_value_string_latin1(env, argv[2], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &port) != napi_ok || inet_pton(AF_INET, host, &to.sin_addr) != 1)
    return fail(env, "ERR_INVALID_ARG_TYPE", "send(handle, buffer, ipv4, port)");
  to.sin_port = htons((uint16_t)port);
  napi_get_boolean(env, sendto(s->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to) == (ssize_t)len, &ok);
  return ok;
}

/** remember(handle, query, answer): the answer to repeats of this query, from byte 2 on, until forget. */
static napi_value js_remember(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  server_t *s = call_args(env, info, 3, argv);
  if (!s) return NULL;
  uint8_t *query, *answer;
  size_t query_len, answer_len;
  if (napi_get_buffer_info(env, argv[1], (void **)&query, &query_len) != napi_ok ||
      napi_get_buffer_info(env, argv[2], (void **)&answer, &answer_len) != napi_ok)
    return fail(env, "ERR_INVALID_ARG_TYPE", "remember(handle, query, answer)");
  if (query_len < MIN_KEY_QUERY || query_len > MAX_KEY_QUERY || answer_len < 12 || answer_len > MAX_ANSWER) return undefined(env);
  size_t key_len = query_len - 2;
  uint8_t *bytes = malloc(key_len + answer_len);
  if (!bytes) return undefined(env);
  memcpy(bytes, query + 2, key_len);
  memcpy(bytes + key_len, answer, answer_len);
  uint32_t hash = fnv1a(bytes, key_len);
  pthread_mutex_lock(&s->lock);
  if (s->count >= CACHE_LIMIT) cache_clear(s);
  entry_t *e = slot_for(s, hash, bytes, key_len);
  if (e->bytes) free(e->bytes);
  else s->count++;
  *e = (entry_t){hash, (uint16_t)key_len, (uint16_t)answer_len, bytes};
  pthread_mutex_unlock(&s->lock);
  return undefined(env);
}

/** forget(handle): drops every stored answer (the zone was replaced). */
static napi_value js_forget(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  server_t *s = call_args(env, info, 1, argv);
  if (!s) return NULL;
  pthread_mutex_lock(&s->lock);
  cache_clear(s);
  pthread_mutex_unlock(&s->lock);
  return undefined(env);
}

/** allow(handle, [network, prefix, ...]): the networks besides loopback whose queries it answers. */
static napi_value js_allow(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  server_t *s = call_args(env, info, 2, argv);
  if (!s) return NULL;
  uint32_t n;
  if (napi_get_array_length(env, argv[1], &n) != napi_ok || n % 2 || n / 2 > MAX_NETWORKS)
    return fail(env, "ERR_INVALID_ARG_VALUE", "allow(handle, [network, prefix, ...]): at most 256 networks");
  network_t nets[MAX_NETWORKS];
  for (uint32_t i = 0; i < n / 2; i++) {
    napi_value v;
    uint32_t network, prefix;
    napi_get_element(env, argv[1], 2 * i, &v);
    if (napi_get_value_uint32(env, v, &network) != napi_ok) return fail(env, "ERR_INVALID_ARG_VALUE", "network: not a number");
    napi_get_element(env, argv[1], 2 * i + 1, &v);
    if (napi_get_value_uint32(env, v, &prefix) != napi_ok || prefix > 32) return fail(env, "ERR_INVALID_ARG_VALUE", "prefix: not 0 to 32");
    uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
    nets[i] = (network_t){network & mask, mask};
  }
  pthread_mutex_lock(&s->lock);
  memcpy(s->networks, nets, sizeof nets[0] * (n / 2));
  s->network_count = n / 2;
  pthread_mutex_unlock(&s->lock);
  return undefined(env);
}

/** stats(handle): [answered here, handed to JavaScript]. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  server_t *s = call_args(env, info, 1, argv);
  if (!s) return NULL;
  napi_value out, v;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, (double)atomic_load(&s->hits), &v);
  napi_set_element(env, out, 0, v);
  napi_create_double(env, (double)atomic_load(&s->handed), &v);
  napi_set_element(env, out, 1, v);
  return out;
}

/** close(handle): stops the thread and closes the socket; queries still on their way are dropped. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  server_t **box;
  if (napi_get_value_external(env, argv[0], (void **)&box) != napi_ok) return fail(env, "ERR_INVALID_ARG_TYPE", "close(handle)");
  if (*box) stop_server(*box);
  *box = NULL;
  return undefined(env);
}

NAPI_MODULE_INIT() {
  const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"open", js_open}, {"port", js_port}, {"send", js_send}, {"remember", js_remember},
             {"forget", js_forget}, {"allow", js_allow}, {"stats", js_stats}, {"close", js_close}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
