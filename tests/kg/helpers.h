/* tests/kg/helpers.h: what the kg unit tests share: opening a store that must open, loading
 * a string that must load, reading the counts, a temporary directory per test and the
 * canonical N-Quads form of a store (blank nodes named by a property the tests give them). */
#ifndef NOUS_TESTS_KG_HELPERS_H
#define NOUS_TESTS_KG_HELPERS_H

#include "kg/kg.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline KgStore *open_store(const char *path)
{
    KgStore *store = NULL;
    KgError err = {0};
    KgStatus s = kg_store_open(path, &store, &err);
    cr_assert_eq(s, KG_OK, "kg_store_open(%s): %s", path, err.msg);
    cr_assert_not_null(store);
    return store;
}

/* Loads `doc` as the file `name`; fails the test unless it loads. */
static inline KgLoadStats load_ok(KgStore *store, const char *name, const char *doc,
                                  const KgLoadOptions *opt)
{
    KgLoadStats ls;
    KgError err = {0};
    KgStatus s = kg_load_memory(store, name, doc, strlen(doc), opt, &ls, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "loading %s: %s (%s)", name, kg_status_name(s), where);
    return ls;
}

static inline KgStats stats_of(KgStore *store)
{
    KgStats st;
    KgError err = {0};
    cr_assert_eq(kg_stats_get(store, &st, &err), KG_OK, "kg_stats_get: %s", err.msg);
    return st;
}

static inline void assert_stats_eq(KgStats a, KgStats b)
{
    cr_assert_eq(a.n_quads, b.n_quads, "quads: %llu != %llu", (unsigned long long)a.n_quads,
                 (unsigned long long)b.n_quads);
    cr_assert_eq(a.n_asserted, b.n_asserted);
    cr_assert_eq(a.n_inferred, b.n_inferred);
    cr_assert_eq(a.n_terms, b.n_terms, "terms: %llu != %llu", (unsigned long long)a.n_terms,
                 (unsigned long long)b.n_terms);
    cr_assert_eq(a.n_graphs, b.n_graphs);
    cr_assert_eq(a.n_predicates, b.n_predicates);
}

static inline KgTermId iri_id(KgStore *store, const char *iri)
{
    KgTermId id = 0;
    KgError err = {0};
    KgStatus s = kg_dict_lookup_iri(store, iri, &id, &err);
    cr_assert_eq(s, KG_OK, "IRI <%s> not in the store (%s)", iri, kg_status_name(s));
    return id;
}

/* Counts the quads matching a pattern (asserted or inferred). */
static inline unsigned long count_matches(KgStore *store, KgTermId s, KgTermId p, KgTermId o,
                                          KgTermId g)
{
    KgQuad pat = {s, p, o, g}, q;
    KgIter *it = NULL;
    KgError err = {0};
    cr_assert_eq(kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, &err), KG_OK, "%s",
                 err.msg);
    unsigned long n = 0;
    KgStatus st;
    while ((st = kg_iter_next(it, &q, NULL, &err)) == KG_OK) n++;
    cr_assert_eq(st, KG_DONE, "%s", err.msg);
    kg_iter_free(it);
    return n;
}

/* ------------------------------------------------------------ temporary directories */

static inline char *temp_dir(void)
{
    char tmpl[] = "/tmp/nous-test-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl), "mkdtemp failed");
    char *d = malloc(sizeof tmpl);
    cr_assert_not_null(d);
    memcpy(d, tmpl, sizeof tmpl);
    return d;
}

/* Removes the directory and the files in it (the tests' directories are flat). */
static inline void temp_dir_remove(char *dir)
{
    if (!dir) return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[1024];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* "dir/name" in a static buffer of the caller's. */
static inline const char *path_in(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

static inline void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Reads a whole file into malloc'ed memory (NUL-terminated); *len gets its size. */
static inline char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            data = realloc(data, cap);
            cr_assert_not_null(data);
        }
        size_t got = fread(data + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    fclose(f);
    data[n] = '\0';
    if (len) *len = n;
    return data;
}

/* ------------------------------------------------------------ canonical form of a store */

/* Every blank node in the tests' data carries exactly one `name_iri` property whose object
 * is a literal unique to it, so "_:" + that literal names the node in any store it was
 * loaded into: the check is exact for such data, with no graph isomorphism needed. */
static inline void write_canonical_term(KgStore *store, KgTermId id, const char *name_iri,
                                        KgBuf *out)
{
    KgTerm t;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(store, id, &t, &err), KG_OK, "%s", err.msg);
    if (t.kind != KG_TERM_BLANK) {
        cr_assert_eq(kg_term_write_id(store, id, 0, out, &err), KG_OK, "%s", err.msg);
        return;
    }
    KgTermId p = iri_id(store, name_iri);
    KgQuad pat = {id, p, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    cr_assert_eq(kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, &err), KG_OK);
    KgTermId name = 0;
    while (kg_iter_next(it, &q, NULL, &err) == KG_OK) {
        cr_assert(name == 0 || name == q.o, "a blank node with two names");
        name = q.o;
    }
    kg_iter_free(it);
    cr_assert_neq(name, 0, "a blank node without a name in the test data");
    cr_assert_eq(kg_dict_get(store, name, &t, &err), KG_OK);
    kg_buf_puts(out, "_:");
    kg_buf_append(out, t.lex, t.lex_len);
}

static inline int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store's quads (graphs included when `with_graphs`, else the distinct triples), one
 * N-Quads line each with blank nodes named canonically, sorted, joined into one string.
 * Caller frees with free(). */
static inline char *canonical_quads(KgStore *store, int with_graphs, const char *name_iri)
{
    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgError err = {0};
    cr_assert_eq(kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, &err), KG_OK);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    KgBuf line = {0};
    while (kg_iter_next(it, &q, NULL, &err) == KG_OK) {
        line.len = 0;
        write_canonical_term(store, q.s, name_iri, &line);
        kg_buf_puts(&line, " ");
        write_canonical_term(store, q.p, name_iri, &line);
        kg_buf_puts(&line, " ");
        write_canonical_term(store, q.o, name_iri, &line);
        if (with_graphs && q.g != KG_DEFAULT_GRAPH) {
            kg_buf_puts(&line, " ");
            write_canonical_term(store, q.g, name_iri, &line);
        }
        kg_buf_puts(&line, " .\n");
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            lines = realloc(lines, cap * sizeof *lines);
            cr_assert_not_null(lines);
        }
        lines[n++] = strdup(kg_buf_cstr(&line));
    }
    kg_iter_free(it);
    kg_buf_free(&line);
    if (n) qsort(lines, n, sizeof *lines, cmp_lines);
    size_t total = 1;
    size_t n_unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (n_unique && strcmp(lines[n_unique - 1], lines[i]) == 0) {
            free(lines[i]);
            continue;
        }
        lines[n_unique++] = lines[i];
        total += strlen(lines[i]);
    }
    char *all = malloc(total);
    cr_assert_not_null(all);
    all[0] = '\0';
    char *p = all;
    for (size_t i = 0; i < n_unique; i++) {
        size_t len = strlen(lines[i]);
        memcpy(p, lines[i], len + 1);
        p += len;
        free(lines[i]);
    }
    free(lines);
    return all;
}

#endif
