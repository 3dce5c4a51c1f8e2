"""Banner rendering: every size, fitted text measured on the image, WCAG AA contrast, bad pictures, determinism."""

import io

import pytest
from PIL import Image, ImageChops

from copygen_oscar.banners import contrast
from copygen_oscar.banners import render as r

TEXTS = {
    # At the banner kind's limits: 40 / 90 / 20 characters.
    "long": r.BannerText("Summer sale: 20% off all rain jackets!!", "Waterproof recycled nylon jackets from "
                         "Northmoor and Fellside, in four colours, until 31 August", "See the whole range"),
    "short": r.BannerText("Sale", "", "Go"),
    "greek": r.BannerText("Καλοκαιρινές εκπτώσεις 20%", "Αδιάβροχα μπουφάν για κάθε καιρό, μέχρι τις 31 Αυγούστου",
                          "Αγοράστε τώρα"),
    "cyrillic": r.BannerText("Летняя распродажа: скидка 20%", "Непромокаемые куртки для любой погоды", "Купить"),
    "arabic": r.BannerText("تخفيضات الصيف ٢٠٪", "سترات مقاومة للماء لكل الفصول", "تسوق الآن"),
    "hebrew": r.BannerText("מבצע קיץ 20% הנחה", "מעילים עמידים למים לכל מזג אוויר", "לקנייה"),
    "emoji": r.BannerText("Summer sale 😀 20% off 🎉", "Rain jackets ☀ for every season ✓ 🧥", "Shop now 👉"),
}


def square(colour=(200, 60, 60, 255), size=(600, 400)):
    return Image.new("RGBA", size, colour)


def assert_readable(result):
    """What the tests hold every banner to, measured on the image itself rather than taken from the renderer."""
    width, height = result.image.size
    assert (width, height) == (result.size.width, result.size.height)
    assert result.boxes, "no text was drawn"
    for box in result.boxes:
        x0, y0, x1, y1 = box.box
        ax0, ay0, ax1, ay1 = box.area
        assert 0 <= ax0 and 0 <= ay0 and ax1 <= width and ay1 <= height, f"{box.part} area leaves the banner"
        assert ax0 <= x0 and ay0 <= y0 and x1 <= ax1 and y1 <= ay1, f"{box.part} {box.text!r} leaves its area"
        # Contrast recomputed from the pixels under the text, not the renderer's own figure.
        worst = contrast.worst_ratio(box.colour, result.base.crop(box.box))
        assert worst >= 4.5, f"{box.part} contrast {worst:.2f}"
        assert abs(worst - box.contrast) < 0.01
    # Every pixel the text changed lies inside the text's areas: nothing spilled or was clipped at an edge.
    text_mask = Image.new("L", result.image.size, 0)
    for box in result.boxes:
        text_mask.paste(255, box.area)
    changed = ImageChops.difference(result.image, result.base).convert("L").point(lambda v: 255 if v else 0)
    outside = ImageChops.subtract(changed, text_mask)
    assert outside.getbbox() is None, f"text pixels outside the text areas at {outside.getbbox()}"
    inside = ImageChops.multiply(changed, text_mask)
    for box in result.boxes:
        assert inside.crop(box.box).getbbox() is not None, f"{box.part} {box.text!r} drew nothing"


@pytest.mark.parametrize("size", list(r.SIZES))
@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("with_pictures", [True, False])
def test_every_size_fits_every_text_and_meets_aa(size, name, with_pictures):
    logo = square((255, 255, 255, 255), (400, 100)) if with_pictures else None
    result = r.render(TEXTS[name], size, r.Brand(), square() if with_pictures else None, logo)
    assert_readable(result)
    parts = {box.part for box in result.boxes}
    assert "headline" in parts and "cta" in parts
    assert ("subline" in parts) == bool(TEXTS[name].subline and r.SIZES[size].subline)


def test_emoji_the_font_lacks_are_dropped_and_noted_others_drawn():
    result = r.render(TEXTS["emoji"], "social")
    drawn = " ".join(box.text for box in result.boxes)
    assert "😀" in drawn and "☀" in drawn  # DejaVu Sans has these
    assert "🎉" not in drawn and "🧥" not in drawn
    assert any("🎉" in note for note in result.notes)


def test_right_to_left_text_is_right_aligned():
    result = r.render(TEXTS["hebrew"], "social")
    headline = [b for b in result.boxes if b.part == "headline"]
    assert all(b.box[2] >= b.area[2] - 3 for b in headline)


def test_letters_the_font_cannot_draw_fail_with_the_reason():
    with pytest.raises(r.BannerError, match="no glyph"):
        r.render(r.BannerText("夏のセール 20%オフ", "", "Shop now"), "hero")


@pytest.mark.parametrize("size", list(r.SIZES))
def test_text_that_cannot_fit_at_the_minimum_size_fails_instead_of_shrinking_further(size):
    text = r.BannerText("Unbelievably-long-hyphenated-compound-product-name-that-never-ends" * 2, "", "Shop now")
    with pytest.raises(r.BannerError, match="minimum font size"):
        r.render(text, size)
    many_words = r.BannerText(" ".join(["jacket"] * 120), "", "Shop now")
    with pytest.raises(r.BannerError, match="headline does not fit"):
        r.render(many_words, size)


def test_render_all_reports_failures_per_size():
    done, failed = r.render_all(r.BannerText("Waterproofbreathablerecyclednylonjackets", "", "Shop now"))
    # One 40-character word: too wide for the narrow rectangle and, at the square's larger minimum size, the square.
    assert set(failed) == {"medium_rectangle", "square"}
    assert failed["square"].startswith("Square 1080×1080: the headline does not fit")
    assert set(done) == set(r.SIZES) - set(failed)
    for result in done.values():
        assert_readable(result)


def test_same_inputs_same_png_bytes():
    first = {s: r.render(TEXTS["long"], s, r.Brand(), square(), square((255, 255, 255, 128))).encode("png")
             for s in r.SIZES}
    r.font.cache_clear()
    r.has_glyph.cache_clear()
    second = {s: r.render(TEXTS["long"], s, r.Brand(), square(), square((255, 255, 255, 128))).encode("png")
              for s in r.SIZES}
    assert first == second
    other = r.render(TEXTS["short"], "hero").encode("png")
    assert other != first["hero"]
    for fmt in r.FORMATS:
        data = r.render(TEXTS["long"], "square").encode(fmt)
        assert Image.open(io.BytesIO(data)).format == fmt.upper()
        assert data == r.render(TEXTS["long"], "square").encode(fmt)


def test_brand_text_colour_without_contrast_falls_back_to_one_with():
    brand = r.Brand(background="#777777", text="#808080", accent="#7a7a7a", accent_text="#858585")
    result = r.render(TEXTS["long"], "social", brand)
    assert_readable(result)
    assert all(box.colour != contrast.rgb("#808080") for box in result.boxes)
    good = r.render(TEXTS["long"], "social", r.Brand(background="#ffffff", text="#1f3a5f"))
    assert {box.colour for box in good.boxes if box.part == "headline"} == {contrast.rgb("#1f3a5f")}


def test_contrast_maths():
    assert contrast.ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast.ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast.ratio("#767676", "#ffffff") >= 4.5
    gradient = Image.linear_gradient("L").convert("RGB").resize((50, 50))
    assert contrast.worst_ratio("#ffffff", gradient) == pytest.approx(1.0, abs=0.05)  # the white end of it


def test_missing_transparent_and_huge_pictures_are_left_out_with_a_reason(tmp_path):
    assert r.load_image(tmp_path / "nope.png", "logo") == (None, "logo file not found: nope.png")
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(clear)
    assert r.load_image(clear)[1] == "image is fully transparent"
    huge = tmp_path / "huge.png"
    Image.new("1", (3000, 2000)).save(huge)
    picture, reason = r.load_image(huge, "product image", max_pixels=5_000_000)
    assert picture is None and "too large (3000×2000 px" in reason
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    assert r.load_image(broken)[0] is None
    margin = tmp_path / "margin.png"
    im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (40, 40, 60, 70))
    im.save(margin)
    picture, reason = r.load_image(margin)
    assert picture.size == (20, 30) and reason == ""  # transparent margins cropped


def test_a_transparent_product_image_keeps_the_background_under_it():
    ghost = Image.new("RGBA", (300, 300), (255, 0, 0, 0))
    ghost.paste((255, 0, 0, 255), (100, 100, 200, 200))
    result = r.render(TEXTS["short"], "social", r.Brand(), ghost)
    assert_readable(result)
    x0, y0, x1, y1 = r.layout(r.SIZES["social"], False, True)["image"]
    corner = result.image.getpixel((x0 + 1, y0 + 1))
    assert corner == contrast.rgb(r.Brand().background) or corner == (255, 0, 0)


def test_the_fonts_ship_with_the_package_and_their_licence():
    from pathlib import Path

    root = Path(r.__file__).resolve().parent.parent.parent
    assert r.REGULAR.is_file() and r.BOLD.is_file() and (r.FONTS / "LICENSE-DejaVu.txt").is_file()
    assert '"banners/fonts/*"' in (root / "pyproject.toml").read_text()
    assert str(r.REGULAR).startswith(str(root / "copygen_oscar"))  # no system font
