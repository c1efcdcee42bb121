/* kg/stats.c: counts of the store and per-predicate statistics (triples, distinct subjects,
 * distinct objects). The statistics are brought up to date at each commit for the predicates
 * the transaction touched, so they are always current; the query planner orders joins by them.
 *
 * A predicate's statistics are counted again from its quads, unless the transaction changed
 * few of them (fewer than 1/REFRESH_FRACTION): then the changes alone bring them up to date.
 * For each subject the changes touched, a probe of its quads with the predicate (up to one
 * more than it gained) tells whether it had some before and has some now; the same for
 * objects. A small update of rdf:type then costs a few probes, not a count of every typed
 * subject. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DIRTY_PREDS ((size_t)1 << 24)
#define MAX_STATS_CHANGES ((size_t)1 << 16) /* more: every touched predicate is counted again */
#define REFRESH_FRACTION 16

typedef struct KgStatsChange {
    KgTermId p, s, o;
    int delta; /* +1 added, -1 deleted */
} KgStatsChange;

static KgStatus mark_dirty(KgStore *store, KgTermId p)
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

KgStatus kg_stats_touch(KgStore *store, const KgQuad *q, int delta)
{
    KgStatus s = mark_dirty(store, q->p);
    if (s != KG_OK || store->stats_changes_overflow) return s;
    if (store->n_stats_changes == store->cap_stats_changes) {
        size_t cap = store->cap_stats_changes ? store->cap_stats_changes * 2 : 256;
        KgStatsChange *grown = cap <= MAX_STATS_CHANGES ? kg_realloc(store->stats_changes, cap * sizeof *grown) : NULL;
        if (!grown) { /* too many (or no memory): the predicates are counted again */
            store->stats_changes_overflow = 1;
            return KG_OK;
        }
        store->stats_changes = grown;
        store->cap_stats_changes = cap;
    }
    store->stats_changes[store->n_stats_changes++] = (KgStatsChange){q->p, q->s, q->o, delta};
    return KG_OK;
}

void kg_stats_forget(KgStore *store)
{
    store->n_dirty_preds = 0;
    store->n_stats_changes = 0;
    store->stats_changes_overflow = 0;
}

static int compare_ps(const void *x, const void *y)
{
    const KgStatsChange *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    return (a->s > b->s) - (a->s < b->s);
}

static int compare_po(const void *x, const void *y)
{
    const KgStatsChange *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    return (a->o > b->o) - (a->o < b->o);
}

/* How many quads (up to `limit`) the store holds with (p, o) (which = STMT_PROBE_PO) or
 * (s, p) (STMT_PROBE_SP). */
static KgStatus probe(KgStore *store, StmtId which, KgTermId a, KgTermId b, int64_t limit, int64_t *n, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, which, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
    sqlite3_bind_int64(st, 3, limit);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? KG_OK : kg_db_error(store, err, "updating statistics");
}

/* The change in distinct subjects (by_subject) or objects of predicate p from its changes
 * ch[0 .. n), sorted by that position: for each value, whether it had quads with p before
 * (now minus its net gain) and has some now. */
static KgStatus distinct_delta(KgStore *store, const KgStatsChange *ch, size_t n, int by_subject, int64_t *delta,
                               KgError *err)
{
    *delta = 0;
    for (size_t i = 0; i < n;) {
        KgTermId v = by_subject ? ch[i].s : ch[i].o;
        int64_t gained = 0;
        size_t j = i;
        for (; j < n && (by_subject ? ch[j].s : ch[j].o) == v; j++) gained += ch[j].delta;
        int64_t now = 0, limit = (gained > 0 ? gained : 0) + 1;
        KgStatus s = by_subject ? probe(store, STMT_PROBE_SP, v, ch[i].p, limit, &now, err)
                                : probe(store, STMT_PROBE_PO, ch[i].p, v, limit, &now, err);
        if (s != KG_OK) return s;
        if (now < limit) /* exact: before = now - gained; else it has some before and after */
            *delta += (now > 0) - (now - gained > 0);
        i = j;
    }
    return KG_OK;
}

/* Predicate p's statistics from its changes ch[0 .. n) (sorted by subject; sorted again by
 * object here); *done = 0 when they must be counted again (no row yet, or many changes). */
static KgStatus refresh_from_changes(KgStore *store, KgStatsChange *ch, size_t n, int *done, KgError *err)
{
    *done = 0;
    KgTermId p = ch[0].p;
    sqlite3_stmt *st = kg_stmt(store, STMT_PRED_STATS_GET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)p);
    int rc = sqlite3_step(st);
    int64_t n_triples = 0, n_subjects = 0, n_objects = 0;
    if (rc == SQLITE_ROW) {
        n_triples = sqlite3_column_int64(st, 0);
        n_subjects = sqlite3_column_int64(st, 1);
        n_objects = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return kg_db_error(store, err, "reading statistics");
    if (rc != SQLITE_ROW || (int64_t)n * REFRESH_FRACTION > n_triples) return KG_OK;
    int64_t d_subjects, d_objects;
    KgStatus s = distinct_delta(store, ch, n, 1, &d_subjects, err);
    if (s != KG_OK) return s;
    qsort(ch, n, sizeof *ch, compare_po);
    if ((s = distinct_delta(store, ch, n, 0, &d_objects, err)) != KG_OK) return s;
    for (size_t i = 0; i < n; i++) n_triples += ch[i].delta;
    if (!(st = kg_stmt(store, STMT_PRED_STATS_PUT, err))) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)p);
    sqlite3_bind_int64(st, 2, n_triples);
    sqlite3_bind_int64(st, 3, n_subjects + d_subjects);
    sqlite3_bind_int64(st, 4, n_objects + d_objects);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return kg_db_error(store, err, "updating statistics");
    *done = 1;
    return KG_OK;
}

KgStatus kg_stats_refresh(KgStore *store, KgError *err)
{
    KgStatus s = KG_OK;
    KgStatsChange *ch = store->stats_changes;
    size_t n = store->stats_changes_overflow ? 0 : store->n_stats_changes;
    if (n) qsort(ch, n, sizeof *ch, compare_ps);
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < store->n_dirty_preds && s == KG_OK; i++) {
        KgTermId p = store->dirty_preds[i];
        int done = 0;
        if (!store->stats_changes_overflow) { /* p's changes: a run of the sorted list */
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (ch[mid].p < p) lo = mid + 1;
                else hi = mid;
            }
            size_t end = lo;
            while (end < n && ch[end].p == p) end++;
            if (end > lo && (s = refresh_from_changes(store, ch + lo, end - lo, &done, err)) != KG_OK) break;
        }
        if (done) continue;
        if (!st && !(st = kg_stmt(store, STMT_PRED_STATS_REFRESH, err))) return KG_ERR_DB;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)p);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) s = kg_db_error(store, err, "updating statistics");
    }
    if (s == KG_OK) kg_stats_forget(store);
    return s;
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
