#!/usr/bin/env bash
# Draws the app icon (a layer of neurons with one hot spot) and writes it in the three formats
# jpackage takes: linux/pke-workbench.png, windows/pke-workbench.ico and macos/pke-workbench.icns.
# Needs ImageMagick 6 (`convert`) with the DejaVu Sans font, and python3. The icons are committed,
# so a build never runs this script.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

convert -size 512x512 xc:none \
  -fill '#1f3b57' -draw 'roundrectangle 16,16 496,496 96,96' \
  -stroke '#8fb3d1' -strokewidth 10 \
  -draw 'line 136,136 256,256' -draw 'line 256,136 256,256' -draw 'line 376,136 256,256' \
  -draw 'line 136,256 256,256' -draw 'line 376,256 256,256' \
  -stroke none -fill '#8fb3d1' \
  -draw 'circle 136,136 136,172' -draw 'circle 256,136 256,172' -draw 'circle 376,136 376,172' \
  -draw 'circle 136,256 136,292' -draw 'circle 376,256 376,292' \
  -fill '#f28c28' -draw 'circle 256,256 256,300' \
  -fill white -font DejaVu-Sans-Bold -pointsize 120 -gravity south -annotate +0+40 'PKE' \
  "PNG32:$work/512.png"
for size in 16 32 48 128 256; do
  convert "$work/512.png" -resize "${size}x${size}" "PNG32:$work/$size.png"
done

cp "$work/256.png" linux/pke-workbench.png
convert "$work/16.png" "$work/32.png" "$work/48.png" "$work/256.png" windows/pke-workbench.ico

# An .icns file is the magic 'icns', the file length, then (type, length, PNG data) entries;
# ic07, ic08 and ic09 are the 128, 256 and 512 pixel PNG types.
python3 - "$work" macos/pke-workbench.icns <<'EOF'
import struct, sys
work, out = sys.argv[1], sys.argv[2]
entries = b""
for kind, size in ((b"ic07", 128), (b"ic08", 256), (b"ic09", 512)):
    data = open(f"{work}/{size}.png", "rb").read()
    entries += kind + struct.pack(">I", len(data) + 8) + data
open(out, "wb").write(b"icns" + struct.pack(">I", len(entries) + 8) + entries)
EOF
echo "Wrote linux/pke-workbench.png, windows/pke-workbench.ico and macos/pke-workbench.icns"
