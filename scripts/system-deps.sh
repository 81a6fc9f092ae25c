#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, where they are missing:
# PostgreSQL (the second warehouse backend, and the Odoo mapping's source),
# Chromium (the web app's browser tests drive it through Playwright),
# poppler-utils (pdftoppm: the briefing's PDF is checked page by page), the
# fonts WeasyPrint renders the PDF with, and LibreOffice Impress (the briefing's
# PPTX is converted to PDF with soffice and checked slide by slide).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # the alerts' TLS tests make a throwaway CA
fc-list 2>/dev/null | grep -qi "dejavu" || need+=(fonts-dejavu-core)
[ -x /usr/bin/soffice ] || need+=(libreoffice-impress)
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
