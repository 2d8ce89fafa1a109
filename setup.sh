#!/bin/sh
# Installs what the suite and its tests need on Debian 12, as root: the reference DUTs' packages, tcpdump-free
# Python tooling (python3-venv), and the project with its Python dependencies in .venv. Safe to run again.
set -eu
cd "$(dirname "$0")"

PACKAGES="python3-venv isc-dhcp-client isc-dhcp-relay dhcpcd-base wide-dhcpv6-client dnsmasq-base systemd"
# --tests: also what only the suite's own tests need (headless Chromium renders the HTML report)
if [ "${1:-}" = "--tests" ]; then
    PACKAGES="$PACKAGES chromium"
elif [ -n "${1:-}" ]; then
    echo "usage: $0 [--tests]" >&2
    exit 2
fi
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The packages enable services; nothing here starts them, and the suite never runs them in the root namespace.
    apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x .venv/bin/python ]; then
    /usr/bin/python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
