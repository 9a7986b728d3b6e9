/*
 * smtp_sink.c — a small SMTP server for the tests, on 127.0.0.1 only. It
 * speaks enough of RFC 5321 for a client like libcurl (EHLO/HELO, AUTH PLAIN
 * or LOGIN accepting anything, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT),
 * serves one connection at a time, and keeps every accepted message as
 * DIR/NNNN.eml, dot-unstuffed and byte for byte as received, with its
 * envelope in DIR/NNNN.env. A file appears only when complete (rename).
 *
 * usage: smtp_sink --dir DIR --port-file FILE [--fail-first N] [--reject-first N]
 *                  [--delay-ms MS] [--max-seconds S]
 * The first N messages after DATA are answered 451 (--fail-first), the next
 * M 550 (--reject-first); neither is kept. --delay-ms waits before
 * answering DATA (a slow relay, for crash tests: a client killed meanwhile
 * has sent no message). It exits on SIGTERM or SIGINT
 * and after --max-seconds (default 120), so a test can never leave it running.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static time_t deadline;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static bool finished(void) { return stop || time(NULL) >= deadline; }

struct conn {
    int fd;
    char buf[65536];
    size_t len;
};

/* Reads one line (without CRLF or LF) into line; false on EOF, error, stop or idle timeout. */
static bool read_line(struct conn *c, char *line, size_t max) {
    time_t idle = time(NULL) + 30;
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            size_t keep = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
            if (keep >= max)
                keep = max - 1;
            memcpy(line, c->buf, keep);
            line[keep] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return true;
        }
        if (c->len == sizeof c->buf)
            return false; /* a line longer than any client should send */
        if (finished() || time(NULL) > idle)
            return false;
        struct pollfd p = {c->fd, POLLIN, 0};
        int r = poll(&p, 1, 200);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (got <= 0)
            return false;
        c->len += (size_t)got;
    }
}

static void reply(struct conn *c, const char *text) {
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(c->fd, text + off, n - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

struct sink {
    const char *dir;
    long fail_first, reject_first;
    long delay_ms;
    long datas;  /* DATA transactions so far */
    long stored; /* messages kept */
};

/* Writes data to DIR/NNNN.ext through a temporary file and a rename. */
static bool store_file(const struct sink *k, long n, const char *ext, const char *data,
                       size_t len) {
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/.%04ld.%s.tmp", k->dir, n, ext);
    snprintf(path, sizeof path, "%s/%04ld.%s", k->dir, n, ext);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

static void session(struct sink *k, int fd) {
    struct conn *c = calloc(1, sizeof *c);
    char *line = malloc(sizeof c->buf);
    size_t cap = 1 << 20, mlen = 0;
    char *msg = malloc(cap);
    char env[8192];
    size_t elen = 0;
    bool rcpt = false, authed = false;
    if (!c || !line || !msg)
        goto out;
    c->fd = fd;
    reply(c, "220 smtp-sink ready\r\n");
    while (read_line(c, line, sizeof c->buf)) {
        if (strncasecmp(line, "EHLO", 4) == 0) {
            reply(c,
                  "250-smtp-sink\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760\r\n");
        } else if (strncasecmp(line, "HELO", 4) == 0) {
            reply(c, "250 smtp-sink\r\n");
        } else if (strncasecmp(line, "AUTH", 4) == 0) {
            /* Any credentials do; a mechanism without an initial response gets a challenge. */
            if (strncasecmp(line, "AUTH LOGIN", 10) == 0) {
                reply(c, "334 VXNlcm5hbWU6\r\n");
                if (!read_line(c, line, sizeof c->buf))
                    break;
                reply(c, "334 UGFzc3dvcmQ6\r\n");
                if (!read_line(c, line, sizeof c->buf))
                    break;
            } else if (!strchr(line + 5, ' ')) {
                reply(c, "334 \r\n");
                if (!read_line(c, line, sizeof c->buf))
                    break;
            }
            reply(c, "235 2.7.0 accepted\r\n");
            authed = true;
        } else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
            elen = (size_t)snprintf(env, sizeof env, "%sMAIL FROM:%s\n", authed ? "AUTH\n" : "",
                                    line + 10);
            rcpt = false;
            reply(c, "250 2.1.0 ok\r\n");
        } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
            if (elen < sizeof env - 1)
                elen += (size_t)snprintf(env + elen, sizeof env - elen, "RCPT TO:%s\n", line + 8);
            if (elen >= sizeof env)
                elen = sizeof env - 1;
            rcpt = true;
            reply(c, "250 2.1.5 ok\r\n");
        } else if (strcasecmp(line, "DATA") == 0) {
            if (!rcpt) {
                reply(c, "503 5.5.1 RCPT first\r\n");
                continue;
            }
            if (k->delay_ms > 0) { /* before the data, so a client killed meanwhile sent none */
                struct timespec d = {k->delay_ms / 1000, (k->delay_ms % 1000) * 1000000L};
                nanosleep(&d, NULL);
            }
            reply(c, "354 end with <CRLF>.<CRLF>\r\n");
            mlen = 0;
            bool ended = false;
            while (read_line(c, line, sizeof c->buf)) {
                if (strcmp(line, ".") == 0) {
                    ended = true;
                    break;
                }
                const char *l = line[0] == '.' ? line + 1 : line; /* dot-unstuffing */
                size_t n = strlen(l);
                if (mlen + n + 2 > cap) {
                    char *bigger = realloc(msg, cap * 2 + n);
                    if (!bigger)
                        goto out;
                    msg = bigger;
                    cap = cap * 2 + n;
                }
                for (size_t i = 0; i < n; i++)
                    msg[mlen++] = l[i];
                msg[mlen++] = '\r';
                msg[mlen++] = '\n';
            }
            if (!ended)
                break; /* the client went away mid-message: nothing is kept */
            long n = k->datas++;
            if (n < k->fail_first) {
                reply(c, "451 4.3.0 try again later (smtp-sink --fail-first)\r\n");
            } else if (n < k->fail_first + k->reject_first) {
                reply(c, "550 5.7.1 rejected (smtp-sink --reject-first)\r\n");
            } else {
                long id = ++k->stored;
                if (store_file(k, id, "env", env, elen) && store_file(k, id, "eml", msg, mlen))
                    reply(c, "250 2.0.0 kept\r\n");
                else
                    reply(c, "451 4.3.0 cannot store the message\r\n");
            }
            rcpt = false;
        } else if (strcasecmp(line, "RSET") == 0) {
            rcpt = false;
            elen = 0;
            reply(c, "250 2.0.0 ok\r\n");
        } else if (strncasecmp(line, "NOOP", 4) == 0) {
            reply(c, "250 2.0.0 ok\r\n");
        } else if (strcasecmp(line, "QUIT") == 0) {
            reply(c, "221 2.0.0 bye\r\n");
            break;
        } else {
            reply(c, "502 5.5.2 command not implemented\r\n");
        }
    }
out:
    free(msg);
    free(line);
    free(c);
    close(fd);
}

static bool number(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0)
        return false;
    *out = v;
    return true;
}

/* The variable of a numeric option, or NULL. */
static long *number_option(const char *name, struct sink *k, long *max_seconds) {
    if (strcmp(name, "--fail-first") == 0)
        return &k->fail_first;
    if (strcmp(name, "--reject-first") == 0)
        return &k->reject_first;
    if (strcmp(name, "--delay-ms") == 0)
        return &k->delay_ms;
    if (strcmp(name, "--max-seconds") == 0)
        return max_seconds;
    return NULL;
}

int main(int argc, char **argv) {
    struct sink k = {0};
    long *v = NULL;
    const char *port_file = NULL;
    long max_seconds = 120;
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (has && strcmp(argv[i], "--dir") == 0)
            k.dir = argv[++i];
        else if (has && strcmp(argv[i], "--port-file") == 0)
            port_file = argv[++i];
        else if (has && (v = number_option(argv[i], &k, &max_seconds)) && number(argv[i + 1], v))
            i++;
        else {
            fprintf(stderr, "usage: smtp_sink --dir DIR --port-file FILE [--fail-first N] "
                            "[--reject-first N] [--delay-ms MS] [--max-seconds S]\n");
            return 2;
        }
    }
    if (!k.dir || !port_file) {
        fprintf(stderr, "smtp_sink: --dir and --port-file are required\n");
        return 2;
    }
    deadline = time(NULL) + max_seconds;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 16) != 0 ||
        getsockname(ls, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "smtp_sink: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    char port[16];
    int n = snprintf(port, sizeof port, "%u\n", (unsigned)ntohs(addr.sin_port));
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fwrite(port, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0 ||
        rename(tmp, port_file) != 0) {
        fprintf(stderr, "smtp_sink: cannot write %s\n", port_file);
        return 1;
    }
    while (!finished()) {
        struct pollfd p = {ls, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int fd = accept(ls, NULL, NULL);
        if (fd >= 0)
            session(&k, fd);
    }
    close(ls);
    return 0;
}
