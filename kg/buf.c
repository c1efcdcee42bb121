/* kg/buf.c: a growable byte string with a cap, used to build terms, SQL-free output lines and
 * messages. Growth past KG_BUF_MAX fails with KG_ERR_NOMEM instead of eating the machine. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define KG_BUF_MAX ((size_t)1 << 31)

static KgStatus reserve(KgBuf *b, size_t extra)
{
    if (extra > KG_BUF_MAX - b->len - 1) return KG_ERR_NOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return KG_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *d = kg_realloc(b->data, cap);
    if (!d) return KG_ERR_NOMEM;
    b->data = d;
    b->cap = cap;
    return KG_OK;
}

KgStatus kg_buf_append(KgBuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != KG_OK) return KG_ERR_NOMEM;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return KG_OK;
}

KgStatus kg_buf_puts(KgBuf *b, const char *s) { return kg_buf_append(b, s, strlen(s)); }

KgStatus kg_buf_printf(KgBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return KG_ERR_INTERNAL;
    if (reserve(b, (size_t)n) != KG_OK) return KG_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KG_OK;
}

const char *kg_buf_cstr(KgBuf *b)
{
    if (reserve(b, 0) != KG_OK) return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

void kg_buf_free(KgBuf *b)
{
    if (!b) return;
    kg_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
