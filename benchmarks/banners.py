"""Banner rendering speed: 100 banners (headline, subline, call to action), each in every standard size, with a
logo and a product picture, encoded as PNG and WebP, every text box checked to lie in its area and to reach WCAG AA
contrast. Texts rotate through short, long (the banner kind's limits), non-Latin and emoji copy. No database.

Rendering is what the CPU queue's ``copygen.render_banners`` task spends its time on; storage writes are left out.
LAST line: banners_per_second=<banners, all sizes and both formats, per second>
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from copygen_oscar.banners import render as r  # noqa: E402

TEXTS = [
    r.BannerText("Summer sale: 20% off all rain jackets", "Recycled nylon jackets from Northmoor, in four colours, "
                 "until 31 August", "See the range"),
    r.BannerText("New in", "", "Shop now"),
    r.BannerText("Καλοκαιρινές εκπτώσεις 20%", "Αδιάβροχα μπουφάν για κάθε καιρό", "Αγοράστε"),
    r.BannerText("Летняя распродажа: скидка 20%", "Непромокаемые куртки для любой погоды", "Купить"),
    r.BannerText("3 for 2 on kitchen linen 😀", "Mix and match tea towels and aprons ☀", "Take a look"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banners", type=int, default=100)
    args = parser.parse_args()
    logo = Image.open(ROOT / "shop_demo" / "banner-logo.png").convert("RGBA")
    picture = Image.new("RGBA", (1200, 900), (0, 0, 0, 0))
    picture.paste((196, 72, 60, 255), (100, 100, 1100, 800))
    brand = r.Brand()
    r.render(TEXTS[0], "hero", brand, picture, logo)  # fonts loaded and glyph checks cached before timing
    sizes, formats = list(r.SIZES), r.FORMATS
    start = time.perf_counter()
    render_s = encode_s = 0.0
    images = bytes_out = worst = 0
    worst = 21.0
    for i in range(args.banners):
        text = TEXTS[i % len(TEXTS)]
        for size in sizes:
            t0 = time.perf_counter()
            result = r.render(text, size, brand, picture, logo)
            t1 = time.perf_counter()
            for box in result.boxes:
                x0, y0, x1, y1 = box.box
                a0, b0, a1, b1 = box.area
                assert a0 <= x0 and b0 <= y0 and x1 <= a1 and y1 <= b1, (size, box)
                assert box.contrast >= 4.5, (size, box)
            worst = min(worst, result.min_contrast)
            for fmt in formats:
                bytes_out += len(result.encode(fmt))
                images += 1
            encode_s += time.perf_counter() - t1
            render_s += t1 - t0
    elapsed = time.perf_counter() - start
    print(f"sizes: {', '.join(f'{s.name} {s.width}x{s.height}' for s in r.SIZES.values())}; formats: "
          f"{', '.join(formats)}")
    print(f"banners={args.banners} images={images} seconds={elapsed:.2f} (layout and drawing {render_s:.2f}, "
          f"encoding {encode_s:.2f}) mean_image_kb={bytes_out / images / 1024:.1f} lowest_contrast={worst:.2f}")
    print(f"banners_per_second={args.banners / elapsed:.2f}")


if __name__ == "__main__":
    main()
