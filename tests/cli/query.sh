# tests/cli/query.sh: `nous query`, sourced by run.sh (which has the helpers and runs the
# cases listed in QUERY_CASES): the exact text of every output format on a tiny dataset
# (CSV quoting, JSON and TSV escaping, unbound values, ASK, CONSTRUCT), error positions in
# a query file, exit statuses, and Ctrl-C through a pseudo-terminal.

# Five subjects whose labels need every kind of escaping, one with a number.
tiny_ttl() {
    cat >tiny.ttl <<'EOF'
@prefix ex: <http://example.org/> .
ex:a ex:label "plain" ; ex:n 7 .
ex:b ex:label "say \"hi\", then\nleave" .
ex:c ex:label "tab\there\\back"@en .
ex:d ex:label "café" .
ex:e ex:label "bell\u0007" .
EOF
    "$NOUS" load tiny.ttl >/dev/null 2>&1 || fail "tiny.ttl did not load"
}

LABELS='SELECT ?s ?label ?n WHERE { ?s ex:label ?label OPTIONAL { ?s ex:n ?n } } ORDER BY ?s'

# expect_text FILE: FILE holds exactly the text on standard input.
expect_text() {
    cat >want
    cmp -s want "$1" || fail "$1 differs from what is expected:
$(diff want "$1" | cat -A)"
}

query_tsv_is_sparql_tsv() {
    tiny_ttl || return 1
    nous query --format tsv "$LABELS"
    expect_rc 0 || return 1
    expect_text out <<'EOF'
?s	?label	?n
<http://example.org/a>	"plain"	"7"^^<http://www.w3.org/2001/XMLSchema#integer>
<http://example.org/b>	"say \"hi\", then\nleave"	
<http://example.org/c>	"tab\there\\back"@en	
<http://example.org/d>	"café"	
<http://example.org/e>	"bell\u0007"	
EOF
}

query_csv_quotes_as_rfc4180_with_crlf() {
    tiny_ttl || return 1
    nous query --format csv "$LABELS"
    expect_rc 0 || return 1
    # The newline inside the quoted field is the literal's own (LF); records end in CRLF.
    printf 's,label,n\r\nhttp://example.org/a,plain,7\r\nhttp://example.org/b,"say ""hi"", then\nleave",\r\nhttp://example.org/c,tab\there\\back,\r\nhttp://example.org/d,café,\r\nhttp://example.org/e,bell\007,\r\n' >want.csv
    cmp -s want.csv out || fail "csv differs:
$(diff want.csv out | cat -A)"
}

query_json_is_sparql_json_with_escapes() {
    tiny_ttl || return 1
    nous query --format json "$LABELS"
    expect_rc 0 || return 1
    expect_text out <<'EOF'
{"head": {"vars": ["s", "label", "n"]}, "results": {"bindings": [
  {"s": {"type": "uri", "value": "http://example.org/a"}, "label": {"type": "literal", "value": "plain"}, "n": {"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
  {"s": {"type": "uri", "value": "http://example.org/b"}, "label": {"type": "literal", "value": "say \"hi\", then\nleave"}},
  {"s": {"type": "uri", "value": "http://example.org/c"}, "label": {"type": "literal", "value": "tab\there\\back", "xml:lang": "en"}},
  {"s": {"type": "uri", "value": "http://example.org/d"}, "label": {"type": "literal", "value": "café"}},
  {"s": {"type": "uri", "value": "http://example.org/e"}, "label": {"type": "literal", "value": "bell\u0007"}}
]}}
EOF
    # And a JSON reader gets the values back.
    python3 -c 'import json,sys; d=json.load(open("out")); b=d["results"]["bindings"]
assert [x["label"]["value"] for x in b] == ["plain", "say \"hi\", then\nleave", "tab\there\\back", "caf\u00e9", "bell\u0007"], b
assert "n" not in b[1] and b[2]["label"]["xml:lang"] == "en"' || fail "python's json reads it differently"
}

query_table_aligns_columns_and_counts_rows() {
    tiny_ttl || return 1
    nous query --format table "$LABELS"
    expect_rc 0 || return 1
    expect_text out <<'EOF'
 s    | label                     | n
------+---------------------------+---
 ex:a | "plain"                   | 7
 ex:b | "say \"hi\", then\nleave" |
 ex:c | "tab\there\\back"@en      |
 ex:d | "café"                    |
 ex:e | "bell\u0007"              |
(5 rows)
EOF
}

query_ask_in_every_format() {
    tiny_ttl || return 1
    yes='ASK { ex:a ex:n 7 }'
    no='ASK { ex:a ex:n 8 }'
    for f in table tsv csv json; do
        nous query --format $f "$yes"
        expect_rc 0 || return 1
        cp out yes.$f
        nous query --format $f "$no"
        expect_rc 0 || return 1
        cp out no.$f
    done
    printf 'yes\n' | expect_text yes.table || return 1
    printf 'no\n' | expect_text no.table || return 1
    printf 'true\n' | expect_text yes.tsv || return 1
    printf 'false\n' | expect_text no.tsv || return 1
    printf 'true\r\n' | expect_text yes.csv || return 1
    printf '{"head": {}, "boolean": true}\n' | expect_text yes.json || return 1
    printf '{"head": {}, "boolean": false}\n' | expect_text no.json || return 1
}

query_construct_as_ntriples_and_turtle() {
    tiny_ttl || return 1
    q='CONSTRUCT { ?s a ex:Thing ; ex:name ?l } WHERE { ?s ex:label ?l FILTER(?s = ex:a || ?s = ex:c) }'
    nous query "$q"
    expect_rc 0 || return 1
    sort out >sorted
    expect_text sorted <<'EOF'
<http://example.org/a> <http://example.org/name> "plain" .
<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Thing> .
<http://example.org/c> <http://example.org/name> "tab\there\\back"@en .
<http://example.org/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Thing> .
EOF
    nous query --format turtle "$q ORDER BY ?s"
    expect_rc 0 || return 1
    expect_grep out '^@prefix ex: <http://example\.org/> \.$' || return 1
    expect_no_grep out '^@prefix rdf:' || return 1
    # The Turtle loads back to the same triples.
    cp out back.ttl
    "$NOUS" --db back.db load back.ttl >/dev/null 2>&1 || fail "the turtle does not load: $(cat back.ttl)"
    "$NOUS" --db back.db export | sort >back.nt
    cmp -s sorted back.nt || fail "turtle read back differs:
$(diff sorted back.nt)"
    nous query --format ntriples "$q"
    sort out | cmp -s sorted - || fail "--format ntriples differs: $(cat out)"
}

query_default_format_off_a_terminal_is_tsv() {
    tiny_ttl || return 1
    nous query 'SELECT ?s WHERE { ?s ex:n ?n }'
    expect_rc 0 || return 1
    printf '?s\n<http://example.org/a>\n' | expect_text out
}

query_file_with_a_syntax_error_gives_its_line_and_column() {
    tiny_ttl || return 1
    printf 'SELECT ?s\nWHERE { ?s ex:label }\n' >bad.rq
    nous query -f bad.rq
    expect_rc 1 || return 1
    expect_grep err '^bad\.rq:2:21: error: .' || return 1
    [ ! -s out ] || fail "printed results: $(cat out)"
    nous query 'SELECT ?s WHERE { ?s ex:label }'
    expect_rc 1 || return 1
    expect_grep err '^query:1:31: error: .' || return 1
}

query_from_a_file_and_from_standard_input() {
    tiny_ttl || return 1
    printf '# the number\nSELECT ?n\nWHERE { ex:a ex:n ?n }\n' >n.rq
    nous query --format csv -f n.rq
    expect_rc 0 || return 1
    printf 'n\r\n7\r\n' | expect_text out || return 1
    "$NOUS" query --format csv -f - <n.rq >out 2>err
    rc=$?
    expect_rc 0 || return 1
    printf 'n\r\n7\r\n' | expect_text out
}

query_usage_errors_exit_2() {
    tiny_ttl || return 1
    nous query
    expect_rc 2 || return 1
    nous query --format xml 'ASK {}'
    expect_rc 2 || return 1
    expect_grep err "unknown format 'xml'" || return 1
    nous query --format turtle 'SELECT * WHERE { ?s ?p ?o }'
    expect_rc 2 || return 1
    expect_grep err 'turtle' || return 1
    printf 'ASK {}\n' >a.rq
    nous query -f a.rq 'ASK {}'
    expect_rc 2 || return 1
    nous query -f missing.rq
    expect_rc 1 || return 1
    expect_grep err '^missing\.rq: error: ' || return 1
}

query_explain_prints_the_plan_without_running() {
    tiny_ttl || return 1
    nous query --explain 'SELECT ?s WHERE { ?s ex:label ?l }'
    expect_rc 0 || return 1
    [ -s out ] || fail "no plan printed"
    expect_no_grep out 'example\.org/a' || return 1
}

# Ctrl-C on a query that would run for hours: exit status 130, through a terminal.
query_interrupted_by_ctrl_c_exits_130() {
    command -v python3 >/dev/null 2>&1 || { echo "no python3 for the terminal tests"; return 77; }
    "$NOUS" load --format tsv "$ROOT/datasets/umls/train.txt" >/dev/null 2>&1 || fail "umls"
    printf '%s\n' 'expect <' 'send \x03' 'eof' |
        python3 "$ROOT/tests/cli/pty_session.py" transcript "$NOUS" query --format tsv \
            'SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }' >pty.err 2>&1
    rc=$?
    expect_rc 130 || { cat pty.err; return 1; }
    expect_grep transcript 'interrupted' || return 1
}

QUERY_CASES="
    query_tsv_is_sparql_tsv
    query_csv_quotes_as_rfc4180_with_crlf
    query_json_is_sparql_json_with_escapes
    query_table_aligns_columns_and_counts_rows
    query_ask_in_every_format
    query_construct_as_ntriples_and_turtle
    query_default_format_off_a_terminal_is_tsv
    query_file_with_a_syntax_error_gives_its_line_and_column
    query_from_a_file_and_from_standard_input
    query_usage_errors_exit_2
    query_explain_prints_the_plan_without_running
    query_interrupted_by_ctrl_c_exits_130
"
