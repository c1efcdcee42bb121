# tests/cli/shell.sh: the shell, sourced by run.sh (which has the helpers and runs the cases
# listed in SHELL_CASES). Scripts on standard input: SPARQL over several lines ended by ';'
# or an empty line, .mode, .timer, .prefix, .read, .output, and how errors stop a script.
# Through a pseudo-terminal (tests/cli/pty_session.py): the banner, a result table, Ctrl-C
# at the prompt and during a query, tab completion, history and Ctrl-D.

people_ttl() {
    cat >people.ttl <<'EOF'
@prefix ex: <http://example.org/> .
ex:alice a ex:Person ; ex:name "Alice" ; ex:knows ex:bob .
ex:bob a ex:Person ; ex:name "Bob {the builder}" .
EOF
    "$NOUS" --db d.db load people.ttl >/dev/null 2>&1 || fail "people.ttl did not load"
}

# shell [OPTIONS...]: runs the shell on d.db with the script in ./script; sets $rc.
shell() {
    "$NOUS" --db d.db "$@" <script >out 2>err
    rc=$?
    return 0
}

shell_sparql_ends_at_a_semicolon_or_an_empty_line() {
    people_ttl || return 1
    cat >script <<'EOF'
SELECT ?n
WHERE {
  ?p ex:name ?n .   # a comment with a } and a ;
  FILTER(?n != "}")
}
ORDER BY ?n;
select ?p where { ?p <http://example.org/name> "Bob {the builder}" }

ASK { ex:alice ex:knows ex:bob };
EOF
    shell --keep-going
    expect_rc 0 || return 1
    printf '?n\n"Alice"\n"Bob {the builder}"\n?p\n<http://example.org/bob>\ntrue\n' >want
    cmp -s want out || fail "output: $(cat out) stderr: $(cat err)"
}

shell_query_at_the_end_of_the_input_runs_without_a_terminator() {
    people_ttl || return 1
    printf 'ASK { ex:alice ex:knows ex:bob }' >script
    shell
    expect_rc 0 || return 1
    printf 'true\n' >want
    cmp -s want out || fail "output: $(cat out) stderr: $(cat err)"
}

shell_mode_switches_the_format() {
    people_ttl || return 1
    cat >script <<'EOF'
.mode csv
SELECT ?n WHERE { ex:alice ex:name ?n };
.mode json
SELECT ?n WHERE { ex:alice ex:name ?n };
.mode table
SELECT ?n WHERE { ex:alice ex:name ?n };
.mode
.mode tsv
.query SELECT ?n WHERE { ex:alice ex:name ?n }
.query --format csv SELECT ?n WHERE { ex:alice ex:name ?n }
EOF
    shell
    expect_rc 0 || return 1
    printf 'n\r\nAlice\r\n{"head": {"vars": ["n"]}, "results": {"bindings": [\n  {"n": {"type": "literal", "value": "Alice"}}\n]}}\n n\n---------\n "Alice"\n(1 row)\ntable\n?n\n"Alice"\nn\r\nAlice\r\n' >want
    cmp -s want out || fail "output differs:
$(diff want out | cat -A)"
    printf '.mode xml\n' >script
    shell
    expect_rc 2 || return 1
    expect_grep err "unknown mode 'xml'" || return 1
}

shell_timer_prints_the_run_time() {
    people_ttl || return 1
    printf '.timer on\nASK { ?s ?p ?o };\n.stats\n.timer off\n.stats\n' >script
    shell
    expect_rc 0 || return 1
    [ "$(grep -c '^Run time: [0-9]*\.[0-9][0-9][0-9][0-9] s$' err)" -eq 2 ] ||
        fail "expected two run times: $(cat err)"
    printf '.timer maybe\n' >script
    shell
    expect_rc 2 || return 1
}

shell_prefix_sets_lists_and_keeps_a_prefix() {
    people_ttl || return 1
    cat >script <<'EOF'
.prefix foaf: <http://xmlns.com/foaf/0.1/>
.prefix people <http://example.org/>
.prefix
.mode table
SELECT ?p WHERE { ?p a people:Person } ORDER BY ?p;
EOF
    shell
    expect_rc 0 || return 1
    expect_grep out '^foaf: <http://xmlns\.com/foaf/0\.1/>$' || return 1
    expect_grep out '^people: <http://example\.org/>$' || return 1
    expect_grep out '^ ex:alice$' || return 1
    # It is in the store: the next run knows it.
    "$NOUS" --db d.db prefixes >out 2>err
    expect_grep out '^foaf: ' || return 1
    printf '.prefix 9bad: <http://x/>\n' >script
    shell
    expect_rc 2 || return 1
    printf '.prefix ok: not-an-iri\n' >script
    shell
    expect_rc 2 || return 1
}

shell_read_runs_a_file_and_reports_its_lines() {
    people_ttl || return 1
    printf '.mode csv\nSELECT ?n\nWHERE { ex:bob ex:name ?n };\n' >good.nous
    printf '.mode csv\n\nSELECT ?n\nWHERE { ?s ex:name };\n.stats\n' >bad.nous
    printf '.read good.nous\n.read bad.nous\n.prefixes\n' >script
    shell
    expect_rc 1 || return 1
    printf 'n\r\nBob {the builder}\r\n' >want
    cmp -s want out || fail "output: $(cat out)"
    expect_grep err '^bad\.nous:4:20: error: ' || return 1
    printf '.read nowhere.nous\n' >script
    shell
    expect_rc 1 || return 1
    expect_grep err '^nowhere\.nous: error: ' || return 1
    # A file that reads itself stops at a depth limit instead of running forever.
    printf '.read loop.nous\n' >loop.nous
    printf '.read loop.nous\n' >script
    shell
    expect_nonzero || return 1
    expect_grep err 'nested' || return 1
}

shell_output_goes_to_a_file_and_back() {
    people_ttl || return 1
    cat >script <<'EOF'
.output results.tsv
SELECT ?n WHERE { ex:alice ex:name ?n };
.output
ASK { ex:alice ex:knows ex:bob };
.output no/such/dir/x
EOF
    shell
    expect_rc 1 || return 1
    printf '?n\n"Alice"\n' >want
    cmp -s want results.tsv || fail "results.tsv: $(cat results.tsv)"
    printf 'true\n' >want
    cmp -s want out || fail "stdout: $(cat out)"
    expect_grep err '^no/such/dir/x: error: ' || return 1
}

shell_script_stops_at_the_first_error() {
    people_ttl || return 1
    printf 'ASK { ?s ?p ?o };\nSELECT ?x WHERE { ?x };\nASK { ?s ?p ?o };\n' >script
    shell
    expect_rc 1 || return 1
    printf 'true\n' >want
    cmp -s want out || fail "ran past the error: $(cat out)"
    expect_grep err '^<stdin>:2:' || return 1
}

shell_keep_going_runs_every_line_and_fails() {
    people_ttl || return 1
    printf 'ASK { ?s ?p ?o };\nSELECT ?x WHERE { ?x };\n.frob\nASK { ?s ?p ?o };\n' >script
    shell --keep-going
    expect_rc 1 || return 1
    printf 'true\ntrue\n' >want
    cmp -s want out || fail "output: $(cat out)"
    expect_grep err "unknown command 'frob'" || return 1
}

shell_help_lists_the_shell_commands() {
    printf '.help\n.help mode\n' >script
    shell
    expect_rc 0 || return 1
    for c in load query prefix mode timer output read quit; do
        expect_grep out "^  \\.$c" || return 1
    done
    expect_grep out '^usage: \.mode ' || return 1
}

# ------------------------------------------------------------ through a terminal

# pty STEPS...: runs `nous --db d.db` on a terminal with HOME here; steps are lines for
# pty_session.py. The screen goes to ./screen; sets $rc.
pty() {
    if ! command -v python3 >/dev/null 2>&1; then
        echo "no python3 for the terminal tests"
        exit 77 # run_case runs each case in a subshell: this skips the case
    fi
    printf '%s\n' "$@" >steps
    HOME=$(pwd) python3 "$ROOT/tests/cli/pty_session.py" screen "$NOUS" --db d.db <steps >pty.err 2>&1
    rc=$?
    return 0
}

shell_on_a_terminal_shows_a_banner_and_a_table() {
    people_ttl || return 1
    pty 'expect Enter \.help for usage.*nous> ' \
        'type SELECT ?p ?n\n' 'expect \.\.\.> ' \
        'type WHERE { ?p ex:name ?n } ORDER BY ?p;\n' 'expect \(2 rows\).*nous> ' \
        'type .stats\n' 'expect quads.*nous> ' \
        'type .frob\n' 'expect unknown command.*nous> ' \
        'type ASK { ?x }\n' 'expect \.\.\.> ' 'type \n' 'expect query:1:10: error: .*nous> ' \
        'type \x04' 'eof'
    # Errors were reported and the shell went on; Ctrl-D leaves with status 0.
    expect_rc 0 || { cat pty.err; return 1; }
    expect_grep screen '^nous [0-9]+\.[0-9]+' || return 1
    expect_grep screen '^ ex:alice \| "Alice"' || return 1
    expect_grep screen 'Bob \{the builder\}' || return 1
    # libedit writes blanks in the history file as \040.
    expect_grep .nous_history 'ORDER(\\040| )BY' || return 1
}

shell_on_a_terminal_ctrl_c_clears_the_line_and_stops_a_query() {
    people_ttl || return 1
    "$NOUS" --db d.db load --format tsv "$ROOT/datasets/umls/train.txt" >/dev/null 2>&1
    # Ctrl-C with a half-typed query drops it: the next line starts afresh.
    # Ctrl-C during a query that would run for hours stops it and the shell goes on.
    pty 'expect nous> ' \
        'type SELECT ?p WHERE {\n' 'expect \.\.\.> ' 'type \x03' 'expect nous> ' \
        'type ASK { ex:alice ex:knows ex:bob };\n' 'expect yes.*nous> ' \
        'type .mode tsv\n' 'expect nous> ' \
        'type SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f };\n' 'expect <http' \
        'send \x03' 'expect interrupted.*nous> ' \
        'type ASK { ex:bob ex:knows ex:alice };\n' 'expect false.*nous> ' \
        'type .quit\n' 'eof'
    expect_rc 0 || { cat pty.err; return 1; }
}

shell_on_a_terminal_completes_commands_prefixes_and_curies() {
    people_ttl || return 1
    # .he<TAB> -> .help; ex:Per<TAB> -> ex:Person (a class); ex:kno<TAB> -> ex:knows (a
    # predicate); owl<TAB> -> owl: (a prefix, no blank after it).
    pty 'expect nous> ' \
        'type .he\t' 'expect lp' 'send \n' 'expect commands:.*nous> ' \
        'type ASK { ?x a ex:Per\t' 'expect son' \
        'send  . ?x ex:kno\t' 'expect ws' 'send  ?y . ?x a owl\t' 'expect :' \
        'send Thing }\n' 'expect \.\.\.> ' 'type \n' 'expect (yes|no).*nous> ' \
        'type \x04' 'eof'
    expect_rc 0 || { cat pty.err; return 1; }
    expect_grep .nous_history 'ex:Person.*ex:knows.*owl:Thing' || return 1
}

# The five examples the banner suggests give answers on the demo data (make demo: loaded,
# reasoned over with owl-rl, embeddings trained; here a short training is enough).
shell_banner_examples_work_on_the_demo_data() {
    pty 'expect nous> ' 'type \x04' 'eof'
    expect_rc 0 || { cat pty.err; return 1; }
    tr -d '\r' <screen | sed -n '/try:$/,$p' | sed -n 's/^  //p' >script
    [ "$(wc -l <script)" -eq 5 ] || fail "expected five examples: $(cat screen)"
    "$NOUS" --db d.db load "$ROOT/datasets/ontologies/pizza.owl" "$ROOT/datasets/umls/train.txt" \
        >/dev/null 2>&1 || fail "the demo data did not load"
    "$NOUS" --db d.db reason --profile owl-rl >/dev/null 2>&1 || fail "the demo data's reasoning failed"
    "$NOUS" --db d.db train --model complex --dim 16 --epochs 3 >/dev/null 2>&1 || fail "the demo data's training failed"
    shell
    expect_rc 0 || return 1
    expect_grep out 'pizza\.owl#American' || return 1
    expect_grep out 'kg:causes kg:disease_or_syndrome \.$' || return 1
    expect_grep out 'pizza:American rdfs:subClassOf pizza:Pizza   \[owl-rl:[0-9]*, confidence 1\]' || return 1
    expect_grep out '^5 +kg:[a-z_]+ +[-0-9.]+ ' || return 1
    expect_grep out '^quads ' || return 1
}

SHELL_CASES="
    shell_sparql_ends_at_a_semicolon_or_an_empty_line
    shell_query_at_the_end_of_the_input_runs_without_a_terminator
    shell_mode_switches_the_format
    shell_timer_prints_the_run_time
    shell_prefix_sets_lists_and_keeps_a_prefix
    shell_read_runs_a_file_and_reports_its_lines
    shell_output_goes_to_a_file_and_back
    shell_script_stops_at_the_first_error
    shell_keep_going_runs_every_line_and_fails
    shell_help_lists_the_shell_commands
    shell_on_a_terminal_shows_a_banner_and_a_table
    shell_on_a_terminal_ctrl_c_clears_the_line_and_stops_a_query
    shell_on_a_terminal_completes_commands_prefixes_and_curies
    shell_banner_examples_work_on_the_demo_data
"
