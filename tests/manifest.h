/* tests/manifest.h: what the W3C suite runners (tests/conformance/conformance.c and
 * tests/sparql/w3c.c) share for reading a manifest loaded into a store: a term's id by IRI,
 * the first object of (s, p, ?), a term's text, and file-name checks. */
#ifndef NOUS_TESTS_MANIFEST_H
#define NOUS_TESTS_MANIFEST_H

#include "kg/kg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The id of an IRI, 0 when the store does not hold it. */
static inline KgTermId iri_id(KgStore *store, const char *iri)
{
    KgTermId id = 0;
    KgError err = {0};
    return kg_dict_lookup_iri(store, iri, &id, &err) == KG_OK ? id : 0;
}

/* The object of the first (s, p, ?) in any graph, or 0 when there is none. */
static inline KgTermId object_of(KgStore *store, KgTermId s, KgTermId p)
{
    KgQuad pattern = {s, p, KG_ANY, KG_ANY_GRAPH}, q = {0};
    KgIter *it = NULL;
    KgError err = {0};
    KgTermId o = 0;
    if (p && kg_match_new(store, &pattern, KG_ASSERTED, &it, &err) == KG_OK &&
        kg_iter_next(it, &q, NULL, &err) == KG_OK)
        o = q.o;
    kg_iter_free(it);
    return o;
}

/* The lexical form (or IRI, or label) of term `id` into buf; "" when there is none. */
static inline void term_text(KgStore *store, KgTermId id, char *buf, size_t buf_len)
{
    KgTerm t;
    KgError err = {0};
    buf[0] = '\0';
    if (id && kg_dict_get(store, id, &t, &err) == KG_OK)
        snprintf(buf, buf_len, "%.*s", (int)t.lex_len, t.lex);
}

static inline bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* One line of a known-failures list, "suite/test  reason": the id and the reason into the
 * caller's arrays. Returns 0 for a blank or comment line (nothing to record). */
static inline int list_line(const char *line, char *id, size_t id_len, char *reason,
                            size_t reason_len)
{
    const char *p = line + strspn(line, " \t");
    if (*p == '#' || *p == '\n' || *p == '\0') return 0;
    size_t n = strcspn(p, " \t\n");
    snprintf(id, id_len, "%.*s", (int)n, p);
    p += n;
    p += strspn(p, " \t");
    snprintf(reason, reason_len, "%.*s", (int)strcspn(p, "\n"), p);
    return 1;
}

#endif
