# nous: one Makefile for the program, its tests, sanitizer builds and benchmarks.
#   make            build ./nous           make test    every test, plain and sanitized
#   make demo       install, build, load the demo data, open the shell
#   make bench      load throughput against raptor and raw SQLite, LUBM queries against Redland,
#                   reasoning, embedding training against PyTorch, rule mining and ranking,
#                   exact nearest-neighbour search against faiss, incremental reasoning against
#                   starting over (and the long property test: make test-update-long, and the
#                   long crash-safety and concurrency test: make test-crash-long)
#   make asan       the sanitized build only  make check-deps   module include rules
#   make valgrind   the unit and command-line tests under valgrind (no error, no leak)
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

# Warnings: one block, all errors (as in Lua's makefile).
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wundef -Wno-unused-parameter
CSTD := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
# -fno-math-errno: nothing reads errno after a math function, and without it sqrtf in the
# training loops cannot be vectorised.
OPT ?= -O2 -g -fno-math-errno
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Library flags come from pkg-config, through scripts/deps.sh, which first installs any
# missing Debian package. make remakes this included file before anything else.
CONFIG := build/config.mk
-include $(CONFIG)
$(CONFIG): scripts/deps.sh
	@sh scripts/deps.sh $@

MODULES := kg reasoner neural fusion repl
LIB_SRC := $(foreach m,$(filter-out repl,$(MODULES)),$(wildcard $(m)/*.c))
REPL_SRC := $(filter-out repl/main.c,$(wildcard repl/*.c))
UNIT_SRC := $(wildcard tests/*/test_*.c) tests/test_free_null.c
TOOLS := tests/conformance/conformance tests/bench/sqlite_baseline tests/bench/knn_bench
# The fuzz harnesses (tests/fuzz/), replayed by `make test` and run by `make fuzz`.
FUZZ_TARGETS := load rules sparql shell store
REPLAY_PLAIN := $(patsubst %,build/plain/replay_%,$(FUZZ_TARGETS))
REPLAY_ASAN := $(patsubst %,build/asan/replay_%,$(FUZZ_TARGETS))

# Quiet by default; make V=1 shows the commands.
Q := $(if $(V),,@)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -MMD -MP -I. -Ibuild/gen $(DEP_CFLAGS)

# ---------------------------------------------------------------- plain build (build/)
obj = $(patsubst %.c,build/$(1)/%.o,$(2))
LIB_OBJ := $(call obj,plain,$(LIB_SRC) $(REPL_SRC))
ASAN_LIB_OBJ := $(call obj,asan,$(LIB_SRC) $(REPL_SRC))

# The training loops (softmax, optimiser steps, distances) want the vectoriser's full cost
# model, which -O2 leaves out, and -fno-trapping-math (nothing reads the floating-point
# exception flags), without which a clamp like `t < c ? c : t` keeps a loop scalar.
$(call obj,plain,$(wildcard neural/*.c)) $(call obj,asan,$(wildcard neural/*.c)): OPT += -O3 -fno-trapping-math

build/plain/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@
build/asan/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) -c $< -o $@
build/plain/tests/%.o: tests/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(CRITERION_CFLAGS) -c $< -o $@
build/asan/tests/%.o: tests/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $(CRITERION_CFLAGS) -c $< -o $@

# The built-in rule sets, compiled in from their files (scripts/embed-rules.sh).
RULE_FILES := $(sort $(wildcard reasoner/rules/*.dl))
build/gen/rs_profiles.inc: $(RULE_FILES) scripts/embed-rules.sh
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed-rules.sh $@ $(RULE_FILES)
build/plain/reasoner/profiles.o build/asan/reasoner/profiles.o: build/gen/rs_profiles.inc

build/plain/libnous.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
build/asan/libnous.a: $(ASAN_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

nous: build/plain/repl/main.o build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS)
build/asan/nous: build/asan/repl/main.o build/asan/libnous.a
	$(CC) $(OPT) $(SAN) -o $@ $^ $(DEP_LIBS)

build/plain/unit: $(call obj,plain,$(UNIT_SRC)) build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS) $(CRITERION_LIBS)
build/asan/unit: $(call obj,asan,$(UNIT_SRC)) build/asan/libnous.a
	$(CC) $(OPT) $(SAN) -o $@ $^ $(DEP_LIBS) $(CRITERION_LIBS)

build/plain/conformance: build/plain/tests/conformance/conformance.o build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS)
build/asan/conformance: build/asan/tests/conformance/conformance.o build/asan/libnous.a
	$(CC) $(OPT) $(SAN) -o $@ $^ $(DEP_LIBS)
build/plain/sqlite_baseline: build/plain/tests/bench/sqlite_baseline.o
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS)
build/plain/knn_bench: build/plain/tests/bench/knn_bench.o build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS)

# The W3C SPARQL runner reads SPARQL XML results with libxml2, which only it links.
build/plain/tests/sparql/w3c.o: tests/sparql/w3c.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(XML_CFLAGS) -c $< -o $@
build/asan/tests/sparql/w3c.o: tests/sparql/w3c.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $(XML_CFLAGS) -c $< -o $@
build/plain/sparql-w3c: build/plain/tests/sparql/w3c.o build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS) $(XML_LIBS)
build/asan/sparql-w3c: build/asan/tests/sparql/w3c.o build/asan/libnous.a
	$(CC) $(OPT) $(SAN) -o $@ $^ $(DEP_LIBS) $(XML_LIBS)

.PHONY: all test test-plain test-asan asan demo bench check-deps clean deps tidy format test-update-long valgrind \
        test-crash-long
all: nous

deps: $(CONFIG)

# ---------------------------------------------------------------- tests
# Conformance suites: ../shared/conformance when present, else the copy under tests/.
W3C := $(firstword $(wildcard ../shared/conformance) tests/conformance/w3c)
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:halt_on_error=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

test: test-plain test-asan
	@echo "make test: all suites passed (plain and AddressSanitizer+UBSan builds)"

test-plain: nous build/plain/unit build/plain/conformance build/plain/sparql-w3c check-deps $(REPLAY_PLAIN)
	@echo "== unit tests (Criterion)"
	build/plain/unit --jobs 2
	@echo "== command-line tests"
	NOUS=./nous sh tests/cli/run.sh
	@echo "== fuzz corpus and every crash the fuzzers found, replayed"
	sh tests/fuzz/replay.sh build/plain $(FUZZ_TARGETS)
	@echo "== W3C syntax conformance"
	build/plain/conformance $(W3C)
	@echo "== W3C SPARQL query evaluation"
	build/plain/sparql-w3c tests/sparql/w3c tests/sparql/dawg
	@echo "== LUBM query answer counts (exit 77: no ../shared/datasets/lubm, skipped)"
	NOUS=./nous sh tests/sparql/lubm.sh || [ $$? -eq 77 ]
	@echo "== one entailment test per rule of the built-in rule sets"
	NOUS=./nous sh tests/reasoner/entail.sh
	@echo "== W3C RDF 1.1 entailment tests (rdfs profile)"
	NOUS=./nous sh tests/reasoner/rdfmt.sh
	@echo "== owl:sameAs by representatives against the equality rules"
	NOUS=./nous sh tests/reasoner/equality.sh
	@echo "== the rule sets on real ontologies, checked rule by rule through SPARQL"
	NOUS=./nous sh tests/reasoner/ontologies.sh
	@echo "== crash safety (SIGKILL, Ctrl-C) and concurrent processes on one store"
	NOUS=./nous sh tests/crash/run.sh

test-asan: build/asan/nous build/asan/unit build/asan/conformance build/asan/sparql-w3c $(REPLAY_ASAN)
	@echo "== unit tests under ASan+UBSan"
	build/asan/unit --jobs 2
	@echo "== command-line tests under ASan+UBSan"
	NOUS=build/asan/nous sh tests/cli/run.sh
	@echo "== fuzz corpus and every crash the fuzzers found, replayed under ASan+UBSan"
	sh tests/fuzz/replay.sh build/asan $(FUZZ_TARGETS)
	@echo "== W3C syntax conformance under ASan+UBSan"
	build/asan/conformance $(W3C)
	@echo "== W3C SPARQL query evaluation under ASan+UBSan"
	build/asan/sparql-w3c tests/sparql/w3c tests/sparql/dawg
	@echo "== entailment tests under ASan+UBSan"
	NOUS=build/asan/nous sh tests/reasoner/entail.sh
	@echo "== owl:sameAs by representatives under ASan+UBSan"
	NOUS=build/asan/nous SEEDS=4 PROOF_SEEDS=1 sh tests/reasoner/equality.sh

asan: build/asan/nous

# The unit and command-line tests under valgrind's memcheck (tests/valgrind/run.sh): no
# error, no leak. Slow (20-50x); not part of `make test`, which has ASan and UBSan.
valgrind: nous build/plain/unit
	sh tests/valgrind/run.sh

check-deps:
	@sh scripts/check-deps.sh

# clang-tidy's bug-finding checks over the sources; clang-format with .clang-format.
SOURCES := $(LIB_SRC) $(REPL_SRC) repl/main.c
tidy: $(CONFIG)
	clang-tidy --quiet -checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier' $(SOURCES) -- $(CSTD) -I. $(DEP_CFLAGS)
format:
	clang-format -i $(SOURCES) $(wildcard */*.h)

# ---------------------------------------------------------------- demo and bench
demo: nous
	@rm -f demo.db demo.db-wal demo.db-shm
	./nous --db demo.db load datasets/ontologies/pizza.owl datasets/umls/train.txt
	./nous --db demo.db reason --profile owl-rl
	./nous --db demo.db train --model complex --epochs 40
	./nous --db demo.db mine --time 5 -o demo-rules.dl
	./nous --db demo.db predict kg:invertebrate kg:isa '?' --rules demo-rules.dl -k 3
	./nous --db demo.db mine --time 2 --max-length 2 --min-support 5 -o demo-fuse.dl
	./nous --db demo.db predict kg:invertebrate kg:isa '?' --fused --rules demo-fuse.dl -k 3
	./nous --db demo.db similar kg:invertebrate -k 5
	./nous --db demo.db analogy kg:bird kg:animal kg:alga -k 3
	./nous --db demo.db search --where '?x kg:isa kg:animal' --near kg:bird -k 4 --format table
	./nous --db demo.db plot-embeddings --type-colors -o demo-embeddings.svg
	./nous --db demo.db add kg:margherita1 rdf:type pizza:Margherita
	./nous --db demo.db explain kg:margherita1 rdf:type pizza:Pizza
	./nous --db demo.db retract kg:margherita1 rdf:type pizza:Margherita
	./nous --db demo.db stats
	./nous --db demo.db shell

bench: nous build/plain/sqlite_baseline build/plain/knn_bench build/plain/unit
	sh tests/bench/load.sh
	sh tests/bench/lubm_query.sh
	sh tests/bench/reason.sh
	sh tests/bench/embed.sh
	sh tests/bench/rules.sh
	sh tests/bench/fusion.sh
	sh tests/bench/search.sh
	sh tests/bench/update.sh || [ $$? -eq 77 ]
	$(MAKE) test-update-long
	$(MAKE) test-crash-long

# The incremental-reasoning property test over many more random cases than `make test` runs.
UPDATE_SEEDS ?= 5000
test-update-long: build/plain/unit
	NOUS_UPDATE_SEEDS=$(UPDATE_SEEDS) build/plain/unit --filter 'update/random*'

# Crash safety and concurrency over many more kills, Ctrl-Cs and rounds than `make test` runs,
# and Ctrl-C during each long command under ASan+UBSan (the roll-back paths leak nothing).
test-crash-long: nous build/asan/nous
	NOUS=./nous LONG=1 sh tests/crash/run.sh
	NOUS=build/asan/nous SIGINTS=3 sh tests/crash/sigint.sh

# ---------------------------------------------------------------- fuzzing (tests/fuzz/)
# libFuzzer harnesses, one per input surface, built with clang into build/fuzz/ (the library
# compiled with -fsanitize=fuzzer-no-link so the fuzzer sees its branches). Only `make fuzz`
# needs clang: tests/fuzz/deps.sh installs it (and libclang-rt-14-dev) when missing. The same
# harnesses, fed files by tests/fuzz/replay.c, replay the corpus and every crash found as part
# of `make test`, in the plain and sanitized gcc builds.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
            -fsanitize-ignorelist=tests/fuzz/ubsan-ignore.txt
FUZZ_LIB_OBJ := $(call obj,fuzz,$(LIB_SRC) $(REPL_SRC))
FUZZ_HARNESSES := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))

build/fuzz/%.o: %.c $(CONFIG) build/fuzz/.clang tests/fuzz/ubsan-ignore.txt
	@mkdir -p $(dir $@)
	@echo "  CLANG  $<"
	$(Q)$(FUZZ_CC) $(CFLAGS_ALL) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/.clang: tests/fuzz/deps.sh
	@sh tests/fuzz/deps.sh $(FUZZ_CC)
	@mkdir -p $(dir $@) && touch $@
build/fuzz/reasoner/profiles.o: build/gen/rs_profiles.inc
build/fuzz/libnous.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
FUZZ_COMMON := bound fixture
build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $(patsubst %,build/fuzz/tests/fuzz/%.o,$(FUZZ_COMMON)) build/fuzz/libnous.a
	$(FUZZ_CC) $(OPT) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(DEP_LIBS)
build/plain/replay_%: build/plain/tests/fuzz/fuzz_%.o $(patsubst %,build/plain/tests/fuzz/%.o,$(FUZZ_COMMON) replay) build/plain/libnous.a
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS)
build/asan/replay_%: build/asan/tests/fuzz/fuzz_%.o $(patsubst %,build/asan/tests/fuzz/%.o,$(FUZZ_COMMON) replay) build/asan/libnous.a
	$(CC) $(OPT) $(SAN) -o $@ $^ $(DEP_LIBS)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-valgrind
FUZZ_OBJ_NAMES := $(patsubst %,fuzz_%,$(FUZZ_TARGETS)) $(FUZZ_COMMON) replay
.SECONDARY: $(foreach b,fuzz plain asan,$(patsubst %,build/$(b)/tests/fuzz/%.o,$(FUZZ_OBJ_NAMES)))
fuzz-build: $(FUZZ_HARNESSES)
# Runs each harness for FUZZ_SECONDS on its corpus; fails when one crashes (FUZZ_TARGETS=... picks).
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)
# The corpora the fuzzers grew, replayed under valgrind: the libraries (raptor2 above all) are
# not built with ASan, so a write past a buffer of theirs shows only here.
fuzz-valgrind: $(REPLAY_PLAIN)
	@for t in $(FUZZ_TARGETS); do [ -d build/fuzz/corpus/$$t ] || continue; \
	    echo "== build/fuzz/corpus/$$t under valgrind"; \
	    REPLAY_VERBOSE=1 valgrind -q --error-exitcode=9 --exit-on-first-error=yes \
	        build/plain/replay_$$t build/fuzz/corpus/$$t 2>build/fuzz/$$t.valgrind.log || \
	        { tail -40 build/fuzz/$$t.valgrind.log; exit 1; }; done

clean:
	rm -rf build nous

-include $(shell find build -name '*.d' 2>/dev/null)
