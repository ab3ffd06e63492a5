#!/usr/bin/env bash
# A short end-to-end tour in the terminal: search, then two instruments side by side.
set -euo pipefail
cyberreg=".venv/bin/cyberreg"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say cyberreg list instruments --jurisdiction GBR
$cyberreg list instruments --jurisdiction GBR
say cyberreg search "default password" --limit 5
$cyberreg search "default password" --limit 5
say cyberreg show uk-psti
$cyberreg show uk-psti
say cyberreg compare uk-psti etsi-en-303-645
$cyberreg compare uk-psti etsi-en-303-645
printf '\nMore: %s --help\n' "$cyberreg"
