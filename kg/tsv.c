/* kg/tsv.c: TSV triple files, the format of the link-prediction benchmarks: one triple per
 * line, head<TAB>relation<TAB>tail. Names become IRIs under a namespace (--base, or
 * KG_TSV_DEFAULT_NS), percent-encoding the bytes an IRI cannot hold, so every name maps to
 * one IRI and back. */
#include "internal.h"

#include <string.h>

#define MAX_LINE ((size_t)1 << 20)

/* ASCII characters kept as they are in the local part (with UTF-8 characters); all else is
 * %XX (including '%'). */
static int iri_safe(unsigned char c)
{
    return c > 0x20 && c != 0x7f && !strchr("<>\"{}|^`\\%", c);
}

KgStatus kg_tsv_iri(const char *name, size_t n, KgBuf *iri)
{
    static const char hex[] = "0123456789ABCDEF";
    KgStatus s = KG_OK;
    size_t start = 0;
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x80) {
            // A UTF-8 character stays as it is; a byte of no valid sequence is escaped, or
            // the IRI would not load back from an export (found by tests/fuzz/fuzz_load.c).
            uint32_t cp;
            size_t k = kg_utf8_decode((const unsigned char *)name + i, n - i, &cp);
            if (k > 0) {
                i += k - 1;
                continue;
            }
        } else if (iri_safe(c)) {
            continue;
        }
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        s = kg_buf_append(iri, name + start, i - start);
        if (s == KG_OK) s = kg_buf_append(iri, esc, 3);
        start = i + 1;
    }
    if (s == KG_OK) s = kg_buf_append(iri, name + start, n - start);
    return s;
}

static KgStatus name_to_id(KgLoadCtx *lc, KgBuf *iri, size_t ns_len, const char *name,
                           size_t n, KgTermId *out, KgError *err)
{
    iri->len = ns_len;
    if (kg_tsv_iri(name, n, iri) != KG_OK) return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
    KgTerm t = {KG_TERM_IRI, iri->data, iri->len, NULL, NULL};
    return kg_dict_intern(lc->store, &t, out, err);
}

KgStatus kg_tsv_fields(const char *line, size_t n, const char *file, unsigned long line_no,
                       const char **field, size_t *len, KgError *err)
{
    size_t n_fields = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && line[i] != '\t') continue;
        if (n_fields == 3)
            return kg_error_at(err, KG_ERR_SYNTAX, file, line_no, i + 1,
                               "expected 3 tab-separated fields (head, relation, tail), found more");
        if (i == start)
            return kg_error_at(err, KG_ERR_SYNTAX, file, line_no, i + 1, "empty field %zu", n_fields + 1);
        field[n_fields] = line + start;
        len[n_fields++] = i - start;
        start = i + 1;
    }
    if (n_fields != 3)
        return kg_error_at(err, KG_ERR_SYNTAX, file, line_no, n + 1,
                           "expected 3 tab-separated fields (head, relation, tail), found %zu", n_fields);
    const char *nul = memchr(line, '\0', n);
    if (nul)
        return kg_error_at(err, KG_ERR_SYNTAX, file, line_no, (unsigned long)(nul - line) + 1,
                           "NUL byte in a name");
    return KG_OK;
}

static KgStatus parse_line(KgLoadCtx *lc, KgBuf *iri, size_t ns_len, const char *line, size_t n,
                           unsigned long line_no, KgError *err)
{
    if (n && line[n - 1] == '\r') n--;
    if (n == 0) return KG_OK;
    const char *field[3];
    size_t len[3];
    KgStatus s = kg_tsv_fields(line, n, lc->name, line_no, field, len, err);
    if (s != KG_OK) return s;
    KgQuad q = {0, 0, 0, lc->graph_id};
    s = name_to_id(lc, iri, ns_len, field[0], len[0], &q.s, err);
    if (s == KG_OK) s = name_to_id(lc, iri, ns_len, field[1], len[1], &q.p, err);
    if (s == KG_OK) s = name_to_id(lc, iri, ns_len, field[2], len[2], &q.o, err);
    if (s == KG_OK) s = kg_load_add(lc, &q, err);
    return s;
}

KgStatus kg_load_tsv(KgLoadCtx *lc, KgReader *rd, KgError *err)
{
    const char *ns = lc->opt->base_iri ? lc->opt->base_iri : KG_TSV_DEFAULT_NS;
    KgBuf iri = {0}, pending = {0};
    char *chunk = kg_malloc(1 << 16);
    KgStatus s = KG_OK;
    unsigned long line_no = 0;
    if (!chunk || kg_buf_puts(&iri, ns) != KG_OK) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
        goto out;
    }
    size_t ns_len = iri.len;
    for (;;) {
        long n = rd->read(rd->ctx, chunk, 1 << 16);
        if (n < 0) {
            s = kg_error_at(err, KG_ERR_IO, lc->name, line_no, 0, "read error");
            goto out;
        }
        if (n == 0) break;
        size_t start = 0;
        for (size_t i = 0; i < (size_t)n; i++) {
            if (chunk[i] != '\n') continue;
            line_no++;
            if (pending.len) {
                if (kg_buf_append(&pending, chunk + start, i - start) != KG_OK) {
                    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
                    goto out;
                }
                s = parse_line(lc, &iri, ns_len, pending.data, pending.len, line_no, err);
                pending.len = 0;
            } else {
                s = parse_line(lc, &iri, ns_len, chunk + start, i - start, line_no, err);
            }
            if (s != KG_OK) goto out;
            start = i + 1;
        }
        if (pending.len + ((size_t)n - start) > MAX_LINE) {
            s = kg_error_at(err, KG_ERR_SYNTAX, lc->name, line_no + 1, 1,
                            "line longer than %zu bytes", MAX_LINE);
            goto out;
        }
        if (kg_buf_append(&pending, chunk + start, (size_t)n - start) != KG_OK) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
            goto out;
        }
    }
    if (pending.len) s = parse_line(lc, &iri, ns_len, pending.data, pending.len, line_no + 1, err);
out:
    kg_free(chunk);
    kg_buf_free(&iri);
    kg_buf_free(&pending);
    return s;
}
