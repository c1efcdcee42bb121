#!/bin/sh
# tests/crash/sigint.sh: Ctrl-C (SIGINT) at a random moment during each long command: load,
# reason, train, mine, the link prediction evaluation (kgc), and add, retract, unload and load
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

# Ctrl-C during a load in the shell (through a terminal): the load rolls back, the shell goes
# on, and its next write lands whole on the store as it was (or, when the load had finished
# already, after it).
shell_ctrl_c() {
    fresh_copy "$WORK/base.db" "$WORK/sh.db"
    c_before=$("$NOUS" --db "$WORK/sh.db" export --format nq | wc -l)
    gen_nt 200000 d >"$WORK/huge.nt"
    c_big=$(wc -l <"$WORK/huge.nt")
    # Ctrl-C once the load shows its progress (every 100000 triples, on a terminal)
    (cd "$WORK" && printf '%s\n' 'expect nous> ' 'type .load huge.nt\n' 'expect huge.nt: 1' \
        'send \x03' 'expect (interrupted|loaded huge).*nous> ' \
        'type .add <http://ex.org/after> <http://ex.org/ctrl> <http://ex.org/c>\n' \
        'expect added.*nous> ' 'type .quit\n' 'eof' |
        python3 "$ROOT/tests/cli/pty_session.py" screen "$NOUS" --db sh.db shell >pty.out 2>&1) ||
        fail "the shell session failed: $(cat "$WORK/pty.out"; cat "$WORK/screen")" || return 1
    integrity "$WORK/sh.db" || return 1
    c=$("$NOUS" --db "$WORK/sh.db" export --format nq | wc -l)
    if grep -q interrupted "$WORK/screen"; then
        [ "$c" -eq $((c_before + 1)) ] || fail "after Ctrl-C and one add: $c triples, not $((c_before + 1))"
    else
        [ "$c" -eq $((c_before + c_big + 1)) ] || fail "after the load and one add: $c triples, not $((c_before + c_big + 1))"
    fi
}
if command -v python3 >/dev/null; then
    if shell_ctrl_c; then
        echo "ok - shell: Ctrl-C during .load rolls back and the shell goes on" \
             "($(grep -q interrupted "$WORK/screen" && echo interrupted || echo finished first))"
    else
        echo "not ok - shell: Ctrl-C during .load"
        n_fail=$((n_fail + 1))
    fi
fi

# The same store reasoned over: every change is an incremental update
"$NOUS" --db "$WORK/base.db" reason --profile owl-rl >/dev/null || exit 2
awk 'BEGIN { for (i = 0; i < 2000; i++)
    printf "<http://ex.org/z%d> <http://ex.org/p%d> <http://ex.org/ce%d> .\n", i, i % 7, i }' >"$WORK/more.nt"
head -n 3000 "$WORK/reason.nt" >"$WORK/part.nt"
signal_runs INT "$SIGINTS" add add '<http://ex.org/C0>' rdfs:subClassOf '<http://ex.org/Top>'
signal_runs INT "$SIGINTS" retract retract '<http://ex.org/C1>' rdfs:subClassOf '<http://ex.org/C0>'
signal_runs INT "$SIGINTS" unload unload part.nt
signal_runs INT "$SIGINTS" load-reasoned load more.nt

# Embeddings and rules on UMLS: train writes the store; mine and kgc only read it
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load --format tsv "$UMLS/train.txt" >/dev/null || exit 2
"$NOUS" --db "$WORK/base.db" train --model transe --dim 16 --epochs 5 --seed 1 --threads 1 \
    >/dev/null 2>&1 || exit 2
signal_runs INT "$SIGINTS" train train --model transe --dim 32 --epochs 40 --seed 2 --threads 1
READ_ONLY=1 CHECK_AFTER=check_rule_file \
    signal_runs INT "$SIGINTS" mine mine --time 1 --seed 1 -o rules.dl
READ_ONLY=1 signal_runs INT "$SIGINTS" kgc kgc "$UMLS" --model transe --dim 32 --epochs 20 --seed 1

[ "$n_fail" -eq 0 ] && echo "sigint.sh: all passed" || echo "sigint.sh: $n_fail failed"
[ "$n_fail" -eq 0 ]
