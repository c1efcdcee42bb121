/* kg/quads.c: the quads table. Adding a quad (never twice: the primary key is s, p, o, g,
 * and a quad seen again only gains a mark) and matching a pattern through the index that
 * fits it (SPO, POS, OSP or GSPO, all covering). */
#include "internal.h"

#include <string.h>

KgStatus kg_quad_add(KgStore *store, const KgQuad *q, unsigned mark, int *is_new, KgError *err)
{
    if (is_new) *is_new = 0;
    if (!store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "adding a quad outside a transaction");
    if (!q->s || !q->p || !q->o || q->g == KG_ANY_GRAPH)
        return kg_error_set(err, KG_ERR_ARG, "a quad needs a subject, predicate and object");
    sqlite3_stmt *st = kg_stmt(store, STMT_QUAD_INSERT, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)q->s);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)q->p);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)q->o);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->g);
    sqlite3_bind_int(st, 5, (int)mark);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return kg_db_error(store, err, "adding a quad");
    if (sqlite3_changes(store->db) > 0) {
        if (is_new) *is_new = 1;
        return kg_stats_touch(store, q, +1) == KG_OK
                   ? KG_OK
                   : kg_error_set(err, KG_ERR_NOMEM, "out of memory adding a quad");
    }
    // Already stored: make sure it carries this mark too (an inferred triple now asserted).
    st = kg_stmt(store, STMT_QUAD_MARK, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)q->s);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)q->p);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)q->o);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->g);
    sqlite3_bind_int(st, 5, (int)mark);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return kg_db_error(store, err, "marking a quad");
    return KG_OK;
}

/* Runs one of the statements keyed by a quad (?1..?4) and a mark (?5). */
static KgStatus run_quad_stmt(KgStore *store, int which, const KgQuad *q, unsigned mark, const char *what,
                              KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, which, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)q->s);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)q->p);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)q->o);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->g);
    if (sqlite3_bind_parameter_count(st) >= 5) sqlite3_bind_int(st, 5, (int)mark);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, what);
}

KgStatus kg_quad_unmark(KgStore *store, const KgQuad *q, unsigned mark, int *had, KgError *err)
{
    if (had) *had = 0;
    if (!store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "removing a quad outside a transaction");
    if (!q->s || !q->p || !q->o || q->g == KG_ANY_GRAPH)
        return kg_error_set(err, KG_ERR_ARG, "a quad needs a subject, predicate and object");
    /* a quad that carries no other mark is deleted at once: unmarking it first would rewrite
     * every index (mark is in each) only to delete it after */
    KgStatus s = run_quad_stmt(store, STMT_QUAD_DELETE_MARKED, q, mark, "deleting a quad", err);
    if (s != KG_OK) return s;
    int deleted = sqlite3_changes(store->db) > 0;
    if (!deleted) {
        if ((s = run_quad_stmt(store, STMT_QUAD_UNMARK, q, mark, "unmarking a quad", err)) != KG_OK) return s;
        if (sqlite3_changes(store->db) == 0) return KG_OK;
    }
    if (had) *had = 1;
    if ((mark & KG_INFERRED) &&
        (s = run_quad_stmt(store, STMT_DERIVATION_DELETE, q, 0, "deleting a derivation", err)) != KG_OK)
        return s;
    if (deleted && kg_stats_touch(store, q, -1) != KG_OK)
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory removing a quad");
    return KG_OK;
}

KgStatus kg_quad_marks(KgStore *store, const KgQuad *q, unsigned *marks, KgError *err)
{
    *marks = 0;
    KgIter *it = NULL;
    KgQuad found;
    unsigned m;
    KgStatus s = kg_match_new(store, q, KG_ASSERTED | KG_INFERRED, &it, err);
    while (s == KG_OK && (s = kg_iter_next(it, &found, &m, err)) == KG_OK) *marks |= m;
    kg_iter_free(it);
    return s == KG_DONE ? KG_OK : s;
}

struct KgIter {
    KgStore *store;
    sqlite3_stmt *stmt;
    unsigned shape; /* its slot in store->match_stmts */
};

/* The shape of a pattern: which of s, p, o, g are bound, and whether g is a named graph. */
static unsigned pattern_shape(const KgQuad *pattern)
{
    unsigned shape = (pattern->s != KG_ANY ? 1u : 0) | (pattern->p != KG_ANY ? 2u : 0) |
                     (pattern->o != KG_ANY ? 4u : 0) | (pattern->g != KG_ANY_GRAPH ? 8u : 0);
    if (pattern->g != KG_ANY_GRAPH && pattern->g != KG_DEFAULT_GRAPH) shape |= 16u;
    return shape;
}

static KgStatus prepare_match(KgStore *store, unsigned shape, sqlite3_stmt **out, KgError *err)
{
    // The SQL is put together from constant fragments only; every value is bound.
    KgBuf sql = {0};
    KgStatus s = kg_buf_puts(&sql, "SELECT s, p, o, g, mark FROM quads WHERE (mark & ?5) != 0");
    if (s == KG_OK && (shape & 1)) s = kg_buf_puts(&sql, " AND s = ?1");
    if (s == KG_OK && (shape & 2)) s = kg_buf_puts(&sql, " AND p = ?2");
    if (s == KG_OK && (shape & 4)) s = kg_buf_puts(&sql, " AND o = ?3");
    if (s == KG_OK && (shape & 8)) s = kg_buf_puts(&sql, " AND g = ?4");
    // Says in so many words what the partial GSPO index covers, so SQLite may use it.
    if (s == KG_OK && (shape & 16)) s = kg_buf_puts(&sql, " AND g != 0");
    if (s != KG_OK) {
        kg_buf_free(&sql);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory matching");
    }
    int rc = sqlite3_prepare_v2(store->db, sql.data, -1, out, NULL);
    kg_buf_free(&sql);
    return rc == SQLITE_OK ? KG_OK : kg_db_error(store, err, "matching");
}

KgStatus kg_match_new(KgStore *store, const KgQuad *pattern, unsigned marks, KgIter **out,
                      KgError *err)
{
    *out = NULL;
    KgIter *it = kg_calloc(1, sizeof *it);
    if (!it) return kg_error_set(err, KG_ERR_NOMEM, "out of memory matching");
    it->store = store;
    it->shape = pattern_shape(pattern);
    /* an idle statement of this shape, else a new one (iterators of the same shape are open) */
    for (int k = KG_MATCH_POOL - 1; k >= 0 && !it->stmt; k--) {
        it->stmt = store->match_stmts[it->shape][k];
        store->match_stmts[it->shape][k] = NULL;
    }
    if (!it->stmt) {
        KgStatus s = prepare_match(store, it->shape, &it->stmt, err);
        if (s != KG_OK) {
            kg_iter_free(it);
            return s;
        }
    }
    sqlite3_bind_int64(it->stmt, 1, (sqlite3_int64)pattern->s);
    sqlite3_bind_int64(it->stmt, 2, (sqlite3_int64)pattern->p);
    sqlite3_bind_int64(it->stmt, 3, (sqlite3_int64)pattern->o);
    sqlite3_bind_int64(it->stmt, 4, (sqlite3_int64)pattern->g);
    sqlite3_bind_int(it->stmt, 5, (int)marks);
    *out = it;
    return KG_OK;
}

KgStatus kg_iter_next(KgIter *it, KgQuad *q, unsigned *mark, KgError *err)
{
    int rc = sqlite3_step(it->stmt);
    if (rc == SQLITE_DONE) return KG_DONE;
    if (rc != SQLITE_ROW) return kg_db_error(it->store, err, "reading quads");
    q->s = (KgTermId)sqlite3_column_int64(it->stmt, 0);
    q->p = (KgTermId)sqlite3_column_int64(it->stmt, 1);
    q->o = (KgTermId)sqlite3_column_int64(it->stmt, 2);
    q->g = (KgTermId)sqlite3_column_int64(it->stmt, 3);
    if (mark) *mark = (unsigned)sqlite3_column_int(it->stmt, 4);
    return KG_OK;
}

void kg_iter_free(KgIter *it)
{
    if (!it) return;
    sqlite3_stmt **pool = it->store->match_stmts[it->shape];
    int k = 0;
    while (k < KG_MATCH_POOL && pool[k]) k++;
    if (it->stmt && k < KG_MATCH_POOL) {
        sqlite3_reset(it->stmt); /* kept for the next pattern of its shape */
        pool[k] = it->stmt;
    } else {
        sqlite3_finalize(it->stmt);
    }
    kg_free(it);
}
