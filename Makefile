# broadside: plain Makefile.  See README.md for the two commands.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= $(PREFIX)/etc
DESTDIR	?=

CC	?= cc
PKG_CONFIG ?= pkg-config
PKGS	 = openssl libmagic inih libevent
# The Debian package that brings each of PKGS, for pkgs-present's message.
DEB_openssl  = libssl-dev
DEB_libmagic = libmagic-dev
DEB_inih     = libinih-dev
DEB_libevent = libevent-dev
SECCOMP	:= $(shell $(PKG_CONFIG) --exists libseccomp 2>/dev/null && echo libseccomp)

WARN	 = -Wall -Wextra -Wpedantic -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
WERROR	?= -Werror
OPT	?= -O2 -g
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(SECCOMP) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) $(SECCOMP) 2>/dev/null)
DEFS	 = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(if $(SECCOMP),-DHAVE_SECCOMP)
CFLAGS	?=
ALL_CFLAGS = -std=c17 $(WARN) $(WERROR) $(OPT) $(DEFS) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDLIBS	 = $(PKG_LIBS) -lpthread -lm

SAN	 = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined

SRCS	:= $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

B	 = build
S	 = build/san
F	 = build/fuzz

OBJS	 = $(SRCS:src/%.c=$(B)/%.o)
SOBJS	 = $(SRCS:src/%.c=$(S)/%.o)
SLIBOBJS = $(LIB_SRCS:src/%.c=$(S)/%.o)
UNITS	 = $(UNIT_SRCS:tests/unit/%.c=$(S)/tests/%)
FUZZERS	 = $(FUZZ_SRCS:tests/fuzz/%.c=$(F)/%)

PYTHON	?= /usr/bin/python3
# Seconds each fuzz target runs in `make check` (make fuzz: 600).
FUZZ_SECONDS ?= 12
CONF	?= conf/broadside.ini

.PHONY: all run check test unit e2e fuzz fuzz-smoke bench deps test-deps \
	install uninstall clean lint valgrind pkgs-present

all: $(B)/broadside

$(B)/broadside: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(B)/%.o: src/%.c | pkgs-present
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Sanitizer build: the binary the tests run, and the unit tests.
$(S)/broadside: $(SOBJS)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $(SOBJS) $(LDLIBS)

$(S)/%.o: src/%.c | pkgs-present
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(S)/tests/%: tests/unit/%.c $(SLIBOBJS) | pkgs-present
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) -Isrc -o $@ $< $(SLIBOBJS) $(LDLIBS) -lcmocka

# libFuzzer targets (clang), linked with every module but main.c.
$(F)/%.o: src/%.c | pkgs-present
	@mkdir -p $(@D)
	clang -std=c17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	    $(DEFS) $(PKG_CFLAGS) -c -o $@ $<

# Keep the fuzz objects: make would delete them as intermediates.
.SECONDARY: $(LIB_SRCS:src/%.c=$(F)/%.o)

$(F)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS:src/%.c=$(F)/%.o) | pkgs-present
	clang -std=c17 -O1 -g -fsanitize=fuzzer,address,undefined $(DEFS) \
	    $(PKG_CFLAGS) -Isrc -o $@ $< $(LIB_SRCS:src/%.c=$(F)/%.o) $(LDLIBS)

# Before the first compile: a library pkg-config does not know stops the
# build here, naming the package to install, instead of a compiler error
# on a missing header.  Only what compiles asks for it (order-only, so it
# forces no rebuild): clean, deps and test-deps work without the packages,
# and run and check install them before their sub-make compiles.
pkgs-present:
	@if ! command -v $(firstword $(PKG_CONFIG)) >/dev/null 2>&1; then \
		printf '%s\n' "broadside: $(firstword $(PKG_CONFIG)) is not installed." \
		    "  Install the Debian package: apt-get install pkg-config" \
		    "  or run 'make deps' (or 'make run'), which installs what is missing." >&2; \
		exit 1; \
	fi; \
	libs=; debs=; \
	for p in $(foreach p,$(PKGS),$(p):$(DEB_$(p))); do \
		$(PKG_CONFIG) --exists "$${p%%:*}" 2>/dev/null && continue; \
		libs="$$libs $${p%%:*}"; debs="$$debs $${p#*:}"; \
	done; \
	if [ -n "$$libs" ]; then \
		printf '%s\n' "broadside: cannot build: pkg-config finds no$$libs." \
		    "  Install the Debian package(s): apt-get install$$debs" \
		    "  or run 'make deps' (or 'make run'), which installs what is missing." >&2; \
		exit 1; \
	fi

deps:
	@sh contrib/deps.sh build

test-deps:
	@sh contrib/deps.sh test

run: deps
	$(MAKE) all
	$(B)/broadside -c $(CONF)

check: test-deps
	$(MAKE) test

test: unit e2e fuzz-smoke
	@echo "make check: all tests passed"

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "== $$t"; $$t; done

e2e: $(S)/broadside $(B)/broadside
	BROADSIDE_BIN=$(CURDIR)/$(S)/broadside BROADSIDE_FAST_BIN=$(CURDIR)/$(B)/broadside \
	    $(PYTHON) -m pytest -q tests/e2e

# The Gemini and Gopher end-to-end suites with every server process under
# memcheck; any leak or invalid access is printed and fails the target.
# (The symlink test is left out: valgrind lacks openat2, so broadside falls
# back to refusing every symbolic link, as it does on other systems.)
valgrind: $(B)/broadside
	rm -rf build/valgrind
	BROADSIDE_BIN=$(CURDIR)/tests/valgrind.sh \
	    BROADSIDE_REAL_BIN=$(CURDIR)/$(B)/broadside \
	    VALGRIND_LOGS=$(CURDIR)/build/valgrind \
	    $(PYTHON) -m pytest -q tests/e2e/test_gemini.py tests/e2e/test_gopher.py \
	    --deselect tests/e2e/test_gemini.py::test_symlink_inside_root_is_followed \
	    --deselect tests/e2e/test_gemini.py::test_50mib_file_streamed_intact_rss_flat
	@if cat build/valgrind/*.log | grep -v -e 'unhandled amd64-linux syscall' \
	    -e 'README_MISSING_SYSCALL' -e 'Nevertheless we consider' \
	    -e 'bug_reports.html' -e 'write your own handler' | grep .; then \
	    echo "valgrind: errors above"; exit 1; fi
	@echo "valgrind: no leaks, no invalid accesses in $$(ls build/valgrind | wc -l) processes"

fuzz-smoke: $(FUZZERS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

fuzz: $(FUZZERS)
	@sh tests/fuzz/run.sh $${FUZZ_SECONDS:-600} $(FUZZERS)

bench: test-deps $(B)/broadside
	@sh tests/bench/run.sh

install: $(B)/broadside
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/broadside
	install -m 755 $(B)/broadside $(DESTDIR)$(SBINDIR)/broadside
	install -m 644 man/broadside.8 $(DESTDIR)$(MANDIR)/man8/broadside.8
	install -m 644 man/broadside.ini.5 $(DESTDIR)$(MANDIR)/man5/broadside.ini.5
	install -m 644 man/broadside-content.5 \
	    $(DESTDIR)$(MANDIR)/man5/broadside-content.5
	install -m 644 conf/broadside.ini \
	    $(DESTDIR)$(SYSCONFDIR)/broadside/broadside.ini.sample

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/broadside \
	    $(DESTDIR)$(MANDIR)/man8/broadside.8 \
	    $(DESTDIR)$(MANDIR)/man5/broadside.ini.5 \
	    $(DESTDIR)$(MANDIR)/man5/broadside-content.5 \
	    $(DESTDIR)$(SYSCONFDIR)/broadside/broadside.ini.sample

lint:
	mandoc -Tlint -W warning man/broadside.8 man/broadside.ini.5 \
	    man/broadside-content.5

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SOBJS:.o=.d)
