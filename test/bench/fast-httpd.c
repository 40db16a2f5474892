// A static HTTP/1.1 server for the data-path benchmarks: the backend must be much faster than the path
// measured (VIP, ingress), or the figures only say how slow the backend is. Every request, whatever its
// method or path, gets the same small 200 answer. Keep-alive and pipelining; "Connection: close" (or an
// HTTP/1.0 request without keep-alive) closes after the answer. One thread per worker, each with its own
// SO_REUSEPORT listener and epoll set, so the kernel spreads connections and no lock is shared.
// Built by test/bench/backend.js: gcc -static -O2 -pthread, into a FROM scratch image.
// Usage: fast-httpd [port=8080] [workers=2]
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 8192
#define MAX_FDS 65536

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static int port = 8080;

// Per connection: bytes of an unfinished request head carried to the next read.
struct conn {
  int len;
  char buf[BUF];
};
static struct conn *conns[MAX_FDS];

static int listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  if (fd < 0) { perror("socket"); exit(1); }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = { htonl(INADDR_ANY) } };
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); exit(1); }
  if (listen(fd, 4096) < 0) { perror("listen"); exit(1); }
  return fd;
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  // Released before the close: once closed, another worker may accept a connection with this number.
  struct conn *c = conns[fd];
  conns[fd] = NULL;
  free(c);
  close(fd);
}

// Whether the request head [h, end) asks to close the connection after the answer.
static int wants_close(const char *h, const char *end) {
  int http10 = 0;
  const char *eol = memchr(h, '\n', end - h);
  if (eol && eol - h >= 9 && memcmp(eol - 9, "HTTP/1.0", 8) == 0) http10 = 1;
  for (const char *p = h; p && p < end; p = memchr(p, '\n', end - p)) {
    if (*p == '\n') p++;
    if (end - p >= 11 && strncasecmp(p, "connection:", 11) == 0) {
      const char *v = p + 11;
      while (v < end && (*v == ' ' || *v == '\t')) v++;
      if (end - v >= 5 && strncasecmp(v, "close", 5) == 0) return 1;
      if (end - v >= 10 && strncasecmp(v, "keep-alive", 10) == 0) return 0;
    }
  }
  return http10;
}

// Reads what is there, answers every complete request head; returns 0 to close the connection.
static int serve(int fd) {
  struct conn *c = conns[fd];
  char out[sizeof RESPONSE * 64];
  for (;;) {
    ssize_t n = read(fd, c->buf + c->len, BUF - c->len);
    if (n == 0) return 0;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c->len += n;
    int done = 0, close_after = 0, off = 0;
    char *p = c->buf, *end = c->buf + c->len;
    for (;;) {
      char *h = memmem(p, end - p, "\r\n\r\n", 4);
      if (!h) break;
      if (wants_close(p, h + 2)) close_after = 1;
      p = h + 4;
      memcpy(out + off, RESPONSE, sizeof RESPONSE - 1);
      off += sizeof RESPONSE - 1;
      if (++done == 64 || close_after) {
        if (write(fd, out, off) != off) return 0;
        off = 0;
        done = 0;
        if (close_after) return 0;
      }
    }
    if (off && write(fd, out, off) != off) return 0; // small answers: the socket buffer takes them whole
    c->len = end - p;
    if (c->len == BUF) return 0; // a head larger than the buffer: not ours to serve
    memmove(c->buf, p, c->len);
  }
}

static void bye(int sig) {
  (void)sig;
  _exit(0); // PID 1 in its container: without a handler SIGTERM would be ignored
}

static void *worker(void *arg) {
  (void)arg;
  int lfd = listener();
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAX_FDS) { close(c); continue; }
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[c] = calloc(1, sizeof(struct conn));
          struct epoll_event ce = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c };
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
      } else if (!conns[fd] || !serve(fd)) {
        drop(ep, fd);
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) port = atoi(argv[1]);
  int workers = argc > 2 ? atoi(argv[2]) : 2;
  if (workers < 1) workers = 1;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, bye);
  signal(SIGINT, bye);
  pthread_t t;
  for (int i = 1; i < workers; i++) pthread_create(&t, NULL, worker, NULL);
  fprintf(stderr, "fast-httpd: port %d, %d workers\n", port, workers);
  worker(NULL);
  return 0;
}
