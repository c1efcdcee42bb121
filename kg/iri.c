/* kg/iri.c: resolving a relative IRI reference against a base, RFC 3986 section 5.2 by the
 * letter (raptor2's resolver gets "../" after an empty segment wrong, see the Turtle
 * conformance notes). Used by SPARQL's BASE and the rule language's @base. */
#include "internal.h"

#include <string.h>

static int is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int kg_iri_has_scheme(const char *s, size_t n)
{
    if (n == 0 || !is_alpha((unsigned char)s[0])) return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ':') return 1;
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return 0;
    }
    return 0;
}

typedef struct {
    const char *s;
    size_t n;
    int on;
} Part;

typedef struct {
    Part scheme, auth, path, query, frag;
} IriParts;

/* RFC 3986 appendix B, by hand. */
static void split_iri(const char *s, size_t n, IriParts *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0, j;
    if (kg_iri_has_scheme(s, n)) {
        while (s[i] != ':') i++;
        o->scheme = (Part){s, i, 1};
        i++;
    }
    if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
        for (j = i + 2; j < n && s[j] != '/' && s[j] != '?' && s[j] != '#'; j++) continue;
        o->auth = (Part){s + i + 2, j - i - 2, 1};
        i = j;
    }
    for (j = i; j < n && s[j] != '?' && s[j] != '#'; j++) continue;
    o->path = (Part){s + i, j - i, 1};
    i = j;
    if (i < n && s[i] == '?') {
        for (j = i + 1; j < n && s[j] != '#'; j++) continue;
        o->query = (Part){s + i + 1, j - i - 1, 1};
        i = j;
    }
    if (i < n && s[i] == '#') o->frag = (Part){s + i + 1, n - i - 1, 1};
}

static void pop_segment(KgBuf *out, size_t floor)
{
    size_t k = out->len;
    while (k > floor && out->data[k - 1] != '/') k--;
    out->len = k > floor ? k - 1 : floor;
}

/* RFC 3986 section 5.2.4, appending the result to out. */
static KgStatus remove_dots(const char *in, size_t n, KgBuf *out)
{
    size_t floor = out->len;
    KgStatus s = KG_OK;
    while (n > 0 && s == KG_OK) {
        if (n >= 3 && memcmp(in, "../", 3) == 0) {
            in += 3, n -= 3;
        } else if (n >= 2 && memcmp(in, "./", 2) == 0) {
            in += 2, n -= 2;
        } else if (n >= 3 && memcmp(in, "/./", 3) == 0) {
            in += 2, n -= 2;
        } else if (n == 2 && memcmp(in, "/.", 2) == 0) {
            n = 1; /* "/" */
        } else if (n >= 4 && memcmp(in, "/../", 4) == 0) {
            in += 3, n -= 3;
            pop_segment(out, floor);
        } else if (n == 3 && memcmp(in, "/..", 3) == 0) {
            n = 1;
            pop_segment(out, floor);
        } else if ((n == 1 && in[0] == '.') || (n == 2 && memcmp(in, "..", 2) == 0)) {
            n = 0;
        } else {
            size_t k = in[0] == '/' ? 1 : 0;
            while (k < n && in[k] != '/') k++;
            s = kg_buf_append(out, in, k);
            in += k, n -= k;
        }
    }
    return s;
}

KgStatus kg_iri_resolve(const char *base, const char *ref, size_t ref_len, KgBuf *out)
{
    KgBuf merged = {0};
    KgBuf *tmp = &merged;
    IriParts b, r;
    split_iri(base, strlen(base), &b);
    split_iri(ref, ref_len, &r);
    Part scheme = b.scheme, auth = b.auth, query = r.query;
    const char *path = r.path.s;
    size_t path_len = r.path.n;
    int dots = 1;
    KgStatus s = KG_OK;
    if (r.scheme.on) {
        scheme = r.scheme;
        auth = r.auth;
    } else if (r.auth.on) {
        auth = r.auth;
    } else if (r.path.n == 0) {
        path = b.path.s;
        path_len = b.path.n;
        dots = 0;
        if (!r.query.on) query = b.query;
    } else if (r.path.s[0] != '/') {
        /* merge (5.2.3): the base path up to its last '/', then the reference's path */
        if (b.auth.on && b.path.n == 0) {
            s = kg_buf_append(tmp, "/", 1);
        } else {
            size_t k = b.path.n;
            while (k > 0 && b.path.s[k - 1] != '/') k--;
            s = kg_buf_append(tmp, b.path.s, k);
        }
        if (s == KG_OK) s = kg_buf_append(tmp, r.path.s, r.path.n);
        path = tmp->data;
        path_len = tmp->len;
    }
    if (s == KG_OK && scheme.on) s = kg_buf_append(out, scheme.s, scheme.n);
    if (s == KG_OK && scheme.on) s = kg_buf_append(out, ":", 1);
    if (s == KG_OK && auth.on) s = kg_buf_append(out, "//", 2);
    if (s == KG_OK && auth.on) s = kg_buf_append(out, auth.s, auth.n);
    if (s == KG_OK && path_len)
        s = dots ? remove_dots(path, path_len, out) : kg_buf_append(out, path, path_len);
    if (s == KG_OK && query.on) s = kg_buf_append(out, "?", 1);
    if (s == KG_OK && query.on) s = kg_buf_append(out, query.s, query.n);
    if (s == KG_OK && r.frag.on) s = kg_buf_append(out, "#", 1);
    if (s == KG_OK && r.frag.on) s = kg_buf_append(out, r.frag.s, r.frag.n);
    kg_buf_free(&merged);
    return s;
}

