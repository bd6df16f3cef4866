#!/usr/bin/env bash
# Install report-gen into the project's own virtual environment, .venv/, on Debian or Ubuntu.
#
#   bash scripts/install.sh          a Chinese font for the charts (Debian/Ubuntu package
#                                    fonts-noto-cjk), then .venv/ with the report-gen package
#   bash scripts/install.sh --test   also LibreOffice + poppler + the free preview fonts (so the
#                                    tests can check rendered pages), Chromium and its driver (the
#                                    web page's browser test) and the test tools in .venv/
#
# Nothing is installed into the system Python: Debian 12 and Ubuntu 23.04 mark theirs
# "externally managed" (PEP 668), and pip refuses to install there. Debian packages need root:
# the script uses sudo when not run as root, and installs only the packages that are missing.
# Without apt-get it names what to install by other means. PYTHON=/path/to/python3 chooses the
# interpreter that creates .venv/ (default: python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
packages=(fonts-noto-cjk)
extras=""
if [ "${1:-}" = "--test" ]; then
  packages+=(libreoffice-writer-nogui poppler-utils fonts-arphic-ukai fonts-arphic-uming chromium chromium-driver)
  extras="[test]"
fi

# apt_install PACKAGE...: install those of the Debian packages that are not installed yet.
apt_install() {
  local missing=() package status
  for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install.sh: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if command -v apt-get >/dev/null 2>&1; then
  apt_install "${packages[@]}"
else
  echo "install.sh: apt-get not found; install these yourself if they are missing: ${packages[*]}" \
    "(any CJK font such as SimHei or PingFang SC serves for the charts)." >&2
fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "install.sh: $python not found: install Python 3.10 or newer first." >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "install.sh: report-gen needs Python 3.10 or newer; $python is $("$python" -V 2>&1)." >&2
  exit 1
fi

# Reuse a working .venv; replace one whose interpreter has gone (moved folder, removed Python).
if [ -e .venv ] && ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
  echo "install.sh: .venv/ does not run; creating it again" >&2
  rm -rf .venv
fi
if [ ! -e .venv ]; then
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    venv_package="python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    if command -v apt-get >/dev/null 2>&1; then
      apt_install "$venv_package"
      "$python" -m venv .venv
    else
      echo "install.sh: $python cannot create a virtual environment (python3 -m venv failed);" \
        "install its venv module (on Debian/Ubuntu: $venv_package) and run this again." >&2
      exit 1
    fi
  fi
fi

.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
# Compile the package's modules once now, as pip does for a package it copies into site-packages:
# the install above links this source tree instead, and where Python may not write its bytecode
# cache (PYTHONDONTWRITEBYTECODE, a read-only checkout) every run would compile them afresh.
.venv/bin/python -m compileall -q report_gen
echo "install.sh: report-gen is installed in .venv/ (run .venv/bin/report-gen)." >&2
