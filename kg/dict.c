/* kg/dict.c: the term dictionary, mapping IRIs, literals and blank nodes to KgTermId and back.
 * Ids are dense integers handed out in order. A term is found in the `terms` table through a
 * 64-bit hash of its canonical key; a hash cache in front of the table saves that SELECT for
 * every term seen before in this process, which is what makes loading write-mostly. */
#include "internal.h"

#include <string.h>

/* The canonical key of a term: kind, lex length, lex bytes, datatype, NUL, lang. Literals
 * typed xsd:string are keyed as plain literals (RDF 1.1: they are the same term). */
typedef struct {
    KgTermKind kind;
    const char *lex;
    size_t lex_len;
    const char *dt;   /* NULL for none */
    const char *lang; /* NULL for none */
} TermKey;

#define XSD_STRING KG_NS_XSD "string"

/* Language tags are case-insensitive (RDF 1.1 Concepts 3.3): they are keyed, stored and
 * printed in lower case, so "x"@en-GB is one term whatever the file or the user wrote. */
#define LANG_MAX 255

static KgStatus key_of(const KgTerm *t, char lang_buf[LANG_MAX + 1], TermKey *k, KgError *err)
{
    *k = (TermKey){t->kind, t->lex, t->lex_len, NULL, NULL};
    if (t->kind != KG_TERM_LITERAL) return KG_OK;
    if (t->lang && t->lang[0]) {
        size_t n = strlen(t->lang);
        if (n > LANG_MAX)
            return kg_error_set(err, KG_ERR_ARG, "language tag longer than %d characters",
                                LANG_MAX);
        for (size_t i = 0; i <= n; i++)
            lang_buf[i] = (char)((t->lang[i] >= 'A' && t->lang[i] <= 'Z') ? t->lang[i] + 32
                                                                         : t->lang[i]);
        k->lang = lang_buf;
    } else if (t->datatype && strcmp(t->datatype, XSD_STRING) != 0) {
        k->dt = t->datatype;
    }
    return KG_OK;
}

uint64_t kg_hash_bytes(uint64_t h, const void *data, size_t n)
{
    // Eight bytes at a time, multiply-xorshift; the stored hashes depend on this function,
    // so it is part of the schema: changing it needs a new schema version.
    const unsigned char *p = data;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    h = (h ^ v ^ ((uint64_t)n << 56)) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 32;
    return h;
}

static uint64_t key_hash(const TermKey *k)
{
    uint64_t h = KG_HASH_SEED ^ (uint64_t)k->kind;
    h = kg_hash_bytes(h, k->lex, k->lex_len);
    if (k->dt) h = kg_hash_bytes(h ^ 0x1111, k->dt, strlen(k->dt));
    if (k->lang) h = kg_hash_bytes(h ^ 0x2222, k->lang, strlen(k->lang));
    return h;
}

static int str_eq_opt(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* ------------------------------------------------------------ the cache */

/* Open addressing over slots; each slot points at the key's bytes in one growing byte
 * array (indexed by offset, since realloc moves it). */
typedef struct {
    uint64_t hash;
    KgTermId id; /* 0: empty slot */
    size_t key_off;
} Slot;

struct DictCache {
    Slot *slots;
    size_t n_slots, n_used;
    KgBuf keys;
    /* Holds every term of the terms table: a miss then means "not stored" without asking
     * the database. True from an empty dictionary on, until anything is evicted. Trusted
     * only inside a write transaction, where no other process can add terms. */
    int complete;
};

/* Beyond these the cache starts over rather than growing: it is a cache. */
#define CACHE_MAX_ENTRIES ((size_t)1 << 25)
#define CACHE_MAX_KEY_BYTES ((size_t)1 << 30)

static KgStatus encode_key(const TermKey *k, KgBuf *b)
{
    unsigned char head[9];
    head[0] = (unsigned char)k->kind;
    uint64_t n = k->lex_len;
    memcpy(head + 1, &n, 8);
    KgStatus s = kg_buf_append(b, (const char *)head, 9);
    if (s == KG_OK) s = kg_buf_append(b, k->lex, k->lex_len);
    if (s == KG_OK) s = kg_buf_puts(b, k->dt ? k->dt : "");
    if (s == KG_OK) s = kg_buf_append(b, k->lang ? "\0\1" : "\0\0", 2);
    if (s == KG_OK) s = kg_buf_puts(b, k->lang ? k->lang : "");
    if (s == KG_OK) s = kg_buf_append(b, "", 1);
    return s;
}

static int key_matches(const DictCache *c, size_t off, const TermKey *k)
{
    const char *p = c->keys.data + off;
    if ((unsigned char)p[0] != (unsigned char)k->kind) return 0;
    uint64_t n;
    memcpy(&n, p + 1, 8);
    if (n != k->lex_len || memcmp(p + 9, k->lex, k->lex_len) != 0) return 0;
    p += 9 + n;
    if (strcmp(p, k->dt ? k->dt : "") != 0) return 0;
    p += strlen(p) + 1;
    if ((p[0] == '\1') != (k->lang != NULL)) return 0;
    return strcmp(p + 1, k->lang ? k->lang : "") == 0;
}

KgStatus kg_dict_cache_init(KgStore *store)
{
    store->cache = kg_calloc(1, sizeof *store->cache);
    return store->cache ? KG_OK : KG_ERR_NOMEM;
}

void kg_dict_cache_clear(KgStore *store)
{
    DictCache *c = store->cache;
    if (!c) return;
    kg_free(c->slots);
    c->slots = NULL;
    c->n_slots = c->n_used = 0;
    c->keys.len = 0;
    c->complete = 0;
}

void kg_dict_cache_set_complete(KgStore *store) { store->cache->complete = 1; }

int kg_dict_cache_is_complete(const KgStore *store)
{
    return store->in_txn && store->cache->complete;
}

void kg_dict_cache_free(KgStore *store)
{
    if (!store->cache) return;
    kg_dict_cache_clear(store);
    kg_buf_free(&store->cache->keys);
    kg_free(store->cache);
    store->cache = NULL;
}

static KgTermId cache_find(const DictCache *c, uint64_t h, const TermKey *k)
{
    if (!c->n_slots) return 0;
    size_t mask = c->n_slots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot *s = &c->slots[i];
        if (!s->id) return 0;
        if (s->hash == h && key_matches(c, s->key_off, k)) return s->id;
    }
}

static KgStatus cache_grow(DictCache *c)
{
    size_t n = c->n_slots ? c->n_slots * 2 : 4096;
    Slot *slots = kg_calloc(n, sizeof *slots);
    if (!slots) return KG_ERR_NOMEM;
    for (size_t j = 0; j < c->n_slots; j++) {
        Slot *s = &c->slots[j];
        if (!s->id) continue;
        size_t i = s->hash & (n - 1);
        while (slots[i].id) i = (i + 1) & (n - 1);
        slots[i] = *s;
    }
    kg_free(c->slots);
    c->slots = slots;
    c->n_slots = n;
    return KG_OK;
}

/* Adding to the cache may fail for lack of memory; the cache then simply stays smaller. */
static void cache_add(KgStore *store, uint64_t h, const TermKey *k, KgTermId id)
{
    DictCache *c = store->cache;
    if (c->n_used >= CACHE_MAX_ENTRIES || c->keys.len >= CACHE_MAX_KEY_BYTES)
        kg_dict_cache_clear(store);
    if ((c->n_used + 1) * 4 > c->n_slots * 3 && cache_grow(c) != KG_OK) {
        c->complete = 0;
        return;
    }
    size_t off = c->keys.len;
    if (encode_key(k, &c->keys) != KG_OK) {
        c->keys.len = off;
        c->complete = 0;
        return;
    }
    size_t mask = c->n_slots - 1;
    size_t i = h & mask;
    while (c->slots[i].id) i = (i + 1) & mask;
    c->slots[i] = (Slot){h, id, off};
    c->n_used++;
}

/* ------------------------------------------------------------ the table */

static KgStatus db_find(KgStore *store, uint64_t h, const TermKey *k, KgTermId *out,
                        KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_TERM_BY_HASH, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
    int rc;
    *out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 1) != (int)k->kind) continue;
        const void *lex = sqlite3_column_blob(st, 2);
        size_t lex_len = (size_t)sqlite3_column_bytes(st, 2);
        if (lex_len != k->lex_len || (lex_len && memcmp(lex, k->lex, lex_len) != 0)) continue;
        if (!str_eq_opt((const char *)sqlite3_column_text(st, 3), k->dt)) continue;
        if (!str_eq_opt((const char *)sqlite3_column_text(st, 4), k->lang)) continue;
        *out = (KgTermId)sqlite3_column_int64(st, 0);
        break;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return kg_db_error(store, err, "looking up a term");
    return *out ? KG_OK : KG_ERR_NOT_FOUND;
}

static KgStatus lookup(KgStore *store, const TermKey *k, uint64_t h, KgTermId *out,
                       KgError *err)
{
    KgTermId id = cache_find(store->cache, h, k);
    if (id) {
        *out = id;
        return KG_OK;
    }
    if (kg_dict_cache_is_complete(store)) return KG_ERR_NOT_FOUND;
    if (store->terms_index_dropped) {
        // A bulk load's cache lost terms: the hash index is needed again, now.
        KgStatus s = kg_store_create_terms_index(store, err);
        if (s != KG_OK) return s;
    }
    KgStatus s = db_find(store, h, k, out, err);
    if (s == KG_OK) cache_add(store, h, k, *out);
    return s;
}

KgStatus kg_dict_lookup(KgStore *store, const KgTerm *term, KgTermId *out, KgError *err)
{
    char lang[LANG_MAX + 1];
    TermKey k;
    *out = 0;
    KgStatus s = key_of(term, lang, &k, err);
    if (s != KG_OK) return s;
    return lookup(store, &k, key_hash(&k), out, err);
}

KgStatus kg_dict_lookup_iri(KgStore *store, const char *iri, KgTermId *out, KgError *err)
{
    KgTerm t = {KG_TERM_IRI, iri, strlen(iri), NULL, NULL};
    return kg_dict_lookup(store, &t, out, err);
}

KgStatus kg_dict_intern(KgStore *store, const KgTerm *term, KgTermId *out, KgError *err)
{
    *out = 0;
    char lang[LANG_MAX + 1];
    TermKey k;
    KgStatus s = key_of(term, lang, &k, err);
    if (s != KG_OK) return s;
    if (k.lex_len > KG_MAX_TERM_BYTES)
        return kg_error_set(err, KG_ERR_ARG, "a term of %zu bytes is longer than the limit of %zu MiB", k.lex_len,
                            KG_MAX_TERM_BYTES >> 20);
    if (k.kind == KG_TERM_LITERAL && memchr(k.lex, '\0', k.lex_len))
        return kg_error_set(err, KG_ERR_ARG,
                            "a literal with a NUL character cannot be stored: raptor2 cuts such "
                            "literals short when they are read back");
    uint64_t h = key_hash(&k);
    s = lookup(store, &k, h, out, err);
    if (s != KG_ERR_NOT_FOUND) return s;
    if (!store->in_txn)
        return kg_error_set(err, KG_ERR_INTERNAL, "adding a term outside a transaction");
    KgTermId dt_id = 0;
    if (k.dt) {
        KgTerm dt = {KG_TERM_IRI, k.dt, strlen(k.dt), NULL, NULL};
        if ((s = kg_dict_intern(store, &dt, &dt_id, err)) != KG_OK) return s;
    }
    sqlite3_stmt *st = kg_stmt(store, STMT_TERM_INSERT, err);
    if (!st) return KG_ERR_DB;
    KgTermId id = store->next_term_id++;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
    sqlite3_bind_int(st, 3, (int)k.kind);
    sqlite3_bind_text(st, 4, k.lex_len ? k.lex : "", (int)k.lex_len, SQLITE_STATIC);
    if (dt_id)
        sqlite3_bind_int64(st, 5, (sqlite3_int64)dt_id);
    else
        sqlite3_bind_null(st, 5);
    if (k.lang)
        sqlite3_bind_text(st, 6, k.lang, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    double num;
    if (k.kind == KG_TERM_LITERAL && k.dt && kg_literal_number(k.dt, k.lex, k.lex_len, &num))
        sqlite3_bind_double(st, 7, num);
    else
        sqlite3_bind_null(st, 7);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store->next_term_id--;
        return kg_db_error(store, err, "adding a term");
    }
    cache_add(store, h, &k, id);
    *out = id;
    return KG_OK;
}

KgStatus kg_dict_get(KgStore *store, KgTermId id, KgTerm *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kg_stmt(store, STMT_TERM_GET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    KgStatus s = KG_OK;
    if (rc == SQLITE_ROW) {
        store->get_lex.len = store->get_dt.len = store->get_lang.len = 0;
        int has_dt = sqlite3_column_type(st, 2) != SQLITE_NULL;
        int has_lang = sqlite3_column_type(st, 3) != SQLITE_NULL;
        const void *lex = sqlite3_column_blob(st, 1);
        size_t lex_len = (size_t)sqlite3_column_bytes(st, 1);
        if (kg_buf_append(&store->get_lex, lex ? lex : "", lex_len) != KG_OK ||
            !kg_buf_cstr(&store->get_lex) ||
            (has_dt && kg_buf_puts(&store->get_dt, (const char *)sqlite3_column_text(st, 2)) != KG_OK) ||
            (has_lang &&
             kg_buf_puts(&store->get_lang, (const char *)sqlite3_column_text(st, 3)) != KG_OK)) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a term");
        } else {
            out->kind = (KgTermKind)sqlite3_column_int(st, 0);
            out->lex = store->get_lex.data;
            out->lex_len = lex_len;
            out->datatype = has_dt ? store->get_dt.data : NULL;
            out->lang = has_lang ? store->get_lang.data : NULL;
        }
    } else if (rc == SQLITE_DONE) {
        s = kg_error_set(err, KG_ERR_NOT_FOUND, "no term with id %llu", (unsigned long long)id);
    } else {
        s = kg_db_error(store, err, "reading a term");
    }
    sqlite3_reset(st);
    return s;
}
