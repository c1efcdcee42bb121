#!/bin/sh
# tests/bench/lubm_query.sh: `make bench`, part two. The 14 LUBM queries on LUBM(1), timed with
# nous and with the baseline a user of this machine would otherwise pick, Redland (librdf):
#   nous     `nous --db STORE query -f qN.rq --format tsv`, the store loaded once (untimed);
#   redland  `rdfproc -s sqlite STORE query sparql - QUERY`, Redland's SQLite storage, also
#            loaded once (untimed), so both sides answer from a store on disk.
# Each figure is the median wall time of $REPEAT runs of the whole command (start, open, query,
# print, exit); a query that takes longer than $SLOW_S seconds on its first run is run once
# only, and one that exceeds $TIMEOUT_S seconds is stopped and shown as ">N s". Both sides must
# give the same number of answers (no reasoning, so most counts are 0; see
# ../shared/datasets/lubm/SOURCE.md). LUBM10=1 also runs LUBM(10) from lubm10.nt.gz (Redland's
# load of it takes tens of minutes). Missing Debian packages (redland-utils,
# librdf-storage-sqlite) are installed as root or with sudo. POSIX sh; needs `date +%N`.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
REPEAT=${REPEAT:-5}
SLOW_S=${SLOW_S:-10}
TIMEOUT_S=${TIMEOUT_S:-60}
LUBM=${BENCH_DATA:-../shared/datasets}/lubm

if [ ! -f "$LUBM/lubm1.nt" ] || [ ! -d "$LUBM/queries" ]; then
    echo "lubm_query.sh: skipping: $LUBM/lubm1.nt or $LUBM/queries is absent" >&2
    exit 0
fi
case $(date +%N) in
*N* | '') echo "lubm_query.sh: needs a date(1) that knows +%N (GNU coreutils)" >&2; exit 1 ;;
esac
now_ns() { date +%s%N; }

# ------------------------------------------------------------ the baseline's packages

have_redland() {
    command -v rdfproc >/dev/null 2>&1 && dpkg -s librdf-storage-sqlite >/dev/null 2>&1
}
if ! have_redland; then
    echo "lubm_query.sh: installing Debian packages redland-utils librdf-storage-sqlite" >&2
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            redland-utils librdf-storage-sqlite >&2
fi
if ! have_redland; then
    echo "lubm_query.sh: no Redland (rdfproc with SQLite storage); nous figures only" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-lubmq.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

# ------------------------------------------------------------ timing

# time_cmd OUT CMD...: runs CMD (stdout+stderr to OUT) $REPEAT times or fewer, sets med_s to
# the median wall time in seconds, or to ">TIMEOUT" when a run was stopped. Returns 1 when the
# command failed. sh has no local variables: it sets out, run, t0, t1 and rc.
time_cmd() {
    out=$1
    shift
    : >"$tmp/times"
    run=0
    while [ "$run" -lt "$REPEAT" ]; do
        t0=$(now_ns)
        timeout "$TIMEOUT_S" "$@" >"$out" 2>&1
        rc=$?
        t1=$(now_ns)
        if [ "$rc" = 124 ]; then
            med_s=">$TIMEOUT_S"
            return 0
        fi
        [ "$rc" = 0 ] || return 1
        echo $((t1 - t0)) >>"$tmp/times"
        run=$((run + 1))
        # A slow query is timed once: the median of one run is that run.
        [ $(((t1 - t0) / 1000000000)) -ge "$SLOW_S" ] && break
    done
    med_s=$(sort -n "$tmp/times" | awk '{ t[NR] = $1 } END {
        m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.6f", m / 1e9 }')
}

ms() { # ms SECONDS: milliseconds, or the ">N s" marker as it is
    case $1 in
    \>*) echo "$1 s" ;;
    '') echo "n/a" ;;
    *) awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }' ;;
    esac
}
net() { # net SECONDS START_SECONDS: milliseconds of query work (never below 0.1)
    case "$1" in \>* | '') echo "n/a"; return ;; esac
    awk -v s="$1" -v z="$2" 'BEGIN { d = (s - z) * 1000; if (d < 0.1) d = 0.1; printf "%.1f", d }'
}
# in_process QUERY: milliseconds nous spends on the query itself, start-up excluded: the
# median of $REPEAT runs inside one shell process (`.timer on`, after one warm-up run), the
# rows written to /dev/null.
in_process() {
    : >"$tmp/script"
    echo ".timer on" >>"$tmp/script"
    k=0
    while [ "$k" -le "$REPEAT" ]; do
        echo ".query -f $1 --format tsv" >>"$tmp/script"
        k=$((k + 1))
    done
    "$NOUS" --db "$tmp/nous.db" <"$tmp/script" 2>&1 >/dev/null |
        sed -n 's/^Run time: \([0-9.]*\) s$/\1/p' | tail -n +2 | sort -n |
        awk '{ t[NR] = $1 } END { if (!NR) { print "n/a"; exit }
              m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f", m * 1000 }'
}
ratio() { # ratio NOUS_S BASE_S
    case "$1$2" in *\>* | '') echo "n/a"; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}

# ------------------------------------------------------------ one dataset

# bench NAME FILE: loads FILE into both stores, then times the 14 queries.
bench() {
    name=$1 file=$2
    echo "== $name" >&2
    rm -f "$tmp/nous.db" "$tmp/nous.db-wal" "$tmp/nous.db-shm"
    t0=$(now_ns)
    if ! "$NOUS" --db "$tmp/nous.db" load "$file" >"$tmp/out" 2>&1; then
        cat "$tmp/out" >&2
        echo "   nous load failed" >&2
        return 1
    fi
    t1=$(now_ns)
    echo "   nous load: $(ms "$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')") ms" >&2
    redland=0
    if have_redland; then
        rm -f "$tmp/redland"*
        t0=$(now_ns)
        # synchronous='off': the load is not what is measured, so skip its fsyncs.
        if rdfproc -q -s sqlite -t "new='yes',synchronous='off'" "$tmp/redland" parse \
            "$file" ntriples >"$tmp/out" 2>&1; then
            redland=1
            t1=$(now_ns)
            echo "   redland load (rdfproc parse, SQLite storage):" \
                 "$(ms "$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')") ms" >&2
        else
            cat "$tmp/out" >&2
            echo "   redland load failed; nous figures only" >&2
        fi
    fi

    printf '\n%s: median wall time of %s runs (one run past %s s), milliseconds\n' \
        "$name" "$REPEAT" "$SLOW_S"
    row='%-5s %10s %12s %9s %10s %9s %9s %9s %9s %9s  %s\n'
    printf "$row" query "nous rows" "redland rows" "nous ms" "redland ms" ratio "nous net" "red. net" \
        "nous in" "in/net" ""
    # What a command costs before any query work: start the process, open the store, answer
    # an empty ASK. The "net" columns subtract it: the time the query itself took.
    nous0=0 red0=0
    time_cmd "$tmp/nous.out" "$NOUS" --db "$tmp/nous.db" query 'ASK {}' --format tsv && nous0=$med_s
    if [ "$redland" = 1 ]; then
        time_cmd "$tmp/red.out" rdfproc -s sqlite "$tmp/redland" query sparql - 'ASK {}' && red0=$med_s
    fi
    printf "$row" "ASK{}" "" "" "$(ms "$nous0")" "$(ms "$red0")" "$(ratio "$nous0" "$red0")" "" "" \
        "" "" "(start, open, empty query)"
    n_disagree=0 n_compared=0
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
        q=$LUBM/queries/q$i.rq
        nous_n= nous_s= red_n= red_s= note=
        if time_cmd "$tmp/nous.out" "$NOUS" --db "$tmp/nous.db" query -f "$q" --format tsv; then
            nous_s=$med_s
            case $nous_s in
            \>*) ;;
            *) nous_n=$(awk 'NR > 1' "$tmp/nous.out" | wc -l | tr -d ' ') ;;
            esac
        else
            note="nous failed: $(head -c 200 "$tmp/nous.out")"
        fi
        if [ "$redland" = 1 ]; then
            if time_cmd "$tmp/red.out" rdfproc -s sqlite "$tmp/redland" query sparql - \
                "$(cat "$q")"; then
                red_s=$med_s
                red_n=$(sed -n 's/.*Query returned \([0-9]*\) results.*/\1/p' "$tmp/red.out" |
                        tail -n 1)
            else
                note="$note redland failed: $(head -c 200 "$tmp/red.out")"
            fi
        fi
        if [ -n "$nous_n" ] && [ -n "$red_n" ]; then
            n_compared=$((n_compared + 1))
            if [ "$nous_n" != "$red_n" ]; then
                note="$note ANSWERS DIFFER"
                n_disagree=$((n_disagree + 1))
            fi
        fi
        nous_in=$(in_process "$q")
        red_net=$(net "$red_s" "$red0")
        printf "$row" "q$i" "${nous_n:-n/a}" "${red_n:-n/a}" "$(ms "$nous_s")" "$(ms "$red_s")" \
            "$(ratio "$nous_s" "$red_s")" "$(net "$nous_s" "$nous0")" "$red_net" "$nous_in" \
            "$(awk -v a="$nous_in" -v b="$red_net" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3fx", a / b; else print "n/a" }')" \
            "$note"
    done
    [ "$redland" = 1 ] &&
        echo "answers compared for $n_compared of 14 queries (the others timed out or failed):" \
             "$n_disagree differ."
    return 0
}

uname -a
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
    echo "nous at $rev"
fi
echo "$(nproc 2>/dev/null || echo '?') CPUs; $(rdfproc --version 2>/dev/null | sed 's/^/Redland rdfproc /' || echo 'no Redland')"

bench "LUBM(1) lubm1.nt" "$LUBM/lubm1.nt"
# The queries ask for what the ontology entails; over the asserted triples most find nothing.
# The reference OWL 2 RL closure shipped beside LUBM(1) gives every query its published
# answers (its triples with a literal subject, from owl:sameAs reflexivity, are left out).
CLOSURE=$LUBM/lubm1+univ-bench.owlrl-closure.nt.gz
if [ -f "$CLOSURE" ]; then
    gzip -dc "$CLOSURE" | grep -v '^"' >"$tmp/closure.nt"
    bench "LUBM(1) + reference OWL 2 RL closure" "$tmp/closure.nt"
fi
if [ "${LUBM10:-0}" = 1 ] && [ -f "$LUBM/lubm10.nt.gz" ]; then
    gzip -dc "$LUBM/lubm10.nt.gz" >"$tmp/lubm10.nt"
    bench "LUBM(10) lubm10.nt" "$tmp/lubm10.nt"
fi
echo
echo "ratio = nous time / Redland time (below 1: nous is faster). Both are whole commands: the"
echo "process start, opening the store and printing the rows count. Redland: rdfproc with its"
echo "SQLite storage (librdf 1.0.17), queried through rasqal; no reasoning on either side."
echo "nous net / red. net: each minus its own ASK{} time (process start and store open)."
echo "nous in: the query inside one running nous (.timer, median of $REPEAT); in/net: that over"
echo "Redland's net time: the cost of the query itself on each side, start-up excluded."
