/* reasoner/program.c: a rule program: rules added from files, from text or from the built-in
 * profiles (rule files compiled into the binary, see profiles.c), all kept in one arena. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

KgStatus rs_program_new(KgStore *store, RsProgram **out, KgError *err)
{
    *out = NULL;
    RsProgram *p = kg_calloc(1, sizeof *p);
    if (!p || !(p->arena = kg_arena_new(32768))) {
        kg_free(p);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory making a rule program");
    }
    p->store = store;
    *out = p;
    return KG_OK;
}

void rs_program_free(RsProgram *p)
{
    if (!p) return;
    kg_free(p->rules);
    kg_arena_free(p->arena);
    kg_free(p);
}

KgStatus rs_program_add_text(RsProgram *p, const char *name, const char *text, size_t len,
                             KgError *err)
{
    return rs_parse(p, name, text, len, err);
}

KgStatus rs_program_add_file(RsProgram *p, const char *path, KgError *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot open the rule file");
    KgBuf b = {0};
    char chunk[65536];
    size_t n;
    KgStatus s = KG_OK;
    while (s == KG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (kg_buf_append(&b, chunk, n) != KG_OK)
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", path);
    if (s == KG_OK && ferror(f)) s = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot read the rule file");
    fclose(f);
    /* the name outlives the error: keep it in the program's arena */
    const char *name = kg_arena_strndup(p->arena, path, strlen(path));
    if (s == KG_OK && !name) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = rs_parse(p, name, b.data ? b.data : "", b.len, err);
    kg_buf_free(&b);
    return s;
}

KgStatus rs_program_add_profile(RsProgram *p, const char *profile, KgError *err)
{
    size_t len;
    const char *text = rs_profile_text(profile, &len);
    if (!text) {
        KgBuf names = {0};
        for (const char *const *n = rs_profile_names(); *n; n++)
            kg_buf_printf(&names, "%s%s", names.len ? ", " : "", *n);
        kg_error_set(err, KG_ERR_ARG, "unknown profile '%s' (known: %s)", profile,
                     names.len ? names.data : "none");
        kg_buf_free(&names);
        return KG_ERR_ARG;
    }
    size_t first = p->n_rules;
    KgStatus s = rs_parse(p, profile, text, len, err);
    if (s != KG_OK) return s;
    /* the rules between "# == equality ==" and "# == end of equality ==" axiomatise owl:sameAs;
     * the engine handles them itself unless told otherwise (RsOptions.equality_rules) */
    unsigned long line = 1, from = 0, to = 0;
    for (const char *c = text; c < text + len; c++) {
        if (c == text || c[-1] == '\n') {
            if (strncmp(c, "# == equality ==", 16) == 0) from = line;
            else if (strncmp(c, "# == end of equality ==", 23) == 0) to = line;
        }
        if (*c == '\n') line++;
    }
    for (size_t i = first; from && to && i < p->n_rules; i++)
        p->rules[i].equality_axiom = p->rules[i].line > from && p->rules[i].line < to;
    return KG_OK;
}

size_t rs_program_n_rules(const RsProgram *p) { return p->n_rules; }
double rs_rule_weight(const RsProgram *p, size_t i) { return i < p->n_rules ? p->rules[i].weight : 0; }
void rs_rule_set_weight(RsProgram *p, size_t i, double weight)
{
    if (i < p->n_rules) p->rules[i].weight = weight;
}
const char *rs_rule_label(const RsProgram *p, size_t i) { return i < p->n_rules ? p->rules[i].label : NULL; }
const char *rs_rule_text(const RsProgram *p, size_t i) { return i < p->n_rules ? p->rules[i].text : NULL; }

void rs_stats_free(RsStats *stats)
{
    if (!stats) return;
    kg_free(stats->per_rule);
    stats->per_rule = NULL;
    stats->n_rules = 0;
}
