#!/usr/bin/env bash
# Install what the printable-page tests need, from Debian's packages, when it is missing:
# a headless browser (chromium) and a CJK font (fonts-noto-cjk) for the Chinese pages and
# charts. Needs root and apt; prints what it installed. Without them those tests skip and
# name this command:  apt-get install chromium fonts-noto-cjk
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" fontconfig >/dev/null
  echo "installed: ${missing[*]}"
fi
