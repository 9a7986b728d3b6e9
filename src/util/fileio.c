/*
 * fileio.c — whole reads and writes, and syncing a file's folder (fileio.h).
 */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool rk_write_full(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads with pread at at when at >= 0, with read otherwise. */
static ssize_t read_all(int fd, void *buf, size_t n, off_t at) {
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r =
            at >= 0 ? pread(fd, p + got, n - got, at + (off_t)got) : read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

ssize_t rk_read_full(int fd, void *buf, size_t n) { return read_all(fd, buf, n, -1); }

ssize_t rk_pread_full(int fd, void *buf, size_t n, off_t at) {
    return read_all(fd, buf, n, at < 0 ? 0 : at);
}

bool rk_sync_parent(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return false;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}
