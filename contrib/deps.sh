#!/bin/sh
# SPDX-License-Identifier: ISC
# Install broadside's build (and test) dependencies when they are missing.
# Usage: contrib/deps.sh build|test
# As root (or with sudo) on Debian/Ubuntu it installs the packages with
# apt-get; elsewhere it prints what to install and exits 1.
set -u
what=${1:-build}

missing=""
need_pkg() {	# pkg-config name, Debian package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() {	# command, Debian package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_file() {	# file, Debian package
	[ -e "$1" ] || missing="$missing $2"
}

need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
need_pkg openssl libssl-dev
need_pkg libmagic libmagic-dev
need_pkg inih libinih-dev
need_pkg libevent libevent-dev
need_cmd openssl openssl
if [ "$what" = test ]; then
	need_pkg cmocka libcmocka-dev
	need_pkg libseccomp libseccomp-dev
	need_file /usr/lib/python3/dist-packages/pytest python3-pytest
	need_cmd curl curl
	need_cmd lynx lynx
	need_cmd clang clang
	need_cmd haproxy haproxy
	need_cmd mandoc mandoc
	need_cmd valgrind valgrind
	need_cmd systemd-analyze systemd	# checks contrib/broadside.service
	need_cmd logrotate logrotate
	need_cmd gdb gdb	# a test has the indexer itself try forbidden calls
fi

[ -z "$missing" ] && exit 0

echo "broadside: missing:$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 &&
    sudo -n true 2>/dev/null; then
	sudo="sudo -n"
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq || exit 1
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing || exit 1
	exit 0
fi

cat >&2 <<MSG
broadside: cannot install packages here. Install them yourself:
  Debian/Ubuntu: apt-get install$missing
  Fedora:        dnf install gcc make pkgconf openssl-devel file-devel inih-devel libevent-devel
                 (tests: libcmocka-devel libseccomp-devel python3-pytest curl lynx clang haproxy mandoc valgrind systemd logrotate)
  Alpine:        apk add build-base pkgconf openssl-dev file-dev inih-dev libevent-dev
                 (tests: cmocka-dev libseccomp-dev py3-pytest curl lynx clang haproxy mandoc valgrind)
  FreeBSD:       pkg install pkgconf libmagic inih libevent
                 (tests: cmocka py311-pytest curl lynx llvm haproxy)
  OpenBSD:       pkg_add libmagic inih libevent
                 (tests: cmocka py3-test curl lynx haproxy)
MSG
exit 1
