/* kg/atomic_file.c: files written whole or not at all. What nous writes to a user's file (an
 * export, mined rules, a plot) goes to "<file>.tmp-PID-N" next to it, is flushed to disk, and
 * is renamed over the file once complete. A kill, a Ctrl-C, a full disk or an error part-way
 * leaves the file as it was, never cut short. A symbolic link is followed (the file it names
 * is replaced, the link stays); a file that is not a regular one (/dev/stdout, a pipe) cannot
 * be replaced and is written directly, as is a file in a directory nous may not create files
 * in. A file replaced keeps its mode; a new one gets 0666 less the umask. */
#define _POSIX_C_SOURCE 200809L
#include "kg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static KgStatus cannot_write(const char *path, int e, KgError *err)
{
    return kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write: %s", e ? strerror(e) : "write error");
}

/* The file itself, without a temporary one. */
static KgStatus open_direct(KgAtomicFile *af, KgError *err)
{
    af->f = fopen(af->path, "w");
    return af->f ? KG_OK : cannot_write(af->path, errno, err);
}

/* A new file next to `target` whose name no other file has, created with `mode` (less the
 * umask, as the kernel applies it). -1 with errno set on failure. */
static int create_temporary(const char *target, mode_t mode, KgBuf *name)
{
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        name->len = 0;
        if (kg_buf_printf(name, "%s.tmp-%ld-%u", target, (long)getpid(), counter++) != KG_OK ||
            !kg_buf_cstr(name)) {
            errno = ENOMEM;
            return -1;
        }
        int fd = open(name->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

KgStatus kg_atomic_file_open(KgAtomicFile *af, const char *path, KgError *err)
{
    memset(af, 0, sizeof *af);
    af->path = path;
    struct stat st;
    int exists = stat(path, &st) == 0; /* follows a symbolic link */
    if (exists && !S_ISREG(st.st_mode)) return open_direct(af, err);
    if (exists) af->target = realpath(path, NULL); /* the file a link names */
    const char *target = af->target ? af->target : path;
    KgBuf name = {0};
    int fd = create_temporary(target, exists ? st.st_mode & 07777 : 0666, &name);
    if (fd < 0) {
        int e = errno;
        kg_buf_free(&name);
        kg_atomic_file_abort(af); /* frees the link's target */
        if (e == EACCES || e == EPERM || e == EROFS) return open_direct(af, err);
        if (e == ENOMEM) return kg_error_at(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
        return cannot_write(path, e, err);
    }
    af->tmp = name.data; /* from here kg_atomic_file_abort removes it */
    // The mode given to open() lost the umask's bits; a file replaced keeps its own.
    if ((exists && fchmod(fd, st.st_mode & 07777) != 0) || !(af->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        kg_atomic_file_abort(af);
        return cannot_write(path, e, err);
    }
    return KG_OK;
}

KgStatus kg_atomic_file_commit(KgAtomicFile *af, KgError *err)
{
    if (!af->f) return cannot_write(af->path, EBADF, err);
    errno = 0;
    int e = 0;
    if (ferror(af->f)) e = errno ? errno : EIO;
    if (!e && fflush(af->f) != 0) e = errno;
    if (!e && af->tmp && fsync(fileno(af->f)) != 0) e = errno;
    if (fclose(af->f) != 0 && !e) e = errno ? errno : EIO;
    af->f = NULL;
    KgStatus s = KG_OK;
    if (e) {
        s = cannot_write(af->path, e, err);
    } else if (af->tmp && rename(af->tmp, af->target ? af->target : af->path) != 0) {
        s = kg_error_at(err, KG_ERR_IO, af->path, 0, 0, "cannot put the new file in its place: %s",
                        strerror(errno));
    } else if (af->tmp) {
        kg_free(af->tmp); /* renamed: nothing to remove */
        af->tmp = NULL;
    }
    kg_atomic_file_abort(af);
    return s;
}

void kg_atomic_file_abort(KgAtomicFile *af)
{
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    kg_free(af->tmp);
    free(af->target); /* from realpath */
    af->f = NULL;
    af->tmp = NULL;
    af->target = NULL;
}

KgStatus kg_atomic_file_write(const char *path, const void *data, size_t len, KgError *err)
{
    KgAtomicFile af;
    KgStatus s = kg_atomic_file_open(&af, path, err);
    if (s != KG_OK) return s;
    if (len && fwrite(data, 1, len, af.f) != len) {
        s = cannot_write(path, errno, err);
        kg_atomic_file_abort(&af);
        return s;
    }
    return kg_atomic_file_commit(&af, err);
}
