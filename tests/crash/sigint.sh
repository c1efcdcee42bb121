#!/bin/sh
# tests/crash/sigint.sh: Ctrl-C (SIGINT) at a random moment during each long command: load,
# reason, train, mine, the evaluations (kgc, eval-search), and add, retract, unload and load
# on a store reasoned over (incremental updates). Each must exit 0 having finished (the store
# as after a whole run) or exit 130 saying it was interrupted, the store exactly as before;
# never anything in between, and the store always passes PRAGMA integrity_check. Run from the
# repository root: NOUS=./nous SIGINTS=6 SEED=N sh tests/crash/sigint.sh
set -u

ROOT=$(pwd)
NOUS=${NOUS:-./nous}
case $NOUS in /*) ;; *) NOUS=$ROOT/$NOUS ;; esac
[ -x "$NOUS" ] || { echo "tests/crash/sigint.sh: no executable $NOUS (run make first)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "tests/crash/sigint.sh: needs the sqlite3 shell" >&2; exit 2; }
SIGINTS=${SIGINTS:-6}
SEED=${SEED:-$(date +%s)}
echo "# sigint.sh: $SIGINTS SIGINTs per command, SEED=$SEED"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nous-sigint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
. "$ROOT/tests/crash/lib.sh"
n_fail=0
UMLS=$ROOT/datasets/umls

# A rule file that mining left behind is whole: nous reads it (on a store of its own).
check_rule_file() {
    [ -e "$WORK/rules.dl" ] || return 0
    rm -f "$WORK/rules.db"*
    "$NOUS" --db "$WORK/rules.db" reason --rules "$WORK/rules.dl" >"$WORK/rules.out" 2>&1 ||
        fail "the rule file is not whole: $(cat "$WORK/rules.out")"
    st=$?
    rm -f "$WORK/rules.dl"
    return $st
}

# A plain store: load, reason
gen_nt 2000 a >"$WORK/base.nt"
gen_nt 60000 b >"$WORK/big.nt"
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load "$WORK/base.nt" >/dev/null || exit 2
signal_runs INT "$SIGINTS" load load big.nt
gen_nt 12000 c >"$WORK/reason.nt"
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load "$WORK/reason.nt" >/dev/null || exit 2
signal_runs INT "$SIGINTS" reason reason --profile owl-rl

# The same store reasoned over: every change is an incremental update
"$NOUS" --db "$WORK/base.db" reason --profile owl-rl >/dev/null || exit 2
awk 'BEGIN { for (i = 0; i < 2000; i++)
    printf "<http://ex.org/z%d> <http://ex.org/p%d> <http://ex.org/ce%d> .\n", i, i % 7, i }' >"$WORK/more.nt"
head -n 3000 "$WORK/reason.nt" >"$WORK/part.nt"
signal_runs INT "$SIGINTS" add add '<http://ex.org/C0>' rdfs:subClassOf '<http://ex.org/Top>'
signal_runs INT "$SIGINTS" retract retract '<http://ex.org/C1>' rdfs:subClassOf '<http://ex.org/C0>'
signal_runs INT "$SIGINTS" unload unload part.nt
signal_runs INT "$SIGINTS" load-reasoned load more.nt

# Embeddings and rules on UMLS: train writes the store; mine, kgc and eval-search only read
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load --format tsv "$UMLS/train.txt" >/dev/null || exit 2
"$NOUS" --db "$WORK/base.db" train --model transe --dim 16 --epochs 5 --seed 1 --threads 1 \
    >/dev/null 2>&1 || exit 2
signal_runs INT "$SIGINTS" train train --model transe --dim 32 --epochs 40 --seed 2 --threads 1
READ_ONLY=1 CHECK_AFTER=check_rule_file \
    signal_runs INT "$SIGINTS" mine mine --time 1 --seed 1 -o rules.dl
READ_ONLY=1 signal_runs INT "$SIGINTS" kgc kgc "$UMLS" --model transe --dim 32 --epochs 20 --seed 1
READ_ONLY=1 signal_runs INT "$SIGINTS" eval-search eval-search --model transe --relation kg:isa -k 10

[ "$n_fail" -eq 0 ] && echo "sigint.sh: all passed" || echo "sigint.sh: $n_fail failed"
[ "$n_fail" -eq 0 ]
