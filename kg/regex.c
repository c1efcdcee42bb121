/* kg/regex.c: regular expressions with PCRE2, for SPARQL REGEX (§17.4.3.14) and for the
 * label search of `nous search` (KgRegex in kg.h). A pattern is compiled (and JIT-compiled
 * when the platform allows) once: in SPARQL once per statement, the compiled form kept as
 * SQLite auxiliary data on the pattern argument, keyed by the pattern and its flags.
 * Matching runs under match and depth limits, so a pathological pattern is an error, not a
 * hang. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sparql.h"

#include <pcre2.h>
#include <string.h>

/* JIT-compiled matching reads the subject 16 bytes at a time, past its end within the same
 * page: sound, but valgrind's memcheck reports every such read (PCRE2's documentation says as
 * much). Under valgrind (`make valgrind`) patterns are interpreted instead: same answers. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND 0
#endif

#define MATCH_LIMIT 10000000
#define DEPTH_LIMIT 10000

/* A message quotes at most this many bytes of a pattern (cut at a character's start), so that
 * the reason after it is not lost from a long one. */
#define SHOWN 80

struct KgRegex;
static int shown_len(const struct KgRegex *re);

struct KgRegex {
    char *pattern; /* NUL-terminated copy, for the cache key and the messages */
    size_t pattern_len;
    uint32_t options;
    pcre2_general_context *gcx;
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mcx;
};

/* PCRE2's memory goes through kg_malloc like the rest of nous. */
static void *regex_malloc(PCRE2_SIZE n, void *data) { return kg_malloc(n); }
static void regex_free_mem(void *p, void *data) { kg_free(p); }

void kg_regex_free(KgRegex *re) {
    if (!re) return;
    pcre2_match_context_free(re->mcx);
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    pcre2_general_context_free(re->gcx);
    kg_free(re->pattern);
    kg_free(re);
}

static void regex_free(void *p) { kg_regex_free(p); }

/* XPath flags: i, s, m, x, and q (XPath 3.0: the pattern is a plain string, PCRE2_LITERAL);
 * anything else is an error (0). */
static int parse_flags(const char *f, size_t n, uint32_t *options) {
    *options = PCRE2_UTF | PCRE2_UCP;
    for (size_t i = 0; i < n; i++) {
        switch (f[i]) {
        case 'i': *options |= PCRE2_CASELESS; break;
        case 's': *options |= PCRE2_DOTALL; break;
        case 'm': *options |= PCRE2_MULTILINE; break;
        case 'x': *options |= PCRE2_EXTENDED; break;
        case 'q': *options |= PCRE2_LITERAL; break;
        default: return 0;
        }
    }
    /* A literal pattern takes only the case flag (PCRE2 refuses the others with it). */
    if (*options & PCRE2_LITERAL) *options &= PCRE2_LITERAL | PCRE2_UTF | PCRE2_CASELESS;
    return 1;
}

/* Compiles a pattern under PCRE2 options. */
static KgStatus regex_compile(const char *pattern, size_t len, uint32_t options, KgRegex **out, KgError *err) {
    *out = NULL;
    KgRegex *re = kg_calloc(1, sizeof *re);
    if (!re || !(re->pattern = kg_strndup(pattern, len)) ||
        !(re->gcx = pcre2_general_context_create(regex_malloc, regex_free_mem, NULL))) {
        kg_regex_free(re);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling a regular expression");
    }
    re->pattern_len = len;
    re->options = options;
    pcre2_compile_context *ccx = pcre2_compile_context_create(re->gcx);
    int code;
    PCRE2_SIZE offset = 0;
    if (ccx) re->code = pcre2_compile((PCRE2_SPTR)pattern, len, options, &code, &offset, ccx);
    pcre2_compile_context_free(ccx);
    if (!ccx) {
        kg_regex_free(re);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling a regular expression");
    }
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0) memcpy(msg, "?", sizeof "?");
        KgStatus s = kg_error_set(err, KG_ERR_ARG, "invalid regular expression \"%.*s%s\": %s at offset %llu",
                                  shown_len(re), re->pattern, re->pattern_len > SHOWN ? "..." : "", (const char *)msg,
                                  (unsigned long long)offset);
        kg_regex_free(re);
        return s;
    }
    // Without JIT support (some platforms, or a hardened kernel) pcre2_match interprets.
    if (!UNDER_VALGRIND) (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    re->md = pcre2_match_data_create_from_pattern(re->code, re->gcx);
    re->mcx = pcre2_match_context_create(re->gcx);
    if (!re->md || !re->mcx) {
        kg_regex_free(re);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling a regular expression");
    }
    pcre2_set_match_limit(re->mcx, MATCH_LIMIT);
    pcre2_set_depth_limit(re->mcx, DEPTH_LIMIT);
    *out = re;
    return KG_OK;
}

KgStatus kg_regex_new(const char *pattern, size_t len, const char *flags, KgRegex **out, KgError *err) {
    uint32_t options;
    *out = NULL;
    if (!parse_flags(flags ? flags : "", flags ? strlen(flags) : 0, &options))
        return kg_error_set(err, KG_ERR_ARG, "regular expression flags are i, s, m, x and q, not \"%s\"", flags);
    return regex_compile(pattern, len, options, out, err);
}

/* pcre2_match's result: 1 a match, 0 none, < 0 an error (a limit, a subject not UTF-8). */
static int regex_run(KgRegex *re, const char *text, size_t len) {
    int rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, re->md, re->mcx);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

static int shown_len(const KgRegex *re)
{
    size_t n = re->pattern_len;
    if (n <= SHOWN) return (int)n;
    n = SHOWN;
    while (n > 0 && ((unsigned char)re->pattern[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

KgStatus kg_regex_match(KgRegex *re, const char *text, size_t len, int *matched, KgError *err) {
    int rc = regex_run(re, text, len);
    *matched = rc > 0;
    if (rc >= 0) return KG_OK;
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) memcpy(msg, "?", sizeof "?");
    return kg_error_set(err, KG_ERR_ARG, "regular expression \"%.*s%s\": %s", shown_len(re), re->pattern,
                        re->pattern_len > SHOWN ? "..." : "", (const char *)msg);
}

void sp_fn_regex(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal text;
    const char *pattern, *flags = "";
    size_t pattern_len, flags_len = 0;
    uint32_t options;
    // REGEX(string literal, simple literal [, simple literal]); anything else is an error.
    if (!sp_arg(rt, ctx, argv[0], &text) || !SP_IS_STRING(text.type) ||
        !sp_arg_plain_string(rt, ctx, argv[1], &pattern, &pattern_len) ||
        (argc == 3 && !sp_arg_plain_string(rt, ctx, argv[2], &flags, &flags_len)) ||
        !parse_flags(flags, flags_len, &options))
        return;
    KgRegex *re = sqlite3_get_auxdata(ctx, 1);
    int fresh = 0;
    if (!re || re->options != options || re->pattern_len != pattern_len ||
        memcmp(re->pattern, pattern, pattern_len) != 0) {
        KgError err = {0};
        KgStatus s = regex_compile(pattern, pattern_len, options, &re, &err);
        if (s == KG_ERR_NOMEM) sqlite3_result_error_nomem(ctx);
        if (s != KG_OK) {
            if (s != KG_ERR_NOMEM) sqlite3_result_error(ctx, err.msg, -1);
            return;
        }
        fresh = 1;
    }
    int rc = regex_run(re, text.lex, text.lex_len);
    // A match limit, a depth limit or a subject that is not UTF-8 is an error (NULL).
    if (rc >= 0) sqlite3_result_int(ctx, rc);
    // Kept for the next row when the pattern is a constant; SQLite frees it otherwise
    // (possibly at once), so it is not used after this call.
    if (fresh) sqlite3_set_auxdata(ctx, 1, re, regex_free);
}
