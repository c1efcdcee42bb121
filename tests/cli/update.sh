# tests/cli/update.sh: incremental updates from the command line, sourced by run.sh (which has
# the helpers and runs the cases listed in UPDATE_CASES): `add` and `retract` on a store
# reasoned over keep its inferred triples what reasoning from scratch gives (checked against
# a fresh store after each step), a triple only inferred cannot be retracted and the message
# names the asserted triples it comes from, bad input changes nothing, and the shell has both.
# The property test over random programs and updates is tests/reasoner/test_update.c.

family_store() {
    cat >family.dl <<'DL'
@prefix ex: <http://example.org/> .
ex:anc[?x, ?y] :- ex:par[?x, ?y] .
ex:anc[?x, ?z] :- ex:par[?x, ?y], ex:anc[?y, ?z] .
0.5 :: ex:kin[?x, ?y] :- ex:anc[?x, ?y] .
ex:hasParent[?x, ?y] :- ex:par[?y, ?x] .
ex:Root[?x] :- ex:Person[?x], NOT ex:hasParent[?x, ?y] .
DL
    cat >family.ttl <<'TTL'
@prefix ex: <http://example.org/> .
ex:a ex:par ex:b . ex:b ex:par ex:c . ex:c ex:par ex:d . ex:a ex:par ex:c .
ex:a a ex:Person . ex:b a ex:Person . ex:c a ex:Person . ex:d a ex:Person .
TTL
    "$NOUS" load family.ttl >/dev/null 2>&1 || fail "family.ttl did not load" || return 1
    "$NOUS" reason --rules family.dl >/dev/null 2>&1 || fail "reason failed" || return 1
}

# The inferred triples equal those of a fresh store loaded with the asserted ones and reasoned.
same_as_from_scratch() {
    "$NOUS" export --asserted --format nq >asserted.nq 2>err || fail "export failed" || return 1
    rm -f scratch.db
    "$NOUS" --db scratch.db load asserted.nq >/dev/null 2>&1 || fail "reload failed" || return 1
    # shellcheck disable=SC2086
    "$NOUS" --db scratch.db reason ${SCRATCH_RULES:---rules family.dl} >/dev/null 2>&1 || fail "scratch reason failed" || return 1
    "$NOUS" export --inferred --format nq | sort >inc.nq
    "$NOUS" --db scratch.db export --inferred --format nq | sort >scratch.nq
    cmp -s inc.nq scratch.nq || fail "after $1: incremental and from-scratch differ: $(diff inc.nq scratch.nq)"
}

add_and_retract_keep_the_closure() {
    family_store || return 1
    nous retract ex:b ex:par ex:c
    expect_rc 0 || return 1
    expect_grep out '^retracted 1 triple; inferred: [0-9]+ added, [1-9][0-9]* removed' || return 1
    same_as_from_scratch "retracting b par c" || return 1
    nous query 'SELECT ?o WHERE { <http://example.org/b> <http://example.org/anc> ?o }'
    expect_no_grep out 'example.org/(c|d)>' || return 1
    # a cycle: a gets a parent, so it is no Root any more (negation)
    nous add ex:d ex:par ex:a
    expect_rc 0 || return 1
    same_as_from_scratch "adding d par a" || return 1
    nous query 'SELECT ?x WHERE { ?x a <http://example.org/Root> }'
    expect_no_grep out 'example.org/a>' || return 1
    # and back
    nous retract ex:d ex:par ex:a
    same_as_from_scratch "retracting d par a" || return 1
    nous query 'SELECT ?x WHERE { ?x a <http://example.org/Root> }'
    expect_grep out 'example.org/a>' || return 1
    # asserting an inferred triple, then retracting it: inferred again
    nous add ex:a ex:anc ex:d
    same_as_from_scratch "asserting a anc d" || return 1
    nous retract ex:a ex:anc ex:d
    same_as_from_scratch "retracting a anc d" || return 1
    nous explain ex:a ex:anc ex:d
    expect_rc 0 || return 1
}

retracting_an_inferred_triple_names_its_sources() {
    family_store || return 1
    "$NOUS" export --format nq | sort >before.nq
    nous retract ex:a ex:anc ex:d
    expect_rc 1 || return 1
    expect_grep err 'ex:a ex:anc ex:d is inferred, not asserted: retract what it comes from: ex:' || return 1
    expect_grep err 'ex:c ex:par ex:d' || return 1
    nous retract ex:a ex:par ex:zzz
    expect_rc 1 || return 1
    expect_grep err 'is not asserted \(the store does not hold it\)' || return 1
    nous retract ex:a ex:par
    expect_rc 2 || return 1
    nous add ex:a '"lit"' ex:b
    expect_rc 1 || return 1
    expect_grep err 'the predicate must be an IRI' || return 1
    "$NOUS" export --format nq | sort >after.nq
    cmp -s before.nq after.nq || fail "a failed update changed the store" || return 1
    printf '.add ex:d ex:par ex:e\n.retract ex:d ex:par ex:e\n' | "$NOUS" >out 2>err
    expect_grep out '^added 1 triple' || return 1
    expect_grep out '^retracted 1 triple' || return 1
    same_as_from_scratch "the shell's add and retract" || return 1
}

load_and_unload_keep_the_closure() {
    family_store || return 1
    "$NOUS" export --format nq | sort >before.nq
    printf '@prefix ex: <http://example.org/> .\nex:d ex:par ex:e .\nex:e a ex:Person .\nex:e ex:par ex:a .\n' >extra.ttl
    nous load extra.ttl
    expect_rc 0 || return 1
    expect_grep out '^loaded extra.ttl: 3 triples read, 3 new' || return 1
    expect_grep out '^inferred: [1-9][0-9]* added' || return 1
    same_as_from_scratch "loading extra.ttl" || return 1
    nous unload extra.ttl
    expect_rc 0 || return 1
    # the 1 added: ex:a is a Root again once ex:e, its parent, is gone (negation)
    expect_grep out '^unloaded extra.ttl: 3 triples read, 3 retracted; inferred: 1 added, [1-9][0-9]* removed' || return 1
    same_as_from_scratch "unloading extra.ttl" || return 1
    "$NOUS" export --format nq | sort >after.nq
    cmp -s before.nq after.nq || fail "load then unload did not give the store back: $(diff before.nq after.nq)" || return 1
    # a bad file changes nothing
    printf '@prefix ex: <http://example.org/> .\nex:d ex:par .\n' >bad.ttl
    nous load bad.ttl
    expect_rc 1 || return 1
    expect_grep err 'bad.ttl:2:' || return 1
    "$NOUS" export --format nq | sort >after.nq
    cmp -s before.nq after.nq || fail "a bad load changed the store" || return 1
}

# A rule file joins the program, changes, and leaves: the inferred triples follow each time.
rule_files_added_changed_and_dropped_update_the_closure() {
    family_store || return 1
    cat >cousins.dl <<'DL'
@prefix ex: <http://example.org/> .
ex:sib[?x, ?y] :- ex:par[?p, ?x], ex:par[?p, ?y], FILTER(?x != ?y) .
0.8 :: ex:anc[?x, ?y] :- ex:sib[?x, ?y] .
DL
    nous reason --rules cousins.dl
    expect_rc 0 || return 1
    expect_grep out '^7 rules in force \(updated incrementally\); inferred: [1-9][0-9]* added' || return 1
    SCRATCH_RULES="--rules family.dl --rules cousins.dl" same_as_from_scratch "adding cousins.dl" || return 1
    # the file changes: its old rules leave, the new ones come
    printf '@prefix ex: <http://example.org/> .\nex:sib[?x, ?y] :- ex:par[?p, ?x], ex:par[?p, ?y], FILTER(?x != ?y) .\n' >cousins.dl
    nous reason --rules cousins.dl
    expect_rc 0 || return 1
    SCRATCH_RULES="--rules family.dl --rules cousins.dl" same_as_from_scratch "changing cousins.dl" || return 1
    nous reason --drop cousins.dl
    expect_rc 0 || return 1
    expect_grep out '^5 rules in force' || return 1
    same_as_from_scratch "dropping cousins.dl" || return 1
    nous reason --drop nothing.dl
    expect_rc 1 || return 1
    expect_grep err 'the store was not reasoned with it' || return 1
}

UPDATE_CASES="
    rule_files_added_changed_and_dropped_update_the_closure
    load_and_unload_keep_the_closure
    add_and_retract_keep_the_closure
    retracting_an_inferred_triple_names_its_sources
"
