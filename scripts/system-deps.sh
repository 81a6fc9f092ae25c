#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, where they are missing:
# PostgreSQL (the second warehouse backend, and the Odoo mapping's source).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${need[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
  echo "installing ${need[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
