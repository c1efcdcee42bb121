#!/bin/sh
# tests/cli/run.sh: nous as a user drives it: load, stats, match, export, stdin, the shell
# in script mode, store selection and the errors a user sees; `nous query` and its output
# formats (tests/cli/query.sh), the shell, scripted and on a terminal (tests/cli/shell.sh),
# the embedding commands (tests/cli/embed.sh), rule mining (mine.sh), fusion (fusion.sh),
# semantic search (search.sh), the embedding plot (plot.sh) and reasoning's limits (limits.sh).
# Each case runs in a fresh temporary directory; run from the repository root with
# NOUS=path/to/nous (default ./nous). Prints "ok - NAME" or "not ok - NAME" per case, then
# "N passed, N failed".
set -u

ROOT=$(pwd)
NOUS=${NOUS:-./nous}
case $NOUS in /*) ;; *) NOUS=$ROOT/$NOUS ;; esac
if [ ! -x "$NOUS" ]; then
    echo "tests/cli/run.sh: no executable $NOUS (run make first)" >&2
    exit 2
fi
n_pass=0
n_fail=0
n_skip=0
# Under AddressSanitizer, ignore raptor2's own leaks (and only those); see the file. make
# test sets the same; this is for running the script by hand.
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0}
export LSAN_OPTIONS ASAN_OPTIONS

# ------------------------------------------------------------ helpers

# Reports why a case failed (shown under "not ok"); always returns 1.
fail() {
    printf '%s\n' "$*" >&2
    return 1
}

# Runs nous with stdout in ./out and stderr in ./err; sets $rc. Never fails itself.
nous() {
    "$NOUS" "$@" >out 2>err
    rc=$?
    return 0
}

expect_rc() {
    [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1; stderr: $(cat err)"
}

# A failure, but not a crash or a sanitizer's abort (those exit with 128 + a signal).
expect_nonzero() {
    [ "$rc" -ne 0 ] || fail "exit status 0, expected a failure; stdout: $(cat out)"
    [ "$rc" -lt 128 ] || fail "exit status $rc (a crash?); stderr: $(cat err)"
}

# expect_grep FILE REGEX: the file has a line matching the extended regex.
expect_grep() {
    grep -Eq -- "$2" "$1" || fail "no line matching /$2/ in $1: $(cat "$1")"
}

expect_no_grep() {
    if grep -Eq -- "$2" "$1"; then fail "unexpected /$2/ in $1: $(cat "$1")"; fi
}

# The store's statistics without the line naming the store, sorted (predicates with equal
# counts come in id order, which differs between stores).
stats_of() {
    "$NOUS" --db "$1" stats | grep -v '^store ' | sort
}

good_ttl() {
    cat >good.ttl <<'EOF'
@prefix ex: <http://example.org/> .
ex:alice a ex:Person ;
    ex:name "Alice"@en ;
    ex:knows ex:bob .
ex:bob a ex:Person .
EOF
}

# A Turtle file whose line 4 is wrong (no column: raptor2's Turtle reader gives none).
bad_ttl() {
    cat >bad.ttl <<'EOF'
@prefix ex: <http://example.org/> .
ex:carol a ex:Person .
ex:dave ex:knows ex:carol ;
    ex:name "Dave" ex:oops .
ex:erin a ex:Person .
EOF
}

# An N-Triples file whose line 2 has a bad language tag, at column 30.
bad_nt() {
    cat >bad.nt <<'EOF'
<http://a.example/x> <http://a.example/y> "ok" .
<http://a/s> <http://a/p> "x"@1bad .
EOF
}

# A case returns 77 to say it was skipped (data it needs is absent).
run_case() {
    name=$1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/nous-cli.XXXXXX") || exit 2
    (cd "$dir" && "$name") >"$dir/.log" 2>&1
    case_rc=$?
    if [ "$case_rc" -eq 77 ]; then
        echo "ok - $name # SKIP $(tail -n 1 "$dir/.log")"
        n_skip=$((n_skip + 1))
    elif [ "$case_rc" -eq 0 ]; then
        echo "ok - $name"
        n_pass=$((n_pass + 1))
    else
        echo "not ok - $name"
        sed 's/^/#   /' "$dir/.log"
        n_fail=$((n_fail + 1))
    fi
    rm -rf "$dir"
}

# ------------------------------------------------------------ load

load_of_a_good_turtle_file_prints_the_counts() {
    good_ttl
    nous load good.ttl
    expect_rc 0 || return 1
    expect_grep out '^loaded good\.ttl: 4 triples read, 4 new' || return 1
    nous stats
    expect_grep out '^quads +4 ' || return 1
}

load_of_a_bad_file_reports_file_line_col_and_keeps_the_store() {
    good_ttl
    bad_nt
    nous load good.ttl
    expect_rc 0 || return 1
    before=$(stats_of nous.db)
    nous load bad.nt
    expect_nonzero || return 1
    expect_grep err '^bad\.nt:2:30: error: .' || return 1
    expect_grep err 'not loaded: bad\.nt' || return 1
    expect_no_grep out '^loaded bad\.nt' || return 1
    after=$(stats_of nous.db)
    [ "$before" = "$after" ] || fail "stats changed: before
$before
after
$after"
}

load_of_bad_turtle_reports_its_line_and_keeps_the_store() {
    good_ttl
    bad_ttl
    nous load good.ttl
    before=$(stats_of nous.db)
    nous load bad.ttl
    expect_rc 1 || return 1
    expect_grep err '^bad\.ttl:4:([0-9]+:)? error: .' || return 1
    after=$(stats_of nous.db)
    [ "$before" = "$after" ] || fail "stats changed: before
$before
after
$after"
    # Nothing of it is there, not even the triples before the bad line.
    nous match '<http://example.org/carol>' '?' '?'
    expect_rc 0 || return 1
    [ ! -s out ] || fail "carol was kept: $(cat out)"
}

load_of_two_files_keeps_the_good_one_and_names_the_bad_one() {
    good_ttl
    bad_nt
    nous load good.ttl bad.nt
    expect_rc 1 || return 1
    expect_grep out '^loaded good\.ttl: 4 triples read' || return 1
    expect_grep out '1 of 2 files loaded' || return 1
    expect_grep err '^bad\.nt:2:30: error: ' || return 1
    expect_grep err 'not loaded:.* bad\.nt' || return 1
    expect_no_grep err 'not loaded:.* good\.ttl' || return 1
    nous stats
    expect_grep out '^quads +4 ' || return 1
}

load_of_a_missing_file_names_it() {
    nous load nowhere.ttl
    expect_rc 1 || return 1
    expect_grep err '^nowhere\.ttl: error: ' || return 1
}

load_of_tsv_from_standard_input() {
    printf 'alice\tknows\tbob\nbob\tknows\tcarol\n' | "$NOUS" load --format tsv - >out 2>err
    rc=$?
    expect_rc 0 || return 1
    expect_grep out '2 triples read, 2 new' || return 1
    nous export
    expect_grep out '^<http://nous\.local/kg/alice> <http://nous\.local/kg/knows> <http://nous\.local/kg/bob> \.$' || return 1
}

load_of_standard_input_needs_a_format() {
    printf 'a\tb\tc\n' | "$NOUS" load - >out 2>err
    rc=$?
    expect_nonzero || return 1
    expect_grep err 'format' || return 1
}

load_of_a_tsv_dataset_from_the_repo() {
    nous load --format tsv "$ROOT/datasets/umls/train.txt"
    expect_rc 0 || return 1
    n=$(grep -c . "$ROOT/datasets/umls/train.txt")
    expect_grep out "$n triples read" || return 1
    nous stats
    expect_grep out "^quads +$n " || return 1
}

# The benchmark data in ../shared (absent from a user's clone: then skipped) loads with the
# counts its SOURCE.md gives.
benchmark_data_loads_with_the_published_counts() {
    data=$ROOT/../shared/datasets
    if [ ! -f "$data/lubm/lubm1.nt" ] || [ ! -f "$data/wn18rr/train.txt" ]; then
        echo "../shared/datasets is absent"
        return 77
    fi
    nous --db lubm.db load "$data/lubm/lubm1.nt"
    expect_rc 0 || return 1
    expect_grep out "100573 triples read, 100573 new" || return 1
    nous --db wn.db load "$data/wn18rr/train.txt"
    expect_rc 0 || return 1
    expect_grep out "86835 triples read, 86835 new" || return 1
    nous --db wn.db stats
    # 40559 entities and 11 relations in the train split.
    expect_grep out "^terms +40570$" || return 1
    expect_grep out "^predicates +11$" || return 1
}

load_of_an_unknown_format_is_a_usage_error() {
    good_ttl
    nous load --format jpeg good.ttl
    expect_rc 2 || return 1
    expect_grep err "unknown format 'jpeg'" || return 1
}

load_of_a_gzip_file() {
    good_ttl
    gzip -c good.ttl >good.ttl.gz
    nous load good.ttl.gz
    expect_rc 0 || return 1
    expect_grep out '^loaded good\.ttl\.gz: 4 triples read, 4 new' || return 1
}

load_of_the_same_file_twice_adds_nothing_new() {
    good_ttl
    nous load good.ttl
    nous load good.ttl
    expect_rc 0 || return 1
    expect_grep out '^loaded good\.ttl: 4 triples read, 0 new' || return 1
    nous stats
    expect_grep out '^quads +4 ' || return 1
}

# ------------------------------------------------------------ which store

db_option_picks_the_store() {
    good_ttl
    nous --db mine.db load good.ttl
    expect_rc 0 || return 1
    [ -f mine.db ] || fail "no mine.db"
    [ ! -e nous.db ] || fail "nous.db was created too"
    nous --db=mine.db stats
    expect_grep out '^store +mine\.db$' || return 1
    expect_grep out '^quads +4 ' || return 1
}

nous_db_variable_picks_the_store() {
    good_ttl
    NOUS_DB=env.db "$NOUS" load good.ttl >out 2>err
    rc=$?
    expect_rc 0 || return 1
    [ -f env.db ] || fail "no env.db"
    [ ! -e nous.db ] || fail "nous.db was created too"
    # --db wins over NOUS_DB.
    NOUS_DB=env.db "$NOUS" --db other.db stats >out 2>err
    expect_grep out '^store +other\.db$' || return 1
    expect_grep out '^quads +0 ' || return 1
}

default_store_is_nous_db_here() {
    good_ttl
    nous load good.ttl
    expect_rc 0 || return 1
    [ -f nous.db ] || fail "no ./nous.db"
    nous stats
    expect_grep out '^store +nous\.db$' || return 1
}

# ------------------------------------------------------------ match and export

match_rdf_type_lists_the_typed_things() {
    good_ttl
    nous load good.ttl
    nous match '?' rdf:type '?'
    expect_rc 0 || return 1
    sort out >sorted
    printf 'ex:alice rdf:type ex:Person .\nex:bob rdf:type ex:Person .\n' >want
    cmp -s sorted want || fail "match printed: $(cat out)"
    nous match '?' a ex:Person
    sort out >sorted
    cmp -s sorted want || fail "match with a printed: $(cat out)"
    nous match ex:alice ex:name '"Alice"@en'
    expect_grep out '^ex:alice ex:name "Alice"@en \.$' || return 1
}

match_of_a_term_not_in_the_store_prints_nothing() {
    good_ttl
    nous load good.ttl
    nous match ex:nobody '?' '?'
    expect_rc 0 || return 1
    [ ! -s out ] || fail "printed: $(cat out)"
}

match_with_an_unknown_prefix_is_an_error() {
    good_ttl
    nous load good.ttl
    nous match nope:x '?' '?'
    expect_nonzero || return 1
    expect_grep err "nope" || return 1
}

export_then_load_gives_the_same_stats() {
    for fmt in nt ttl nq; do
        rm -f a.db b.db out.$fmt
        nous --db a.db load "$ROOT/datasets/ontologies/foaf.nt" "$ROOT/datasets/ontologies/skos.nt"
        expect_rc 0 || return 1
        nous --db a.db export --format $fmt -o out.$fmt
        expect_rc 0 || return 1
        nous --db b.db load out.$fmt
        expect_rc 0 || return 1
        a=$(stats_of a.db)
        b=$(stats_of b.db)
        [ "$a" = "$b" ] || fail "$fmt: stats differ: original
$a
reloaded
$b"
    done
}

export_to_standard_output_is_ntriples() {
    good_ttl
    nous load good.ttl
    nous export
    expect_rc 0 || return 1
    expect_grep out '^<http://example\.org/alice> <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> <http://example\.org/Person> \.$' || return 1
    [ "$(wc -l <out)" -eq 4 ] || fail "$(wc -l <out) lines, expected 4"
}

export_to_an_unwritable_file_fails() {
    good_ttl
    nous load good.ttl
    nous export -o no/such/dir/out.nt
    expect_rc 1 || return 1
    expect_grep err '^no/such/dir/out\.nt: error: ' || return 1
}

# ------------------------------------------------------------ usage errors

unknown_command_is_a_usage_error() {
    nous frobnicate
    expect_rc 2 || return 1
    expect_grep err "unknown command 'frobnicate'" || return 1
    [ ! -e nous.db ] || fail "an unknown command created nous.db"
}

unknown_option_is_a_usage_error() {
    nous --frob stats
    expect_rc 2 || return 1
    expect_grep err "unknown option '--frob'" || return 1
}

help_and_version_exit_zero() {
    nous --help
    expect_rc 0 || return 1
    expect_grep out 'load' || return 1
    nous --version
    expect_rc 0 || return 1
    expect_grep out '^nous ' || return 1
    nous help load
    expect_rc 0 || return 1
    expect_grep out '^usage: nous load ' || return 1
}

extra_arguments_are_a_usage_error() {
    nous stats extra
    expect_rc 2 || return 1
    expect_grep err '^usage: nous stats' || return 1
    nous --db
    expect_rc 2 || return 1
}

# ------------------------------------------------------------ the shell as a script

shell_runs_a_script_from_standard_input() {
    good_ttl
    printf '.load good.ttl\n.stats\n' | "$NOUS" --db d.db >out 2>err
    rc=$?
    expect_rc 0 || return 1
    expect_grep out '^loaded good\.ttl: 4 triples read' || return 1
    expect_grep out '^quads +4 ' || return 1
    expect_no_grep out 'nous>' || return 1
}

shell_script_with_keep_going_goes_on_after_a_failure_and_exits_nonzero() {
    good_ttl
    bad_nt
    printf '.load bad.nt\nload good.ttl\n.match ? rdf:type ex:Person\n' |
        "$NOUS" --db d.db --keep-going >out 2>err
    rc=$?
    expect_nonzero || return 1
    expect_grep err '^bad\.nt:2:30: error: ' || return 1
    expect_grep out '^loaded good\.ttl' || return 1
    expect_grep out '^ex:alice rdf:type ex:Person \.$' || return 1
}

shell_quit_stops_the_script() {
    good_ttl
    printf '.quit\n.load good.ttl\n' | "$NOUS" --db d.db >out 2>err
    rc=$?
    expect_rc 0 || return 1
    expect_no_grep out 'loaded' || return 1
}

shell_reads_a_last_line_without_newline() {
    good_ttl
    printf '.load good.ttl' | "$NOUS" --db d.db >out 2>err
    rc=$?
    expect_rc 0 || return 1
    expect_grep out '^loaded good\.ttl' || return 1
}

shell_reports_an_unknown_command_and_stops() {
    printf '.frobnicate\n.stats\n' | "$NOUS" --db d.db >out 2>err
    rc=$?
    expect_rc 2 || return 1
    expect_grep err "unknown command 'frobnicate'" || return 1
    expect_no_grep out '^quads' || return 1
}

# ------------------------------------------------------------ stores nous must refuse

incompatible_store_gives_a_clear_error() {
    sqlite3 old.db "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO meta VALUES('schema_version', 999);" || fail "sqlite3 failed"
    nous --db old.db stats
    expect_nonzero || return 1
    expect_grep err 'old\.db' || return 1
    expect_grep err 'version 999' || return 1
    [ ! -s out ] || fail "printed stats of a refused store: $(cat out)"
}

a_file_that_is_not_a_store_is_refused_and_kept() {
    good_ttl
    cp good.ttl notes.db
    nous --db notes.db stats
    expect_nonzero || return 1
    expect_grep err 'notes\.db' || return 1
    cmp -s good.ttl notes.db || fail "nous changed notes.db"
}

# ------------------------------------------------------------ query and the shell

. "$ROOT/tests/cli/query.sh"
. "$ROOT/tests/cli/shell.sh"
. "$ROOT/tests/cli/embed.sh"
. "$ROOT/tests/cli/mine.sh"
. "$ROOT/tests/cli/fusion.sh"
. "$ROOT/tests/cli/search.sh"
. "$ROOT/tests/cli/update.sh"
. "$ROOT/tests/cli/plot.sh"
. "$ROOT/tests/cli/limits.sh"

# ------------------------------------------------------------ run them all

heavy=
[ -n "${CLI_LIGHT:-}" ] && heavy=$(echo $EMBED_CASES $MINE_CASES $FUSION_CASES $SEARCH_CASES $PLOT_CASES)
for c in \
    load_of_a_good_turtle_file_prints_the_counts \
    load_of_a_bad_file_reports_file_line_col_and_keeps_the_store \
    load_of_bad_turtle_reports_its_line_and_keeps_the_store \
    load_of_two_files_keeps_the_good_one_and_names_the_bad_one \
    load_of_a_missing_file_names_it \
    load_of_tsv_from_standard_input \
    load_of_standard_input_needs_a_format \
    load_of_a_tsv_dataset_from_the_repo \
    benchmark_data_loads_with_the_published_counts \
    load_of_an_unknown_format_is_a_usage_error \
    load_of_a_gzip_file \
    load_of_the_same_file_twice_adds_nothing_new \
    db_option_picks_the_store \
    nous_db_variable_picks_the_store \
    default_store_is_nous_db_here \
    match_rdf_type_lists_the_typed_things \
    match_of_a_term_not_in_the_store_prints_nothing \
    match_with_an_unknown_prefix_is_an_error \
    export_then_load_gives_the_same_stats \
    export_to_standard_output_is_ntriples \
    export_to_an_unwritable_file_fails \
    unknown_command_is_a_usage_error \
    unknown_option_is_a_usage_error \
    help_and_version_exit_zero \
    extra_arguments_are_a_usage_error \
    shell_runs_a_script_from_standard_input \
    shell_script_with_keep_going_goes_on_after_a_failure_and_exits_nonzero \
    shell_quit_stops_the_script \
    shell_reads_a_last_line_without_newline \
    shell_reports_an_unknown_command_and_stops \
    incompatible_store_gives_a_clear_error \
    a_file_that_is_not_a_store_is_refused_and_kept \
    $QUERY_CASES $SHELL_CASES $EMBED_CASES $MINE_CASES $FUSION_CASES $SEARCH_CASES $PLOT_CASES $UPDATE_CASES $LIMITS_CASES; do
    # CLI_LIGHT=1 (tests/valgrind/run.sh) leaves out the cases that train embeddings or mine
    # rules (hours under valgrind; the unit tests run that code there)
    case " $heavy " in *" $c "*) continue ;; esac
    # CLI_ONLY="case ..." runs only the cases named
    [ -n "${CLI_ONLY:-}" ] && case " $CLI_ONLY " in *" $c "*) ;; *) continue ;; esac
    run_case "$c"
done

if [ "$n_skip" -gt 0 ]; then
    echo "$n_pass passed, $n_fail failed, $n_skip skipped"
else
    echo "$n_pass passed, $n_fail failed"
fi
[ "$n_fail" -eq 0 ]
