/* tests/fuzz/fuzz_store.c: the store's own file. The input is written to a temporary file
 * which kg_store_open then opens; a damaged or truncated file must give an error, never a
 * crash. When it opens, everything is read: statistics, prefixes, every quad and its terms,
 * derivations, rule sources, embedding sets, an export and a query; then a quad is added and
 * rolled back. Seeds are small real stores (empty, loaded, reasoned, trained), so the
 * fuzzer's bit flips and truncations land in pages SQLite and nous actually read. */
#define _POSIX_C_SOURCE 200809L
#include "tests/fuzz/bound.h"
#include "tests/fuzz/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_QUADS 2000

static char dir[32], path[64], wal[70], shm[70];

static void remove_files(void)
{
    unlink(path);
    unlink(wal);
    unlink(shm);
}

static void remove_dir(void)
{
    remove_files();
    rmdir(dir);
}

/* A folder of its own per process, so that two fuzzers or replays never share the file. */
static void make_path(void)
{
    snprintf(dir, sizeof dir, "%s", "/tmp/nous-fuzz-XXXXXX");
    if (!mkdtemp(dir)) abort();
    atexit(remove_dir);
    snprintf(path, sizeof path, "%s/store.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
}

static KgStatus count_source(void *ctx, const char *kind, const char *name, const char *text,
                             size_t len)
{
    (void)kind;
    (void)name;
    (void)text;
    *(size_t *)ctx += len;
    return KG_OK;
}

static KgStatus count_uncertain(void *ctx, const KgQuad *q, double confidence)
{
    (void)q;
    (void)confidence;
    ++*(size_t *)ctx;
    return KG_OK;
}

static void count_prefix(void *ctx, const char *prefix, const char *ns)
{
    (void)prefix;
    (void)ns;
    ++*(size_t *)ctx;
}

static int count_pred(void *ctx, const KgPredStats *ps)
{
    (void)ps;
    ++*(size_t *)ctx;
    return 0;
}

static KgStatus load_embedding(void *ctx, const KgEmbeddingInfo *info)
{
    KgStore *store = ctx;
    KgEmbedding *e = NULL;
    KgError err = {0};
    if (kg_embedding_load(store, info->name, &e, &err) != KG_OK) return KG_OK;
    const KgEmbeddingInfo *got = kg_embedding_info(e);
    float sum = 0;
    for (size_t i = 0; i < kg_embedding_n_entities(e); i++) {
        const float *v;
        kg_embedding_entity(e, i, &v);
        for (size_t j = 0; j < got->entity_width; j++) sum += v[j];
    }
    for (size_t i = 0; i < kg_embedding_n_relations(e); i++) {
        const float *v, *inv;
        kg_embedding_relation(e, i, &v, &inv);
        for (size_t j = 0; j < got->relation_width; j++) sum += v[j] + (inv ? inv[j] : 0);
    }
    (void)sum;
    kg_embedding_free(e);
    return KG_OK;
}

static void read_everything(KgStore *store)
{
    KgError err = {0};
    KgStats st;
    size_t n = 0;
    kg_stats_get(store, &st, &err);
    kg_pred_stats_each(store, count_pred, &n, &err);
    kg_prefix_each(store, count_prefix, &n, &err);
    kg_rule_source_each(store, count_source, &n, &err);
    kg_derivation_each_uncertain(store, count_uncertain, &n, &err);
    kg_embedding_each(store, load_embedding, store, &err);
    KgQuad any = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgBuf b = {0};
    unsigned mark;
    if (kg_match_new(store, &any, KG_ASSERTED | KG_INFERRED, &it, &err) == KG_OK) {
        for (size_t i = 0; i < MAX_QUADS && kg_iter_next(it, &q, &mark, &err) == KG_OK; i++) {
            KgTermId ids[4] = {q.s, q.p, q.o, q.g};
            for (int k = 0; k < 4; k++) {
                b.len = 0;
                if (ids[k]) kg_term_write_id(store, ids[k], k & 1, &b, &err);
            }
            KgDerivation d;
            if (mark & KG_INFERRED) kg_derivation_get(store, &q, &d, &err);
        }
        kg_iter_free(it);
    }
    kg_buf_free(&b);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        kg_export(store, devnull, KG_FMT_NQUADS, KG_ASSERTED | KG_INFERRED, &err);
        kg_export(store, devnull, KG_FMT_TURTLE, KG_ASSERTED, &err);
        fclose(devnull);
    }
    static const char query[] = "SELECT ?s (COUNT(?o) AS ?n) (SAMPLE(?o) AS ?x) "
                                "WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?z } } GROUP BY ?s LIMIT 50";
    KgQuery *qy = NULL;
    if (kg_query_prepare(store, query, sizeof query - 1, "fuzz.rq", &qy, &err) == KG_OK) {
        while (kg_query_next(qy, &err) == KG_OK) {
            KgTerm t;
            for (size_t i = 0; i < kg_query_n_columns(qy); i++) kg_query_value(qy, i, &t);
        }
        kg_query_free(qy);
    }
    // A write on the damaged file, rolled back.
    if (kg_store_begin(store, &err) == KG_OK) {
        KgTerm iri = {KG_TERM_IRI, "http://example.org/x", 20, NULL, NULL};
        KgTermId id;
        if (kg_dict_intern(store, &iri, &id, &err) == KG_OK) {
            KgQuad add = {id, id, id, KG_DEFAULT_GRAPH};
            kg_quad_add(store, &add, KG_ASSERTED, NULL, &err);
        }
        kg_store_rollback(store);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) make_path();
    remove_files();
    FILE *f = fopen(path, "wb");
    fuzz_must(f != NULL, "creating the temporary store file", NULL);
    fuzz_must(fwrite(data, 1, size, f) == size && fclose(f) == 0, "writing it", NULL);
    KgStore *store = NULL;
    KgError err = {0};
    fuzz_bound_start(1000);
    KgStatus s = kg_store_open(path, &store, &err);
    fuzz_must((s == KG_OK) == (store != NULL), "a store on failure, or none on success", &err);
    if (s == KG_OK) read_everything(store);
    else fuzz_must(err.msg[0] != '\0', "an open that failed without saying why", &err);
    kg_store_close(store);
    fuzz_bound_stop();
    remove_files();
    return 0;
}
