/* kg/stats.c: counts of the store and per-predicate statistics (triples, distinct subjects,
 * distinct objects). The statistics are refreshed at each commit for the predicates the
 * transaction touched, so they are always current; the query planner orders joins by them. */
#include "internal.h"

#include <string.h>

#define MAX_DIRTY_PREDS ((size_t)1 << 24)

KgStatus kg_stats_touch(KgStore *store, KgTermId p)
{
    // Predicates are few and loads touch them in runs: check the recent ones first.
    for (size_t i = store->n_dirty_preds; i > 0 && i + 8 > store->n_dirty_preds; i--)
        if (store->dirty_preds[i - 1] == p) return KG_OK;
    for (size_t i = 0; i < store->n_dirty_preds; i++)
        if (store->dirty_preds[i] == p) {
            // Move it to the end, where the next lookup starts.
            store->dirty_preds[i] = store->dirty_preds[store->n_dirty_preds - 1];
            store->dirty_preds[store->n_dirty_preds - 1] = p;
            return KG_OK;
        }
    if (store->n_dirty_preds == store->cap_dirty_preds) {
        if (store->cap_dirty_preds >= MAX_DIRTY_PREDS) return KG_ERR_NOMEM;
        size_t cap = store->cap_dirty_preds ? store->cap_dirty_preds * 2 : 64;
        KgTermId *d = kg_realloc(store->dirty_preds, cap * sizeof *d);
        if (!d) return KG_ERR_NOMEM;
        store->dirty_preds = d;
        store->cap_dirty_preds = cap;
    }
    store->dirty_preds[store->n_dirty_preds++] = p;
    return KG_OK;
}

KgStatus kg_stats_refresh(KgStore *store, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_PRED_STATS_REFRESH, err);
    if (!st) return KG_ERR_DB;
    for (size_t i = 0; i < store->n_dirty_preds; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)store->dirty_preds[i]);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return kg_db_error(store, err, "updating statistics");
    }
    store->n_dirty_preds = 0;
    return KG_OK;
}

KgStatus kg_stats_get(KgStore *store, KgStats *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kg_stmt(store, STMT_COUNT_QUADS, err);
    if (!st) return KG_ERR_DB;
    if (sqlite3_step(st) != SQLITE_ROW) goto fail;
    out->n_quads = (uint64_t)sqlite3_column_int64(st, 0);
    out->n_asserted = (uint64_t)sqlite3_column_int64(st, 1);
    out->n_inferred = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (!(st = kg_stmt(store, STMT_COUNT_TERMS, err))) return KG_ERR_DB;
    if (sqlite3_step(st) != SQLITE_ROW) goto fail;
    out->n_terms = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (!(st = kg_stmt(store, STMT_COUNT_GRAPHS, err))) return KG_ERR_DB;
    if (sqlite3_step(st) != SQLITE_ROW) goto fail;
    out->n_graphs = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (!(st = kg_stmt(store, STMT_PRED_STATS_ALL, err))) return KG_ERR_DB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) out->n_predicates++;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return kg_db_error(store, err, "counting predicates");
    return KG_OK;
fail:
    sqlite3_reset(st);
    return kg_db_error(store, err, "counting");
}

KgStatus kg_pred_stats_each(KgStore *store, int (*fn)(void *ctx, const KgPredStats *ps),
                            void *ctx, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_PRED_STATS_ALL, err);
    if (!st) return KG_ERR_DB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        KgPredStats ps = {
            (KgTermId)sqlite3_column_int64(st, 0),
            (uint64_t)sqlite3_column_int64(st, 1),
            (uint64_t)sqlite3_column_int64(st, 2),
            (uint64_t)sqlite3_column_int64(st, 3),
        };
        if (fn(ctx, &ps)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "reading statistics");
}
