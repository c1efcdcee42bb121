/* kg/rule_sources.c: the rule sources a store has been reasoned with (profile names; rule
 * files with their text as it was), recorded by `reason` in the same transaction as what it
 * derived, so that `add`, `retract` and the other updates keep the inferred triples closed
 * under the same program (reasoner/update.c) even after the file changed or went away. kg
 * keeps them as named texts and knows nothing of rules. */
#include "internal.h"

KgStatus kg_rule_source_put(KgStore *store, const char *kind, const char *name, const char *text, size_t len,
                            KgError *err)
{
    if (!store->in_txn) return kg_error_set(err, KG_ERR_INTERNAL, "recording rules outside a transaction");
    sqlite3_stmt *st = kg_stmt(store, STMT_RULE_SOURCE_PUT, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, len ? text : "", (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "recording rules");
}

KgStatus kg_rule_source_each(KgStore *store,
                             KgStatus (*fn)(void *ctx, const char *kind, const char *name, const char *text, size_t len),
                             void *ctx, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_RULE_SOURCE_ALL, err);
    if (!st) return KG_ERR_DB;
    KgStatus s = KG_OK;
    int rc;
    while (s == KG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        s = fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               text ? text : "", len);
    }
    if (s == KG_OK && rc != SQLITE_DONE) s = kg_db_error(store, err, "reading the rule sources");
    sqlite3_reset(st);
    return s;
}

KgStatus kg_rule_source_delete(KgStore *store, const char *kind, const char *name, int *had, KgError *err)
{
    if (had) *had = 0;
    if (!store->in_txn) return kg_error_set(err, KG_ERR_INTERNAL, "forgetting rules outside a transaction");
    sqlite3_stmt *st = kg_stmt(store, STMT_RULE_SOURCE_DELETE, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return kg_db_error(store, err, "forgetting rules");
    if (had) *had = sqlite3_changes(store->db) > 0;
    return KG_OK;
}
