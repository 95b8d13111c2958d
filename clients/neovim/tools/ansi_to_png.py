"""Render `tmux capture-pane -e -p` output (truecolor SGR) to a PNG.

    ansi_to_png.py CAPTURE OUT.png CURSOR_X CURSOR_Y COLS

Needs Pillow (use a throwaway venv). Used by screenshot.sh.
"""

import re
import sys

from PIL import Image, ImageDraw, ImageFont

src, out, cx, cy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
FG, BG = (224, 226, 234), (20, 22, 27)
font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 15)
bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 15)
italic = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Oblique.ttf", 15)
cw = round(font.getlength("M"))
ch = 20
with open(src, encoding="utf-8") as f:
    lines = f.read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
cols = int(sys.argv[5]) if len(sys.argv) > 5 else 84
pad = 12
img = Image.new("RGB", (cols * cw + 2 * pad, len(lines) * ch + 2 * pad), BG)
draw = ImageDraw.Draw(img)
BASIC = [
    (0, 0, 0),
    (205, 49, 49),
    (13, 188, 121),
    (229, 229, 16),
    (36, 114, 200),
    (188, 63, 188),
    (17, 168, 205),
    (229, 229, 229),
]
for row, line in enumerate(lines):
    fg, bg, b, it, rev = FG, BG, False, False, False
    col = 0
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        if part.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bg, b, it, rev = FG, BG, False, False, False
                elif c == 1:
                    b = True
                elif c == 3:
                    it = True
                elif c == 7:
                    rev = True
                elif c == 22:
                    b = False
                elif c == 23:
                    it = False
                elif c == 27:
                    rev = False
                elif c in (38, 48) and i + 1 < len(codes) and codes[i + 1] == 2:
                    rgb = tuple(codes[i + 2 : i + 5])
                    if c == 38:
                        fg = rgb
                    else:
                        bg = rgb
                    i += 4
                elif c in (38, 48) and i + 1 < len(codes) and codes[i + 1] == 5:
                    i += 2
                elif c == 39:
                    fg = FG
                elif c == 49:
                    bg = BG
                elif 30 <= c <= 37:
                    fg = BASIC[c - 30]
                elif 40 <= c <= 47:
                    bg = BASIC[c - 40]
                i += 1
            continue
        for char in part:
            f, g = (bg, fg) if rev else (fg, bg)
            x, y = pad + col * cw, pad + row * ch
            draw.rectangle([x, y, x + cw, y + ch], fill=g)
            draw.text((x, y + 2), char, font=bold if b else italic if it else font, fill=f)
            col += 1
    if row == cy:  # Insert-mode bar cursor
        x, y = pad + cx * cw, pad + row * ch
        draw.rectangle([x, y + 1, x + 1, y + ch - 1], fill=FG)
img.save(out, optimize=True)
print(img.size)
