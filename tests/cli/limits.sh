# tests/cli/limits.sh: reasoning's limits from the command line, sourced by run.sh (which has
# the helpers and runs the cases listed in LIMITS_CASES). Rules that make a new term in a
# recursion derive without end: `reason --max-derived N` and `--timeout SECONDS` stop them
# with an error naming the limit and the rule that derived the most, exit 1, and leave the
# store exactly as it was, both when reasoning from scratch and when a store reasoned before
# is updated incrementally. Bad limits are usage errors (exit 2).

endless_store() {
    cat >endless.dl <<'DL'
@prefix ex: <http://example.org/> .
# each step makes a new literal, one character longer: the chain never ends
[?y, ex:next, ?z] :- [?x, ex:next, ?y], BIND(CONCAT(STR(?y), "x") AS ?z) .
DL
    printf '<http://example.org/a> <http://example.org/next> <http://example.org/b> .\n' >seed.nt
    "$NOUS" load seed.nt >/dev/null 2>&1 || fail "seed.nt did not load" || return 1
}

# The store's quads and statistics, to compare before and after a failed command.
snapshot() {
    { "$NOUS" export --format nq | sort; stats_of nous.db; } >"$1" 2>&1
}

endless_rules_stop_at_max_derived_and_leave_the_store() {
    endless_store || return 1
    snapshot before
    nous reason --rules endless.dl --max-derived 200
    expect_rc 1 || return 1
    expect_grep err 'reasoning stopped at 200 new triples \(the --max-derived limit' || return 1
    expect_grep err 'the store is as it was\. Most came from endless\.dl:3: ' || return 1
    snapshot after
    cmp -s before after || fail "the store changed: $(diff before after)"
}

endless_rules_stop_at_the_timeout_and_leave_the_store() {
    endless_store || return 1
    snapshot before
    nous reason --rules endless.dl --timeout 0.5
    expect_rc 1 || return 1
    expect_grep err 'reasoning stopped after 0\.5 s \(the --timeout\): [0-9]+ new triples derived so far' || return 1
    snapshot after
    cmp -s before after || fail "the store changed: $(diff before after)"
}

limits_stop_an_incremental_reason_too() {
    endless_store || return 1
    "$NOUS" reason --profile rdfs >/dev/null 2>&1 || fail "reason --profile rdfs failed" || return 1
    snapshot before
    nous reason --rules endless.dl --max-derived 100
    expect_rc 1 || return 1
    expect_grep err 'the update stopped at 100 new triples \(the --max-derived limit' || return 1
    nous reason --rules endless.dl --timeout 0.3
    expect_rc 1 || return 1
    expect_grep err 'the update stopped after 0\.3 s \(the --timeout\)' || return 1
    snapshot after
    cmp -s before after || fail "the store changed: $(diff before after)"
    # the store still takes updates under its recorded rules
    nous add '<http://example.org/b>' '<http://example.org/next>' '<http://example.org/c>'
    expect_rc 0 || return 1
}

a_finite_program_within_its_limit_runs() {
    endless_store || return 1
    cat >chain.dl <<'DL'
@prefix ex: <http://example.org/> .
[?x, ex:reach, ?y] :- [?x, ex:next, ?y] .
[?x, ex:reach, ?z] :- [?x, ex:reach, ?y], [?y, ex:next, ?z] .
DL
    nous reason --rules chain.dl --max-derived 1 --timeout 60
    expect_rc 0 || return 1
    expect_grep out '1 derived' || return 1
}

bad_limits_are_usage_errors() {
    endless_store || return 1
    for bad in "--max-derived 0" "--max-derived -3" "--max-derived x" "--timeout 0" "--timeout -1" "--timeout 1s"; do
        # shellcheck disable=SC2086
        nous reason --rules endless.dl $bad
        expect_rc 2 || return 1
        expect_grep err "${bad%% *}" || return 1
    done
}

LIMITS_CASES="
endless_rules_stop_at_max_derived_and_leave_the_store
endless_rules_stop_at_the_timeout_and_leave_the_store
limits_stop_an_incremental_reason_too
a_finite_program_within_its_limit_runs
bad_limits_are_usage_errors
"
