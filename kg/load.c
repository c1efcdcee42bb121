/* kg/load.c: loading one file into the store. Picks the format (extension or --format),
 * opens the input (a file, standard input, gzip on the fly through zlib), runs the parser
 * inside one transaction and rolls everything back on any error or Ctrl-C. Blank-node labels
 * are scoped to one load, as RDF requires: _:b1 in two files are two different nodes. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const struct {
    const char *name;
    KgFormat format;
} format_names[] = {
    {"nt", KG_FMT_NTRIPLES},    {"ntriples", KG_FMT_NTRIPLES}, {"n-triples", KG_FMT_NTRIPLES},
    {"ttl", KG_FMT_TURTLE},     {"turtle", KG_FMT_TURTLE},     {"n3", KG_FMT_TURTLE},
    {"nq", KG_FMT_NQUADS},      {"nquads", KG_FMT_NQUADS},     {"n-quads", KG_FMT_NQUADS},
    {"trig", KG_FMT_TRIG},      {"rdf", KG_FMT_RDFXML},        {"rdfxml", KG_FMT_RDFXML},
    {"rdf/xml", KG_FMT_RDFXML}, {"xml", KG_FMT_RDFXML},        {"owl", KG_FMT_RDFXML},
    {"tsv", KG_FMT_TSV},        {"txt", KG_FMT_TSV},           {NULL, KG_FMT_UNKNOWN},
};

KgFormat kg_format_from_name(const char *name)
{
    for (int i = 0; format_names[i].name; i++)
        if (strcasecmp(name, format_names[i].name) == 0) return format_names[i].format;
    return KG_FMT_UNKNOWN;
}

KgFormat kg_format_from_path(const char *path)
{
    size_t n = strlen(path);
    char ext[16];
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0) n -= 3;
    size_t dot = n;
    while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/') dot--;
    if (dot == 0 || path[dot - 1] != '.' || n - dot >= sizeof ext) return KG_FMT_UNKNOWN;
    memcpy(ext, path + dot, n - dot);
    ext[n - dot] = '\0';
    return kg_format_from_name(ext);
}

const char *kg_format_name(KgFormat f)
{
    switch (f) {
    case KG_FMT_NTRIPLES: return "ntriples";
    case KG_FMT_TURTLE: return "turtle";
    case KG_FMT_NQUADS: return "nquads";
    case KG_FMT_TRIG: return "trig";
    case KG_FMT_RDFXML: return "rdfxml";
    case KG_FMT_TSV: return "tsv";
    case KG_FMT_UNKNOWN: break;
    }
    return "unknown";
}

/* ------------------------------------------------------------ adding what parsers read */

#define PROGRESS_EVERY 100000
#define INTERRUPT_EVERY 4096
/* Quads are inserted in sorted batches: neighbours in key order land on the same B-tree
 * pages, and duplicates within a batch cost nothing. */
#define BATCH_QUADS ((size_t)1 << 18)
#define BATCH_QUADS_FIRST ((size_t)1 << 10)

static KgStatus interrupted(const char *name, KgError *err)
{
    return kg_error_at(err, KG_ERR_INTERRUPTED, name, 0, 0,
                       "interrupted; nothing of this file was loaded");
}

static int compare_quads(const void *a, const void *b)
{
    const KgQuad *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    if (x->p != y->p) return x->p < y->p ? -1 : 1;
    if (x->o != y->o) return x->o < y->o ? -1 : 1;
    if (x->g != y->g) return x->g < y->g ? -1 : 1;
    return 0;
}

KgStatus kg_load_flush(KgLoadCtx *lc, KgError *err)
{
    if (!lc->n_batch) return KG_OK;
    qsort(lc->batch, lc->n_batch, sizeof *lc->batch, compare_quads);
    for (size_t i = 0; i < lc->n_batch; i++) {
        if (i && compare_quads(&lc->batch[i], &lc->batch[i - 1]) == 0) continue;
        int is_new = 0;
        KgStatus s = lc->opt && lc->opt->collect ? lc->opt->collect(lc->opt->collect_ctx, &lc->batch[i], err)
                                                 : kg_quad_add(lc->store, &lc->batch[i], KG_ASSERTED, &is_new, err);
        if (s != KG_OK) return s;
        lc->stats.n_new += (uint64_t)is_new;
    }
    lc->n_batch = 0;
    return KG_OK;
}

KgStatus kg_load_add(KgLoadCtx *lc, const KgQuad *q, KgError *err)
{
    if (lc->n_batch == lc->cap_batch) {
        // The batch grows to BATCH_QUADS as the file proves big: 8 MB for a one-line file
        // cost more than parsing it (the fuzzer spent most of its time clearing those pages).
        // (A full batch of BATCH_QUADS was flushed below, so cap stays within it.)
        size_t cap = lc->cap_batch ? lc->cap_batch * 2 : BATCH_QUADS_FIRST;
        KgQuad *bigger = kg_realloc(lc->batch, cap * sizeof *lc->batch);
        if (!bigger) return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
        lc->batch = bigger;
        lc->cap_batch = cap;
    }
    lc->batch[lc->n_batch++] = *q;
    lc->stats.n_read++;
    if (lc->n_batch == BATCH_QUADS) {
        KgStatus s = kg_load_flush(lc, err);
        if (s != KG_OK) return s;
    }
    if ((lc->stats.n_read & (INTERRUPT_EVERY - 1)) == 0 && kg_interrupted())
        return interrupted(lc->name, err);
    if (lc->opt && lc->opt->progress && lc->stats.n_read >= lc->next_progress) {
        lc->next_progress = lc->stats.n_read + PROGRESS_EVERY;
        lc->stats.seconds = kg_now() - lc->t_start;
        lc->opt->progress(lc->opt->progress_ctx, &lc->stats);
    }
    return KG_OK;
}

KgStatus kg_load_blank(KgLoadCtx *lc, const char *label, size_t len, KgTermId *out, KgError *err)
{
    char head[32];
    int n = snprintf(head, sizeof head, "b%lld_", (long long)lc->blank_scope);
    KgBuf b = {0};
    KgStatus s = kg_buf_append(&b, head, (size_t)n);
    if (s == KG_OK) s = kg_buf_append(&b, label, len);
    if (s != KG_OK) {
        kg_buf_free(&b);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
    }
    KgTerm t = {KG_TERM_BLANK, b.data, b.len, NULL, NULL};
    s = kg_dict_intern(lc->store, &t, out, err);
    kg_buf_free(&b);
    return s;
}

/* ------------------------------------------------------------ readers */

static long read_gz(void *ctx, char *buf, size_t cap)
{
    int n = gzread((gzFile)ctx, buf, (unsigned)(cap > 1 << 30 ? 1 << 30 : cap));
    return n < 0 ? -1 : n;
}

typedef struct {
    const char *data;
    size_t len, pos;
} MemSource;

static long read_mem(void *ctx, char *buf, size_t cap)
{
    MemSource *m = ctx;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (long)n;
}

/* ------------------------------------------------------------ one load, one transaction */

/* A load expected to add many triples relative to the store drops the secondary quad indexes
 * and sorts them back afterwards. The estimate comes from the input's size in bytes (0 when
 * unknown); a wrong guess costs time, never correctness. */
#define BULK_MIN_TRIPLES 20000
#define BYTES_PER_TRIPLE 100

static KgStatus use_bulk_mode(KgStore *store, uint64_t size_hint, int *bulk, KgError *err)
{
    *bulk = 0;
    uint64_t estimate = size_hint / BYTES_PER_TRIPLE;
    if (estimate < BULK_MIN_TRIPLES) return KG_OK;
    sqlite3_stmt *st = kg_stmt(store, STMT_COUNT_ASSERTED_EST, err);
    if (!st) return KG_ERR_DB;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return kg_db_error(store, err, "counting quads");
    }
    uint64_t existing = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    *bulk = estimate >= existing / 4;
    return KG_OK;
}

static KgStatus load_stream(KgStore *store, const char *name, KgReader *rd, uint64_t size_hint,
                            const KgLoadOptions *opt, KgLoadStats *stats, KgError *err)
{
    KgLoadOptions defaults = {0};
    if (!opt) opt = &defaults;
    KgFormat fmt = opt->format ? opt->format : kg_format_from_path(name);
    if (fmt == KG_FMT_UNKNOWN)
        return kg_error_at(err, KG_ERR_ARG, name, 0, 0,
                           "cannot tell the format from the file name; use --format "
                           "(nt, ttl, nq, trig, rdfxml, tsv)");
    KgLoadCtx lc = {.store = store, .name = name, .format = fmt, .opt = opt,
                    .t_start = kg_now(), .next_progress = PROGRESS_EVERY};
    int own_transaction = !store->in_txn;
    KgStatus s = own_transaction ? kg_store_begin(store, err) : KG_OK;
    if (s != KG_OK) return s;
    s = kg_meta_get_int(store, "blank_scope", &lc.blank_scope, err);
    if (s == KG_ERR_NOT_FOUND) s = KG_OK;
    lc.blank_scope++;
    if (s == KG_OK) s = kg_meta_set_int(store, "blank_scope", lc.blank_scope, err);
    if (s == KG_OK && opt->graph_iri) {
        KgTerm g = {KG_TERM_IRI, opt->graph_iri, strlen(opt->graph_iri), NULL, NULL};
        s = kg_dict_intern(store, &g, &lc.graph_id, err);
    }
    int bulk = 0;
    // In the caller's transaction too: the load command opens one to decide, under the write
    // lock, whether the store is reasoned over; the indexes are back before this returns.
    if (s == KG_OK && !opt->collect) s = use_bulk_mode(store, size_hint, &bulk, err);
    if (s == KG_OK && bulk) s = kg_store_drop_quad_indexes(store, err);
    // Into an empty dictionary the cache knows every term, so the hash index can wait too.
    if (s == KG_OK && bulk && kg_dict_cache_is_complete(store)) s = kg_store_drop_terms_index(store, err);
    if (s == KG_OK) s = fmt == KG_FMT_TSV ? kg_load_tsv(&lc, rd, err) : kg_load_raptor(&lc, rd, err);
    if (s == KG_OK) s = kg_load_flush(&lc, err);
    if (s == KG_OK && bulk) s = kg_store_create_quad_indexes(store, err);
    if (s == KG_OK && store->terms_index_dropped) s = kg_store_create_terms_index(store, err);
    if (s == KG_OK && kg_interrupted())
        s = interrupted(name, err);
    if (s == KG_OK && own_transaction)
        s = kg_store_commit(store, err);
    else if (own_transaction)
        kg_store_rollback(store);
    kg_free(lc.batch);
    lc.stats.seconds = kg_now() - lc.t_start;
    if (stats) *stats = lc.stats;
    return s;
}

KgStatus kg_load_file(KgStore *store, const char *path, const KgLoadOptions *opt,
                      KgLoadStats *stats, KgError *err)
{
    if (stats) memset(stats, 0, sizeof *stats);
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    if (is_stdin && !(opt && opt->format))
        return kg_error_at(err, KG_ERR_ARG, name, 0, 0,
                           "reading standard input needs --format (nt, ttl, nq, trig, rdfxml, tsv)");
    gzFile gz = is_stdin ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
    if (!gz)
        return kg_error_at(err, KG_ERR_IO, name, 0, 0, "cannot open: %s",
                           errno ? strerror(errno) : "out of memory");
    gzbuffer(gz, 1 << 17);
    KgReader rd = {read_gz, gz};
    // Size of the input, for the bulk-load decision: compressed text is ~8x smaller.
    uint64_t size_hint = 0;
    struct stat sb;
    if (!is_stdin && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        size_t n = strlen(path);
        size_hint = (uint64_t)sb.st_size * (n > 3 && strcmp(path + n - 3, ".gz") == 0 ? 8 : 1);
    }
    KgStatus s = load_stream(store, name, &rd, size_hint, opt, stats, err);
    gzclose(gz);
    return s;
}

KgStatus kg_load_memory(KgStore *store, const char *name, const char *data, size_t len,
                        const KgLoadOptions *opt, KgLoadStats *stats, KgError *err)
{
    if (stats) memset(stats, 0, sizeof *stats);
    MemSource m = {data, len, 0};
    KgReader rd = {read_mem, &m};
    return load_stream(store, name, &rd, len, opt, stats, err);
}
