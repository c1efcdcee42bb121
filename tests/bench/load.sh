#!/bin/sh
# tests/bench/load.sh: `make bench`. Load throughput of nous next to baselines measured in the
# same run, so the overhead shows as a ratio on a shared, noisy machine:
#   rapper        raptor's own parse, `rapper -c` (parse and count, no serializer): the floor
#                 for RDF input, since nous parses through the same raptor2 library;
#   sqlite-plain  the same triples, already mapped to integers, inserted into a rowid table
#                 with no index (tests/bench/sqlite_baseline.c);
#   sqlite-schema the same into nous's quads table and its three extra indexes;
#   nous          `nous --db FRESH load FILE...`, wall time of the whole command.
# Every figure is the best (least time) of $REPEAT runs. The data comes from ../shared/datasets
# (or $BENCH_DATA) when it is there, else from the small copies under datasets/. POSIX sh;
# needs `date +%N`. NOUS, BASELINE and REPEAT may be set in the environment.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
BASELINE=${BASELINE:-build/plain/sqlite_baseline}
REPEAT=${REPEAT:-3}
SHARED=${BENCH_DATA:-../shared/datasets}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

case $(date +%N) in
*N*|'') echo "load.sh: needs a date(1) that knows +%N (GNU coreutils)" >&2; exit 1 ;;
esac
now_ns() { date +%s%N; }

have_rapper=1
command -v rapper >/dev/null 2>&1 || have_rapper=0

# ------------------------------------------------------------ one measurement each

# rapper_all FORMAT FILE...: parse every file with rapper -c; the counts go to $tmp/rapper.err.
rapper_all() {
    fmt=$1
    shift
    : >"$tmp/rapper.err"
    for f in "$@"; do
        rapper -i "$fmt" -c "$f" 2>>"$tmp/rapper.err" >/dev/null || return 1
    done
}

# best_of CMD...: runs CMD $REPEAT times (after `fresh_db`), sets best_s to the least wall time
# in seconds; the last run's output stays in $tmp/out. Returns 1 if any run failed.
best_of() {
    best_ns=
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        rm -f "$tmp/x.db" "$tmp/x.db-wal" "$tmp/x.db-shm"
        t0=$(now_ns)
        "$@" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; return 1; }
        t1=$(now_ns)
        dt=$((t1 - t0))
        if [ -z "$best_ns" ] || [ "$dt" -lt "$best_ns" ]; then best_ns=$dt; fi
        i=$((i + 1))
    done
    best_s=$(awk -v ns="$best_ns" 'BEGIN { printf "%.6f", ns / 1e9 }')
}

# ------------------------------------------------------------ the table

rate() { # rate TRIPLES SECONDS
    awk -v n="$1" -v s="$2" 'BEGIN { if (s == "" || s <= 0) print "n/a"; else printf "%.0f", n / s }'
}
ratio() { # ratio NOUS_SECONDS BASELINE_SECONDS
    awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}

row_fmt='%-19s %8s %8s %13s %13s %8s %11s %10s %11s\n'
rows="$tmp/rows"
notes="$tmp/notes"
: >"$rows"
: >"$notes"

# add_row NAME TRIPLES RAPPER_S PLAIN_S SCHEMA_S NOUS_S (a time is empty when not measured)
add_row() {
    printf "$row_fmt" "$1" "$2" "$(rate "$2" "$3")" "$(rate "$2" "$4")" "$(rate "$2" "$5")" \
        "$(rate "$2" "$6")" "$(ratio "$6" "$3")" "$(ratio "$6" "$4")" "$(ratio "$6" "$5")" >>"$rows"
}

# ------------------------------------------------------------ one dataset

# bench NAME FORMAT BASELINE_INPUT FILE...: FORMAT is a rapper input format, or tsv (no rapper
# baseline). BASELINE_INPUT is the N-Triples or TSV file the SQLite baselines read (the
# mapping to integers is not timed). Sets rapper_s, plain_s, schema_s for reuse by a caller.
bench() {
    name=$1 fmt=$2 base_in=$3
    shift 3
    echo "== $name ($# file(s), $fmt)" >&2

    rapper_s=
    if [ "$fmt" != tsv ] && [ "$have_rapper" = 1 ]; then
        if best_of rapper_all "$fmt" "$@"; then
            rapper_s=$best_s
            n=$(sed -n 's/.*Parsing returned \([0-9]*\) triples.*/\1/p' "$tmp/rapper.err" |
                awk '{ n += $1 } END { print n + 0 }')
            echo "   rapper -c: $n triples, $rapper_s s" >&2
        else
            echo "   rapper failed; no parse baseline for $name" >&2
        fi
    fi

    plain_s= schema_s=
    if "$BASELINE" --repeat "$REPEAT" "$tmp" "$base_in" >"$tmp/base.out"; then
        plain_s=$(sed -n 's/^sqlite-plain .*seconds=\([0-9.]*\).*/\1/p' "$tmp/base.out")
        schema_s=$(sed -n 's/^sqlite-nous-schema .*seconds=\([0-9.]*\).*/\1/p' "$tmp/base.out")
        sed 's/^/   /' "$tmp/base.out" >&2
    else
        echo "   sqlite_baseline failed on $base_in" >&2
    fi

    nous_load "$name" "$@"
}

# nous_load NAME FILE...: times nous loading FILE... into a fresh store and adds the row.
nous_load() {
    name=$1
    shift
    if ! best_of "$NOUS" --db "$tmp/x.db" load "$@"; then
        echo "   nous load failed on $name" >&2
        return
    fi
    n=$(sed -n 's/^loaded .*: \([0-9]*\) triples read.*/\1/p' "$tmp/out" |
        awk '{ n += $1 } END { print n + 0 }')
    self=$(sed -n 's/^loaded .* \([0-9.]*\) s (.*/\1/p' "$tmp/out" |
           awk '{ s += $1 } END { printf "%.3f", s }')
    echo "   nous: $n triples, $best_s s wall ($self s by its own clock)" >&2
    add_row "$name" "$n" "$rapper_s" "$plain_s" "$schema_s" "$best_s"
}

# ------------------------------------------------------------ the datasets

uname -a
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
    echo "nous at $rev"
fi
echo "$(nproc 2>/dev/null || echo '?') CPUs; rapper $(rapper --version 2>/dev/null || echo absent);" \
     "best of $REPEAT runs each; scratch files in $tmp"
echo

n_done=0
if [ -f "$SHARED/wn18rr/train.txt" ]; then
    bench wn18rr/train.txt tsv "$SHARED/wn18rr/train.txt" "$SHARED/wn18rr/train.txt"
    n_done=$((n_done + 1))
else
    echo "skipping wn18rr: $SHARED/wn18rr/train.txt is absent" >&2
fi

if [ -f "$SHARED/lubm/lubm1.nt" ]; then
    bench lubm1.nt ntriples "$SHARED/lubm/lubm1.nt" "$SHARED/lubm/lubm1.nt"
    n_done=$((n_done + 1))
else
    echo "skipping lubm1.nt: $SHARED/lubm/lubm1.nt is absent" >&2
fi

if [ -f "$SHARED/lubm/University0/University0_0.owl" ]; then
    # The baselines read the same triples, converted to N-Triples by rapper (untimed).
    : >"$tmp/univ0.nt"
    for f in "$SHARED"/lubm/University0/*.owl; do
        rapper -q -i rdfxml -o ntriples "$f" >>"$tmp/univ0.nt"
    done
    bench "University0/*.owl" rdfxml "$tmp/univ0.nt" "$SHARED"/lubm/University0/*.owl
    rm -f "$tmp/univ0.nt"
    n_done=$((n_done + 1))
else
    echo "skipping LUBM RDF/XML: $SHARED/lubm/University0 is absent" >&2
fi

if [ -f "$SHARED/lubm/lubm10.nt.gz" ]; then
    # rapper and the baselines read a decompressed copy; nous reads both.
    gzip -dc "$SHARED/lubm/lubm10.nt.gz" >"$tmp/lubm10.nt"
    bench lubm10.nt ntriples "$tmp/lubm10.nt" "$tmp/lubm10.nt"
    nous_load lubm10.nt.gz "$SHARED/lubm/lubm10.nt.gz"
    echo "lubm10.nt.gz: rapper and SQLite figures are those of the decompressed lubm10.nt" >>"$notes"
    rm -f "$tmp/lubm10.nt"
    n_done=$((n_done + 1))
else
    echo "skipping lubm10: $SHARED/lubm/lubm10.nt.gz is absent" >&2
fi

if [ "$n_done" = 0 ]; then
    echo "no data in $SHARED; using the small copies under datasets/ (figures are noisy)" >&2
    [ -f datasets/umls/train.txt ] &&
        bench umls/train.txt tsv datasets/umls/train.txt datasets/umls/train.txt
    for f in datasets/ontologies/*.nt; do
        [ -f "$f" ] && bench "${f#datasets/}" ntriples "$f" "$f"
    done
    for f in datasets/ontologies/*.owl; do
        [ -f "$f" ] || continue
        rapper -q -i rdfxml -o ntriples "$f" >"$tmp/owl.nt" && bench "${f#datasets/}" rdfxml "$tmp/owl.nt" "$f"
    done
fi

echo
echo "load throughput, triples/s (higher is better); ratios are nous time / baseline time"
printf "$row_fmt" dataset triples rapper sqlite-plain sqlite-schema nous \
    nous/rapper nous/plain nous/schema
cat "$rows"
echo
echo "rapper: raptor2 parse only (rapper -c, no serializer), n/a for TSV."
echo "sqlite-plain: integer triples into a rowid table, no index; sqlite-schema: into nous's"
echo "quads table (WITHOUT ROWID, PRIMARY KEY spog + pos, osp, gspo WHERE g != 0). Both: one"
echo "transaction, one prepared statement, nous's pragmas; the term mapping is not timed."
echo "nous: wall time of the whole command (start, parse, dictionary, inserts, commit, close)."
cat "$notes"
