"""A made-up catalogue for the demo store and the tests: six product classes with typed attributes.

Every name and sentence here is written by this project. Pure data, no database: the management command
``copygen_demo_catalogue`` writes it into Oscar, idempotently.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

BRANDS = ["Northmoor", "Aldercrest", "Kestrel & Co", "Lumen Works", "Brightfield", "Tidewater", "Harbour Lane",
          "Fellside", "Oakmere", "Copperleaf"]
COLOURS = ["black", "navy", "forest green", "charcoal", "sand", "burgundy", "sky blue", "white", "mustard", "grey"]

# (attribute code, name shown to people, Oscar attribute type)
CLASSES = {
    "Apparel": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("fit", "Fit", "text"), ("sizes", "Sizes", "text"), ("weight", "Weight (g)", "integer"),
        ("machine_washable", "Machine washable", "boolean"),
    ],
    "Footwear": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("upper", "Upper material", "text"),
        ("sole", "Sole", "text"), ("sizes", "Sizes (UK)", "text"), ("weight", "Weight (g)", "integer"),
        ("waterproof", "Waterproof", "boolean"),
    ],
    "Electronics accessories": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("connector", "Connector", "text"),
        ("capacity", "Capacity (mAh)", "integer"), ("wattage", "Output (W)", "integer"),
        ("cable_length", "Cable length (m)", "float"), ("battery_life", "Battery life (hours)", "integer"),
    ],
    "Home & kitchen": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("capacity", "Capacity (litres)", "float"), ("dimensions", "Dimensions (cm)", "text"),
        ("wattage", "Power (W)", "integer"), ("dishwasher_safe", "Dishwasher safe", "boolean"),
    ],
    "Beauty": [
        ("brand", "Brand", "text"), ("volume", "Volume (ml)", "integer"), ("skin_type", "Skin type", "text"),
        ("key_ingredient", "Key ingredient", "text"), ("scent", "Scent", "text"), ("vegan", "Vegan", "boolean"),
    ],
    "Sports & toys": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("age", "Suitable from age", "integer"), ("weight", "Weight (g)", "integer"),
        ("dimensions", "Dimensions (cm)", "text"), ("battery_life", "Battery life (hours)", "integer"),
    ],
}

# product class -> [(noun, category breadcrumb, price range, attribute maker)]
ITEMS = {
    "Apparel": [
        ("T-shirt", "Clothing > Tops", (12, 30), dict(material=["organic cotton", "cotton jersey", "linen blend"],
                                                      fit=["regular", "relaxed", "slim"], weight=(140, 220))),
        ("Hoodie", "Clothing > Tops", (35, 70), dict(material=["brushed cotton fleece", "recycled polyester fleece"],
                                                    fit=["regular", "oversized"], weight=(450, 700))),
        ("Rain jacket", "Clothing > Outerwear", (60, 140), dict(material=["recycled nylon", "waxed cotton"],
                                                               fit=["regular", "longline"], weight=(300, 650))),
        ("Chinos", "Clothing > Trousers", (35, 65), dict(material=["stretch cotton twill", "cotton canvas"],
                                                        fit=["slim", "straight", "tapered"], weight=(380, 520))),
        ("Merino jumper", "Clothing > Knitwear", (55, 95), dict(material=["merino wool", "merino and cashmere"],
                                                               fit=["regular", "relaxed"], weight=(250, 400))),
    ],
    "Footwear": [
        ("Trail running shoe", "Footwear > Running", (70, 140), dict(upper=["engineered mesh", "ripstop mesh"],
                                                                     sole=["lugged rubber", "Vibram rubber"], weight=(250, 340))),
        ("Leather boot", "Footwear > Boots", (90, 180), dict(upper=["full-grain leather", "suede"],
                                                            sole=["stitched rubber", "commando rubber"], weight=(550, 800))),
        ("Canvas trainer", "Footwear > Casual", (35, 70), dict(upper=["cotton canvas", "recycled canvas"],
                                                              sole=["vulcanised rubber"], weight=(300, 420))),
        ("Slipper", "Footwear > Casual", (20, 45), dict(upper=["wool felt", "sheepskin"],
                                                       sole=["suede", "soft rubber"], weight=(180, 300))),
    ],
    "Electronics accessories": [
        ("Power bank", "Electronics > Chargers & power", (20, 60), dict(connector=["USB-C", "USB-C and USB-A"],
                                                                        capacity=[5000, 10000, 20000], wattage=[18, 20, 30, 45])),
        ("Wall charger", "Electronics > Chargers & power", (15, 45), dict(connector=["USB-C", "two USB-C ports"],
                                                                          wattage=[20, 30, 65, 100])),
        ("Braided cable", "Electronics > Cables", (8, 20), dict(connector=["USB-C to USB-C", "USB-C to Lightning"],
                                                               cable_length=[1.0, 1.5, 2.0], wattage=[60, 100])),
        ("Wireless earbuds", "Electronics > Audio", (35, 120), dict(connector=["Bluetooth 5.3"],
                                                                   battery_life=[6, 8, 10], capacity=[400, 500])),
        ("Bluetooth speaker", "Electronics > Audio", (30, 110), dict(connector=["Bluetooth 5.2", "Bluetooth 5.3"],
                                                                    battery_life=[10, 12, 20], wattage=[10, 20])),
    ],
    "Home & kitchen": [
        ("Cast iron casserole", "Home & kitchen > Cookware", (45, 120), dict(material=["enamelled cast iron"],
                                                                             capacity=[2.5, 3.8, 5.0], dishwasher_safe=[False])),
        ("Electric kettle", "Home & kitchen > Small appliances", (25, 80), dict(material=["brushed steel", "glass"],
                                                                               capacity=[1.5, 1.7], wattage=[2200, 3000])),
        ("Chef's knife", "Home & kitchen > Knives", (30, 110), dict(material=["German stainless steel", "Damascus steel"],
                                                                   dishwasher_safe=[False])),
        ("Storage jar set", "Home & kitchen > Storage", (15, 40), dict(material=["borosilicate glass", "stoneware"],
                                                                      capacity=[0.5, 1.0], dishwasher_safe=[True])),
        ("Linen tea towel", "Home & kitchen > Textiles", (8, 18), dict(material=["washed linen", "cotton and linen"],
                                                                      dishwasher_safe=[False])),
    ],
    "Beauty": [
        ("Face serum", "Beauty > Skincare", (18, 45), dict(volume=[30, 50], skin_type=["all skin types", "dry skin", "oily skin"],
                                                          key_ingredient=["niacinamide", "hyaluronic acid", "vitamin C"])),
        ("Hand cream", "Beauty > Body care", (8, 20), dict(volume=[50, 75, 100], skin_type=["dry skin", "all skin types"],
                                                          key_ingredient=["shea butter", "oat extract"])),
        ("Shampoo bar", "Beauty > Hair care", (8, 14), dict(volume=[60, 80], skin_type=["normal hair", "curly hair"],
                                                           key_ingredient=["coconut oil", "rosemary oil"])),
        ("Lip balm", "Beauty > Skincare", (4, 9), dict(volume=[10, 15], skin_type=["all skin types"],
                                                      key_ingredient=["beeswax", "candelilla wax"])),
    ],
    "Sports & toys": [
        ("Yoga mat", "Sports & toys > Fitness", (20, 60), dict(material=["natural rubber", "TPE foam"], weight=(900, 2500),
                                                              dimensions=["183 x 61 x 0.6", "183 x 66 x 0.4"])),
        ("Building block set", "Sports & toys > Toys", (15, 70), dict(material=["ABS plastic", "beech wood"], age=[4, 6, 8],
                                                                    weight=(300, 1200))),
        ("Remote control car", "Sports & toys > Toys", (30, 90), dict(material=["ABS plastic"], age=[8, 10],
                                                                     battery_life=[1, 2], weight=(400, 900))),
        ("Football", "Sports & toys > Outdoor", (12, 35), dict(material=["thermo-bonded PU"], weight=(410, 450),
                                                              dimensions=["size 5", "size 4"])),
        ("Kite", "Sports & toys > Outdoor", (15, 40), dict(material=["ripstop nylon"], age=[6, 8],
                                                          dimensions=["120 x 80", "150 x 90"], weight=(150, 300))),
    ],
}

PRODUCTS_PER_CLASS = 27
ADJECTIVES = ["Everyday", "Classic", "Essential", "Signature", "Lightweight", "Heritage", "Studio", "Field",
              "Coastal", "Urban", "Weekend", "Pro"]
SIZES = {"Apparel": ["XS-XL", "S-XXL", "S-XL"], "Footwear": ["3-8", "6-12", "4-11"]}
SCENTS = ["unscented", "lavender", "citrus", "rose", "cedarwood"]

# Human-style openings and closings for the store's own descriptions. Fillers take the product's facts.
OPENINGS = [
    "The {title} is made from {material}.",
    "Meet the {title}, made by {brand} from {material}.",
    "{brand} made this {noun_l} from {material} for everyday use.",
    "A {colour} {noun_l} from {brand}, made from {material}.",
]
DETAILS = {
    "weight": "It weighs {weight} g.",
    "fit": "It has a {fit} fit.",
    "sizes": "Available in sizes {sizes}.",
    "machine_washable": "It is machine washable.",
    "waterproof": "It is waterproof.",
    "capacity_mah": "It holds {capacity} mAh.",
    "wattage_out": "It delivers up to {wattage} W.",
    "cable_length": "The cable is {cable_length} m long.",
    "battery_life": "The battery lasts up to {battery_life} hours.",
    "capacity_l": "It holds {capacity} litres.",
    "wattage_in": "It runs at {wattage} W.",
    "dishwasher_safe": "It is dishwasher safe.",
    "not_dishwasher_safe": "Wash it by hand.",
    "volume": "Each one holds {volume} ml.",
    "skin_type": "Made for {skin_type}.",
    "key_ingredient": "The key ingredient is {key_ingredient}.",
    "vegan": "It is vegan.",
    "age": "Suitable from age {age}.",
    "dimensions": "It measures {dimensions} cm.",
    "connector": "It connects with {connector}.",
}
CLOSINGS = ["A good choice for every day.", "Made to last and easy to love.", "Simple, useful and well made.",
            "A dependable piece for years to come."]


@dataclass
class DemoProduct:
    upc: str
    title: str
    product_class: str
    category: str
    attributes: dict
    price: Decimal
    num_in_stock: int
    description: str = ""
    noun: str = ""
    extra: dict = field(default_factory=dict)


def _pick(rng, spec):
    if isinstance(spec, tuple):
        return rng.randint(*spec)
    return rng.choice(spec)


def _description(rng, product):
    a = product.attributes
    material = a.get("material") or a.get("upper") or a.get("key_ingredient") or "carefully chosen materials"
    fill = dict(a, title=product.title, brand=a["brand"], noun_l=product.noun.lower(), material=material,
                colour=a.get("colour", "classic"))
    sentences = [rng.choice(OPENINGS).format(**fill)]
    keys = []
    for code, value in a.items():
        if code in ("brand", "colour", "material", "upper"):
            continue
        if code == "capacity":
            keys.append("capacity_mah" if product.product_class == "Electronics accessories" else "capacity_l")
        elif code == "wattage":
            keys.append("wattage_out" if product.product_class == "Electronics accessories" else "wattage_in")
        elif code == "dishwasher_safe":
            keys.append("dishwasher_safe" if value else "not_dishwasher_safe")
        elif value is True or not isinstance(value, bool):
            keys.append(code)
    rng.shuffle(keys)
    sentences += [DETAILS[k].format(**fill) for k in keys[:4] if k in DETAILS]
    body = " ".join(sentences)
    return f"<p>{body}</p><p>{rng.choice(CLOSINGS)}</p>"


def demo_products():
    """The demo catalogue, the same on every call (seeded per class)."""
    products = []
    for class_index, (class_name, items) in enumerate(ITEMS.items()):
        rng = random.Random(f"copygen-demo-{class_name}")
        codes = {code for code, _, _ in CLASSES[class_name]}
        seen_titles = set()
        n = 0
        while n < PRODUCTS_PER_CLASS:
            noun, category, (low, high), makers = items[n % len(items)]
            brand = rng.choice(BRANDS)
            colour = rng.choice(COLOURS)
            title = f"{brand} {rng.choice(ADJECTIVES)} {noun}"
            if "colour" in codes:
                title += f", {colour}"
            if title in seen_titles:
                continue
            seen_titles.add(title)
            attributes = {"brand": brand}
            if "colour" in codes:
                attributes["colour"] = colour
            for code, spec in makers.items():
                attributes[code] = _pick(rng, spec)
            if class_name in SIZES:
                attributes["sizes"] = rng.choice(SIZES[class_name])
            if class_name == "Apparel":
                attributes["machine_washable"] = rng.random() < 0.7
            if class_name == "Footwear":
                attributes["waterproof"] = rng.random() < 0.4
            if class_name == "Beauty":
                attributes["scent"] = rng.choice(SCENTS)
                attributes["vegan"] = rng.random() < 0.6
            price = Decimal(rng.randint(low * 100, high * 100)).quantize(Decimal("1")) / 100
            price = (price.to_integral_value() - Decimal("0.01")) if price > 1 else price
            product = DemoProduct(
                upc=f"CG{class_index + 1}{n + 1:04d}",
                title=title,
                product_class=class_name,
                category=category,
                attributes=attributes,
                price=price,
                num_in_stock=rng.choice([0, 3, 12, 25, 40, 100]),
                noun=noun,
            )
            # About three in five products carry copy a person wrote; the rest wait for the model.
            if rng.random() < 0.6:
                product.description = _description(rng, product)
            products.append(product)
            n += 1
    return products
