/* kg/derivation.c: how each inferred quad was derived, one derivation per quad (the first
 * the reasoner found, so proofs stay shallow): the rule's label, the confidence and the
 * premise quads, packed as 4 x 8-byte little-endian ids each. The explainer walks these back
 * to asserted quads. */
#include "internal.h"

#include <string.h>

static void put_u64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static void bind_quad(sqlite3_stmt *st, const KgQuad *q)
{
    sqlite3_bind_int64(st, 1, (sqlite3_int64)q->s);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)q->p);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)q->o);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->g);
}

KgStatus kg_derivation_put(KgStore *store, const KgQuad *q, const KgDerivation *d, KgError *err)
{
    if (!store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "recording a derivation outside a transaction");
    unsigned char small[32 * 8];
    size_t n = d->n_premises * 32;
    unsigned char *blob = n <= sizeof small ? small : kg_malloc(n);
    if (!blob) return kg_error_set(err, KG_ERR_NOMEM, "out of memory recording a derivation");
    for (size_t i = 0; i < d->n_premises; i++) {
        put_u64(blob + 32 * i, d->premises[i].s);
        put_u64(blob + 32 * i + 8, d->premises[i].p);
        put_u64(blob + 32 * i + 16, d->premises[i].o);
        put_u64(blob + 32 * i + 24, d->premises[i].g);
    }
    KgStatus s = KG_OK;
    sqlite3_stmt *st = kg_stmt(store, STMT_DERIVATION_PUT, err);
    if (!st) {
        s = KG_ERR_DB;
        goto out;
    }
    bind_quad(st, q);
    sqlite3_bind_text(st, 5, d->rule, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, d->confidence);
    sqlite3_bind_blob(st, 7, blob, (int)n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) s = kg_db_error(store, err, "recording a derivation");
out:
    if (blob != small) kg_free(blob);
    return s;
}

/* Decodes a derivation from statement st's columns rule, confidence, premises (from `col`)
 * into *out: its strings and premises in the store's buffers, valid until the next call. */
static KgStatus decode(KgStore *store, sqlite3_stmt *st, int col, KgDerivation *out, KgError *err)
{
    const unsigned char *blob = sqlite3_column_blob(st, col + 2);
    size_t n = (size_t)sqlite3_column_bytes(st, col + 2) / 32;
    store->deriv_rule.len = 0;
    // The column is NOT NULL, but a damaged file can still give NULL (found by fuzz_store).
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return kg_error_set(err, KG_ERR_DB, "%s: a damaged derivation (no rule)", store->path);
    const char *rule = (const char *)sqlite3_column_text(st, col);
    if (!rule || kg_buf_puts(&store->deriv_rule, rule) != KG_OK ||
        !kg_buf_cstr(&store->deriv_rule))
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a derivation");
    if (n > store->cap_deriv_premises) {
        KgQuad *np = kg_realloc(store->deriv_premises, n * sizeof *np);
        if (!np) return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a derivation");
        store->deriv_premises = np, store->cap_deriv_premises = n;
    }
    for (size_t i = 0; i < n; i++)
        store->deriv_premises[i] = (KgQuad){get_u64(blob + 32 * i), get_u64(blob + 32 * i + 8),
                                           get_u64(blob + 32 * i + 16), get_u64(blob + 32 * i + 24)};
    out->rule = kg_buf_cstr(&store->deriv_rule);
    out->confidence = sqlite3_column_double(st, col + 1);
    out->premises = store->deriv_premises;
    out->n_premises = n;
    return KG_OK;
}

KgStatus kg_derivation_get(KgStore *store, const KgQuad *q, KgDerivation *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kg_stmt(store, STMT_DERIVATION_GET, err);
    if (!st) return KG_ERR_DB;
    bind_quad(st, q);
    int rc = sqlite3_step(st);
    KgStatus s;
    if (rc == SQLITE_DONE) s = KG_ERR_NOT_FOUND;
    else if (rc != SQLITE_ROW) s = kg_db_error(store, err, "reading a derivation");
    else s = decode(store, st, 0, out, err);
    sqlite3_reset(st);
    return s;
}

KgStatus kg_derivation_each_of_subject(KgStore *store, KgTermId subject,
                                       KgStatus (*fn)(void *ctx, const KgQuad *q, const KgDerivation *d),
                                       void *ctx, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_DERIVATION_OF_SUBJECT, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)subject);
    KgStatus s = KG_OK;
    int rc;
    while (s == KG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        KgQuad q = {subject, (KgTermId)sqlite3_column_int64(st, 0), (KgTermId)sqlite3_column_int64(st, 1),
                    (KgTermId)sqlite3_column_int64(st, 2)};
        KgDerivation d;
        if ((s = decode(store, st, 3, &d, err)) == KG_OK) s = fn(ctx, &q, &d);
    }
    if (s == KG_OK && rc != SQLITE_DONE) s = kg_db_error(store, err, "reading the derivations");
    sqlite3_reset(st);
    return s;
}

KgStatus kg_derivation_each_uncertain(KgStore *store,
                                      KgStatus (*fn)(void *ctx, const KgQuad *q, double confidence),
                                      void *ctx, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_DERIVATION_UNCERTAIN, err);
    if (!st) return KG_ERR_DB;
    KgStatus s = KG_OK;
    int rc;
    while (s == KG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        KgQuad q = {(KgTermId)sqlite3_column_int64(st, 0), (KgTermId)sqlite3_column_int64(st, 1),
                    (KgTermId)sqlite3_column_int64(st, 2), (KgTermId)sqlite3_column_int64(st, 3)};
        s = fn(ctx, &q, sqlite3_column_double(st, 4));
    }
    if (s == KG_OK && rc != SQLITE_DONE) s = kg_db_error(store, err, "reading the derivations");
    sqlite3_reset(st);
    return s;
}
