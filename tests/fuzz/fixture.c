/* tests/fuzz/fixture.c: the small store the harnesses share (see fixture.h), and the checks
 * they make on it. */
#include "tests/fuzz/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixture_ttl[] =
    "@prefix ex: <http://example.org/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "ex:alice a ex:Person ; ex:parent ex:bob ; ex:age 42 ; rdfs:label \"Alice\"@en ;\n"
    "    ex:knows ex:bob , ex:carol ; ex:born \"1980-02-01\"^^xsd:date .\n"
    "ex:bob a ex:Person ; ex:parent ex:carol ; ex:age 17 ; rdfs:label \"Bob\" ;\n"
    "    ex:height 1.85 ; ex:score \"2.5e0\"^^xsd:double ; ex:alive true .\n"
    "ex:carol a ex:Student ; ex:age \"9\"^^xsd:integer ; rdfs:label \"Carol\"@fr ;\n"
    "    owl:sameAs ex:caroline ; ex:note \"line\\nbreak \\\"quoted\\\" \\u00e9\" .\n"
    "ex:Student rdfs:subClassOf ex:Person . ex:parent rdfs:subPropertyOf ex:ancestor .\n"
    "ex:ancestor a owl:TransitiveProperty . ex:parent rdfs:domain ex:Person .\n"
    "ex:knows owl:inverseOf ex:knownBy . _:b1 ex:parent ex:alice .\n";
static const char fixture_trig[] =
    "@prefix ex: <http://example.org/> .\n"
    "ex:g1 { ex:dave ex:parent ex:erin . ex:erin ex:age 3 . }\n";

void fuzz_must(int ok, const char *what, const KgError *err)
{
    if (ok) return;
    fprintf(stderr, "fuzz: %s%s%s\n", what, err ? ": " : "", err ? kg_error_message(err) : "");
    abort();
}

KgStore *fuzz_fixture_open(void)
{
    KgStore *store = NULL;
    KgError err = {0};
    fuzz_must(kg_store_open(":memory:", &store, &err) == KG_OK, "opening a store in memory", &err);
    KgLoadOptions ttl = {.format = KG_FMT_TURTLE}, trig = {.format = KG_FMT_TRIG};
    fuzz_must(kg_load_memory(store, "fixture.ttl", fixture_ttl, strlen(fixture_ttl), &ttl, NULL,
                             &err) == KG_OK,
              "loading the fixture", &err);
    fuzz_must(kg_load_memory(store, "fixture.trig", fixture_trig, strlen(fixture_trig), &trig,
                             NULL, &err) == KG_OK,
              "loading the fixture", &err);
    fuzz_must(kg_prefix_set(store, "ex", "http://example.org/", &err) == KG_OK, "a prefix", &err);
    return store;
}

static void count_prefix(void *ctx, const char *prefix, const char *ns)
{
    (void)prefix;
    (void)ns;
    ++*(size_t *)ctx;
}

FuzzSnapshot fuzz_snapshot(KgStore *store)
{
    FuzzSnapshot s;
    memset(&s, 0, sizeof s);
    KgError err = {0};
    fuzz_must(kg_stats_get(store, &s.stats, &err) == KG_OK, "statistics", &err);
    fuzz_must(kg_prefix_each(store, count_prefix, &s.n_prefixes, &err) == KG_OK, "prefixes", &err);
    return s;
}

int fuzz_snapshot_equal(const FuzzSnapshot *a, const FuzzSnapshot *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}
