/* kg/error.c: the one error type. A KgError records a status, where it happened
 * (file:line:col, when known) and a message in a fixed buffer, so reporting an error never
 * allocates. An error is described once, where its position is known. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static void set_msg(KgError *err, const char *fmt, va_list ap)
{
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

KgStatus kg_error_set(KgError *err, KgStatus st, const char *fmt, ...)
{
    if (!err) return st;
    err->status = st;
    err->file = NULL;
    err->line = err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    set_msg(err, fmt, ap);
    va_end(ap);
    return st;
}

KgStatus kg_error_at(KgError *err, KgStatus st, const char *file, unsigned long line,
                     unsigned long col, const char *fmt, ...)
{
    if (!err) return st;
    err->status = st;
    err->file = file;
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    set_msg(err, fmt, ap);
    va_end(ap);
    return st;
}

void kg_error_clear(KgError *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
}

void kg_error_where(const KgError *err, char *buf, size_t buf_len)
{
    if (!buf_len) return;
    if (err->file && err->line && err->col)
        snprintf(buf, buf_len, "%s:%lu:%lu", err->file, err->line, err->col);
    else if (err->file && err->line)
        snprintf(buf, buf_len, "%s:%lu", err->file, err->line);
    else
        snprintf(buf, buf_len, "%s", err->file ? err->file : "");
}

const char *kg_error_message(const KgError *err)
{
    return err->msg[0] ? err->msg : kg_status_name(err->status);
}

void kg_error_format(const KgError *err, char *buf, size_t buf_len)
{
    char where[512];
    kg_error_where(err, where, sizeof where);
    if (where[0])
        snprintf(buf, buf_len, "%s: %s", where, kg_error_message(err));
    else
        snprintf(buf, buf_len, "%s", kg_error_message(err));
}

const char *kg_status_name(KgStatus st)
{
    switch (st) {
    case KG_OK: return "ok";
    case KG_DONE: return "done";
    case KG_ERR_NOMEM: return "out of memory";
    case KG_ERR_IO: return "input/output error";
    case KG_ERR_ARG: return "bad argument";
    case KG_ERR_NOT_FOUND: return "not found";
    case KG_ERR_SYNTAX: return "syntax error";
    case KG_ERR_DB: return "database error";
    case KG_ERR_VERSION: return "incompatible store version";
    case KG_ERR_INTERRUPTED: return "interrupted";
    case KG_ERR_INTERNAL: return "internal error";
    case KG_ERR_LIMIT: return "limit reached";
    }
    return "unknown status";
}
