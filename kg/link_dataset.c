/* kg/link_dataset.c: a link-prediction benchmark folder (train.txt, valid.txt, test.txt, one
 * "head<TAB>relation<TAB>tail" per line) read into dense ids, given in order of first
 * appearance. Each file is read whole and split in place; names go through a small
 * open-addressing hash table, so WN18RR's 93,003 triples read in a few tens of milliseconds.
 * Every pointer of a KgLinkDataset is its own kg_malloc block, freed by kg_link_dataset_free(). */
#include "internal.h"
#include "linkpred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- names to dense ids */

/* The names seen so far (names[id], NUL-terminated, each its own block) and an index over
 * them: slots hold id + 1 (0 is empty), hashes[id] the name's hash, so a probe compares
 * bytes only when the hashes agree. The table is kept at most half full. */
typedef struct {
    char **names;
    uint32_t *hashes;
    size_t n_names, names_cap;
    uint32_t *slots;
    size_t n_slots; /* a power of two */
} NameTable;

/* FNV-1a, then a final mix so that the low bits (the slot) depend on every byte. */
static uint32_t hash_name(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

static KgStatus grow_slots(NameTable *t)
{
    size_t n_slots = t->n_slots ? t->n_slots * 2 : 1024;
    uint32_t *slots = kg_calloc(n_slots, sizeof *slots);
    if (!slots) return KG_ERR_NOMEM;
    for (size_t id = 0; id < t->n_names; id++) {
        size_t i = t->hashes[id] & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = (uint32_t)id + 1;
    }
    kg_free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return KG_OK;
}

static KgStatus grow_names(NameTable *t)
{
    size_t cap = t->names_cap ? t->names_cap * 2 : 256;
    char **names = kg_realloc(t->names, cap * sizeof *names);
    if (!names) return KG_ERR_NOMEM;
    t->names = names;
    uint32_t *hashes = kg_realloc(t->hashes, cap * sizeof *hashes);
    if (!hashes) return KG_ERR_NOMEM;
    t->hashes = hashes;
    t->names_cap = cap;
    return KG_OK;
}

/* The id of the name s (len bytes), adding it when new. */
static KgStatus intern_name(NameTable *t, const char *s, size_t len, uint32_t *id)
{
    if (2 * (t->n_names + 1) > t->n_slots && grow_slots(t) != KG_OK) return KG_ERR_NOMEM;
    uint32_t h = hash_name(s, len);
    size_t i = h & (t->n_slots - 1);
    for (; t->slots[i]; i = (i + 1) & (t->n_slots - 1)) {
        uint32_t old = t->slots[i] - 1;
        if (t->hashes[old] == h && memcmp(t->names[old], s, len) == 0 &&
            t->names[old][len] == '\0') {
            *id = old;
            return KG_OK;
        }
    }
    if (t->n_names >= UINT32_MAX - 1) return KG_ERR_NOMEM;
    if (t->n_names == t->names_cap && grow_names(t) != KG_OK) return KG_ERR_NOMEM;
    char *copy = kg_strndup(s, len);
    if (!copy) return KG_ERR_NOMEM;
    *id = (uint32_t)t->n_names;
    t->names[t->n_names] = copy;
    t->hashes[t->n_names++] = h;
    t->slots[i] = *id + 1;
    return KG_OK;
}

/* Hands the names over (shrunk to fit, never NULL on success) and frees the index. */
static char **take_names(NameTable *t)
{
    char **names = kg_realloc(t->names, (t->n_names ? t->n_names : 1) * sizeof *names);
    if (!names) names = t->names;
    t->names = NULL;
    return names;
}

static void free_name_table(NameTable *t)
{
    for (size_t i = 0; t->names && i < t->n_names; i++)
        kg_free(t->names[i]);
    kg_free(t->names);
    kg_free(t->hashes);
    kg_free(t->slots);
}

/* ---------------------------------------------------------------- reading the files */

typedef struct {
    const char *dir;
    NameTable entities, relations;
    KgError *err;
} Reader;

/* Reads the whole file into *out (NUL-terminated, *len bytes). */
static KgStatus read_file(const char *path, char **out, size_t *len, KgError *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return kg_error_set(err, KG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    size_t cap = (fstat(fileno(f), &sb) == 0 && sb.st_size > 0) ? (size_t)sb.st_size + 1 : 4096;
    char *data = kg_malloc(cap);
    size_t n = 0;
    KgStatus s = KG_OK;
    for (;;) {
        if (!data) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        n += fread(data + n, 1, cap - 1 - n, f);
        if (n < cap - 1) break; // end of file or an error, told apart below
        // The buffer is full: the file may end right here (the usual case, sized by fstat)
        // or have grown since.
        int c = getc(f);
        if (c == EOF) break;
        char *bigger = kg_realloc(data, cap * 2);
        if (!bigger) kg_free(data);
        data = bigger;
        cap *= 2;
        if (data) data[n++] = (char)c;
    }
    if (s == KG_OK && ferror(f))
        s = kg_error_set(err, KG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    if (s != KG_OK) {
        kg_free(data);
        return s;
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return KG_OK;
}

/* Splits one line (CR already removed, not empty) into its three fields and interns them.
 * `file` is a string literal, so the error may keep it. */
static KgStatus parse_line(Reader *rd, const char *file, unsigned long line_no, char *line,
                           size_t n, KgLinkTriple *out)
{
    const char *field[3];
    size_t len[3];
    KgStatus s = kg_tsv_fields(line, n, file, line_no, field, len, rd->err);
    if (s != KG_OK) return s;
    if (intern_name(&rd->entities, field[0], len[0], &out->h) != KG_OK ||
        intern_name(&rd->relations, field[1], len[1], &out->r) != KG_OK ||
        intern_name(&rd->entities, field[2], len[2], &out->t) != KG_OK)
        return kg_error_set(rd->err, KG_ERR_NOMEM, "out of memory reading %s/%s", rd->dir, file);
    return KG_OK;
}

/* Reads DIR/file into a new array of triples (*out, *n_out; never NULL on success). */
static KgStatus read_split(Reader *rd, const char *file, KgLinkTriple **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t path_len = strlen(rd->dir) + 1 + strlen(file) + 1;
    char *path = kg_malloc(path_len);
    if (!path) return kg_error_set(rd->err, KG_ERR_NOMEM, "out of memory reading %s", file);
    snprintf(path, path_len, "%s/%s", rd->dir, file);
    char *data = NULL;
    size_t len = 0;
    KgStatus s = read_file(path, &data, &len, rd->err);
    kg_free(path);
    if (s != KG_OK) return s;

    // One triple per line at most: count the line ends to size the array once.
    size_t n_lines = 1;
    for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))) != NULL; p++)
        n_lines++;
    KgLinkTriple *triples = kg_malloc(n_lines * sizeof *triples);
    if (!triples) {
        kg_free(data);
        return kg_error_set(rd->err, KG_ERR_NOMEM, "out of memory reading %s/%s", rd->dir, file);
    }
    size_t n = 0, start = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) start = 3; // a UTF-8 byte-order mark
    unsigned long line_no = 0;
    while (start < len) {
        const char *end = memchr(data + start, '\n', len - start);
        size_t stop = end ? (size_t)(end - data) : len;
        line_no++;
        size_t line_len = stop - start;
        if (line_len && data[start + line_len - 1] == '\r') line_len--;
        if (line_len) {
            s = parse_line(rd, file, line_no, data + start, line_len, &triples[n]);
            if (s != KG_OK) break;
            n++;
        }
        start = stop + 1;
    }
    kg_free(data);
    if (s != KG_OK) {
        kg_free(triples);
        return s;
    }
    *out = triples;
    *n_out = n;
    return KG_OK;
}

KgStatus kg_link_read_dir(const char *dir, KgLinkDataset **out, KgError *err)
{
    *out = NULL;
    KgLinkDataset *d = kg_calloc(1, sizeof *d);
    if (!d) return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", dir);
    Reader rd = {.dir = dir, .err = err};
    KgStatus s = read_split(&rd, "train.txt", &d->train, &d->n_train);
    if (s == KG_OK) s = read_split(&rd, "valid.txt", &d->valid, &d->n_valid);
    if (s == KG_OK) s = read_split(&rd, "test.txt", &d->test, &d->n_test);
    if (s == KG_OK) {
        d->n_entities = rd.entities.n_names;
        d->n_relations = rd.relations.n_names;
        d->entity_names = take_names(&rd.entities);
        d->relation_names = take_names(&rd.relations);
    }
    free_name_table(&rd.entities);
    free_name_table(&rd.relations);
    if (s != KG_OK) {
        kg_link_dataset_free(d);
        return s;
    }
    *out = d;
    return KG_OK;
}

void kg_link_dataset_free(KgLinkDataset *d)
{
    if (!d) return;
    for (size_t i = 0; d->entity_names && i < d->n_entities; i++)
        kg_free(d->entity_names[i]);
    for (size_t i = 0; d->relation_names && i < d->n_relations; i++)
        kg_free(d->relation_names[i]);
    kg_free(d->entity_names);
    kg_free(d->relation_names);
    kg_free(d->entity_terms);
    kg_free(d->relation_terms);
    kg_free(d->train);
    kg_free(d->valid);
    kg_free(d->test);
    kg_free(d);
}
