# tests/cli/plot.sh: `plot-embeddings`, sourced by run.sh (which has the helpers and runs the
# cases listed in PLOT_CASES): the SVG is well-formed XML with one circle per entity, titled
# with the entity as the user writes it; --type-colors colours each entity by its most
# specific class, asserted or inferred, and the legend names the classes; the shell runs the
# same command; a missing -o, an unknown set or an unwritable file fail, naming the problem,
# and leave no file behind. That the projection is the PCA is tested in
# tests/neural/test_pca.c, the drawing in tests/neural/test_scatter.c.

# Fails unless $1 is well-formed XML: xmllint when there is one, else Python's parser.
expect_xml() {
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1" 2>xml.err || fail "$1 is not well-formed: $(cat xml.err)"
    else
        python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" 2>xml.err ||
            fail "$1 is not well-formed: $(cat xml.err)"
    fi
}

# Prints "title<TAB>fill" for each circle of the SVG $1 (the fill is its group's), then
# "legend<TAB>text<TAB>fill" for each legend entry.
svg_points() {
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as E
ns = "{http://www.w3.org/2000/svg}"
root = E.parse(sys.argv[1]).getroot()
for g in root.iter(ns + "g"):
    for c in g.findall(ns + "circle"):
        t = c.find(ns + "title")
        print("%s\t%s" % (t.text if t is not None else "", g.get("fill")))
    rect, text = g.find(ns + "rect"), g.find(ns + "text")
    if rect is not None and text is not None:
        print("legend\t%s\t%s" % (text.text, rect.get("fill")))
EOF
}

# The fill of the circle titled $2 in the listing $1 (from svg_points).
fill_of_point() {
    awk -F '\t' -v t="$2" '$1 == t { print $2 }' "$1"
}

# The fill of the legend entry whose text is $2.
fill_of_legend() {
    awk -F '\t' -v t="$2" '$1 == "legend" && $2 == t { print $3 }' "$1"
}

plot_store() {
    tiny_kg
    "$NOUS" load kg/train.txt >/dev/null 2>&1 || fail "train.txt did not load" || return 1
    "$NOUS" train --model complex --dim 8 --epochs 20 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
}

plot_embeddings_writes_a_titled_circle_per_entity() {
    plot_store || return 1
    nous plot-embeddings -o p.svg
    expect_rc 0 || return 1
    expect_grep out '^wrote p\.svg: 12 entities; PC1 [0-9]+\.[0-9]%, PC2 [0-9]+\.[0-9]% of variance$' || return 1
    expect_xml p.svg || return 1
    [ "$(grep -o '<circle' p.svg | wc -l)" -eq 12 ] || fail "not 12 circles: $(grep -c '<circle' p.svg)" || return 1
    svg_points p.svg >points || fail "cannot read p.svg" || return 1
    for i in 0 1 2 3 4 5; do
        grep -q "^kg:p$i	" points || fail "no circle titled kg:p$i: $(cat points)" || return 1
        grep -q "^kg:c$i	" points || fail "no circle titled kg:c$i: $(cat points)" || return 1
    done
    # one colour, no legend; the axes say how much variance each component explains
    [ "$(cut -f 2 points | sort -u | wc -l)" -eq 1 ] || fail "several colours: $(cat points)" || return 1
    expect_no_grep points '^legend' || return 1
    expect_grep p.svg '>PC1 \([0-9]+\.[0-9]% of variance\)</text>' || return 1
    expect_no_grep p.svg '<script|href=' || return 1
    # writing again replaces the file and leaves no temporary one
    nous plot-embeddings -o p.svg
    expect_rc 0 || return 1
    [ "$(ls | grep -c '^p\.svg')" -eq 1 ] || fail "files: $(ls)"
}

# Two classes of eight under a common superclass, two owners typed only by inference (the
# domain of ex:owns), and the four things they like or own, untyped.
typed_store() {
    {
        printf '@prefix ex: <http://example.org/> .\n'
        printf '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        printf 'ex:CatLike rdfs:subClassOf ex:Animal .\nex:DogLike rdfs:subClassOf ex:Animal .\n'
        printf 'ex:owns rdfs:domain ex:Owner .\n'
        for i in 0 1 2 3 4 5 6 7; do
            printf 'ex:a%s a ex:CatLike ; ex:likes ex:h1, ex:h2 .\n' "$i"
            printf 'ex:b%s a ex:DogLike ; ex:likes ex:h3, ex:h4 .\n' "$i"
        done
        printf 'ex:o1 ex:owns ex:h1 .\nex:o2 ex:owns ex:h3 .\n'
    } >typed.ttl
    "$NOUS" load typed.ttl >/dev/null 2>&1 || fail "typed.ttl did not load" || return 1
    "$NOUS" reason --profile owl-rl >/dev/null 2>&1 || fail "reason failed" || return 1
    "$NOUS" train --model complex --dim 8 --epochs 20 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
}

plot_embeddings_colours_entities_by_their_most_specific_class() {
    typed_store || return 1
    nous plot-embeddings --type-colors -o t.svg
    expect_rc 0 || return 1
    expect_grep out '^wrote t\.svg: [0-9]+ entities; PC1 [0-9.]+%, PC2 [0-9.]+% of variance; [0-9]+ class(es)?, [0-9]+ untyped$' ||
        return 1
    expect_xml t.svg || return 1
    n=$(sed -n 's/^wrote t\.svg: \([0-9]*\) entities.*/\1/p' out)
    [ "$(grep -o '<circle' t.svg | wc -l)" -eq "$n" ] || fail "not $n circles" || return 1
    svg_points t.svg >points || fail "cannot read t.svg" || return 1
    # the legend names the classes with their sizes; ex:Animal, which all sixteen have
    # (inferred), is never the most specific
    for entry in 'ex:CatLike (8)' 'ex:DogLike (8)' 'ex:Owner (2)'; do
        [ -n "$(fill_of_legend points "$entry")" ] || fail "no legend entry '$entry': $(grep legend points)" || return 1
    done
    expect_no_grep points '	ex:Animal \(' || return 1
    expect_grep points '	untyped \([0-9]+\)	' || return 1
    # and each point has its class's colour
    cat_fill=$(fill_of_legend points 'ex:CatLike (8)')
    dog_fill=$(fill_of_legend points 'ex:DogLike (8)')
    owner_fill=$(fill_of_legend points 'ex:Owner (2)')
    [ "$cat_fill" != "$dog_fill" ] || fail "one colour for both classes" || return 1
    for i in 0 1 2 3 4 5 6 7; do
        [ "$(fill_of_point points "ex:a$i")" = "$cat_fill" ] || fail "ex:a$i is not coloured as ex:CatLike" || return 1
        [ "$(fill_of_point points "ex:b$i")" = "$dog_fill" ] || fail "ex:b$i is not coloured as ex:DogLike" || return 1
    done
    [ "$(fill_of_point points ex:o1)" = "$owner_fill" ] || fail "ex:o1 is not coloured as ex:Owner" || return 1
    untyped_fill=$(awk -F '\t' '$1 == "legend" && $2 ~ /^untyped / { print $3 }' points)
    [ "$(fill_of_point points ex:h1)" = "$untyped_fill" ] || fail "ex:h1 is not untyped"
}

plot_embeddings_runs_in_the_shell() {
    plot_store || return 1
    printf '.plot-embeddings --type-colors -o s.svg\n' | "$NOUS" >out 2>err
    rc=$?
    expect_rc 0 || return 1
    expect_grep out '^wrote s\.svg: 12 entities; .*; 0 classes, 12 untyped$' || return 1
    expect_xml s.svg || return 1
    expect_grep s.svg '>untyped \(12\)</text>' || return 1
    printf '.help plot-embeddings\n' | "$NOUS" >out 2>err
    expect_grep out '^usage: \.plot-embeddings \[--model NAME\] \[--type-colors\] -o FILE\.svg' || return 1
}

plot_embeddings_errors_name_the_problem_and_leave_no_file() {
    plot_store || return 1
    nous plot-embeddings --type-colors
    expect_rc 2 || return 1
    expect_grep err 'give the SVG file to write: -o FILE\.svg' || return 1
    expect_grep err '^usage: nous plot-embeddings ' || return 1
    nous plot-embeddings --colour -o x.svg
    expect_rc 2 || return 1
    expect_grep err "unknown option '--colour'" || return 1
    nous plot-embeddings --model nope -o x.svg
    expect_rc 1 || return 1
    expect_grep err 'no embeddings called nope' || return 1
    [ ! -e x.svg ] || fail "x.svg was written" || return 1
    nous plot-embeddings -o no/such/dir/p.svg
    expect_rc 1 || return 1
    expect_grep err '^no/such/dir/p\.svg: error: ' || return 1
    # a directory in the way: the temporary file next to it is removed
    mkdir taken.svg
    nous plot-embeddings -o taken.svg
    expect_rc 1 || return 1
    expect_grep err '^taken\.svg: error: cannot write: Is a directory' || return 1
    leftover=$(ls | grep -v '^\(kg\|nous\.db.*\|out\|err\|taken\.svg\)$')
    [ -z "$leftover" ] || fail "left behind: $leftover" || return 1
    # a store without embeddings
    nous --db empty.db plot-embeddings -o e.svg
    expect_rc 1 || return 1
    expect_grep err 'no trained embeddings' || return 1
    [ ! -e e.svg ] || fail "e.svg was written"
}

PLOT_CASES="
    plot_embeddings_writes_a_titled_circle_per_entity
    plot_embeddings_colours_entities_by_their_most_specific_class
    plot_embeddings_runs_in_the_shell
    plot_embeddings_errors_name_the_problem_and_leave_no_file
"
