/* kg/regex.c: SPARQL REGEX (§17.4.3.14) with PCRE2. A pattern is compiled (and JIT-compiled
 * when the platform allows) once per statement: the compiled form is kept as SQLite
 * auxiliary data on the pattern argument, keyed by the pattern and its flags. Matching
 * runs under match and depth limits, so a pathological pattern is an error, not a hang. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sparql.h"

#include <pcre2.h>
#include <string.h>

#define MATCH_LIMIT 10000000
#define DEPTH_LIMIT 10000

typedef struct {
    char *pattern; /* NUL-terminated copy, for the cache key and the messages */
    size_t pattern_len;
    uint32_t options;
    pcre2_general_context *gcx;
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mcx;
} Regex;

/* PCRE2's memory goes through kg_malloc like the rest of nous. */
static void *regex_malloc(PCRE2_SIZE n, void *data) { return kg_malloc(n); }
static void regex_free_mem(void *p, void *data) { kg_free(p); }

static void regex_free(void *p) {
    Regex *re = p;
    if (!re) return;
    pcre2_match_context_free(re->mcx);
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    pcre2_general_context_free(re->gcx);
    kg_free(re->pattern);
    kg_free(re);
}

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

/* Compiles a pattern; on a bad pattern reports the SQL error and returns NULL. */
static Regex *regex_compile(sqlite3_context *ctx, const char *pattern, size_t len,
                            uint32_t options) {
    Regex *re = kg_calloc(1, sizeof *re);
    if (!re || !(re->pattern = kg_strndup(pattern, len)) ||
        !(re->gcx = pcre2_general_context_create(regex_malloc, regex_free_mem, NULL))) {
        regex_free(re);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    re->pattern_len = len;
    re->options = options;
    pcre2_compile_context *ccx = pcre2_compile_context_create(re->gcx);
    int code;
    PCRE2_SIZE offset = 0;
    if (ccx) re->code = pcre2_compile((PCRE2_SPTR)pattern, len, options, &code, &offset, ccx);
    pcre2_compile_context_free(ccx);
    if (!ccx) {
        regex_free(re);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0) memcpy(msg, "?", sizeof "?");
        char *text = sqlite3_mprintf("invalid regular expression \"%s\": %s at offset %llu",
                                     re->pattern, (const char *)msg, (unsigned long long)offset);
        if (text)
            sqlite3_result_error(ctx, text, -1);
        else
            sqlite3_result_error_nomem(ctx);
        sqlite3_free(text);
        regex_free(re);
        return NULL;
    }
    // Without JIT support (some platforms, or a hardened kernel) pcre2_match interprets.
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    re->md = pcre2_match_data_create_from_pattern(re->code, re->gcx);
    re->mcx = pcre2_match_context_create(re->gcx);
    if (!re->md || !re->mcx) {
        regex_free(re);
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    pcre2_set_match_limit(re->mcx, MATCH_LIMIT);
    pcre2_set_depth_limit(re->mcx, DEPTH_LIMIT);
    return re;
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
    Regex *re = sqlite3_get_auxdata(ctx, 1);
    int fresh = 0;
    if (!re || re->options != options || re->pattern_len != pattern_len ||
        memcmp(re->pattern, pattern, pattern_len) != 0) {
        if (!(re = regex_compile(ctx, pattern, pattern_len, options))) return;
        fresh = 1;
    }
    int rc = pcre2_match(re->code, (PCRE2_SPTR)text.lex, text.lex_len, 0, 0, re->md, re->mcx);
    // A match limit, a depth limit or a subject that is not UTF-8 is an error (NULL).
    if (rc >= 0)
        sqlite3_result_int(ctx, 1);
    else if (rc == PCRE2_ERROR_NOMATCH)
        sqlite3_result_int(ctx, 0);
    // Kept for the next row when the pattern is a constant; SQLite frees it otherwise
    // (possibly at once), so it is not used after this call.
    if (fresh) sqlite3_set_auxdata(ctx, 1, re, regex_free);
}
