#!/usr/bin/env bash
# Looks at the secretariat's files the way they will: converts an export workbook and the
# filled plan sheet to PDF with LibreOffice, headless, with the Khmer fonts Cambodian offices use.
#
#   sudo apt-get install libreoffice-calc-nogui fonts-khmeros   # Debian / Ubuntu, once
#   scripts/workbook-pdf.sh [DATABASE_URL] [OUT_DIR]
#
# Writes OUT_DIR/feedback.xlsx, OUT_DIR/plan.xlsx and a PDF of each; open the PDFs and look at
# the Khmer (stacked consonants whole, no "+"), the row heights, the dates and the chart page.
set -euo pipefail
cd "$(dirname "$0")/.."

db="${1:-${DATABASE_URL:-sqlite://dwcp-feedback.db}}"
out="${2:-workbook-check}"
mkdir -p "$out"

if ! command -v soffice >/dev/null 2>&1; then
    echo "soffice not found: install libreoffice-calc-nogui and fonts-khmeros" >&2
    exit 1
fi
if ! fc-list | grep -qi "Khmer OS"; then
    echo "warning: no Khmer OS font installed (fonts-khmeros); Khmer will fall back" >&2
fi

DATABASE_URL="$db" cargo run --quiet --release -- export --format xlsx --out "$out/feedback.xlsx"
DATABASE_URL="$db" cargo run --quiet --release -- plan template --filled --out "$out/plan.xlsx"
soffice --headless --convert-to pdf --outdir "$out" "$out/feedback.xlsx" "$out/plan.xlsx"
echo "Look at $out/feedback.pdf and $out/plan.pdf"
