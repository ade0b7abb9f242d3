# yima — build, test and run.
#
#   make            build bin/yimad and bin/yima (release: -O2 -g)
#   make test       unit + integration tests against the release build
#   make asan       the same suite built with AddressSanitizer + UBSan
#   make tsan       the integration suite against a ThreadSanitizer yimad
#   make fuzz       libFuzzer targets, each for FUZZ_SECONDS (clang)
#   make fuzz-seeds every libFuzzer target built and run once over its seeds
#   make fuzz-net   random and mutated RESP over real connections to the ASan
#                   yimad for FUZZ_NET_SECONDS (60), seed FUZZ_NET_SEED (printed)
#   make test-dates the integration suite with the clock at other days
#                   (TEST_DATES, default 2031-06-01 and today in Beijing)
#   make test-gs1 GS1_REFERENCE=DIR
#                   the EPCIS loader and yima-gen against GS1's example
#                   documents and JSON schema in DIR (required)
#   make run        start yimad in the foreground on 127.0.0.1:7700, data in ./var/,
#                   HTTP and the web pages (clients/web) on http://127.0.0.1:7780/
#   make cluster    three nats-servers and three yimads on 127.0.0.1 in the
#                   background (var/cluster, daemon/CLUSTER.md); make cluster-stop
#   make test-model N=500  the reference model against yimad: N random command
#                   sequences, every reply compared (tests/model/difftest.py)
#   make install    yima, yimad, their man pages, bash completion, the example
#                   configuration and the systemd unit under PREFIX (/usr/local),
#                   staged under DESTDIR when given
#
# `make`, `make test` and `make run` first make sure the build and test
# dependencies are installed (config/install-deps.sh).

BUILD    ?= build/release
BIN      ?= bin
SANITIZE ?=
CC       ?= cc

PKGS := libevent libevent_pthreads libevent_openssl lmdb openssl inih jansson libzstd

# pkg-config runs once, on first use, which is after the deps target ran.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
# libnats (nats.c, the JetStream client): yimad, the unit tests and the
# stream tool link it; the clients do not.
NATS_LIBS = $(eval NATS_LIBS := $(shell pkg-config --libs libnats))$(NATS_LIBS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $(shell pkg-config --libs cmocka))$(CMOCKA_LIBS)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wundef -Wvla -Wcast-qual
OPT  := -O2 -g -ffunction-sections
# yimad's functions laid out hottest first (daemon/hot.order, written by
# tests/bench/hot_order.py): a VERIFY's code then shares fewer instruction
# cache lines with itself.  Release builds only; gold reads the order.
YIMAD_LAYOUT = -fuse-ld=gold -Wl,--section-ordering-file=daemon/hot.order
ifeq ($(SANITIZE),address)
OPT  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
        -fno-sanitize-recover=undefined
endif
ifeq ($(SANITIZE),thread)
OPT  := -O1 -g -fsanitize=thread
endif
ifneq ($(SANITIZE),)
YIMAD_LAYOUT :=
endif

CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -MMD -MP -Iproto -Idaemon -Iclients $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS) -pthread

PROTO_SRC  := $(sort $(wildcard proto/*.c))
DAEMON_SRC := $(filter-out daemon/main.c,$(sort $(wildcard daemon/*.c)))
CLIENT_LIB_SRC := $(filter-out clients/yima.c clients/yima-%.c,$(sort $(wildcard clients/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

PROTO_LIB  := $(BUILD)/libyimaproto.a
DAEMON_LIB := $(BUILD)/libyimad.a
CLIENT_LIB := $(BUILD)/libyimaclient.a
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Helpers the integration tests run (tests/integration/*.c).
TEST_TOOLS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/integration/*.c)))
# Further client programs: clients/yima-NAME.c → bin/yima-NAME.
EXTRA_BINS := $(patsubst clients/%.c,$(BIN)/%,$(sort $(wildcard clients/yima-*.c)))

.PHONY: all build deps install test unit integration asan tsan fuzz fuzz-seeds test-dates run cluster cluster-stop clean
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build

build: $(BIN)/yimad $(BIN)/yima $(EXTRA_BINS) $(UNIT_BINS) $(TEST_TOOLS)

deps:
	@sh config/install-deps.sh

# V=1 shows the full commands.
Q = $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) $(EXTRA_CFLAGS) -c $< -o $@

# yima-bench also drives PostgreSQL (clients/bench_pg.c), through libpq;
# nothing else links it.
$(BUILD)/clients/bench_pg.o: EXTRA_CFLAGS = $(shell pkg-config --cflags libpq)
$(BIN)/yima-bench: EXTRA_LIBS = $(shell pkg-config --libs libpq)

$(PROTO_LIB): $(call obj,$(PROTO_SRC))
	@rm -f $@; ar rcs $@ $^
$(DAEMON_LIB): $(call obj,$(DAEMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(CLIENT_LIB): $(call obj,$(CLIENT_LIB_SRC))
	@rm -f $@; ar rcs $@ $^

$(BIN)/yimad: $(call obj,daemon/main.c) $(DAEMON_LIB) $(PROTO_LIB) daemon/hot.order
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) $(YIMAD_LAYOUT) -o $@ $(filter-out daemon/hot.order,$^) \
		$(PKG_LIBS) $(NATS_LIBS) -lm

$(BIN)/yima: $(call obj,clients/yima.c) $(CLIENT_LIB) $(PROTO_LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

$(BIN)/yima-%: $(call obj,clients/yima-%.c) $(CLIENT_LIB) $(PROTO_LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(EXTRA_LIBS) -lm

# Unit tests link any daemon, client and proto module they need.
$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(DAEMON_LIB) $(CLIENT_LIB) $(PROTO_LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(NATS_LIBS) $(CMOCKA_LIBS) -lm

$(BUILD)/tests/lmdb_poke: $(call obj,tests/integration/lmdb_poke.c)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# Publishes and consumes through daemon/stream.c for the cluster tests.
$(BUILD)/tests/stream_tool: $(call obj,tests/integration/stream_tool.c) $(DAEMON_LIB) $(PROTO_LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(NATS_LIBS) -lm

unit: build
	@sh tests/unit/run.sh $(UNIT_BINS)

integration: build
	@YIMA_BIN=$(abspath $(BIN)) YIMA_TEST_TOOLS=$(abspath $(BUILD)/tests) \
		python3 tests/integration/run.py

# `make test` = unit + integration on the release build.
test: deps
	@$(MAKE) --no-print-directory unit integration

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin SANITIZE=address unit integration

# The threads that matter (workers, writer) are the daemon's: TSan watches
# yimad while the integration suite drives it.
tsan: deps
	@$(MAKE) --no-print-directory BUILD=build/tsan BIN=build/tsan/bin SANITIZE=thread integration

FUZZ_SECONDS ?= 60
fuzz:
	@sh config/install-deps.sh fuzz
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-seeds:
	@sh config/install-deps.sh fuzz
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk seeds

# tests/fuzz/fuzz_net.py against the AddressSanitizer yimad, built in
# FUZZ_NET_BUILD (default build/asan, the build `make asan` uses).
FUZZ_NET_SECONDS ?= 60
FUZZ_NET_BUILD ?= build/asan
.PHONY: fuzz-net
fuzz-net: deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_NET_BUILD) BIN=$(FUZZ_NET_BUILD)/bin \
		SANITIZE=address build
	@python3 tests/fuzz/fuzz_net.py --bin $(FUZZ_NET_BUILD)/bin --seconds $(FUZZ_NET_SECONDS) \
		$(if $(FUZZ_NET_SEED),--seed $(FUZZ_NET_SEED))

# The integration suite once per day in TEST_DATES, yimad's clock and
# yima-gen's --today set to it (tests/integration/harness.py: TODAY).
TEST_DATES ?= 2031-06-01 $(shell TZ=Asia/Shanghai date +%F)
test-dates: deps
	@$(MAKE) --no-print-directory build
	@set -e; for d in $(TEST_DATES); do \
		echo "== integration suite at $$d"; \
		YIMA_TEST_TODAY=$$d $(MAKE) --no-print-directory integration; \
	done

# The checks that read GS1's own EPCIS 2.0 documents, which are not part of
# the repository: GS1_REFERENCE names their directory (CI passes
# ../shared/reference/epcis); there is no default.  The unit test reads them
# through YIMA_GS1_REFERENCE, and the integration tests named test_gs1_*
# exist only when it is set.
.PHONY: test-gs1
test-gs1:
	@if [ -z "$(GS1_REFERENCE)" ]; then \
		echo "make test-gs1: GS1_REFERENCE is not set: make test-gs1 GS1_REFERENCE=DIR," \
		     "DIR holding GS1's EPCIS 2.0 example documents and EPCIS-JSON-Schema.json" >&2; \
		exit 2; \
	fi; \
	if [ ! -d "$(GS1_REFERENCE)" ]; then \
		echo "make test-gs1: GS1_REFERENCE=$(GS1_REFERENCE) is not a directory" >&2; \
		exit 2; \
	fi
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build
	@ref=$$(cd "$(GS1_REFERENCE)" && pwd) && \
	YIMA_GS1_REFERENCE="$$ref" sh tests/unit/run.sh $(BUILD)/tests/test_load_epcis && \
	YIMA_GS1_REFERENCE="$$ref" YIMA_BIN=$(abspath $(BIN)) \
		YIMA_TEST_TOOLS=$(abspath $(BUILD)/tests) python3 tests/integration/run.py test_gs1_

# The reference model against yimad (tests/model): N sequences (default 200).
.PHONY: test-model
test-model: build
	@YIMA_BIN=$(abspath $(BIN)) python3 tests/model/difftest.py -n $(or $(N),200)

run: all
	@mkdir -p var
	$(BIN)/yimad -c config/yimad.conf --bind 127.0.0.1 --port 7700 --http-port 7780 --web-root clients/web --data ./var

# Three nats-servers and three yimads in one cluster, in the background on
# 127.0.0.1 (var/cluster); `make cluster-stop` stops them by pid.
cluster: all
	@sh tests/cluster/run.sh start var/cluster

cluster-stop:
	@sh tests/cluster/run.sh stop var/cluster

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: paths written into the
# systemd unit and the man pages follow PREFIX (config/yimad.service names
# /usr/local/sbin/yimad).
PREFIX ?= /usr/local
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
INSTALL_ROOT = $(DESTDIR)$(PREFIX)
install: $(BIN)/yimad $(BIN)/yima
	install -d $(INSTALL_ROOT)/bin $(INSTALL_ROOT)/sbin $(INSTALL_ROOT)/share/man/man1 \
		$(INSTALL_ROOT)/share/man/man5 $(INSTALL_ROOT)/share/man/man8 \
		$(INSTALL_ROOT)/share/bash-completion/completions $(INSTALL_ROOT)/share/doc/yima \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(BIN)/yima $(INSTALL_ROOT)/bin/yima
	install -m 0755 $(BIN)/yimad $(INSTALL_ROOT)/sbin/yimad
	sed 's|/usr/local|$(PREFIX)|g' clients/man/yima.1 > $(INSTALL_ROOT)/share/man/man1/yima.1
	sed 's|/usr/local|$(PREFIX)|g' daemon/man/yimad.conf.5 > $(INSTALL_ROOT)/share/man/man5/yimad.conf.5
	sed 's|/usr/local|$(PREFIX)|g' daemon/man/yimad.8 > $(INSTALL_ROOT)/share/man/man8/yimad.8
	install -m 0644 clients/yima.bash $(INSTALL_ROOT)/share/bash-completion/completions/yima
	install -m 0644 config/yimad.conf config/acl.example $(INSTALL_ROOT)/share/doc/yima/
	sed 's|/usr/local|$(PREFIX)|g' config/yimad.service > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/yimad.service
	chmod 0644 $(INSTALL_ROOT)/share/man/man*/yima*.[158] $(DESTDIR)$(SYSTEMD_UNIT_DIR)/yimad.service

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
