#!/usr/bin/env bash
# Install what report-gen needs, from the project's own files.
#
#   bash scripts/install.sh          a Chinese font for the charts (Debian/Ubuntu package
#                                    fonts-noto-cjk) and the report-gen package itself
#   bash scripts/install.sh --test   also the test tools, and LibreOffice + poppler + the free
#                                    preview fonts, so the tests can check rendered pages
#
# Debian packages need root: the script uses sudo when not run as root. Without apt-get it
# names the packages to install by other means (any CJK font such as SimHei also works).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fonts-noto-cjk)
extras=""
if [ "${1:-}" = "--test" ]; then
  packages+=(libreoffice-writer-nogui poppler-utils fonts-arphic-ukai fonts-arphic-uming)
  extras="[test]"
fi

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "apt-get not found: please install ${packages[*]} (or a CJK font such as SimHei) yourself." >&2
fi

python3 -m pip install -q --disable-pip-version-check -e ".${extras}"
