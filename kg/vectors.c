/* kg/vectors.c: trained embeddings kept in the store, so that a later command or the shell
 * can score and search without training again. A set is one row of `embeddings` (model,
 * widths, settings as JSON) and one row of `embedding_rows` per entity, relation and
 * relation inverse, each vector a BLOB of float32 in IEEE-754 little-endian order. Loading
 * reads them back in term order into row-major matrices, found by binary search. */
#include "internal.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

enum { ROW_ENTITY = 0, ROW_RELATION = 1, ROW_INVERSE = 2 };

struct KgEmbedding {
    KgEmbeddingInfo info; /* its strings point into `strings` */
    char *strings;
    size_t n_entities, n_relations;
    KgTermId *entity_terms, *relation_terms; /* ascending */
    float *entity_vecs, *relation_vecs, *inverse_vecs; /* 64-byte aligned views into `floats` */
    unsigned char *has_inverse;                        /* per relation */
    void *floats;
};

/* Bytes of one float, little-endian whatever the host, so a store file moves between
 * machines; on a little-endian host the compiler makes these a plain load and store. */
static void put_f32(unsigned char *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(u >> (8 * i));
}

static float get_f32(const unsigned char *b)
{
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                 (uint32_t)b[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static const char *kind_name(int kind)
{
    return kind == ROW_ENTITY ? "entity" : kind == ROW_RELATION ? "relation" : "inverse relation";
}

/* Runs a statement without parameters or rows. */
static KgStatus run(KgStore *store, StmtId id, KgError *err, const char *what)
{
    sqlite3_stmt *st = kg_stmt(store, id, err);
    if (!st) return KG_ERR_DB;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, what);
}

/* A write runs in a transaction of its own, or joins the caller's through a savepoint, so
 * that a failure undoes only what this call wrote ("a failed call leaves its inputs
 * unchanged") and the caller's transaction goes on. *own says which. */
static KgStatus write_begin(KgStore *store, int *own, KgError *err)
{
    *own = !store->in_txn;
    if (*own) return kg_store_begin(store, err);
    return run(store, STMT_SAVEPOINT, err, "starting a write");
}

/* Ends the write begun by write_begin: kept when s is KG_OK, undone otherwise. */
static KgStatus write_end(KgStore *store, int own, KgStatus s, KgError *err)
{
    if (own) {
        if (s == KG_OK) return kg_store_commit(store, err); /* rolls back when it fails */
        kg_store_rollback(store);
        return s;
    }
    if (s == KG_OK && (s = run(store, STMT_SAVEPOINT_RELEASE, err, "ending a write")) == KG_OK)
        return KG_OK;
    // ROLLBACK TO leaves the savepoint on the stack; RELEASE then pops it.
    KgError ignored;
    run(store, STMT_SAVEPOINT_ROLLBACK, &ignored, "");
    run(store, STMT_SAVEPOINT_RELEASE, &ignored, "");
    return s;
}

static KgStatus delete_rows(KgStore *store, const char *name, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_EMBEDDING_ROWS_DELETE, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "deleting embeddings");
}

static KgStatus put_info(KgStore *store, const KgEmbeddingInfo *info, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_EMBEDDING_PUT, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, info->model, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)info->dim);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)info->entity_width);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)info->relation_width);
    sqlite3_bind_text(st, 6, info->settings ? info->settings : "{}", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "saving embeddings");
}

/* Writes n rows of `width` floats; `blob` has room for one row's bytes. */
static KgStatus put_rows(KgStore *store, const char *name, int kind, size_t n,
                         const KgTermId *terms, const float *vecs, size_t width,
                         unsigned char *blob, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_EMBEDDING_ROW_PUT, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, kind);
    KgStatus s = KG_OK;
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        const float *v = vecs + i * width;
        for (size_t j = 0; j < width; j++) put_f32(blob + 4 * j, v[j]);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)terms[i]);
        sqlite3_bind_blob(st, 4, blob, (int)(width * 4), SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            s = kg_error_set(err, KG_ERR_DB, "saving embeddings %s: the %s row of term %llu: %s",
                             name, kind_name(kind), (unsigned long long)terms[i],
                             sqlite3_errmsg(store->db));
    }
    sqlite3_clear_bindings(st); // the statement must not keep pointers to our memory
    return s;
}

KgStatus kg_embedding_save(KgStore *store, const KgEmbeddingInfo *info, size_t n_entities,
                           const KgTermId *entity_terms, const float *entity_vecs,
                           size_t n_relations, const KgTermId *relation_terms,
                           const float *relation_vecs, const float *relation_vecs_inverse,
                           KgError *err)
{
    if (!info || !info->name || !info->model)
        return kg_error_set(err, KG_ERR_ARG, "saving embeddings: no name or no model");
    if (info->entity_width == 0 || info->relation_width == 0 ||
        info->entity_width > KG_EMBEDDING_MAX_WIDTH ||
        info->relation_width > KG_EMBEDDING_MAX_WIDTH)
        return kg_error_set(err, KG_ERR_ARG,
                            "saving embeddings %s: widths %zu and %zu, not between 1 and %zu",
                            info->name, info->entity_width, info->relation_width,
                            KG_EMBEDDING_MAX_WIDTH);
    if ((n_entities && (!entity_terms || !entity_vecs)) ||
        (n_relations && (!relation_terms || !relation_vecs)))
        return kg_error_set(err, KG_ERR_ARG, "saving embeddings %s: rows without their arrays",
                            info->name);
    size_t width = info->entity_width > info->relation_width ? info->entity_width
                                                             : info->relation_width;
    unsigned char *blob = kg_malloc(width * 4);
    if (!blob) return kg_error_set(err, KG_ERR_NOMEM, "out of memory saving embeddings");
    int own;
    KgStatus s = write_begin(store, &own, err);
    if (s != KG_OK) goto out;
    s = delete_rows(store, info->name, err);
    if (s == KG_OK) s = put_info(store, info, err);
    if (s == KG_OK)
        s = put_rows(store, info->name, ROW_ENTITY, n_entities, entity_terms, entity_vecs,
                     info->entity_width, blob, err);
    if (s == KG_OK)
        s = put_rows(store, info->name, ROW_RELATION, n_relations, relation_terms, relation_vecs,
                     info->relation_width, blob, err);
    if (s == KG_OK && relation_vecs_inverse)
        s = put_rows(store, info->name, ROW_INVERSE, n_relations, relation_terms,
                     relation_vecs_inverse, info->relation_width, blob, err);
    s = write_end(store, own, s, err);
out:
    kg_free(blob);
    return s;
}

KgStatus kg_embedding_delete(KgStore *store, const char *name, KgError *err)
{
    if (!name) return kg_error_set(err, KG_ERR_ARG, "deleting embeddings: no name");
    int own;
    KgStatus s = write_begin(store, &own, err);
    if (s != KG_OK) return s;
    sqlite3_stmt *st = kg_stmt(store, STMT_EMBEDDING_DELETE, err);
    if (!st) {
        s = KG_ERR_DB;
    } else {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) s = kg_db_error(store, err, "deleting embeddings");
        else if (sqlite3_changes(store->db) == 0)
            s = kg_error_set(err, KG_ERR_NOT_FOUND, "no embeddings called %s", name);
    }
    if (s == KG_OK) s = delete_rows(store, name, err);
    return write_end(store, own, s, err);
}

/* ------------------------------------------------------------ loading */

void kg_embedding_free(KgEmbedding *e)
{
    if (!e) return;
    kg_free(e->strings);
    kg_free(e->entity_terms);
    kg_free(e->floats);
    kg_free(e);
}

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* Allocates what a set of n_ent entities and n_rel relations needs: the term ids and flags
 * in one block, the three matrices in another, each 64-byte aligned as the neural module's
 * (STYLE.md, "Arenas"). The caller has checked that the sizes cannot overflow. */
static KgStatus alloc_rows(KgEmbedding *e, size_t n_ent, size_t n_rel)
{
    size_t ew = e->info.entity_width, rw = e->info.relation_width;
    e->entity_terms = kg_malloc((n_ent + n_rel) * sizeof(KgTermId) + n_rel + 1);
    size_t ent_bytes = round64(n_ent * ew * sizeof(float));
    size_t rel_bytes = round64(n_rel * rw * sizeof(float));
    e->floats = kg_malloc(ent_bytes + 2 * rel_bytes + 64);
    if (!e->entity_terms || !e->floats) return KG_ERR_NOMEM;
    e->relation_terms = e->entity_terms + n_ent;
    e->has_inverse = (unsigned char *)(e->relation_terms + n_rel);
    memset(e->has_inverse, 0, n_rel);
    unsigned char *base = (unsigned char *)round64((uintptr_t)e->floats);
    e->entity_vecs = (float *)base;
    e->relation_vecs = (float *)(base + ent_bytes);
    e->inverse_vecs = (float *)(base + ent_bytes + rel_bytes);
    return KG_OK;
}

/* Reads the rows of the set (the statement bound and positioned before the first row). */
static KgStatus read_rows(KgStore *store, sqlite3_stmt *st, KgEmbedding *e, KgError *err)
{
    const char *name = e->info.name;
    size_t n_ent = 0, n_rel = 0, j_rel = 0;
    KgTermId last = 0;
    int last_kind = -1, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 kind = sqlite3_column_int64(st, 0);
        KgTermId term = (KgTermId)sqlite3_column_int64(st, 1);
        const unsigned char *blob = sqlite3_column_blob(st, 2);
        size_t n_bytes = (size_t)sqlite3_column_bytes(st, 2);
        if (kind < ROW_ENTITY || kind > ROW_INVERSE)
            return kg_error_set(err, KG_ERR_DB, "embeddings %s: a row of unknown kind %lld",
                                name, (long long)kind);
        // Binary search needs strictly ascending ids; a term that is not an integer breaks it.
        if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || (kind == last_kind && term <= last))
            return kg_error_set(err, KG_ERR_DB, "embeddings %s: %s rows out of term order",
                                name, kind_name((int)kind));
        last_kind = (int)kind, last = term;
        size_t width = kind == ROW_ENTITY ? e->info.entity_width : e->info.relation_width;
        if (n_bytes != width * 4)
            return kg_error_set(err, KG_ERR_DB,
                                "embeddings %s: the %s vector of term %llu has %zu bytes, not "
                                "%zu (%zu floats): the store is damaged",
                                name, kind_name((int)kind), (unsigned long long)term, n_bytes,
                                width * 4, width);
        float *row;
        if (kind == ROW_ENTITY) {
            if (n_ent == e->n_entities) break;
            e->entity_terms[n_ent] = term;
            row = e->entity_vecs + n_ent++ * width;
        } else if (kind == ROW_RELATION) {
            if (n_rel == e->n_relations) break;
            e->relation_terms[n_rel] = term;
            row = e->relation_vecs + n_rel++ * width;
        } else {
            // Inverse rows come after all relation rows, both ascending: a merge.
            while (j_rel < n_rel && e->relation_terms[j_rel] < term) j_rel++;
            if (j_rel == n_rel || e->relation_terms[j_rel] != term)
                return kg_error_set(err, KG_ERR_DB,
                                    "embeddings %s: an inverse vector for term %llu, which has "
                                    "no relation vector", name, (unsigned long long)term);
            e->has_inverse[j_rel] = 1;
            row = e->inverse_vecs + j_rel * width;
        }
        for (size_t i = 0; i < width; i++) row[i] = get_f32(blob + 4 * i);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return kg_db_error(store, err, "reading embeddings");
    if (rc == SQLITE_ROW || n_ent != e->n_entities || n_rel != e->n_relations)
        return kg_error_set(err, KG_ERR_DB, "embeddings %s: the rows changed while being read",
                            name);
    return KG_OK;
}

/* Fills e->info and the strings from the set's row; the counts of its rows go to *n_ent,
 * *n_rel. */
static KgStatus read_info(sqlite3_stmt *st, KgEmbedding *e, sqlite3_int64 *n_ent,
                          sqlite3_int64 *n_rel, KgError *err, const char *name)
{
    sqlite3_int64 dim = sqlite3_column_int64(st, 1);
    sqlite3_int64 ew = sqlite3_column_int64(st, 2), rw = sqlite3_column_int64(st, 3);
    *n_ent = sqlite3_column_int64(st, 5);
    *n_rel = sqlite3_column_int64(st, 6);
    sqlite3_int64 n_inv = sqlite3_column_int64(st, 7);
    if (dim < 0 || ew < 1 || rw < 1 || ew > (sqlite3_int64)KG_EMBEDDING_MAX_WIDTH ||
        rw > (sqlite3_int64)KG_EMBEDDING_MAX_WIDTH)
        return kg_error_set(err, KG_ERR_DB,
                            "embeddings %s: dimension %lld, widths %lld and %lld: the store is "
                            "damaged", name, (long long)dim, (long long)ew, (long long)rw);
    if (n_inv > *n_rel)
        return kg_error_set(err, KG_ERR_DB,
                            "embeddings %s: %lld inverse or unknown rows for %lld relations: the "
                            "store is damaged", name, (long long)n_inv, (long long)*n_rel);
    // The counts come from count(*), so they fit in memory only if the product does.
    if ((uint64_t)*n_ent > SIZE_MAX / 8 / (uint64_t)ew ||
        (uint64_t)*n_rel > SIZE_MAX / 16 / (uint64_t)rw)
        return kg_error_set(err, KG_ERR_NOMEM, "embeddings %s: too many rows", name);
    const char *model = (const char *)sqlite3_column_text(st, 0);
    const char *settings = (const char *)sqlite3_column_text(st, 4);
    if (!model) model = "";
    if (!settings) settings = "{}";
    size_t name_len = strlen(name) + 1, model_len = strlen(model) + 1;
    size_t settings_len = strlen(settings) + 1;
    e->strings = kg_malloc(name_len + model_len + settings_len);
    if (!e->strings) return kg_error_set(err, KG_ERR_NOMEM, "out of memory loading embeddings");
    memcpy(e->strings, name, name_len);
    memcpy(e->strings + name_len, model, model_len);
    memcpy(e->strings + name_len + model_len, settings, settings_len);
    e->info = (KgEmbeddingInfo){e->strings, e->strings + name_len, (size_t)dim, (size_t)ew,
                                (size_t)rw, e->strings + name_len + model_len};
    return KG_OK;
}

KgStatus kg_embedding_load(KgStore *store, const char *name, KgEmbedding **out, KgError *err)
{
    *out = NULL;
    if (!name) return kg_error_set(err, KG_ERR_ARG, "loading embeddings: no name");
    sqlite3_stmt *info_st = kg_stmt(store, STMT_EMBEDDING_GET, err);
    if (!info_st) return KG_ERR_DB;
    sqlite3_stmt *rows_st = kg_stmt(store, STMT_EMBEDDING_ROWS_GET, err);
    if (!rows_st) return KG_ERR_DB;
    KgEmbedding *e = kg_calloc(1, sizeof *e);
    if (!e) return kg_error_set(err, KG_ERR_NOMEM, "out of memory loading embeddings");
    KgStatus s = KG_OK;
    sqlite3_int64 n_ent = 0, n_rel = 0;
    // info_st stays on its row until the end: while it is active, SQLite keeps this read
    // transaction, so the counts and the rows come from one snapshot of the file.
    sqlite3_bind_text(info_st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(info_st);
    if (rc == SQLITE_DONE) {
        s = kg_error_set(err, KG_ERR_NOT_FOUND, "no embeddings called %s", name);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        s = kg_db_error(store, err, "reading embeddings");
        goto out;
    }
    KG_TRY(s, read_info(info_st, e, &n_ent, &n_rel, err, name));
    e->n_entities = (size_t)n_ent;
    e->n_relations = (size_t)n_rel;
    if (alloc_rows(e, e->n_entities, e->n_relations) != KG_OK) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory loading embeddings %s (%zu rows)",
                         name, e->n_entities + e->n_relations);
        goto out;
    }
    sqlite3_bind_text(rows_st, 1, name, -1, SQLITE_STATIC);
    s = read_rows(store, rows_st, e, err);
out:
    sqlite3_reset(rows_st);
    sqlite3_clear_bindings(rows_st);
    sqlite3_reset(info_st);
    sqlite3_clear_bindings(info_st);
    if (s != KG_OK) kg_embedding_free(e);
    else *out = e;
    return s;
}

const KgEmbeddingInfo *kg_embedding_info(const KgEmbedding *e) { return &e->info; }

size_t kg_embedding_n_entities(const KgEmbedding *e) { return e->n_entities; }

size_t kg_embedding_n_relations(const KgEmbedding *e) { return e->n_relations; }

KgTermId kg_embedding_entity(const KgEmbedding *e, size_t i, const float **vec)
{
    assert(i < e->n_entities);
    if (vec) *vec = e->entity_vecs + i * e->info.entity_width;
    return e->entity_terms[i];
}

KgTermId kg_embedding_relation(const KgEmbedding *e, size_t i, const float **vec,
                               const float **inverse)
{
    assert(i < e->n_relations);
    size_t w = e->info.relation_width;
    if (vec) *vec = e->relation_vecs + i * w;
    if (inverse) *inverse = e->has_inverse[i] ? e->inverse_vecs + i * w : NULL;
    return e->relation_terms[i];
}

/* The index of t in the ascending ids, n when it is not there. */
static size_t find_term(const KgTermId *ids, size_t n, KgTermId t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && ids[lo] == t ? lo : n;
}

const float *kg_embedding_entity_vec(const KgEmbedding *e, KgTermId t)
{
    size_t i = find_term(e->entity_terms, e->n_entities, t);
    return i < e->n_entities ? e->entity_vecs + i * e->info.entity_width : NULL;
}

const float *kg_embedding_relation_vec(const KgEmbedding *e, KgTermId t, int inverse)
{
    size_t i = find_term(e->relation_terms, e->n_relations, t);
    if (i == e->n_relations || (inverse && !e->has_inverse[i])) return NULL;
    return (inverse ? e->inverse_vecs : e->relation_vecs) + i * e->info.relation_width;
}

KgStatus kg_embedding_each(KgStore *store,
                           KgStatus (*fn)(void *ctx, const KgEmbeddingInfo *info), void *ctx,
                           KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_EMBEDDING_ALL, err);
    if (!st) return KG_ERR_DB;
    KgStatus s = KG_OK;
    int rc = SQLITE_DONE;
    while (s == KG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *model = (const char *)sqlite3_column_text(st, 1);
        const char *settings = (const char *)sqlite3_column_text(st, 5);
        sqlite3_int64 dim = sqlite3_column_int64(st, 2);
        sqlite3_int64 ew = sqlite3_column_int64(st, 3), rw = sqlite3_column_int64(st, 4);
        KgEmbeddingInfo info = {(const char *)sqlite3_column_text(st, 0), model ? model : "",
                                dim > 0 ? (size_t)dim : 0, ew > 0 ? (size_t)ew : 0,
                                rw > 0 ? (size_t)rw : 0, settings ? settings : "{}"};
        if (!info.name) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory listing embeddings");
            break;
        }
        s = fn(ctx, &info);
    }
    if (s == KG_OK && rc != SQLITE_DONE) s = kg_db_error(store, err, "listing embeddings");
    sqlite3_reset(st);
    return s;
}
