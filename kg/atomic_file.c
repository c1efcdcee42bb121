/* kg/atomic_file.c: files written whole or not at all. What nous writes to a user's file (an
 * export, mined rules, a plot) goes to "<path>.tmp-XXXXXX" next to it, is flushed to disk, and
 * is renamed over the file once complete. A kill, a Ctrl-C, a full disk or an error part-way
 * leaves the file as it was, never cut short. */
#include "kg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

KgStatus kg_atomic_file_open(KgAtomicFile *af, const char *path, KgError *err)
{
    memset(af, 0, sizeof *af);
    KgBuf tmp = {0};
    if (kg_buf_printf(&tmp, "%s.tmp-XXXXXX", path) != KG_OK || !kg_buf_cstr(&tmp)) {
        kg_buf_free(&tmp);
        return kg_error_at(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        KgStatus s = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        kg_buf_free(&tmp);
        return s;
    }
    // mkstemp makes the file private (0600); give it the mode fopen would.
    mode_t mask = umask(0);
    umask(mask);
    FILE *f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        KgStatus s = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        close(fd);
        unlink(tmp.data);
        kg_buf_free(&tmp);
        return s;
    }
    af->f = f;
    af->tmp = tmp.data;
    af->path = path;
    return KG_OK;
}

KgStatus kg_atomic_file_commit(KgAtomicFile *af, KgError *err)
{
    if (!af->f) return kg_error_at(err, KG_ERR_IO, af->path, 0, 0, "not open");
    int failed = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int saved = errno;
    failed |= fclose(af->f) != 0;
    af->f = NULL;
    int renamed = !failed && rename(af->tmp, af->path) == 0;
    if (!renamed) {
        if (!failed) saved = errno;
        unlink(af->tmp);
        kg_free(af->tmp);
        af->tmp = NULL;
        return kg_error_at(err, KG_ERR_IO, af->path, 0, 0, "%s: %s",
                           failed ? "cannot write" : "cannot put the new file in its place",
                           saved ? strerror(saved) : "write error");
    }
    kg_free(af->tmp);
    af->tmp = NULL;
    return KG_OK;
}

void kg_atomic_file_abort(KgAtomicFile *af)
{
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    kg_free(af->tmp);
    af->f = NULL;
    af->tmp = NULL;
}

KgStatus kg_atomic_file_write(const char *path, const void *data, size_t len, KgError *err)
{
    KgAtomicFile af;
    KgStatus s = kg_atomic_file_open(&af, path, err);
    if (s != KG_OK) return s;
    if (len && fwrite(data, 1, len, af.f) != len) {
        s = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        kg_atomic_file_abort(&af);
        return s;
    }
    return kg_atomic_file_commit(&af, err);
}
