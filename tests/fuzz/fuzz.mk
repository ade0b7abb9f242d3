# libFuzzer targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput
# over one parser.  Each target is built with clang from the same sources as
# the daemon and clients, then run for FUZZ_SECONDS with its dictionary
# (tests/fuzz/NAME.dict) when there is one.  Corpora live in build/fuzz/.
# `make fuzz-seeds` (the `seeds` goal here) runs each target once over every
# file in tests/fuzz/seeds-NAME/ (files, not the directory: nothing is
# written there) and fails if a target has no seeds.

FUZZ_SECONDS ?= 60
FUZZ_MAXLEN  ?= 4096
FCC    := clang
FBUILD := build/fuzz
FFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
          -Iproto -Idaemon -Iclients $(shell pkg-config --cflags jansson)
FLIBS  := $(shell pkg-config --libs jansson libcrypto)

PROTO_SRC := $(sort $(wildcard proto/*.c))
TARGETS   := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: all seeds
all: $(addprefix run-,$(TARGETS))
# Every target over each of its seeds once (CI): catches a target that no
# longer builds or a seed that now crashes, in seconds.
seeds: $(addprefix seeds-,$(TARGETS))

# Targets over a daemon parser name its sources: FUZZ_SRC_<target>, and
# the libraries they need beyond jansson and libcrypto: FUZZ_LIBS_<target>.
# The command parser reads values with args.c, whose site lookups (never
# called here) link the store: the daemon's modules, but not its main.
FUZZ_SRC_parse := $(filter-out daemon/main.c,$(sort $(wildcard daemon/*.c)))
FUZZ_LIBS_parse = $(shell pkg-config --libs libevent libevent_pthreads libevent_openssl libnats \
                  lmdb openssl inih libzstd) -lm -pthread
FUZZ_SRC_acl_file := daemon/acl_file.c
FUZZ_SRC_entry := daemon/entry.c daemon/log.c
FUZZ_LIBS_entry = $(shell pkg-config --libs libzstd)
FUZZ_SRC_http := daemon/http_api.c
FUZZ_LIBS_http = $(shell pkg-config --libs libevent)

.SECONDEXPANSION:
$(FBUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(PROTO_SRC) $$(FUZZ_SRC_$$*)
	@mkdir -p $(FBUILD)
	$(FCC) $(FFLAGS) -o $@ $^ $(FLIBS) $(FUZZ_LIBS_$*)

run-%: $(FBUILD)/fuzz_%
	@mkdir -p $(FBUILD)/corpus-$*
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN) \
	   $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	   $(FBUILD)/corpus-$* $(wildcard tests/fuzz/seeds-$*)

seeds-%: $(FBUILD)/fuzz_%
	@test -n "$(wildcard tests/fuzz/seeds-$*/*)" || \
	   { echo "fuzz: target $* has no seeds in tests/fuzz/seeds-$*/" >&2; exit 1; }
	@echo "  FUZZ    $* over $(words $(wildcard tests/fuzz/seeds-$*/*)) seeds"
	@$< -runs=0 $(wildcard tests/fuzz/seeds-$*/*) >$(FBUILD)/seeds-$*.log 2>&1 || \
	   { cat $(FBUILD)/seeds-$*.log >&2; echo "fuzz: $* failed on its seeds" >&2; exit 1; }
