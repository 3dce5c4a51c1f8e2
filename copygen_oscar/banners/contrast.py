"""WCAG 2.x contrast: relative luminance of sRGB colours and the ratio between two of them.

Text on a banner is checked against the actual pixels it sits on: the worst (lowest) ratio between the text colour
and any distinct colour of the background under the text box, so a gradient, a logo edge or an image corner under
the text cannot hide behind an average.
"""

from PIL import ImageColor

AA = 4.5  # WCAG 2.x level AA for normal-size text


def rgb(colour):
    """'#1f3a5f', 'white', (31, 58, 95) or (31, 58, 95, 255) -> (31, 58, 95)."""
    if isinstance(colour, str):
        colour = ImageColor.getrgb(colour)
    return tuple(int(c) for c in colour[:3])


def _channel(value):
    c = value / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour):
    r, g, b = rgb(colour)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(first, second):
    """Contrast ratio (1-21) between two colours, order-independent."""
    a, b = luminance(first), luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def worst_ratio(colour, region):
    """Lowest contrast between ``colour`` and any pixel colour of ``region`` (a PIL image crop)."""
    region = region.convert("RGB")
    width, height = region.size
    colours = region.getcolors(maxcolors=max(1, width * height))
    if not colours:
        return 21.0
    return min(ratio(colour, pixel) for _, pixel in colours)


def best_colour(candidates, region, minimum=AA):
    """The first candidate colour meeting ``minimum`` against every pixel of ``region``; else the best one.

    Returns ``(colour, worst ratio)``; the caller decides what a ratio under the minimum means.
    """
    scored = []
    for colour in candidates:
        worst = worst_ratio(colour, region)
        if worst >= minimum:
            return rgb(colour), worst
        scored.append((worst, rgb(colour)))
    worst, colour = max(scored)
    return colour, worst
