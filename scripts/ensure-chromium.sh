#!/usr/bin/env bash
# ensure-chromium.sh installs Debian's chromium for the HTML report browser test
# (reports/html). Idempotent: does nothing when a chromium binary is already on PATH.
set -euo pipefail
for b in chromium chromium-browser google-chrome headless-shell; do
	if command -v "$b" >/dev/null 2>&1; then
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "ensure-chromium: chromium is missing and installing it needs root (apt-get install chromium)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
