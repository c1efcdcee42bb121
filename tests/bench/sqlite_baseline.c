/* tests/bench/sqlite_baseline.c: the raw-SQLite baselines that `make bench` sets nous's load
 * throughput against. It reads N-Triples or TSV files (plain or gzipped), maps each distinct
 * term string to a dense integer in first-seen order, as nous's dictionary does, and only
 * then starts the clock: it times inserting those integer triples (a) into a plain rowid
 * table with no index and (b) into nous's quads schema (WITHOUT ROWID primary key plus the
 * POS, OSP and partial GSPO indexes, copied from kg/store.c: keep the two in step), the
 * indexes built before the inserts. Same pragmas as kg/store.c, one transaction, one prepared
 * statement, a file database in the given directory. Each variant runs --repeat times on a
 * fresh database and the best time is printed, as one line per variant:
 *     sqlite-plain triples=N seconds=S rate=R
 * where S covers BEGIN through COMMIT and sqlite3_close (which checkpoints the WAL), as the
 * wall time load.sh measures for nous includes its close. Term parsing is deliberately
 * simple (no escape decoding, no IRI checks): it only has to tell distinct terms apart. */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

typedef enum { FMT_NT, FMT_TSV } Format;

typedef struct {
    uint64_t s, p, o;
} Triple;

/* ------------------------------------------------------------ term -> dense id */

/* Open addressing; each slot points at its key in one growing byte array (by offset, since
 * realloc moves it). Id 0 marks an empty slot; ids start at 1, like KgTermId. */
typedef struct {
    uint64_t hash;
    uint64_t id;
    size_t key_off, key_len;
} Slot;

typedef struct {
    Slot *slots;
    size_t n_slots, n_used;
    char *bytes;
    size_t bytes_len, bytes_cap;
} Dict;

static void die_nomem(void)
{
    fprintf(stderr, "sqlite_baseline: out of memory\n");
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) die_nomem();
    return q;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 32);
}

static void grow_slots(Dict *d)
{
    size_t n = d->n_slots ? d->n_slots * 2 : 1 << 16;
    Slot *fresh = calloc(n, sizeof *fresh);
    if (!fresh) die_nomem();
    for (size_t i = 0; i < d->n_slots; i++) {
        if (!d->slots[i].id) continue;
        size_t j = d->slots[i].hash & (n - 1);
        while (fresh[j].id) j = (j + 1) & (n - 1);
        fresh[j] = d->slots[i];
    }
    free(d->slots);
    d->slots = fresh;
    d->n_slots = n;
}

static uint64_t intern(Dict *d, const char *key, size_t len)
{
    if (2 * (d->n_used + 1) > d->n_slots) grow_slots(d);
    uint64_t h = hash_bytes(key, len);
    size_t i = h & (d->n_slots - 1);
    for (; d->slots[i].id; i = (i + 1) & (d->n_slots - 1)) {
        Slot *sl = &d->slots[i];
        if (sl->hash == h && sl->key_len == len && memcmp(d->bytes + sl->key_off, key, len) == 0)
            return sl->id;
    }
    if (d->bytes_len + len > d->bytes_cap) {
        d->bytes_cap = (d->bytes_cap + len) * 2;
        d->bytes = xrealloc(d->bytes, d->bytes_cap);
    }
    memcpy(d->bytes + d->bytes_len, key, len);
    d->slots[i] = (Slot){h, ++d->n_used, d->bytes_len, len};
    d->bytes_len += len;
    return d->n_used;
}

static void dict_free(Dict *d)
{
    free(d->slots);
    free(d->bytes);
}

/* ------------------------------------------------------------ reading triples */

typedef struct {
    Triple *items;
    size_t n, cap;
} Triples;

static void push(Triples *t, Triple x)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1 << 16;
        t->items = xrealloc(t->items, t->cap * sizeof *t->items);
    }
    t->items[t->n++] = x;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

/* One N-Triples term starting at p: <iri>, _:label or "lex" with @lang or ^^<dt>. Returns
 * the end of the term, or NULL if the line is not what we expect. */
static const char *nt_term(const char *p, const char *end)
{
    if (p >= end) return NULL;
    if (*p == '<') {
        const char *q = memchr(p, '>', (size_t)(end - p));
        return q ? q + 1 : NULL;
    }
    if (*p == '"') {
        for (p++; p < end && *p != '"'; p++)
            if (*p == '\\') p++;
        if (p >= end) return NULL;
        p++;
        if (p < end && *p == '^') return p + 1 < end ? nt_term(p + 2, end) : NULL;
    }
    // A blank node label, or the @lang tail of a literal: up to the next blank.
    while (p < end && *p != ' ' && *p != '\t') p++;
    return p;
}

static int parse_nt(Dict *d, Triples *t, const char *line, const char *end)
{
    const char *p = skip_space(line, end);
    if (p == end || *p == '#') return 0;
    uint64_t id[3];
    for (int i = 0; i < 3; i++) {
        const char *q = nt_term(p, end);
        if (!q) return -1;
        id[i] = intern(d, p, (size_t)(q - p));
        p = skip_space(q, end);
    }
    if (p == end || *p != '.') return -1;
    push(t, (Triple){id[0], id[1], id[2]});
    return 0;
}

static int parse_tsv(Dict *d, Triples *t, const char *line, const char *end)
{
    if (line == end) return 0;
    uint64_t id[3];
    const char *p = line;
    for (int i = 0; i < 3; i++) {
        const char *q = p;
        while (q < end && *q != '\t') q++;
        if ((q == end) != (i == 2)) return -1;
        id[i] = intern(d, p, (size_t)(q - p));
        p = q + 1;
    }
    push(t, (Triple){id[0], id[1], id[2]});
    return 0;
}

static int read_file(const char *path, Format fmt, Dict *d, Triples *t)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        fprintf(stderr, "sqlite_baseline: %s: %s\n", path, errno ? strerror(errno) : "cannot open");
        return -1;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = xrealloc(NULL, cap);
    unsigned long line_no = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) buf = xrealloc(buf, cap *= 2);
        int n = gzread(gz, buf + len, (unsigned)(cap - len));
        if (n < 0) {
            fprintf(stderr, "sqlite_baseline: %s: read error\n", path);
            rc = -1;
            break;
        }
        len += (size_t)n;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', len - start);
            if (!nl && n > 0) break;
            const char *end = nl ? nl : buf + len;
            if (!nl && end == buf + start) break;
            line_no++;
            if (end > buf + start && end[-1] == '\r') end--;
            int bad = fmt == FMT_NT ? parse_nt(d, t, buf + start, end)
                                    : parse_tsv(d, t, buf + start, end);
            if (bad) {
                fprintf(stderr, "sqlite_baseline: %s:%lu: cannot read this line\n", path, line_no);
                rc = -1;
                break;
            }
            start = nl ? (size_t)(nl - buf) + 1 : len;
        }
        if (rc || n == 0) break;
        memmove(buf, buf + start, len - start);
        len -= start;
    }
    free(buf);
    gzclose(gz);
    return rc;
}

static Format format_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0) n -= 3;
    if (n > 4 && (memcmp(path + n - 4, ".txt", 4) == 0 || memcmp(path + n - 4, ".tsv", 4) == 0))
        return FMT_TSV;
    return FMT_NT;
}

/* ------------------------------------------------------------ the timed inserts */

typedef struct {
    const char *name;
    const char *schema;
    const char *insert;
    int n_params; /* 3: s, p, o; 5: s, p, o, g = 0, mark = 1 (asserted), as nous binds */
} Variant;

static const Variant variants[] = {
    {"sqlite-plain", "CREATE TABLE t(s INTEGER, p INTEGER, o INTEGER);",
     "INSERT INTO t(s, p, o) VALUES(?1, ?2, ?3)", 3},
    {"sqlite-nous-schema",
     "CREATE TABLE quads("
     "  s INTEGER NOT NULL, p INTEGER NOT NULL, o INTEGER NOT NULL, g INTEGER NOT NULL,"
     "  mark INTEGER NOT NULL, PRIMARY KEY(s, p, o, g)) WITHOUT ROWID;"
     "CREATE INDEX quads_pos ON quads(p, o, s, g, mark);"
     "CREATE INDEX quads_osp ON quads(o, s, p, g, mark);"
     "CREATE INDEX quads_gspo ON quads(g, s, p, o, mark) WHERE g != 0;",
     "INSERT OR IGNORE INTO quads(s, p, o, g, mark) VALUES(?1, ?2, ?3, ?4, ?5)", 5},
};

static const char *const pragmas = "PRAGMA journal_mode = WAL;"
                                   "PRAGMA synchronous = NORMAL;"
                                   "PRAGMA foreign_keys = OFF;"
                                   "PRAGMA cache_size = -262144;"
                                   "PRAGMA temp_store = MEMORY;";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void remove_db(const char *path)
{
    char side[4096];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Loads the triples once into a fresh database at path; *seconds is the timed part. */
static int run_once(const Variant *v, const char *path, const Triples *t, double *seconds)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *what = "opening";
    remove_db(path);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        goto fail;
    what = "creating the schema";
    if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_exec(db, v->schema, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    what = "preparing";
    if (sqlite3_prepare_v3(db, v->insert, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        goto fail;

    double t0 = now();
    what = "inserting";
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    for (size_t i = 0; i < t->n; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)t->items[i].s);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)t->items[i].p);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)t->items[i].o);
        if (v->n_params == 5) {
            sqlite3_bind_int64(st, 4, 0);
            sqlite3_bind_int(st, 5, 1);
        }
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) goto fail;
    }
    what = "committing";
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    sqlite3_finalize(st);
    st = NULL;
    what = "closing";
    if (sqlite3_close(db) != SQLITE_OK) goto fail;
    *seconds = now() - t0;
    remove_db(path);
    return 0;
fail:
    fprintf(stderr, "sqlite_baseline: %s %s: %s\n", what, path,
            db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_finalize(st);
    sqlite3_close(db);
    remove_db(path);
    return -1;
}

int main(int argc, char **argv)
{
    int repeat = 3, i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--repeat") == 0) {
        repeat = atoi(argv[i + 1]);
        i += 2;
    }
    if (argc - i < 2 || repeat < 1) {
        fprintf(stderr,
                "usage: sqlite_baseline [--repeat N] DIR FILE...\n"
                "  FILE: N-Triples (.nt) or TSV (.txt, .tsv), optionally .gz;\n"
                "  DIR: where the scratch databases go\n");
        return 2;
    }
    const char *dir = argv[i++];
    Dict d = {0};
    Triples t = {0};
    int rc = 0;
    for (; i < argc && rc == 0; i++) rc = read_file(argv[i], format_of(argv[i]), &d, &t);
    if (rc == 0) printf("read triples=%zu terms=%zu\n", t.n, d.n_used);

    char path[4096];
    snprintf(path, sizeof path, "%s/sqlite_baseline.db", dir);
    for (size_t v = 0; rc == 0 && v < sizeof variants / sizeof variants[0]; v++) {
        double best = -1;
        for (int r = 0; r < repeat && rc == 0; r++) {
            double sec = 0;
            rc = run_once(&variants[v], path, &t, &sec);
            if (rc == 0 && (best < 0 || sec < best)) best = sec;
        }
        if (rc == 0)
            printf("%s triples=%zu seconds=%.6f rate=%.0f\n", variants[v].name, t.n, best,
                   best > 0 ? (double)t.n / best : 0.0);
    }
    free(t.items);
    dict_free(&d);
    return rc ? 1 : 0;
}
