/* kg/validate.c: the checks raptor2 does not make. raptor2 accepts some input that RDF 1.1
 * forbids (IRIs with spaces or bad characters, malformed language tags); the W3C syntax suites
 * say such files must be rejected, so every term from raptor passes through here. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

KgStatus kg_validate_iri(const char *iri, size_t len, const char *file, unsigned long line,
                         unsigned long col, KgError *err)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)iri[i];
        if (c <= 0x20 || strchr("<>\"{}|^`\\", c))
            return kg_error_at(err, KG_ERR_SYNTAX, file, line, col,
                               "character %s%c%s (0x%02X) not allowed in the IRI <%.*s>",
                               c > 0x20 ? "'" : "", c > 0x20 ? c : ' ', c > 0x20 ? "'" : "", c,
                               (int)(len > 80 ? 80 : len), iri);
    }
    // An IRI (after resolution against the base) is absolute: it has a scheme.
    size_t i = 0;
    if (len && isalpha((unsigned char)iri[0])) {
        while (i < len && (isalnum((unsigned char)iri[i]) || strchr("+-.", iri[i]))) i++;
    }
    if (i == 0 || i >= len || iri[i] != ':')
        return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "relative IRI <%.*s> with no base",
                           (int)(len > 80 ? 80 : len), iri);
    return KG_OK;
}

KgStatus kg_validate_lang(const char *lang, const char *file, unsigned long line,
                          unsigned long col, KgError *err)
{
    // BCP 47 as the RDF syntaxes write it: [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*
    const char *p = lang;
    int n = 0;
    while (isalpha((unsigned char)*p)) p++, n++;
    if (n == 0) goto bad;
    while (*p == '-') {
        p++;
        n = 0;
        while (isalnum((unsigned char)*p)) p++, n++;
        if (n == 0) goto bad;
    }
    if (*p) goto bad;
    return KG_OK;
bad:
    return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "bad language tag '@%s'", lang);
}
