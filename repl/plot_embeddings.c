/* repl/plot_embeddings.c: `nous plot-embeddings [--model NAME] [--type-colors] -o FILE.svg`:
 * a set's entity vectors projected on their first two principal components (neural/pca.c)
 * and drawn as a standalone SVG scatter (neural/scatter.c), each point titled with its entity
 * as the user writes it. --type-colors colours them by class (rdf:type, asserted or inferred):
 * an entity of several classes takes the most specific, taken to be the one with the fewest
 * plotted members (ties: the earlier term), so owl:Thing or rdfs:Resource, which every typed
 * entity may have, never hides a real class; an entity of none is "untyped". */
#include "repl/internal.h"

#include <stdlib.h>
#include <string.h>

/* One class of one plotted entity: (entity row, class term). */
typedef struct {
    uint32_t row;
    KgTermId class_id;
} RowClass;

static int compare_row_class(const void *a, const void *b)
{
    const RowClass *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    return (x->class_id > y->class_id) - (x->class_id < y->class_id);
}

static int compare_term(const void *a, const void *b)
{
    KgTermId x = *(const KgTermId *)a, y = *(const KgTermId *)b;
    return (x > y) - (x < y);
}

/* The legend's groups: the classes some entity took and "untyped", by decreasing size. */
typedef struct {
    const char *name;
    size_t size;
    size_t class_index; /* into the sorted classes; SIZE_MAX for "untyped" */
} Group;

static int compare_group(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The row of entity term t in set e, -1 when it has none (the rows are one matrix). */
static long row_of(const KgEmbedding *e, KgTermId t)
{
    const float *v = kg_embedding_entity_vec(e, t), *first = NULL;
    if (!v) return -1;
    kg_embedding_entity(e, 0, &first);
    return (long)((v - first) / (ptrdiff_t)kg_embedding_info(e)->entity_width);
}

/* Each plotted entity's class, as a group: group[row] indexes *names (*n_groups of them,
 * largest first, strings in arena): the *n_classes classes some entity took, and "untyped"
 * for the *n_untyped entities of none. */
static KgStatus class_groups(KgStore *store, const KgEmbedding *e, KgArena *arena, uint32_t *group,
                             const char ***names, size_t *n_groups, size_t *n_classes, size_t *n_untyped,
                             KgError *err)
{
    size_t n = kg_embedding_n_entities(e), n_pairs = 0, cap = 0, n_cls = 0, n_grp = 0;
    RowClass *pairs = NULL;
    KgTermId *classes = NULL, type_id = 0;
    size_t *members = NULL, *taken = NULL;
    Group *groups = NULL;
    KgIter *it = NULL;
    KgStatus s = kg_dict_lookup_iri(store, KG_RDF_TYPE, &type_id, err);
    if (s == KG_ERR_NOT_FOUND) s = KG_OK, type_id = 0; // no rdf:type at all: all untyped
    if (s == KG_OK && type_id) {
        KgQuad pat = {KG_ANY, type_id, KG_ANY, KG_ANY_GRAPH}, q;
        s = kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, err);
        while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) {
            long row = row_of(e, q.s);
            if (row < 0) continue;
            if (n_pairs == cap) {
                cap = cap ? 2 * cap : 1024;
                RowClass *grown = kg_realloc(pairs, cap * sizeof *grown);
                if (!grown) {
                    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
                    break;
                }
                pairs = grown;
            }
            pairs[n_pairs++] = (RowClass){(uint32_t)row, q.o};
        }
        if (s == KG_DONE) s = KG_OK;
    }
    if (s != KG_OK) goto out;
    // one pair per (entity, class), whatever the graphs holding it
    if (n_pairs) qsort(pairs, n_pairs, sizeof *pairs, compare_row_class);
    size_t n_unique = 0;
    for (size_t i = 0; i < n_pairs; i++)
        if (i == 0 || compare_row_class(&pairs[i], &pairs[n_unique - 1]) != 0) pairs[n_unique++] = pairs[i];
    n_pairs = n_unique;
    classes = kg_malloc((n_pairs ? n_pairs : 1) * sizeof *classes);
    if (!classes) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_pairs; i++) classes[i] = pairs[i].class_id;
    qsort(classes, n_pairs, sizeof *classes, compare_term);
    for (size_t i = 0; i < n_pairs; i++)
        if (i == 0 || classes[i] != classes[n_cls - 1]) classes[n_cls++] = classes[i];
    members = kg_calloc(n_cls + 1, sizeof *members), taken = kg_calloc(n_cls + 1, sizeof *taken);
    groups = kg_malloc((n_cls + 1) * sizeof *groups);
    if (!members || !taken || !groups) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    // pairs[i].class_id becomes its index among the classes, for the counts
    for (size_t i = 0; i < n_pairs; i++) {
        KgTermId *at = bsearch(&pairs[i].class_id, classes, n_cls, sizeof *classes, compare_term);
        pairs[i].class_id = (KgTermId)(at - classes);
        members[pairs[i].class_id]++;
    }
    // each entity's class with the fewest members (pairs are by row, classes by term), as
    // an index among the classes, or n_cls for untyped
    size_t untyped = 0;
    for (size_t row = 0, i = 0; row < n; row++) {
        size_t best = n_cls;
        for (; i < n_pairs && pairs[i].row == row; i++)
            if (best == n_cls || members[pairs[i].class_id] < members[best]) best = (size_t)pairs[i].class_id;
        group[row] = (uint32_t)best;
        if (best == n_cls) untyped++;
        else taken[best]++;
    }
    for (size_t c = 0; c < n_cls && s == KG_OK; c++) {
        if (!taken[c]) continue;
        KgBuf b = {0};
        s = kg_term_write_id(store, classes[c], 1, &b, err);
        const char *text = s == KG_OK ? kg_buf_cstr(&b) : NULL;
        char *name = text ? kg_arena_strndup(arena, text, strlen(text)) : NULL;
        if (s == KG_OK && !name) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        kg_buf_free(&b);
        groups[n_grp++] = (Group){name, taken[c], c};
    }
    if (s != KG_OK) goto out;
    *n_classes = n_grp;
    *n_untyped = untyped;
    if (untyped) groups[n_grp++] = (Group){"untyped", untyped, SIZE_MAX};
    qsort(groups, n_grp, sizeof *groups, compare_group);
    // class index -> group index, reusing taken[] (untyped sits at n_cls)
    for (size_t g = 0; g < n_grp; g++)
        taken[groups[g].class_index == SIZE_MAX ? n_cls : groups[g].class_index] = g;
    for (size_t row = 0; row < n; row++) group[row] = (uint32_t)taken[group[row]];
    *names = kg_arena_alloc(arena, (n_grp ? n_grp : 1) * sizeof **names);
    if (!*names) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < n_grp; g++) (*names)[g] = groups[g].name;
    *n_groups = n_grp;
out:
    kg_iter_free(it);
    kg_free(pairs), kg_free(classes), kg_free(members), kg_free(taken), kg_free(groups);
    return s;
}

/* Each entity as the user writes it (a CURIE where a prefix fits), into arena. */
static KgStatus entity_labels(KgStore *store, const KgEmbedding *e, KgArena *arena, const char **labels,
                              KgError *err)
{
    KgBuf b = {0};
    KgStatus s = KG_OK;
    for (size_t i = 0; i < kg_embedding_n_entities(e) && s == KG_OK; i++) {
        b.len = 0;
        s = kg_term_write_id(store, kg_embedding_entity(e, i, NULL), 1, &b, err);
        const char *text = s == KG_OK ? kg_buf_cstr(&b) : NULL;
        labels[i] = text ? kg_arena_strndup(arena, text, strlen(text)) : NULL;
        if (s == KG_OK && !labels[i]) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    kg_buf_free(&b);
    return s;
}

int repl_cmd_plot_embeddings(Repl *r, int argc, char **argv)
{
    const char *only = NULL, *path = NULL;
    int type_colors = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "--model"))) only = v;
        else if ((v = repl_opt_value(argc, argv, &i, "-o"))) path = v;
        else if (strcmp(argv[i], "--type-colors") == 0) type_colors = 1;
        else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--model") == 0)
            return repl_usage_error(r, "plot-embeddings", "%s needs a value", argv[i]);
        else if (repl_is_option(argv[i]))
            return repl_usage_error(r, "plot-embeddings", "unknown option '%s'", argv[i]);
        else
            return repl_usage_error(r, "plot-embeddings", "unexpected argument '%s'", argv[i]);
    }
    if (!path || !*path)
        return repl_usage_error(r, "plot-embeddings", "give the SVG file to write: -o FILE.svg");
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    char *set = NULL;
    KgEmbedding *e = NULL;
    KgArena *arena = kg_arena_new(64 * 1024);
    float *xy = NULL;
    const char **labels = NULL, **group_names = NULL;
    uint32_t *group = NULL;
    size_t n = 0, width = 0, n_groups = 0, n_classes = 0, n_untyped = 0;
    double explained[2] = {0, 0};
    KgStatus s = arena ? repl_embedding_set(store, only, &set, &err)
                       : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = kg_embedding_load(store, set, &e, &err);
    if (s == KG_OK) {
        n = kg_embedding_n_entities(e), width = kg_embedding_info(e)->entity_width;
        if (n < 2)
            s = kg_error_set(&err, KG_ERR_ARG, "embeddings '%s' have %zu entit%s: a plot needs 2 or more", set, n,
                             n == 1 ? "y" : "ies");
        else if (width < 2)
            s = kg_error_set(&err, KG_ERR_ARG, "embeddings '%s' have 1 value per entity: a 2-D plot needs 2 or more",
                             set);
    }
    if (s == KG_OK) {
        xy = kg_malloc(2 * n * sizeof *xy), labels = kg_malloc(n * sizeof *labels);
        group = type_colors ? kg_malloc(n * sizeof *group) : NULL;
        if (!xy || !labels || (type_colors && !group)) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) {
        const float *all = NULL;
        kg_embedding_entity(e, 0, &all);
        kg_interrupt_install();
        s = nn_pca(all, n, width, 2, xy, explained, &err);
    }
    if (s == KG_OK) s = entity_labels(store, e, arena, labels, &err);
    if (s == KG_OK && type_colors)
        s = class_groups(store, e, arena, group, &group_names, &n_groups, &n_classes, &n_untyped, &err);
    if (s == KG_OK) {
        const KgEmbeddingInfo *info = kg_embedding_info(e);
        char title[256], x_title[64], y_title[64];
        snprintf(title, sizeof title, "embeddings '%s' (%s, dim %zu): %zu entities, PCA", set, info->model, info->dim,
                 n);
        snprintf(x_title, sizeof x_title, "PC1 (%.1f%% of variance)", 100 * explained[0]);
        snprintf(y_title, sizeof y_title, "PC2 (%.1f%% of variance)", 100 * explained[1]);
        NnScatter plot = {.title = title, .x_title = x_title, .y_title = y_title, .xy = xy, .n = n,
                          .labels = labels, .group = group, .group_names = group_names, .n_groups = n_groups};
        s = nn_plot_scatter(path, &plot, &err);
    }
    if (s == KG_OK) {
        fprintf(r->out, "wrote %s: %zu entities; PC1 %.1f%%, PC2 %.1f%% of variance", path, n, 100 * explained[0],
                100 * explained[1]);
        if (type_colors) {
            fprintf(r->out, "; %zu class%s, %zu untyped", n_classes, n_classes == 1 ? "" : "es", n_untyped);
            if (n_groups > NN_SCATTER_COLORS)
                fprintf(r->out, " (the %d largest groups coloured, the rest grey)", NN_SCATTER_COLORS);
        }
        fputc('\n', r->out);
    } else {
        repl_error(r, &err);
    }
    kg_free(set), kg_free(xy), kg_free(labels), kg_free(group);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
