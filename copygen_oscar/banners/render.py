"""Banner images with Pillow: standard sizes, fitted text, WCAG AA contrast, the same bytes for the same inputs.

Every size has a fixed layout (boxes for the logo, the product image, the headline, the subline and the call to
action button). Text is wrapped on words and shrunk until every line's measured ink box (``textbbox``) lies inside
its box; when even the smallest allowed font does not fit, the banner is refused with that reason instead of being
rendered unreadably. The text colour is the brand's when it reaches 4.5:1 against every background pixel under
the text, else white or near-black, whichever does. Only the fonts shipped in ``fonts/`` (DejaVu Sans, Bitstream
Vera licence) are used: no system font is assumed.

Nothing here touches the database: the Celery task (``tasks.py``) feeds it and stores the files.
"""

import io
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError, features

from . import contrast

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
LAYOUT = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
FORMATS = ("png", "webp")
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000


class BannerError(ValueError):
    """This text cannot become this banner (it does not fit at the minimum size, or cannot meet the contrast)."""


@dataclass(frozen=True)
class Size:
    name: str
    label: str
    width: int
    height: int
    subline: bool = True  # the leaderboard has no room for a readable second line
    image: bool = True  # whether a product image has a place in this size

    @property
    def scale(self):
        """Minimum font sizes grow with the banner, so a social image stays readable when shown scaled down."""
        return max(1.0, (min(self.width, self.height) / 250) ** 0.75)


SIZES = {
    size.name: size
    for size in (
        Size("leaderboard", "Leaderboard 728×90", 728, 90, subline=False),
        Size("medium_rectangle", "Medium rectangle 300×250", 300, 250, image=False),
        Size("social", "Social 1200×628", 1200, 628),
        Size("square", "Square 1080×1080", 1080, 1080),
        Size("hero", "Storefront hero 1920×480", 1920, 480),
    )
}
PARTS = ("headline", "subline", "cta")
# part -> (minimum font px at scale 1, most lines, bold)
TYPE = {"headline": (14, 3, True), "subline": (12, 3, False), "cta": (12, 2, True)}


@dataclass
class Brand:
    background: str = "#1f3a5f"
    text: str = "#ffffff"
    accent: str = "#f2b33d"
    accent_text: str = "#111111"
    logo: object = None  # path of the logo file (PNG with transparency works best), or None
    min_contrast: float = contrast.AA
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS


@dataclass
class BannerText:
    headline: str
    subline: str = ""
    cta: str = ""

    @classmethod
    def from_fields(cls, fields):
        """The banner kind's fields: ``{"Headline", "Subline", "Call to action"}``."""
        return cls(fields.get("Headline", ""), fields.get("Subline", ""), fields.get("Call to action", ""))


@dataclass
class TextBox:
    part: str
    text: str
    box: tuple  # measured ink box of the line, (x0, y0, x1, y1)
    area: tuple  # the box the part must stay inside
    font_size: int
    colour: tuple
    contrast: float  # worst ratio against the background pixels under ``box``

    def as_dict(self):
        return {"part": self.part, "text": self.text, "box": list(self.box), "area": list(self.area),
                "font_size": self.font_size, "colour": "#%02x%02x%02x" % self.colour,
                "contrast": round(self.contrast, 2)}


@dataclass
class Rendered:
    size: Size
    image: Image.Image
    base: Image.Image  # everything but the text: what contrast was measured on
    boxes: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def min_contrast(self):
        return min((b.contrast for b in self.boxes), default=21.0)

    def encode(self, fmt):
        return encode(self.image, fmt)

    def report(self):
        return {"width": self.size.width, "height": self.size.height, "boxes": [b.as_dict() for b in self.boxes],
                "min_contrast": round(self.min_contrast, 2), "notes": list(self.notes)}


# ---------------------------------------------------------------------------------------------------------- images

def encode(image, fmt):
    """PNG (lossless, no metadata: the same pixels give the same bytes) or WebP (lossless would be huge: q=90)."""
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", compress_level=6)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=90, method=4)
    else:
        raise ValueError(f"Unknown banner format {fmt!r}; known: {', '.join(FORMATS)}")
    return buffer.getvalue()


def load_image(source, what="image", max_pixels=DEFAULT_MAX_IMAGE_PIXELS):
    """An RGBA picture from a path or file object, or ``(None, reason)``: a banner goes out without a bad picture.

    Huge images are refused from the header, before any pixel is decoded; fully transparent ones are dropped.
    """
    if source is None or source == "":
        return None, f"no {what}"
    try:
        if isinstance(source, (str, Path)) and not Path(source).is_file():
            return None, f"{what} file not found: {Path(source).name}"
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as picture:
                width, height = picture.size
                if width * height > max_pixels:
                    return None, f"{what} is too large ({width}×{height} px, at most {max_pixels:,} pixels)"
                picture.draft("RGB", (2048, 2048))  # JPEG: decode at a reduced scale when that is enough
                picture = picture.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            ValueError) as exc:
        return None, f"{what} could not be read ({type(exc).__name__})"
    if picture.getchannel("A").getextrema()[1] == 0:
        return None, f"{what} is fully transparent"
    bbox = picture.getchannel("A").getbbox()
    if bbox and bbox != (0, 0, *picture.size):
        picture = picture.crop(bbox)  # transparent margins would shrink the visible picture for nothing
    return picture, ""


# ----------------------------------------------------------------------------------------------------------- fonts

@lru_cache(maxsize=512)
def font(bold, size):
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size, layout_engine=LAYOUT)


@lru_cache(maxsize=4096)
def has_glyph(bold, char):
    """Whether the shipped font draws ``char`` (it is not rendered as the .notdef box)."""
    probe = font(bold, 32)
    return _mask_bytes(probe, char) != _mask_bytes(probe, "\U0010fffd")


def _mask_bytes(face, char):
    mask = face.getmask(char)
    return mask.size, bytes(Image.Image()._new(mask).tobytes())


def drawable(text, bold=True):
    """``(text the font can draw, notes)``. Symbols and emoji the font lacks are dropped (noted); letters it
    lacks raise ``BannerError``: a headline with holes in it would say something else."""
    kept, dropped = [], []
    for char in unicodedata.normalize("NFC", text or ""):
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category in ("Cf", "Cc", "Co", "Cs") or 0xFE00 <= ord(char) <= 0xFE0F:
            continue  # joiners, variation selectors, controls: nothing to draw
        elif has_glyph(bold, char):
            kept.append(char)
        elif category.startswith("S"):
            dropped.append(char)
        else:
            raise BannerError(f"the banner font has no glyph for {char!r} ({unicodedata.name(char, 'unnamed')})")
    notes = [f"dropped {''.join(dict.fromkeys(dropped))!r}: the banner font cannot draw it"] if dropped else []
    return " ".join("".join(kept).split()), notes


def right_to_left(text):
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


# ---------------------------------------------------------------------------------------------------------- layout

def layout(size, has_logo, has_image):
    """Boxes of one size: ``{"logo", "image", "headline", "subline", "cta", "bar"}`` (missing: not shown)."""
    w, h = size.width, size.height
    boxes = {}
    if size.name == "leaderboard":
        x = 8
        if has_logo:
            boxes["logo"] = (x, 10, x + 96, 80)
            x += 108
        if has_image:
            boxes["image"] = (x, 6, x + 78, 84)
            x += 90
        boxes["cta"] = (w - 180, 20, w - 10, 70)
        boxes["headline"] = (x, 8, w - 192, 82)
        boxes["bar"] = (0, h - 3, w, h)
        return boxes
    if size.name == "medium_rectangle":
        boxes["logo"] = (12, 12, 140, 42) if has_logo else None
        top = 50 if has_logo else 16
        boxes["headline"] = (12, top, 288, top + 70)
        boxes["subline"] = (12, top + 76, 288, 188)
        boxes["cta"] = (12, 196, 176, 236)
        boxes["bar"] = (0, h - 5, w, h)
        return {k: v for k, v in boxes.items() if v}
    pad = {"social": 48, "square": 64, "hero": 64}[size.name]
    if size.name == "square":
        if has_logo:
            boxes["logo"] = (pad, pad, pad + 300, pad + 90)
        top = pad + 110
        if has_image:
            boxes["image"] = (pad, top, w - pad, top + 320)
            top += 346
        boxes["headline"] = (pad, top, w - pad, top + (170 if has_image else 330))
        top = boxes["headline"][3] + 16
        boxes["subline"] = (pad, top, w - pad, h - pad - 130)
        boxes["cta"] = (pad, h - pad - 100, pad + 600, h - pad - 10)
        boxes["bar"] = (0, h - 14, w, h)
        return boxes
    # social and hero: a text column on the left, the product on the right
    logo_h = 76 if size.name == "social" else 72
    text_right = w - pad
    if has_image:
        image_w = 480 if size.name == "social" else 560
        boxes["image"] = (w - pad - image_w, pad, w - pad, h - pad)
        text_right = w - pad - image_w - 40
    if has_logo:
        boxes["logo"] = (pad, pad - 8, pad + 260, pad - 8 + logo_h)
    top = pad + logo_h + 8 if has_logo else pad
    cta_h = 84 if size.name == "social" else 72
    bottom = h - pad
    boxes["cta"] = (pad, bottom - cta_h, pad + (380 if size.name == "social" else 400), bottom)
    text_bottom = bottom - cta_h - 20
    split = top + int((text_bottom - top) * 0.6)
    boxes["headline"] = (pad, top, text_right, split)
    boxes["subline"] = (pad, split + 8, text_right, text_bottom)
    boxes["bar"] = (0, h - 10, w, h)
    return boxes


def wrap(text, face, width, max_lines):
    """Greedy word wrap; None when a word alone is wider than ``width`` or more than ``max_lines`` are needed."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if not current or face.getlength(word) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines if len(lines) <= max_lines else None


def place(draw, text, area, bold, max_lines, min_size, max_size, align="left"):
    """The largest font size (binary search) whose lines' measured boxes all lie inside ``area``.

    Returns ``(size, [(line, (x, y), anchor, ink box)])`` or None when not even ``min_size`` fits.
    """
    def attempt(px):
        face = font(bold, px)
        x0, y0, x1, y1 = area
        lines = wrap(text, face, x1 - x0, max_lines)
        if lines is None:
            return None
        ascent, descent = face.getmetrics()
        step = int(round((ascent + descent) * 1.12))
        total = step * (len(lines) - 1) + ascent + descent
        if total > y1 - y0:
            return None
        y = y0 + ((y1 - y0) - total) // 2 if align == "center" else y0
        placed = []
        for line in lines:
            if align == "center":
                anchor, x = "ma", (x0 + x1) // 2
            elif align == "right":
                anchor, x = "ra", x1
            else:
                anchor, x = "la", x0
            ink = draw.textbbox((x, y), line, font=face, anchor=anchor)
            # Glyphs such as "J" overhang their origin by a pixel or two: move the line in rather than clip it.
            x += max(0, x0 - ink[0]) - max(0, ink[2] - x1)
            ink = draw.textbbox((x, y), line, font=face, anchor=anchor)
            if ink[0] < x0 or ink[1] < y0 or ink[2] > x1 or ink[3] > y1:
                return None
            placed.append((line, (x, y), anchor, ink))
            y += step
        return placed

    low, high, best = min_size, max(min_size, max_size), None
    while low <= high:
        middle = (low + high) // 2
        placed = attempt(middle)
        if placed:
            best = (middle, placed)
            low = middle + 1
        else:
            high = middle - 1
    return best


def _inset(box, x, y):
    return (box[0] + x, box[1] + y, box[2] - x, box[3] - y)


def render(text, size, brand=None, image=None, logo=None, with_text=True):
    """One banner. ``image`` and ``logo`` are RGBA pictures from ``load_image`` (or None).

    Raises ``BannerError`` when the text cannot fit at the minimum size or cannot reach the minimum contrast.
    """
    brand = brand or Brand()
    size = SIZES[size] if isinstance(size, str) else size
    notes = []
    parts = {"headline": text.headline, "subline": text.subline if size.subline else "", "cta": text.cta}
    for part, value in list(parts.items()):
        parts[part], dropped = drawable(value, TYPE[part][2])
        notes += [f"{part}: {note}" for note in dropped]
    if not parts["headline"]:
        raise BannerError("the headline is empty")
    if text.subline and not size.subline:
        notes.append("subline left out: no room for it at this size")
    picture = image if size.image else None
    boxes = layout(size, logo is not None, picture is not None)

    canvas = Image.new("RGB", (size.width, size.height), contrast.rgb(brand.background))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle(boxes["bar"], fill=contrast.rgb(brand.accent))
    for key, source in (("logo", logo), ("image", picture)):
        if source is not None and key in boxes:
            x0, y0, x1, y1 = boxes[key]
            fitted = ImageOps.contain(source, (x1 - x0, y1 - y0), Image.Resampling.LANCZOS)
            anchor = (x0 + (x1 - x0 - fitted.width) // 2 if key == "image" else x0, y0 + (y1 - y0 - fitted.height) // 2)
            canvas.paste(fitted, anchor, fitted)
    if parts["cta"]:
        radius = max(4, (boxes["cta"][3] - boxes["cta"][1]) // 5)
        draw.rounded_rectangle(boxes["cta"], radius=radius, fill=contrast.rgb(brand.accent))
    base = canvas.copy()
    result = Rendered(size=size, image=canvas, base=base, notes=notes)
    if not with_text:
        return result

    rtl = right_to_left(parts["headline"])
    for part in PARTS:
        value = parts[part]
        if not value:
            continue
        min_px, max_lines, bold = TYPE[part]
        area = boxes[part]
        if part == "cta":
            pad_x, pad_y = (area[2] - area[0]) // 16, (area[3] - area[1]) // 8
            area = _inset(area, pad_x, pad_y)
            align = "center"
        else:
            align = "right" if rtl else "left"
        min_px = int(round(min_px * size.scale))
        max_px = max(min_px, min(area[3] - area[1], int(min_px * (3.2 if part == "headline" else 1.8))))
        placed = place(draw, value, area, bold, max_lines, min_px, max_px, align)
        if placed is None:
            raise BannerError(f"{size.label}: the {'call to action' if part == 'cta' else part} does not fit in "
                              f"{area[2] - area[0]}×{area[3] - area[1]} px even at the minimum font size "
                              f"({min_px} px, {max_lines} line{'s' if max_lines > 1 else ''})")
        px, lines = placed
        # White or black always reaches 4.58:1 on a uniform background, whatever the brand's colours are.
        candidates = ((brand.accent_text if part == "cta" else brand.text), "#ffffff", "#111111", "#000000")
        colour, worst = contrast.best_colour(candidates, base.crop(area), brand.min_contrast)
        if worst < brand.min_contrast:
            raise BannerError(f"{size.label}: no text colour reaches contrast {brand.min_contrast}:1 on the "
                              f"{part} background (best {worst:.2f}:1)")
        face = font(bold, px)
        for line, xy, anchor, ink in lines:
            draw.text(xy, line, font=face, fill=colour, anchor=anchor)
            measured = contrast.worst_ratio(colour, base.crop(ink))
            result.boxes.append(TextBox(part, line, tuple(ink), tuple(boxes[part]), px, colour, measured))
    return result


def render_all(text, brand=None, image=None, logo=None, sizes=None):
    """Every size: ``({size name: Rendered}, {size name: failure reason})``."""
    done, failed = {}, {}
    for name in sizes or SIZES:
        try:
            done[name] = render(text, name, brand, image, logo)
        except BannerError as exc:
            failed[name] = str(exc)
    return done, failed
