#!/usr/bin/env bash
# Looks at the consultation report and the workbook as the secretariat will: writes the report
# (PDF and DOCX, Khmer and English) and the workbook, converts the DOCX and the workbook with
# LibreOffice headless, lists the fonts every PDF embeds, and renders the first pages to PNG.
#
#   sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui fonts-khmeros poppler-utils
#   scripts/report-check.sh [DATABASE_URL] [OUT_DIR]
#
# Then look at OUT_DIR/*.png: Khmer whole (stacked consonants in place, no "+" or dotted
# circles), A4, page n of N and the plan version in the footer, tables within the page.
set -euo pipefail
cd "$(dirname "$0")/.."

db="${1:-${DATABASE_URL:-sqlite://dwcp-feedback.db}}"
out="${2:-report-check}"
mkdir -p "$out"

for tool in soffice pdffonts pdftoppm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool not found: see the apt-get line at the top of this script" >&2
        exit 1
    fi
done
if ! fc-list | grep -qi "Khmer OS"; then
    echo "warning: no Khmer OS font installed (fonts-khmeros); LibreOffice's Khmer will fall back" >&2
fi

run() { DATABASE_URL="$db" cargo run --quiet --release -- "$@"; }
for lang in km en; do
    run report --lang "$lang" --out "$out/report-$lang.pdf"
    run report --lang "$lang" --out "$out/report-$lang.docx"
done
run export --format xlsx --out "$out/feedback.xlsx"

# LibreOffice names its PDF after the input: keep the typeset PDFs apart.
mkdir -p "$out/libreoffice"
soffice --headless --convert-to pdf --outdir "$out/libreoffice" \
    "$out/report-km.docx" "$out/report-en.docx" "$out/feedback.xlsx" >/dev/null

for pdf in "$out"/report-*.pdf "$out"/libreoffice/*.pdf; do
    echo "== $pdf: $(pdfinfo "$pdf" | grep -E '^(Pages|Page size)' | tr -s ' ' | paste -sd ' ')"
    pdffonts "$pdf" | tail -n +3 | awk '{print "   " $1 "  embedded=" $(NF-4)}' | sort -u
    name="$(basename "${pdf%.pdf}")"
    case "$pdf" in */libreoffice/*) name="lo-$name" ;; esac
    pdftoppm -r 70 -f 1 -l 3 -png "$pdf" "$out/$name"
done
echo "Look at the pages: $out/*.png"
