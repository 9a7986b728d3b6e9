/*
 * fileio.h — whole reads and writes on a file descriptor (short counts and
 * EINTR retried), and syncing the folder that holds a file, so that a file
 * created or renamed in it survives a crash. Used by the files rekisteri
 * writes beside its database: backups, the erasure journal, the key file.
 */
#ifndef RK_FILEIO_H
#define RK_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all n bytes of buf; false on an error (errno says which). */
bool rk_write_full(int fd, const void *buf, size_t n);

/* Reads up to n bytes, stopping early only at the end of the file: the count, or -1. */
ssize_t rk_read_full(int fd, void *buf, size_t n);

/* As rk_read_full from offset at, without moving the file offset. */
ssize_t rk_pread_full(int fd, void *buf, size_t n, off_t at);

/* fsyncs the folder holding path ("." when path has no slash); false when it cannot. */
bool rk_sync_parent(const char *path);

#endif
