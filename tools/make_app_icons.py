"""Draw the app's home-screen icons (the web app manifest's and Apple's) into assets/icons/.

    .venv/bin/python tools/make_app_icons.py

Run once; the PNGs are committed. A white calendar page with a check mark on the theme's teal
(assets/theme.css, hub_app/pages/app_head.py THEME_COLOR). "any" icons are a rounded square on
transparency; "maskable" icons fill the whole square and keep the drawing inside the central
80 % circle that every launcher's mask leaves visible.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

TEAL = (0, 121, 107, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parents[1] / "assets" / "icons"
SCALE = 4  # drawn 4x larger, then scaled down: smooth edges without an anti-aliasing pass


def calendar(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
    """A calendar page with two rings and a check mark, filling `box` (left, top, right, bottom)."""
    left, top, right, bottom = box
    width = right - left
    radius = width * 0.12
    line = width * 0.085
    draw.rounded_rectangle((left, top + width * 0.08, right, bottom), radius=radius, fill=WHITE)
    draw.rectangle((left, top + width * 0.30, right, top + width * 0.30 + line * 0.6), fill=TEAL)
    for x in (left + width * 0.27, right - width * 0.27):
        draw.rounded_rectangle((x - line / 2, top, x + line / 2, top + width * 0.22), radius=line / 2, fill=TEAL)
    check = [(left + width * 0.26, top + width * 0.66), (left + width * 0.43, top + width * 0.82),
             (left + width * 0.76, top + width * 0.47)]
    draw.line(check, fill=TEAL, width=round(line * 1.2), joint="curve")


def icon(size: int, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=TEAL)
        margin = big * 0.28  # the drawing stays within the 80 % safe circle
    else:
        draw.rounded_rectangle((0, 0, big, big), radius=big * 0.22, fill=TEAL)
        margin = big * 0.2
    calendar(draw, (margin, margin, big - margin, big - margin))
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    # iOS ignores the manifest's icons and masks a square itself: the full-bleed drawing.
    icon(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
