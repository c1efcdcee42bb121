/* kg/prefix.c: namespace prefixes. Every @prefix seen in a loaded file is remembered (a later
 * one for the same name wins), so that terms print as CURIEs and users can type them. rdf,
 * rdfs, xsd, owl and kg (the names of TSV files loaded without --base) are always known. */
#include "internal.h"

#include <string.h>

static const struct {
    const char *prefix, *ns;
} builtin_prefixes[] = {
    {"rdf", KG_NS_RDF},
    {"rdfs", KG_NS_RDFS},
    {"xsd", KG_NS_XSD},
    {"owl", KG_NS_OWL},
    {"kg", KG_TSV_DEFAULT_NS}, /* names from TSV files loaded without --base */
    {NULL, NULL},
};

KgStatus kg_prefix_set(KgStore *store, const char *prefix, const char *ns, KgError *err)
{
    kg_prefix_cache_free(store);
    sqlite3_stmt *st = kg_stmt(store, STMT_PREFIX_SET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "saving a prefix");
}

/* Finds the namespace of `prefix` (length n) into buf; KG_ERR_NOT_FOUND when unknown. */
static KgStatus prefix_ns(KgStore *store, const char *prefix, size_t n, KgBuf *buf, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_PREFIX_GET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_text(st, 1, prefix, (int)n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    KgStatus s = KG_ERR_NOT_FOUND;
    if (rc == SQLITE_ROW)
        s = kg_buf_puts(buf, (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_DONE)
        s = kg_db_error(store, err, "reading a prefix");
    sqlite3_reset(st);
    if (s != KG_ERR_NOT_FOUND) return s;
    for (int i = 0; builtin_prefixes[i].prefix; i++)
        if (strlen(builtin_prefixes[i].prefix) == n &&
            memcmp(builtin_prefixes[i].prefix, prefix, n) == 0)
            return kg_buf_puts(buf, builtin_prefixes[i].ns);
    return KG_ERR_NOT_FOUND;
}

KgStatus kg_prefix_expand(KgStore *store, const char *curie, KgBuf *buf, KgError *err)
{
    const char *colon = strchr(curie, ':');
    if (!colon) return kg_error_set(err, KG_ERR_ARG, "'%s' is not a prefixed name", curie);
    size_t n = (size_t)(colon - curie);
    KgStatus s = prefix_ns(store, curie, n, buf, err);
    if (s == KG_ERR_NOT_FOUND)
        return kg_error_set(err, KG_ERR_NOT_FOUND, "unknown prefix '%.*s' in '%s'", (int)n,
                            curie, curie);
    if (s == KG_OK) s = kg_buf_puts(buf, colon + 1);
    return s;
}

KgStatus kg_prefix_each(KgStore *store, void (*fn)(void *ctx, const char *prefix, const char *ns),
                        void *ctx, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_PREFIX_ALL, err);
    if (!st) return KG_ERR_DB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *prefix = (const char *)sqlite3_column_text(st, 0), *ns = (const char *)sqlite3_column_text(st, 1);
        if (prefix && ns) fn(ctx, prefix, ns); /* a damaged row (NULL) is no prefix */
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? KG_OK : kg_db_error(store, err, "reading prefixes");
}

/* ------------------------------------------------------------ shortening IRIs */

typedef struct {
    char *prefix, *ns;
    size_t ns_len;
} PrefixEntry;

struct PrefixCache {
    PrefixEntry *entries;
    size_t n;
};

void kg_prefix_cache_free(KgStore *store)
{
    struct PrefixCache *c = store->prefix_cache;
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        kg_free(c->entries[i].prefix);
        kg_free(c->entries[i].ns);
    }
    kg_free(c->entries);
    kg_free(c);
    store->prefix_cache = NULL;
}

static int add_entry(struct PrefixCache *c, size_t *cap, const char *prefix, const char *ns)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].prefix, prefix) == 0) return 1; /* stored ones come first */
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        PrefixEntry *e = kg_realloc(c->entries, ncap * sizeof *e);
        if (!e) return 0;
        c->entries = e;
        *cap = ncap;
    }
    PrefixEntry *e = &c->entries[c->n];
    e->prefix = kg_strdup(prefix);
    e->ns = kg_strdup(ns);
    if (!e->prefix || !e->ns) {
        kg_free(e->prefix);
        kg_free(e->ns);
        return 0;
    }
    e->ns_len = strlen(ns);
    c->n++;
    return 1;
}

static struct PrefixCache *load_cache(KgStore *store)
{
    if (store->prefix_cache) return store->prefix_cache;
    struct PrefixCache *c = kg_calloc(1, sizeof *c);
    if (!c) return NULL;
    store->prefix_cache = c;
    size_t cap = 0;
    sqlite3_stmt *st = kg_stmt(store, STMT_PREFIX_ALL, NULL);
    int ok = st != NULL;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        const char *prefix = (const char *)sqlite3_column_text(st, 0), *ns = (const char *)sqlite3_column_text(st, 1);
        if (prefix && ns) ok = add_entry(c, &cap, prefix, ns); /* a damaged row (NULL) is no prefix */
    }
    if (st) sqlite3_reset(st);
    for (int i = 0; ok && builtin_prefixes[i].prefix; i++)
        ok = add_entry(c, &cap, builtin_prefixes[i].prefix, builtin_prefixes[i].ns);
    if (!ok) {
        kg_prefix_cache_free(store);
        return NULL;
    }
    return c;
}

/* A conservative PN_LOCAL: what every Turtle and SPARQL reader accepts without escapes. */
static int valid_local(const char *s)
{
    if (!*s) return 1;
    if (*s == '-' || *s == '.') return 0;
    size_t n = strlen(s);
    if (s[n - 1] == '.') return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.' || *p >= 0x80))
            return 0;
    return 1;
}

int kg_prefix_shorten(KgStore *store, const char *iri, const char **prefix, size_t *local_off)
{
    struct PrefixCache *c = load_cache(store);
    if (!c) return 0;
    size_t best_len = 0;
    const char *best = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const PrefixEntry *e = &c->entries[i];
        if (e->ns_len > best_len && strncmp(iri, e->ns, e->ns_len) == 0 &&
            valid_local(iri + e->ns_len)) {
            best_len = e->ns_len;
            best = e->prefix;
        }
    }
    if (!best) return 0;
    *prefix = best;
    *local_off = best_len;
    return 1;
}
