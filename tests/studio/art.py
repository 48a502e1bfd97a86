"""Pleasant little abstract images for screenshots and benchmarks (gradients, a sun, hills)."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageOps

PALETTES = [
    ("#1e1b4b", "#c084fc", "#fde68a"),
    ("#0f172a", "#38bdf8", "#f472b6"),
    ("#052e16", "#4ade80", "#fef9c3"),
    ("#431407", "#fb923c", "#fde047"),
    ("#172554", "#818cf8", "#f0abfc"),
    ("#3b0764", "#e879f9", "#fbcfe8"),
    ("#042f2e", "#2dd4bf", "#e0f2fe"),
    ("#450a0a", "#f87171", "#fed7aa"),
]


def art_png(seed: int, size: tuple[int, int] = (320, 320)) -> bytes:
    rng = random.Random(seed)
    dark, mid, light = PALETTES[seed % len(PALETTES)]
    gradient = Image.linear_gradient("L").resize(size).rotate(rng.choice([0, 180]))
    image = ImageOps.colorize(gradient, black=dark, white=mid, mid=None).convert("RGB")
    draw = ImageDraw.Draw(image)
    width, height = size
    radius = rng.randint(width // 10, width // 5)
    cx, cy = rng.randint(radius, width - radius), rng.randint(radius, height // 2)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=light)
    for layer in range(3):
        base = height * (0.55 + 0.15 * layer)
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            points.append((x, base + rng.randint(-height // 10, height // 10)))
        points.append((width, height))
        shade = ImageOps.colorize(Image.new("L", (1, 1), 60 + 40 * layer), black=dark, white=mid).getpixel((0, 0))
        draw.polygon(points, fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
