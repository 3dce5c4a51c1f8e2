"""The training corpus of the shipped default model, built here from the demo catalogue and this module's own phrases.

Why: the offline default generator has to be trained on something, and a store that installs this project may
have no copy of its own yet. Nothing may be downloaded (the model ships offline and no scraped text may teach it),
so the corpus is written here: synthetic products sampled from the demo catalogue's product classes, items,
brands and value ranges (extended below with more of the same, all made up for this project), and copy of every
kind in ``kinds.KINDS`` composed from phrase banks written for this module, in every tone and for a few audiences.

Every sentence states only what the product's facts hold, with values and units exactly as the facts give them,
so the model (trained on fact slots, see ``slots.delexicalise``) learns to copy facts, never to invent them. Each
target is checked before it is kept: it must parse as its kind without being cut and pass the guard's claim,
policy and coverage checks; the few that fail are dropped and counted.

    examples = build_corpus(24000, seed=2024)
"""

import random
import re
import string
from collections import Counter
from dataclasses import replace
from decimal import Decimal

from ..demo_catalogue import ADJECTIVES as DEMO_ADJECTIVES
from ..demo_catalogue import BRANDS as DEMO_BRANDS
from ..demo_catalogue import CLASSES as DEMO_CLASSES
from ..demo_catalogue import COLOURS as DEMO_COLOURS
from ..demo_catalogue import ITEMS as DEMO_ITEMS
from ..demo_catalogue import SCENTS as DEMO_SCENTS
from ..demo_catalogue import SIZES as DEMO_SIZES
from ..facts import Attribute, ProductFacts, split_unit
from ..guard import coverage
from ..guard.claims import FactIndex, unsupported
from ..guard.policy import garbled, repeated_sentences, stutters
from ..guard.sanitise import plain_text
from ..kinds import KINDS, TONES, get_kind
from ..kinds.base import FieldsKind, ProseKind, UnusableOutput
from ..kinds.channels import BannerKind, BulletsKind
from .data import Example

DEFAULT_SEED = 20240611
SEGMENTS = ("new visitors", "returning customers", "gift buyers", "newsletter subscribers", "bargain hunters",
            "students")
# Descriptions teach the most (the long kind); every other kind gets an even share.
KIND_WEIGHTS = {name: (1.5 if name == "description" else 1.0) for name in KINDS}
TONE_BLANK_SHARE = 0.28  # examples in the store's plain voice (tone "")
SEGMENT_BLANK_SHARE = 0.55  # examples written for everyone (segment "")

# ---------------------------------------------------------------------------------------------------------------
# Product material: the demo catalogue, plus more classes, items, brands and values written for this corpus.
# ---------------------------------------------------------------------------------------------------------------

BRANDS = DEMO_BRANDS + ["Birchwick", "Stonecroft", "Marlowe & Finch", "Saltmarsh", "Juniper Row", "Little Wren",
                        "Foxglove", "Ashby", "Tern Studio", "Wildhollow", "Larkspur", "Quayside", "Brambleton",
                        "Hollin", "Petrel", "Moorcroft", "Sedge & Sons", "Aurelle"]
COLOURS = DEMO_COLOURS + ["olive", "cream", "stone", "slate blue", "rust", "teal", "oatmeal", "dusty pink", "ochre",
                          "sage green", "clay", "ink blue"]
ADJECTIVES = DEMO_ADJECTIVES + ["Harbour", "Meadow", "Summit", "Cove", "Daily", "Loft", "Ridge", "Haven", "Compact",
                                "Modern", "Original", "Trail"]

# Classes this corpus adds to the demo's six: the same shape (code, name shown to people, Oscar type).
EXTRA_CLASSES = {
    "Bags": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("capacity", "Capacity (litres)", "float"), ("dimensions", "Dimensions (cm)", "text"),
        ("weight", "Weight (g)", "integer"), ("laptop_sleeve", "Laptop sleeve", "boolean"),
        ("water_resistant", "Water resistant", "boolean"),
    ],
    "Stationery": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("size", "Size", "option"),
        ("pages", "Pages", "integer"), ("paper_weight", "Paper weight (gsm)", "integer"),
        ("ruling", "Ruling", "option"),
    ],
    "Garden": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("capacity", "Capacity (litres)", "float"), ("dimensions", "Dimensions (cm)", "text"),
        ("weight", "Weight (kg)", "float"), ("frost_resistant", "Frost resistant", "boolean"),
    ],
    "Pet supplies": [
        ("brand", "Brand", "text"), ("colour", "Colour", "text"), ("material", "Material", "text"),
        ("suitable_for", "Suitable for", "multi_option"), ("dimensions", "Dimensions (cm)", "text"),
        ("length", "Length (m)", "float"), ("capacity", "Capacity (litres)", "float"),
        ("machine_washable", "Machine washable", "boolean"), ("dishwasher_safe", "Dishwasher safe", "boolean"),
    ],
    "Pantry": [
        ("brand", "Brand", "text"), ("weight", "Weight (g)", "integer"), ("origin", "Origin", "text"),
        ("roast", "Roast", "option"), ("flavour", "Flavour", "text"), ("cocoa", "Cocoa (%)", "integer"),
        ("organic", "Organic", "boolean"), ("vegan", "Vegan", "boolean"),
    ],
}
# Attributes some items also carry (the generic phrasing handles those without a bank of their own).
EXTRA_ATTRS = {"compatible": ("Compatible with", "multi_option"), "warranty": ("Warranty (years)", "integer"),
               "pieces": ("Pieces in set", "integer")}
CLASSES = {**DEMO_CLASSES, **EXTRA_CLASSES}

# More items for the demo classes and the items of the added classes: (noun, category, price range, values).
EXTRA_ITEMS = {
    "Apparel": [
        ("Puffer jacket", "Clothing > Outerwear", (55, 130), dict(material=["recycled polyester", "ripstop nylon"],
                                                                 fit=["regular", "boxy"], weight=(380, 720))),
        ("Linen shirt", "Clothing > Tops", (30, 65), dict(material=["washed linen", "linen and cotton"],
                                                         fit=["relaxed", "regular"], weight=(160, 240))),
        ("Beanie", "Clothing > Accessories", (12, 30), dict(material=["merino wool", "ribbed cotton"],
                                                           fit=["slouchy", "snug"], weight=(60, 110))),
        ("Running tights", "Clothing > Sportswear", (30, 60), dict(material=["recycled nylon and elastane"],
                                                                  fit=["slim", "compressive"], weight=(150, 230))),
        ("Pyjama set", "Clothing > Nightwear", (30, 70), dict(material=["cotton poplin", "brushed cotton"],
                                                             fit=["relaxed"], weight=(300, 450))),
    ],
    "Footwear": [
        ("Hiking boot", "Footwear > Boots", (90, 170), dict(upper=["nubuck leather", "waxed suede"],
                                                           sole=["Vibram rubber", "lugged rubber"], weight=(480, 720))),
        ("Sandal", "Footwear > Summer", (25, 70), dict(upper=["leather straps", "woven webbing"],
                                                      sole=["moulded EVA", "cork"], weight=(200, 340))),
        ("Loafer", "Footwear > Casual", (55, 120), dict(upper=["polished leather", "suede"],
                                                       sole=["stacked leather", "rubber"], weight=(350, 480))),
        ("Wellington boot", "Footwear > Boots", (30, 80), dict(upper=["natural rubber"], sole=["cleated rubber"],
                                                              weight=(700, 1100))),
    ],
    "Electronics accessories": [
        ("Wireless charging pad", "Electronics > Chargers & power", (20, 45), dict(connector=["USB-C"],
                                                                                   wattage=[10, 15])),
        ("Car charger", "Electronics > Chargers & power", (12, 30), dict(connector=["USB-C and USB-A",
                                                                                    "two USB-C ports"],
                                                                         wattage=[30, 45, 60])),
        ("Over-ear headphones", "Electronics > Audio", (50, 180), dict(connector=["Bluetooth 5.3", "Bluetooth 5.2"],
                                                                      battery_life=[30, 40, 50],
                                                                      capacity=[600, 800])),
        ("Travel adapter", "Electronics > Chargers & power", (18, 40), dict(connector=["two USB-C ports",
                                                                                       "USB-C and USB-A"],
                                                                            wattage=[30, 65])),
        ("HDMI cable", "Electronics > Cables", (8, 25), dict(connector=["HDMI 2.1", "HDMI 2.0"],
                                                            cable_length=[1.0, 2.0, 3.0])),
    ],
    "Home & kitchen": [
        ("Frying pan", "Home & kitchen > Cookware", (25, 90), dict(material=["carbon steel", "hard-anodised aluminium"],
                                                                   dimensions=["28 x 28 x 5", "24 x 24 x 5"],
                                                                   dishwasher_safe=[False, True])),
        ("Toaster", "Home & kitchen > Small appliances", (30, 90), dict(material=["brushed steel", "matt enamel"],
                                                                        wattage=[850, 900, 1000],
                                                                        dimensions=["30 x 18 x 20"])),
        ("Teapot", "Home & kitchen > Tableware", (18, 55), dict(material=["stoneware", "glazed porcelain"],
                                                               capacity=[0.8, 1.2], dishwasher_safe=[True, False])),
        ("Chopping board", "Home & kitchen > Knives", (15, 50), dict(material=["oak", "bamboo"],
                                                                    dimensions=["40 x 28 x 2", "45 x 30 x 3"],
                                                                    dishwasher_safe=[False])),
        ("Mixing bowl set", "Home & kitchen > Bakeware", (20, 55), dict(material=["stainless steel",
                                                                                  "glazed stoneware"],
                                                                        capacity=[2.0, 3.5], dishwasher_safe=[True])),
        ("Throw blanket", "Home & kitchen > Textiles", (35, 110), dict(material=["merino wool", "cotton waffle"],
                                                                       dimensions=["130 x 170", "150 x 200"])),
    ],
    "Beauty": [
        ("Body wash", "Beauty > Body care", (6, 16), dict(volume=[250, 300], skin_type=["all skin types",
                                                                                       "sensitive skin"],
                                                         key_ingredient=["aloe vera", "oat extract"])),
        ("Night cream", "Beauty > Skincare", (15, 45), dict(volume=[50], skin_type=["dry skin", "mature skin"],
                                                           key_ingredient=["squalane", "ceramides"])),
        ("Facial cleanser", "Beauty > Skincare", (10, 28), dict(volume=[125, 150], skin_type=["oily skin",
                                                                                              "all skin types"],
                                                               key_ingredient=["green tea", "salicylic acid"])),
        ("Beard oil", "Beauty > Grooming", (10, 25), dict(volume=[30], skin_type=["all skin types"],
                                                         key_ingredient=["argan oil", "jojoba oil"])),
    ],
    "Sports & toys": [
        ("Skipping rope", "Sports & toys > Fitness", (8, 25), dict(material=["PVC", "braided cotton"],
                                                                  weight=(150, 400))),
        ("Jigsaw puzzle", "Sports & toys > Games", (12, 30), dict(material=["recycled card"], age=[8, 10, 12],
                                                                 dimensions=["70 x 50", "68 x 48"])),
        ("Resistance band set", "Sports & toys > Fitness", (12, 35), dict(material=["natural latex", "TPE"],
                                                                          weight=(200, 450))),
        ("Wooden train set", "Sports & toys > Toys", (25, 70), dict(material=["beech wood"], age=[3, 4],
                                                                   weight=(800, 1600))),
        ("Board game", "Sports & toys > Games", (18, 45), dict(material=["recycled card"], age=[8, 10, 14],
                                                              dimensions=["30 x 30 x 7"])),
        ("Balance bike", "Sports & toys > Outdoor", (60, 140), dict(material=["birch plywood", "aluminium"],
                                                                   age=[2, 3], weight=(2500, 4000))),
    ],
    "Bags": [
        ("Backpack", "Bags > Backpacks", (40, 120), dict(material=["recycled nylon", "waxed canvas"],
                                                        capacity=[18.0, 22.0, 28.0], weight=(600, 1100),
                                                        dimensions=["45 x 30 x 15", "48 x 32 x 18"],
                                                        laptop_sleeve=[True, False], water_resistant=[True, False])),
        ("Tote bag", "Bags > Totes", (15, 45), dict(material=["organic cotton canvas", "recycled polyester"],
                                                   capacity=[15.0, 20.0], weight=(180, 400),
                                                   dimensions=["40 x 38 x 12"], laptop_sleeve=[False])),
        ("Washbag", "Bags > Travel", (18, 40), dict(material=["recycled nylon", "coated cotton"],
                                                   capacity=[3.0, 4.5], dimensions=["25 x 14 x 12"],
                                                   water_resistant=[True, False])),
        ("Weekend holdall", "Bags > Travel", (60, 160), dict(material=["waxed canvas", "full-grain leather"],
                                                            capacity=[35.0, 45.0], weight=(1000, 1700),
                                                            dimensions=["55 x 30 x 28"])),
        ("Crossbody bag", "Bags > Everyday", (25, 80), dict(material=["pebbled leather", "recycled nylon"],
                                                           capacity=[2.5, 4.0], weight=(250, 500),
                                                           dimensions=["24 x 16 x 7"])),
    ],
    "Stationery": [
        ("Notebook", "Stationery > Notebooks", (8, 22), dict(size=["A5", "A6", "B5"], pages=[96, 128, 192, 240],
                                                            paper_weight=[80, 90, 100], ruling=["dot grid", "lined",
                                                                                                "squared"])),
        ("Sketchbook", "Stationery > Art", (10, 28), dict(size=["A4", "A5"], pages=[64, 80, 96],
                                                         paper_weight=[120, 160, 200], ruling=["blank"])),
        ("Weekly planner", "Stationery > Planners", (12, 30), dict(size=["A5", "B6"], pages=[144, 160, 176],
                                                                  paper_weight=[90, 100], ruling=["lined"])),
        ("Journal", "Stationery > Notebooks", (12, 32), dict(size=["A5", "B6"], pages=[192, 240, 256],
                                                            paper_weight=[90, 100, 120],
                                                            ruling=["dot grid", "blank"])),
    ],
    "Garden": [
        ("Watering can", "Garden > Watering", (15, 45), dict(material=["galvanised steel", "recycled plastic"],
                                                            capacity=[4.5, 9.0], weight=[0.9, 1.4, 1.8])),
        ("Plant pot", "Garden > Pots & planters", (10, 50), dict(material=["terracotta", "glazed stoneware"],
                                                                dimensions=["20 x 20 x 18", "30 x 30 x 27"],
                                                                weight=[1.2, 2.5, 4.0],
                                                                frost_resistant=[True, False])),
        ("Bird feeder", "Garden > Wildlife", (12, 35), dict(material=["powder-coated steel", "cedar"],
                                                           dimensions=["25 x 15 x 15"], weight=[0.4, 0.6])),
        ("Secateurs", "Garden > Tools", (15, 45), dict(material=["carbon steel", "hardened steel"],
                                                      weight=[0.2, 0.25, 0.3])),
        ("Garden kneeler", "Garden > Tools", (12, 30), dict(material=["recycled foam"],
                                                           dimensions=["42 x 22 x 3"], weight=[0.3, 0.4])),
    ],
    "Pet supplies": [
        ("Dog bed", "Pets > Beds", (30, 95), dict(material=["recycled polyester", "cotton canvas"],
                                                 suitable_for=[["small dogs"], ["medium dogs"],
                                                               ["medium dogs", "large dogs"]],
                                                 dimensions=["60 x 45 x 15", "80 x 60 x 18", "100 x 75 x 20"],
                                                 machine_washable=[True, False])),
        ("Cat scratcher", "Pets > Cats", (15, 60), dict(material=["sisal rope", "corrugated cardboard"],
                                                       suitable_for=[["cats"], ["cats", "kittens"]],
                                                       dimensions=["40 x 40 x 60", "45 x 25 x 10"])),
        ("Dog lead", "Pets > Walking", (12, 35), dict(material=["braided rope", "full-grain leather"],
                                                     suitable_for=[["small dogs", "medium dogs"], ["large dogs"]],
                                                     length=[1.2, 1.5, 2.0])),
        ("Pet bowl", "Pets > Feeding", (8, 25), dict(material=["stainless steel", "stoneware"],
                                                    suitable_for=[["cats"], ["dogs"], ["cats", "dogs"]],
                                                    capacity=[0.4, 0.9, 1.5], dishwasher_safe=[True])),
    ],
    "Pantry": [
        ("Coffee beans", "Food & drink > Coffee", (7, 16), dict(weight=[250, 500, 1000],
                                                               origin=["Colombia", "Ethiopia", "Brazil", "Peru"],
                                                               roast=["medium", "medium-dark", "espresso"],
                                                               flavour=["chocolate and cherry", "caramel and nut",
                                                                        "citrus and honey"],
                                                               organic=[True, False])),
        ("Ground coffee", "Food & drink > Coffee", (6, 12), dict(weight=[227, 250],
                                                                origin=["Colombia", "Guatemala", "Brazil"],
                                                                roast=["medium", "medium-dark"],
                                                                flavour=["toffee and cocoa", "nutty and smooth"],
                                                                organic=[True, False])),
        ("Loose leaf tea", "Food & drink > Tea", (5, 14), dict(weight=[100, 125, 250],
                                                              origin=["Assam", "Darjeeling", "Kenya", "Yunnan"],
                                                              flavour=["malty", "floral", "bright and brisk"],
                                                              organic=[True, False])),
        ("Dark chocolate bar", "Food & drink > Chocolate", (3, 7), dict(weight=[80, 90, 100], cocoa=[70, 75, 85],
                                                                       origin=["Ecuador", "Ghana", "Peru"],
                                                                       flavour=["sea salt", "orange peel", "cocoa nib"],
                                                                       vegan=[True, False])),
        ("Granola", "Food & drink > Breakfast", (4, 9), dict(weight=[400, 500], flavour=["honey and almond",
                                                                                        "maple and pecan",
                                                                                        "apple and cinnamon"],
                                                            vegan=[True, False], organic=[True, False])),
    ],
}
ITEMS = {name: list(DEMO_ITEMS.get(name, [])) + EXTRA_ITEMS.get(name, []) for name in CLASSES}
SIZES = {**DEMO_SIZES, "Apparel": DEMO_SIZES["Apparel"] + ["XS-L", "S-L"],
         "Footwear": DEMO_SIZES["Footwear"] + ["5-10"]}
ONE_SIZE_ITEMS = {"Beanie"}
SCENTS = DEMO_SCENTS + ["fig", "sea salt", "neroli", "vetiver"]
COMPATIBLE = [["phones", "tablets"], ["phones", "tablets", "laptops"], ["laptops"], ["phones"]]

# Singular phrases for items whose names are plural or uncountable ("this pair of chinos").
NOUN_PHRASES = {
    "Chinos": "pair of chinos", "Wireless earbuds": "pair of wireless earbuds",
    "Running tights": "pair of running tights",
    "Over-ear headphones": "pair of over-ear headphones", "Secateurs": "pair of secateurs",
    "Coffee beans": "bag of coffee beans", "Ground coffee": "bag of ground coffee",
    "Loose leaf tea": "tin of loose leaf tea",
    "Granola": "bag of granola", "T-shirt": "T-shirt", "HDMI cable": "HDMI cable",
    "Bluetooth speaker": "Bluetooth speaker",
}
# Items named in the plural: "the Northmoor Chinos are", never "is" (see _agree).
PLURAL_ITEMS = {"Chinos", "Wireless earbuds", "Running tights", "Over-ear headphones", "Secateurs", "Coffee beans"}
_PLURAL_VERBS = {
    "is": "are", "has": "have", "brings": "bring", "makes": "make", "speaks": "speak", "belongs": "belong",
    "comes": "come", "weighs": "weigh", "holds": "hold", "measures": "measure", "delivers": "deliver", "runs": "run",
    "lasts": "last", "uses": "use", "connects": "connect", "contains": "contain", "suits": "suit", "sits": "sit",
    "works": "work", "puts": "put", "gives": "give", "keeps": "keep",
}
# What an item is for, in words that claim nothing measurable.
USES = {
    "T-shirt": ["everyday wear", "easy layering", "days off"], "Hoodie": ["lazy days", "easy layering"],
    "Rain jacket": ["days outdoors", "the daily commute"], "Chinos": ["the office", "smart-casual days"],
    "Merino jumper": ["cooler days", "smart layering"], "Puffer jacket": ["the colder months", "days outdoors"],
    "Linen shirt": ["summer days", "holidays"], "Beanie": ["colder mornings", "the school run"],
    "Running tights": ["your runs", "training days"], "Pyjama set": ["slow mornings", "cosy evenings"],
    "Trail running shoe": ["trail runs", "off-road miles"], "Leather boot": ["everyday wear", "town and country"],
    "Canvas trainer": ["everyday wear", "days off"], "Slipper": ["evenings at home", "slow mornings"],
    "Hiking boot": ["hill walks", "long days in the hills"], "Sandal": ["summer days", "holidays"],
    "Loafer": ["the office", "smart-casual days"], "Wellington boot": ["muddy walks", "the garden"],
    "Power bank": ["travel", "busy days out"], "Wall charger": ["your desk", "the bedside table"],
    "Braided cable": ["your desk", "travel"], "Wireless earbuds": ["your commute", "the gym"],
    "Bluetooth speaker": ["the garden", "the kitchen"], "Wireless charging pad": ["your desk", "the bedside table"],
    "Car charger": ["road trips", "the daily drive"], "Over-ear headphones": ["your commute", "focused study"],
    "Travel adapter": ["trips abroad", "travel"], "HDMI cable": ["the living room", "the home office"],
    "Cast iron casserole": ["slow cooking", "family stews"], "Electric kettle": ["the morning cuppa", "the kitchen"],
    "Chef's knife": ["everyday prep", "home cooking"], "Storage jar set": ["the pantry", "a tidy kitchen"],
    "Linen tea towel": ["the kitchen", "drying up"], "Frying pan": ["weekday dinners", "lazy breakfasts"],
    "Toaster": ["breakfast", "the kitchen"], "Teapot": ["afternoon brews", "slow mornings"],
    "Chopping board": ["everyday prep", "home cooking"], "Mixing bowl set": ["home baking", "everyday prep"],
    "Throw blanket": ["the sofa", "cosy evenings"],
    "Face serum": ["your morning routine", "your evening routine"], "Hand cream": ["your bag", "the bedside table"],
    "Shampoo bar": ["your shower shelf", "travel"], "Lip balm": ["your pocket", "your bag"],
    "Body wash": ["your shower shelf", "your daily routine"], "Night cream": ["your evening routine"],
    "Facial cleanser": ["your morning routine", "your evening routine"], "Beard oil": ["your grooming routine"],
    "Yoga mat": ["your practice", "home workouts"], "Building block set": ["playtime", "rainy afternoons"],
    "Remote control car": ["playtime", "the park"], "Football": ["the park", "kickabouts"],
    "Kite": ["breezy days", "the beach"], "Skipping rope": ["home workouts", "warm-ups"],
    "Jigsaw puzzle": ["rainy afternoons", "family evenings"], "Resistance band set": ["home workouts", "warm-ups"],
    "Wooden train set": ["playtime", "rainy afternoons"], "Board game": ["family evenings", "game night"],
    "Balance bike": ["the park", "first rides"],
    "Backpack": ["the commute", "short trips"], "Tote bag": ["the shops", "everyday errands"],
    "Washbag": ["travel", "nights away"], "Weekend holdall": ["weekends away", "short trips"],
    "Crossbody bag": ["days out", "everyday errands"],
    "Notebook": ["notes and lists", "your desk"], "Sketchbook": ["sketching", "drawing on the go"],
    "Weekly planner": ["planning the week", "your desk"], "Journal": ["journaling", "notes and ideas"],
    "Watering can": ["the garden", "houseplants"], "Plant pot": ["houseplants", "the patio"],
    "Bird feeder": ["the garden", "garden birds"], "Secateurs": ["pruning", "the garden"],
    "Garden kneeler": ["weeding", "planting out"],
    "Dog bed": ["nap time", "quiet evenings"], "Cat scratcher": ["playtime", "nap time"],
    "Dog lead": ["daily walks", "walks in the park"], "Pet bowl": ["mealtimes", "the kitchen"],
    "Coffee beans": ["your morning coffee", "slow mornings"], "Ground coffee": ["your morning coffee", "the cafetiere"],
    "Loose leaf tea": ["the afternoon pot", "quiet moments"], "Dark chocolate bar": ["a little treat", "sharing"],
    "Granola": ["breakfast", "a quick snack"],
}
PLACES = {"Apparel": "your wardrobe", "Footwear": "your hallway", "Electronics accessories": "your kit",
          "Home & kitchen": "your home", "Beauty": "your routine", "Sports & toys": "the toy box",
          "Bags": "your everyday carry", "Stationery": "your desk", "Garden": "your garden",
          "Pet supplies": "your pet's corner", "Pantry": "the cupboard"}
PLACE_OVERRIDES = {"Yoga mat": "your home workouts", "Skipping rope": "your kit", "Resistance band set": "your kit",
                   "Football": "your kit", "Kite": "your days out"}
OPTIONS = {
    "Apparel": ["Gift wrapping", "Monogram"], "Footwear": ["Gift wrapping"], "Electronics accessories": ["Engraving",
                                                                                                     "Gift wrapping"],
    "Home & kitchen": ["Engraving", "Gift wrapping", "Gift message"], "Beauty": ["Gift wrapping", "Gift message"],
    "Sports & toys": ["Gift wrapping", "Personalised name tag"], "Bags": ["Monogram", "Gift wrapping"],
    "Stationery": ["Personalised cover", "Gift wrapping"], "Garden": ["Gift wrapping", "Gift message"],
    "Pet supplies": ["Personalised name tag", "Gift wrapping"], "Pantry": ["Gift message", "Gift wrapping"],
}
WARRANTY_ITEMS = {"Electric kettle", "Toaster"}
COMPATIBLE_ITEMS = {"Power bank", "Wall charger", "Braided cable", "Wireless charging pad", "Car charger",
                    "Travel adapter"}
PIECES = {"Storage jar set": [3, 4, 6], "Mixing bowl set": [3, 4], "Building block set": [120, 250, 500],
          "Resistance band set": [3, 5], "Wooden train set": [24, 40, 52]}
OPTION_PHRASES = {"Gift wrapping": "gift wrapping", "Engraving": "engraving", "Monogram": "a monogram",
                  "Gift message": "a gift message", "Personalised name tag": "a personalised name tag",
                  "Personalised cover": "a personalised cover"}
SECOND_CATEGORIES = ["Gifts > Gift ideas", "Gifts > For the home", "Collections > Everyday"]
CURRENCIES = (("GBP", 0.9), ("EUR", 0.06), ("USD", 0.04))

# ---------------------------------------------------------------------------------------------------------------
# Phrase banks. {v} is an attribute value exactly as the facts give it (unit included); the other fields come from
# the product (see _context). No sentence starts with a value a shopper would see in lower case, no number appears
# that the facts do not hold, and no colour, material or certification word appears unless a fact says it.
# ---------------------------------------------------------------------------------------------------------------

# Per aspect: s sentences, c what "it" does ("weighs 180 g"), n noun phrases for lists, b bullets, h short lines
# (headlines, 30 characters or so), r answers in a service reply; a tone name holds sentences only that tone uses.
ASPECTS = {
    "brand": dict(
        s=["It is made by {v}.", "It comes from {v}.", "{v} is the name behind it.", "This one is from {v}."],
        c=["comes from {v}", "is made by {v}"],
        b=["Made by {v}", "From {v}", "Brand: {v}"],
        h=["By {v}", "From {v}"],
        r=["It is made by {v}.", "The brand is {v}."],
        premium=["It carries the {v} name.", "{v} made it, and it shows in the details."],
        playful=["Brought to you by the good people at {v}!"],
        friendly=["It is one of our favourites from {v}."],
    ),
    "colour": dict(
        s=["It comes in {v}.", "The colour is {v}.", "This one is {v}.", "You get it in {v}.",
           "It is finished in {v}."],
        c=["comes in {v}", "is finished in {v}"],
        n=["a {v} colourway", "a {v} finish"],
        b=["Colour: {v}", "Finished in {v}", "Comes in {v}"],
        h=["In {v}", "Colour: {v}"],
        r=["The colour is {v}.", "This one comes in {v}."],
        premium=["It is finished in a quiet shade of {v}.", "A shade of {v} keeps it understated."],
        playful=["And the colour? It is {v}, and we love it.", "It comes in {v}. Good choice!"],
        friendly=["We love it in {v}.", "It comes in a lovely {v}."],
    ),
    "material": dict(
        s=["It is made from {v}.", "The {noun} is made from {v}.", "It is made of {v}.", "The main material is {v}.",
           "Its material is {v}."],
        c=["is made from {v}", "is made of {v}"],
        n=["a {v} build", "{v} as its material"],
        b=["Made from {v}", "Material: {v}", "Made of {v}"],
        h=["Made from {v}", "Made of {v}"],
        r=["It is made from {v}.", "The material is {v}."],
        premium=["It is made from {v}, chosen for how it looks and feels.",
                 "Made from {v}, it has a quietly refined character."],
        playful=["The secret? It is made from {v}.", "Made from {v}. Simple as that!"],
        friendly=["It is made from {v}, which we think you will love."],
    ),
    "fit": dict(
        s=["It has a {v} fit.", "The fit is {v}.", "Expect a {v} fit.", "It is cut for a {v} fit."],
        c=["has a {v} fit", "is cut for a {v} fit"],
        n=["a {v} fit"],
        b=["A {v} fit", "Fit: {v}", "Cut for a {v} fit"],
        h=["A {v} fit"],
        r=["The fit is {v}.", "It has a {v} fit."],
        premium=["A {v} fit keeps the look considered."],
        playful=["The fit is {v}, just how we like it."],
        friendly=["You will find the fit is {v}."],
    ),
    "sizes": dict(
        s=["It comes in sizes {v}.", "Choose from sizes {v}.", "Sizes run {v}.", "It is available in sizes {v}."],
        c=["comes in sizes {v}"],
        n=["sizes {v}"],
        b=["Sizes {v}", "Available in sizes {v}"],
        h=["Sizes {v}"],
        r=["It comes in sizes {v}.", "The size range is {v}."],
        friendly=["There are sizes {v} to choose from."],
    ),
    "one_size": dict(
        s=["It comes in one size.", "It is one size."],
        c=["comes in one size"],
        b=["One size"],
        h=["One size"],
        r=["It comes in one size."],
    ),
    "weight": dict(
        s=["It weighs {v}.", "It weighs in at {v}.", "The weight is {v}.", "All in, it weighs {v}."],
        c=["weighs {v}", "weighs in at {v}"],
        n=["a weight of {v}"],
        b=["Weighs {v}", "Weight: {v}"],
        h=["Weighs {v}"],
        r=["It weighs {v}.", "The weight is {v}."],
        playful=["It weighs {v}. Yes, we checked!"],
    ),
    "machine_washable": dict(
        s=["It is machine washable.", "Care is simple: it is machine washable.",
           "It is machine washable, which keeps care simple."],
        c=["is machine washable"],
        b=["Machine washable", "Easy care: machine washable"],
        h=["Machine washable"],
        r=["Yes, it is machine washable.", "It is machine washable."],
        playful=["Spills happen, and it is machine washable."],
    ),
    "machine_washable:no": dict(
        r=["It is not machine washable.", "Please note that it is not machine washable."],
    ),
    "waterproof": dict(
        s=["It is waterproof.", "Whatever the weather, it is waterproof."],
        c=["is waterproof"],
        b=["Waterproof"],
        h=["Waterproof"],
        r=["Yes, it is waterproof.", "It is waterproof."],
        playful=["Puddles? No problem: it is waterproof."],
    ),
    "waterproof:no": dict(
        r=["It is not waterproof, so it is best kept for dry days.", "Please note that it is not waterproof."],
    ),
    "dishwasher_safe": dict(
        s=["It is dishwasher safe.", "Cleaning up is easy: it is dishwasher safe."],
        c=["is dishwasher safe"],
        b=["Dishwasher safe"],
        h=["Dishwasher safe"],
        r=["Yes, it is dishwasher safe.", "It is dishwasher safe."],
    ),
    "dishwasher_safe:no": dict(
        s=["Wash it by hand to keep it at its best.", "It is best washed by hand."],
        c=["is best washed by hand"],
        b=["Hand wash only", "Wash by hand"],
        r=["It is not dishwasher safe, so please wash it by hand.",
           "Please wash it by hand: it is not dishwasher safe."],
    ),
    "vegan": dict(
        s=["It is vegan.", "It is entirely vegan."],
        c=["is vegan"],
        b=["Vegan"],
        h=["Vegan"],
        r=["Yes, it is vegan.", "It is vegan."],
    ),
    "vegan:no": dict(r=["It is not vegan."]),
    "organic": dict(
        s=["It is organic."],
        c=["is organic"],
        b=["Organic"],
        h=["Organic"],
        r=["Yes, it is organic."],
    ),
    "organic:no": dict(r=["It is not organic."]),
    "water_resistant": dict(
        s=["It is water resistant.", "Showers are no bother: it is water resistant."],
        c=["is water resistant"],
        b=["Water resistant"],
        h=["Water resistant"],
        r=["Yes, it is water resistant."],
    ),
    "water_resistant:no": dict(r=["It is not water resistant, so keep it out of heavy showers."]),
    "laptop_sleeve": dict(
        s=["It has a laptop sleeve.", "There is a laptop sleeve inside."],
        c=["has a laptop sleeve"],
        b=["Laptop sleeve", "A laptop sleeve inside"],
        h=["With laptop sleeve"],
        r=["Yes, it has a laptop sleeve."],
    ),
    "laptop_sleeve:no": dict(r=["It does not have a laptop sleeve."]),
    "frost_resistant": dict(
        s=["It is frost resistant.", "It is frost resistant, so winter is no worry."],
        c=["is frost resistant"],
        b=["Frost resistant"],
        h=["Frost resistant"],
        r=["Yes, it is frost resistant."],
    ),
    "frost_resistant:no": dict(
        s=["Bring it indoors when frost is forecast."],
        r=["It is not frost resistant, so please bring it indoors when frost is forecast."],
    ),
    "upper": dict(
        s=["The upper is made from {v}.", "Its upper is made from {v}.", "The upper uses {v}."],
        c=["has an upper made from {v}"],
        n=["an upper made from {v}"],
        b=["Upper: {v}", "Upper made from {v}"],
        h=["Upper: {v}"],
        r=["The upper is made from {v}."],
    ),
    "sole": dict(
        s=["It sits on a {v} sole.", "The sole is {v}.", "Underfoot, there is a {v} sole."],
        c=["has a {v} sole", "sits on a {v} sole"],
        n=["a {v} sole"],
        b=["A {v} sole", "Sole: {v}"],
        h=["Sole: {v}"],
        r=["The sole is {v}."],
    ),
    "connector": dict(
        s=["It connects with {v}.", "It uses {v}.", "Connection is via {v}.", "It is fitted with {v}."],
        c=["connects with {v}", "uses {v}"],
        b=["Connects with {v}", "Connector: {v}"],
        h=["With {v}"],
        r=["It connects with {v}.", "The connector is {v}."],
    ),
    "capacity_mah": dict(
        s=["It has a capacity of {v}.", "It holds {v}.", "There is {v} of capacity inside."],
        c=["holds {v}", "has a capacity of {v}"],
        n=["a capacity of {v}", "{v} of capacity"],
        b=["{v} capacity", "Capacity: {v}", "Holds {v}"],
        h=["{v} capacity"],
        r=["Its capacity is {v}.", "It has a capacity of {v}."],
        technical=["Rated capacity: {v}."],
    ),
    "wattage_out": dict(
        s=["It delivers up to {v}.", "Output is rated at {v}.", "It puts out up to {v}."],
        c=["delivers up to {v}", "puts out up to {v}"],
        n=["an output of {v}", "up to {v} of output"],
        b=["Up to {v} output", "Output: {v}", "{v} output"],
        h=["{v} output", "Up to {v}"],
        r=["The output is {v}.", "It delivers up to {v}."],
        technical=["Maximum output: {v}."],
    ),
    "cable_length": dict(
        s=["The cable is {v} long.", "It measures {v} from end to end.", "It gives you {v} of cable."],
        c=["is {v} long", "gives you {v} of cable"],
        n=["a length of {v}", "{v} of cable"],
        b=["{v} long", "Length: {v}"],
        h=["{v} long"],
        r=["The cable is {v} long."],
    ),
    "battery_life": dict(
        s=["The battery lasts up to {v}.", "It runs for up to {v} on a charge.", "Expect up to {v} of battery life."],
        c=["runs for up to {v} on a charge", "lasts up to {v} on a charge"],
        n=["up to {v} of battery life", "a battery life of up to {v}"],
        b=["Up to {v} battery life", "Battery life: {v}"],
        h=["{v} battery life"],
        r=["The battery lasts up to {v}.", "On a charge, it runs for up to {v}."],
        playful=["It keeps going for up to {v}. Impressive, right?"],
    ),
    "capacity_l": dict(
        s=["It holds {v}.", "It has a capacity of {v}.", "There is room for {v}."],
        c=["holds {v}", "has a capacity of {v}"],
        n=["a capacity of {v}"],
        b=["Holds {v}", "Capacity: {v}", "{v} capacity"],
        h=["{v} capacity", "Holds {v}"],
        r=["It holds {v}.", "The capacity is {v}."],
    ),
    "dimensions": dict(
        s=["It measures {v}.", "Its dimensions are {v}.", "Overall, it measures {v}."],
        c=["measures {v}"],
        n=["dimensions of {v}"],
        b=["Measures {v}", "Dimensions: {v}"],
        h=["Measures {v}"],
        r=["It measures {v}.", "The dimensions are {v}."],
    ),
    "wattage_in": dict(
        s=["It runs at {v}.", "It is rated at {v}.", "Power is rated at {v}."],
        c=["runs at {v}", "is rated at {v}"],
        n=["a power rating of {v}"],
        b=["{v} power", "Rated at {v}", "Power: {v}"],
        h=["{v} power"],
        r=["It is rated at {v}."],
    ),
    "volume": dict(
        s=["It contains {v}.", "You get {v}.", "The size is {v}."],
        c=["contains {v}"],
        n=["a {v} size"],
        b=["{v} size", "Contains {v}", "Volume: {v}"],
        h=["{v} size"],
        r=["It contains {v}."],
    ),
    "skin_type": dict(
        s=["It is made for {v}.", "It suits {v}.", "It is a good match for {v}."],
        c=["is made for {v}", "suits {v}"],
        b=["For {v}", "Made for {v}", "Suits {v}"],
        h=["For {v}"],
        r=["It is made for {v}."],
        friendly=["If you have {v}, this one is for you."],
    ),
    "key_ingredient": dict(
        s=["The key ingredient is {v}.", "It is made with {v}.", "It is built around {v}."],
        c=["is made with {v}"],
        n=["{v} as the key ingredient"],
        b=["Key ingredient: {v}", "Made with {v}"],
        h=["With {v}"],
        r=["The key ingredient is {v}."],
        premium=["At its heart is {v}."],
    ),
    "scent": dict(
        s=["It has a {v} scent.", "The scent is {v}.", "It carries a {v} scent."],
        c=["has a {v} scent"],
        n=["a {v} scent"],
        b=["A {v} scent", "Scent: {v}"],
        h=["Scent: {v}"],
        r=["The scent is {v}."],
        playful=["It has a {v} scent. Go on, have a sniff!"],
    ),
    "unscented": dict(
        s=["It is unscented.", "There is no added scent."],
        c=["is unscented"],
        b=["Unscented"],
        h=["Unscented"],
        r=["It is unscented."],
    ),
    "age": dict(
        s=["It is suitable from age {v}.", "Suitable from age {v}.", "It is for children aged {v} and up."],
        c=["is suitable from age {v}"],
        b=["Suitable from age {v}", "Ages {v} and up", "For ages {v} and over"],
        h=["Ages {v} and up"],
        r=["It is suitable from age {v}."],
    ),
    "compatible": dict(
        s=["It is compatible with {v}.", "It suits {v}."],
        c=["is compatible with {v}"],
        b=["Compatible with {v}", "Suits {v}"],
        h=["For {v}"],
        r=["It is compatible with {v}."],
    ),
    "warranty": dict(
        s=["It comes with a warranty of {v}.", "The warranty runs for {v}."],
        c=["comes with a warranty of {v}"],
        n=["a warranty of {v}"],
        b=["Warranty: {v}", "A warranty of {v}"],
        h=["Warranty: {v}"],
        r=["It comes with a warranty of {v}."],
    ),
    "pieces": dict(
        s=["The set has {v} pieces.", "There are {v} pieces in the set.", "You get {v} pieces."],
        c=["comes as a set of {v}"],
        n=["{v} pieces"],
        b=["{v} pieces", "Set of {v}"],
        h=["Set of {v}"],
        r=["There are {v} pieces in the set."],
    ),
    "pages": dict(
        s=["It has {v} pages.", "There are {v} pages inside.", "Inside, there are {v} pages."],
        c=["has {v} pages"],
        n=["{v} pages"],
        b=["{v} pages"],
        h=["{v} pages"],
        r=["It has {v} pages."],
    ),
    "paper_weight": dict(
        s=["The paper is {v}.", "It uses {v} paper.", "Every page is {v} paper."],
        c=["uses {v} paper"],
        n=["{v} paper"],
        b=["{v} paper", "Paper weight: {v}"],
        h=["{v} paper"],
        r=["The paper weight is {v}."],
    ),
    "ruling": dict(
        s=["The pages are {v}.", "Every page is {v}."],
        c=["has {v} pages"],
        b=["Ruling: {v}", "Pages are {v}"],
        h=["Ruling: {v}"],
        r=["The pages are {v}."],
    ),
    "size": dict(
        s=["It is {v} in size.", "The format is {v}.", "It comes in {v}."],
        c=["comes in {v}"],
        n=["a {v} format"],
        b=["Size: {v}", "{v} format"],
        h=["{v} format"],
        r=["It is {v} in size."],
    ),
    "origin": dict(
        s=["It comes from {v}.", "It is sourced from {v}."],
        c=["comes from {v}", "is sourced from {v}"],
        b=["From {v}", "Origin: {v}", "Sourced from {v}"],
        h=["From {v}"],
        r=["It comes from {v}."],
        premium=["It is sourced from {v}, and you can taste the care."],
    ),
    "roast": dict(
        s=["It is a {v} roast.", "The roast is {v}."],
        c=["is a {v} roast"],
        n=["a {v} roast"],
        b=["A {v} roast", "Roast: {v}"],
        h=["Roast: {v}"],
        r=["It is a {v} roast."],
    ),
    "flavour": dict(
        s=["It has a {v} flavour.", "The flavour is {v}."],
        c=["has a {v} flavour"],
        n=["a {v} flavour"],
        b=["A {v} flavour", "Flavour: {v}"],
        h=["Flavour: {v}"],
        r=["The flavour is {v}."],
        playful=["The flavour? It is {v}, and it is delicious."],
    ),
    "cocoa": dict(
        s=["It contains {v} cocoa.", "The cocoa content is {v}."],
        c=["contains {v} cocoa"],
        n=["{v} cocoa"],
        b=["{v} cocoa", "Cocoa: {v}"],
        h=["{v} cocoa"],
        r=["The cocoa content is {v}."],
    ),
    "suitable_for": dict(
        s=["It is made for {v}.", "It suits {v}."],
        c=["is made for {v}", "suits {v}"],
        b=["For {v}", "Suits {v}"],
        h=["For {v}"],
        r=["It is suitable for {v}."],
    ),
    "length": dict(
        s=["It is {v} long.", "It measures {v} in length."],
        c=["is {v} long"],
        n=["a length of {v}"],
        b=["{v} long", "Length: {v}"],
        h=["{v} long"],
        r=["It is {v} long."],
    ),
    # Attributes without a bank of their own: their name says what the value is.
    "generic": dict(
        s=["{Name}: {v}.", "Its {name_l} is {v}."],
        b=["{Name}: {v}"],
        h=["{Name}: {v}"],
        r=["Its {name_l} is {v}."],
    ),
    "generic_yes": dict(s=["{Name}: yes."], b=["{Name}: yes"], r=["{Name}: yes."]),
}

# Openings, by tone ("" is the store's plain voice). {specs} marks an opening that promises figures to follow.
OPENERS = {
    "": [
        "The {name} is {a_noun} from {maker}.", "The {name} is {a_noun} for {use}.",
        "This is the {name}, {a_noun} made from {material}.", "{brand} makes this {noun} from {material}.",
        "Meet the {name}.", "Here is the {name}, {a_noun} in {colour}.",
        "The {name} is {a_noun} in {colour}, made from {material}.",
        "Made by {brand}, this {noun} is a simple choice for {use}.",
        "Looking for {a_noun}? The {name} is made from {material}.", "The {name} is part of our {leaf} range.",
        "The {name} is {a_noun} that keeps things simple.",
        "If you need {a_noun} for {use}, the {name} is worth a look.", "Introducing the {name} from {maker}.",
        "The {name} brings together {material} and a {fit} fit.", "{maker} made the {name} with {use} in mind.",
        "This {noun} from {brand} comes in {colour}.", "The {name}: {a_noun} for {use}.",
        "Here is {a_noun} for {use}: the {name}.", "For {use}, there is the {name}.",
        "The {name} is a dependable {noun} for {use}.", "Take a look at the {name}, {a_noun} from {maker}.",
    ],
    "friendly": [
        "You are going to like the {name}.", "Meet the {name}, {a_noun} we think you will enjoy.",
        "Here is the {name}, and we think you will love it.",
        "If you have been after {a_noun} for {use}, the {name} is a lovely pick.",
        "Say hi to the {name} from {maker}.", "We are big fans of the {name}, {a_noun} made from {material}.",
        "Good things come in {colour}, like the {name}.", "Make room for the {name}, a friendly pick for {use}.",
        "Treat yourself to the {name}.", "The {name} is the kind of {noun} you reach for again and again.",
        "Looking for something for {use}? You will get on well with the {name}.",
        "We have a soft spot for the {name}, and we think you will too.",
    ],
    "premium": [
        "The {name} brings a considered finish to {use}.",
        "Refined and understated, the {name} is {a_noun} from {maker}.",
        "{maker} presents the {name}, {a_noun} made from {material}.",
        "Quietly elegant, the {name} is {a_noun} in {colour}.",
        "Discover the {name}: {a_noun} of understated character.",
        "Some pieces simply feel right. The {name} is one of them.",
        "Crafted with restraint, the {name} is made from {material}.",
        "The {name} is {a_noun} for those who value the details.",
        "A refined take on the everyday {noun}: the {name}.", "Understated by design, the {name} speaks for itself.",
        "The {name} is {a_noun} made with quiet confidence by {maker}.",
        "Elegance, without fuss: this is the {name}.",
    ],
    "playful": [
        "Say hello to the {name}!", "Psst: the {name} might just be your new favourite {noun}.",
        "Who knew {a_noun} could be this much fun? Meet the {name}.", "Good news for {use}: the {name} is here.",
        "Knock, knock. Who is there? The {name}, in {colour}!", "Hello, gorgeous! Meet the {name}.",
        "Stop scrolling: the {name} is here.", "Ready for {use}? The {name} certainly is!",
        "Big news for {use}: meet the {name}!", "Warning: the {name} may cause extreme happiness.",
        "Drumroll, please. It is the {name}!", "Guess who just landed in our {leaf} range? The {name}!",
    ],
    "technical": [
        "Product overview: the {name} from {maker}.", "The {name} is {a_noun} with the following specification.{specs}",
        "Technical summary for the {name}.{specs}", "The {name} is {a_noun} made from {material}.",
        "Here are the key specifications of the {name}.{specs}", "The {name} ({cls}) is made from {material}.",
        "Specification sheet: {name}.{specs}",
        "The {name} belongs to our {leaf} range; its specification follows.{specs}",
        "The {name} is {a_noun} built around {material}.", "In brief, the {name} is {a_noun} from {maker}.",
    ],
}
CLOSERS = {
    "": ["A simple choice for {use}.", "Order yours online.", "Add it to your basket when you are ready.",
         "A useful addition to {place}.", "It is an easy pick for {use}.", "Find it in our {leaf} range.",
         "A good match for {use}.", "It is ready when you are.", "A straightforward pick for {place}."],
    "friendly": ["We hope you love it as much as we do.", "Treat yourself, or someone you like.",
                 "Pop it in your basket and you are good to go.", "Any questions? Just ask us.", "Enjoy it!",
                 "Happy shopping!", "We think it will feel right at home in {place}."],
    "premium": ["Understated, dependable and made to be enjoyed.", "For those who appreciate the finer details.",
                "A quiet staple for {place}.", "A considered addition to {place}.", "Simply, quietly good.",
                "Discover it for yourself."],
    "playful": ["Go on, you know you want to!", "{Place} will thank you.", "Add to basket and do a little happy dance.",
                "Your basket is looking a bit empty, just saying.", "Trust us, you will want this one.",
                "Your future self says thanks."],
    "technical": ["Check the details above against your needs before you order.",
                  "All figures come from the product data.{specs}",
                  "Compare the figures above with your requirements.{specs}",
                  "Details as listed; nothing more, nothing less."],
}
SEGMENT_LINES = {
    "new visitors": ["New here? The {name} is a good place to start.", "First time with us? Start with the {name}.",
                     "If you are new to {brand}, this {noun} is a fine introduction.",
                     "Welcome! If this is your first visit, the {name} is a great place to begin."],
    "returning customers": ["Welcome back: the {name} is worth a look this time.",
                            "Good to see you again. You might like the {name}.",
                            "Back for more? The {name} is ready for you.", "Thanks for shopping with us again."],
    "gift buyers": ["Looking for a present? The {name} makes a thoughtful gift.",
                    "It makes an easy gift for someone who loves {use}.", "Need a gift? This {noun} is a safe bet.",
                    "Add {gift_option} and it is ready to give."],
    "newsletter subscribers": ["Thanks for reading: here is the {name}.",
                               "A little something for our subscribers: a closer look at the {name}.",
                               "You signed up for good finds, so here is the {name}."],
    "bargain hunters": ["At {price}, it is good value.", "Good value at {price}.", "All this for {price}.",
                        "A sensible buy for {use}."],
    "students": ["A smart pick for student life.", "On a student budget? It is {price}.",
                 "A useful pick for student life, from lectures to days off."],
}
PRICE_LINES = {
    "": ["It costs {price}.", "The price is {price}.", "It is available for {price}."],
    "friendly": ["Yours for {price}.", "It is just {price}."],
    "premium": ["Priced at {price}.", "It is offered at {price}."],
    "playful": ["All this for {price}!", "And the best bit? It is only {price}."],
    "technical": ["Price: {price}.", "Listed price: {price}."],
}
OPTION_LINES = ["You can add {opt} when you order.", "{Opt} is available as an option.",
                "Choose {opt} at checkout if you like.", "It can be ordered with {opt}."]
TWO_OPTION_LINES = ["Options include {opt} and {opt2}.", "You can add {opt} or {opt2} when you order."]
# Two facts in one sentence ("It weighs 180 g and has a relaxed fit.") and three in a list.
SUBJECTS = ["It", "The {noun}", "This {noun}", "The {the_name}"]
LIST_LEADS = {
    "": ["It comes with", "Highlights include", "Expect", "You get"],
    "friendly": ["You will get", "Expect"],
    "premium": ["Details include", "It is defined by"],
    "playful": ["Bonus points for", "What is inside? Well,"],
    "technical": ["Features:", "Specification highlights:"],
}
SPEC_LEADS = ["Key figures:", "In numbers:", "At a glance:", "For the record,"]

# Short kinds.
META_TITLES = ["{name}", "{name} by {maker}", "{name} in {colour}", "{brand} {item} in {colour}",
               "{item} in {colour} from {brand}", "{name} in {material}", "Buy the {name} online",
               "{item} from {brand}", "{name}: {h}", "{item} made from {material}"]
META_OPENERS = {
    "": ["Shop the {name}.", "Buy the {name} online.", "The {name} is {a_noun} for {use}.",
         "Discover the {name} from {maker}.", "The {name}, made from {material}.", "The {name} in {colour}.",
         "Order the {name} online.", "The {name}: {a_noun} for {use}."],
    "friendly": ["Meet the {name}, a friendly pick for {use}.", "You will like the {name}.",
                 "Looking for {a_noun}? Say hi to the {name}."],
    "premium": ["The {name}: understated and considered.", "Discover the {name} by {maker}.",
                "The {name}, for those who value the details."],
    "playful": ["Say hello to the {name}!", "Your new favourite {noun}? The {name}.",
                "Meet the {name}. You are welcome!"],
    "technical": ["{name}: specifications and price.", "The {name} at a glance.", "{name}: key data."],
}
META_CTAS = {"": ["Order online.", "Shop online today.", "Buy it online."], "friendly": ["Take a look!"],
             "premium": ["Discover it online."], "playful": ["Go on, take a peek!"],
             "technical": ["See the full details."]}
BANNER_HEADLINES = {
    "": ["{name}", "Meet the {name}", "The {item} in {colour}", "{item} from {brand}", "The {name}",
         "{item} for {use}", "Made for {use}"],
    "friendly": ["You will love the {name}", "Say hi to the {name}", "Meet the {name}", "Hello, {use}"],
    "premium": ["The {name}", "Simply the {name}", "Introducing the {name}", "Considered: the {name}"],
    "playful": ["Say hello to the {name}!", "Hello, {item}!", "Ta-da! The {name}", "Ready for {use}?"],
    "technical": ["{item}: {h}", "{name}", "The {name}, in detail", "{name}: {h}"],
}
AD_GENERIC = ["Order online today", "Take a look today", "Shop the range", "See the details"]
AD_PRICE = ["Just {price}", "Priced at {price}", "Yours for {price}", "Only {price}"]
AD_NAME = ["{name}", "{item}", "{item} from {brand}", "{brand} {item}", "The {item} in {colour}", "{item} in {colour}"]
AD_DESC_CTAS = ["Order online today.", "Take a look and order online.", "Browse our {leaf} range too.",
                "Add it to your basket today.", "Shop the {name} online."]
SOCIAL_OPENERS = {
    "": ["Meet the {name}.", "Have you seen the {name}?", "Say hello to the {name}.", "This is the {name}.",
         "The {name} is here.", "Spotted: the {name}.", "Looking for {a_noun}? Try the {name}.",
         "On our radar today: the {name}.", "Here is the {name}, {a_noun} from {maker}."],
    "friendly": ["Say hi to the {name}!", "We think you will love the {name}.",
                 "A little favourite of ours: the {name}.",
                 "Fancy {a_noun} for {use}? Meet the {name}.", "Here is one we love: the {name}."],
    "premium": ["The {name}. Understated, considered, ready.", "Quiet confidence, delivered: the {name}.",
                "For those who notice the details: the {name}.", "Refined, simple, {maker}: the {name}."],
    "playful": ["Stop scrolling! The {name} is here.", "Plot twist: {a_noun} you will want to show off.",
                "POV: you just found the {name}.", "Tag someone who needs the {name}!",
                "This just in: {a_noun} with serious charm."],
    "technical": ["Spec check: the {name}.", "Quick specs for the {name}.", "The {name}, by the numbers.",
                  "Fact file: the {name}."],
}
SOCIAL_CTAS = {"": ["Shop it now.", "Find it online.", "Order online."],
               "friendly": ["Take a look!", "Go have a look!"],
               "premium": ["Discover it online."], "playful": ["Link in bio, you know the drill.", "Tap to shop!"],
               "technical": ["Full details online."]}
EMAIL_SUBJECTS = {
    "": ["Meet the {name}", "The {name} in {colour}", "{name}: made from {material}", "Have you seen the {name}?",
         "A closer look at the {name}", "Take a look at the {name}", "{item} from {brand}", "All about the {name}",
         "Your next {noun}? The {name}"],
    "friendly": ["You will like this one: the {name}", "We picked this for you: the {name}",
                 "Something nice for {use}", "A little something: the {name}"],
    "premium": ["Introducing the {name}", "The {name}, considered", "Discover the {name}", "Simply the {name}"],
    "playful": ["Psst: the {name} is here", "Guess what? It is the {name}!", "Ooh, look: the {name}",
                "Your basket called. It wants the {name}"],
    "technical": ["{name}: the specs", "The {name}, in detail", "{name}: key figures", "Fact sheet: {name}"],
}
SEGMENT_SUBJECTS = {
    "new visitors": ["Welcome! Meet the {name}", "New here? Start with the {name}"],
    "returning customers": ["Welcome back: meet the {name}", "Back again? Meet the {name}"],
    "gift buyers": ["A gift idea: the {name}", "Gift sorted: the {name}"],
    "newsletter subscribers": ["Our pick for you: the {name}", "For subscribers: the {name}"],
    "bargain hunters": ["{name} for {price}", "Good value: the {name}"],
    "students": ["Student pick: the {name}", "For student life: the {name}"],
}
REPLY_GREETINGS = {
    "": ["Hello,", "Hi,", "Thank you for your message.", "Thank you for contacting us.", "Hello there,",
         "Thanks for getting in touch."],
    "friendly": ["Hi there!", "Hello and thanks for getting in touch!", "Hi, and thanks so much for your message!",
                 "Hello! Lovely to hear from you."],
    "premium": ["Dear customer,", "Thank you for your enquiry.", "Thank you for writing to us.",
                "Good day, and thank you for your message."],
    "playful": ["Hey there!", "Thanks for the message!", "Well, hello!", "Hi! Great to hear from you."],
    "technical": ["Hello,", "Thank you for your enquiry.", "Thank you for your question."],
}
REPLY_LEADS = {
    "": ["Happy to help with the {name}.", "Here is what we can tell you about the {name}.",
         "Thanks for asking about the {name}.", "You asked about the {name}, so here are the details.",
         "We have checked the product details of the {name} for you.", "Here is a quick summary of the {name}."],
    "friendly": ["We are happy to help with the {name}.", "Great to hear you are interested in the {name}.",
                 "Good question! Here is the lowdown on the {name}.", "We would love to tell you about the {name}."],
    "premium": ["It is a pleasure to tell you more about the {name}.", "Allow us to share the details of the {name}.",
                "We are delighted to tell you more about the {name}."],
    "playful": ["Ooh, the {name}! Good choice.", "The {name}? We could talk about it all day.",
                "Ah, the {name}. Excellent taste!", "You have found one of our favourites: the {name}."],
    "technical": ["Please find the details of the {name} below.", "Here are the facts on the {name}.",
                  "The product data for the {name} is as follows.", "Below is the relevant data for the {name}."],
}
REPLY_CLOSINGS = {
    "": ["If you have any other questions, just reply to this message.",
         "Let us know if there is anything else we can help with.", "We hope this answers your question.",
         "Feel free to get in touch again if you need anything else."],
    "friendly": ["I hope that helps!", "Just reply if there is anything else you would like to know.",
                 "Hope this helps, and have a lovely day!", "Give us a shout if anything else comes up."],
    "premium": ["Please do not hesitate to contact us if you need anything further.",
                "We would be delighted to help with anything else.", "We remain at your service for any questions."],
    "playful": ["Hope that helps! Any other questions, fire away.", "Anything else? Just shout.",
                "Got more questions? We love questions."],
    "technical": ["If you need further details, reply to this message.", "Further questions are welcome.",
                  "Reply to this message if you need any other figures."],
}
# A reply ends on a whole sentence (the parser drops an unfinished last line), so the sign-off is one.
REPLY_SIGNOFFS = ["Best wishes from the customer care team.", "Kind regards from all of us here.",
                  "Thanks again, and have a lovely day.", "All the best from the shop team."]
REPLY_SEGMENT = {
    "new visitors": ["Welcome to the shop, and thanks for your interest."],
    "returning customers": ["Thanks for shopping with us again."],
    "gift buyers": ["If it is a gift, you can add {gift_option} when you order.", "It could make a lovely gift."],
    "newsletter subscribers": ["Thanks for being a subscriber."],
    "bargain hunters": ["The price is {price}."],
    "students": ["It is {price}, which we hope suits a student budget."],
}
# What can be said of a product with (almost) no attributes.
GENERIC_LINES = ["The {name} is {a_noun} for {use}.", "It is part of our {leaf} range.", "It is {a_noun} for {use}.",
                 "Find it in our {leaf} range.", "It is {a_noun} from {maker}.", "{Opt} is available as an option.",
                 "Order the {name} online."]
# Said of a product with little else to say: what it is for (one of the first), where it sits (one of the second).
DESCRIPTION_FILLERS = (["It is {a_noun} for {use}.", "It keeps things simple: {a_noun} for {use}.",
                        "It is a straightforward {noun} with {use} in mind."],
                       ["You will find it in our {leaf} range.", "It sits in our {leaf} range.",
                        "It is made by {brand}."])
GENERIC_BULLETS = {
    "": ["A {noun} for {use}", "Ready to order online", "Part of our {leaf} range", "A simple pick for {use}"],
    "friendly": ["A lovely pick for {use}", "One of our favourites"],
    "premium": ["A considered pick for {use}", "Understated and refined"],
    "playful": ["Guaranteed smiles for {use}!", "Fun for {use}"],
    "technical": ["Category: {leaf_cap}", "Type: {cls}"],
}
SEGMENT_BULLETS = {
    "new visitors": ["A great first order", "A good place to start"], "returning customers": ["Worth a look this time"],
    "gift buyers": ["A thoughtful gift", "Gift-ready with {gift_option}"],
    "newsletter subscribers": ["Picked out for our subscribers"], "bargain hunters": ["Good value at {price}"],
    "students": ["A smart pick for student life"],
}
PRICE_BULLETS = {"": ["Priced at {price}", "Costs {price}"], "friendly": ["Yours for {price}"],
                 "premium": ["Offered at {price}"], "playful": ["Only {price}!"], "technical": ["Price: {price}"]}
OPTION_BULLETS = ["{Opt} available", "Add {opt} at checkout", "Option: {opt}"]

PHRASE_BANKS = (ASPECTS, OPENERS, CLOSERS, SEGMENT_LINES, PRICE_LINES, OPTION_LINES, TWO_OPTION_LINES, SUBJECTS,
                LIST_LEADS, SPEC_LEADS, META_TITLES, META_OPENERS, META_CTAS, BANNER_HEADLINES, AD_GENERIC, AD_PRICE,
                AD_NAME, AD_DESC_CTAS, SOCIAL_OPENERS, SOCIAL_CTAS, EMAIL_SUBJECTS, SEGMENT_SUBJECTS, REPLY_GREETINGS,
                REPLY_LEADS, REPLY_CLOSINGS, REPLY_SIGNOFFS, REPLY_SEGMENT, GENERIC_LINES, DESCRIPTION_FILLERS,
                GENERIC_BULLETS, SEGMENT_BULLETS, PRICE_BULLETS, OPTION_BULLETS, USES, PLACES, PLACE_OVERRIDES,
                NOUN_PHRASES, OPTION_PHRASES, BannerKind.calls_to_action)


def vocabulary():
    """Every word this corpus's own phrases use (the facts supply the rest): the words the default model writes.

    The guard's store-vocabulary check (``guard.language``) knows only the words of the store's catalogue; a store
    serving the default model needs these too, or correct copy in the corpus's words reads as "unknown".
    """
    from ..guard.claims import words

    found = set()

    def walk(value):
        if isinstance(value, str):
            found.update(words(re.sub(r"\{[^}]*\}", " ", value)))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item)

    walk(PHRASE_BANKS)
    walk(["these", *_PLURAL_VERBS.values()])  # plural agreement
    return frozenset(found)


# ---------------------------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------------------------

_FIELD_CACHE = {}
_ARTICLE = re.compile(r"\b(a|A) ([\w][\w'-]*)")
# "the battery life is 10 h" reads well; "the sizes is" or "the suitable from age is" does not.
_NOT_THE_IS = {"suitable from age", "compatible with", "suitable for", "pieces in set"}


def _fields(template):
    fields = _FIELD_CACHE.get(template)
    if fields is None:
        fields = _FIELD_CACHE[template] = tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)
    return fields


def _vowel_sound(word):
    lowered = word.lower()
    if word.startswith(("HDMI", "LED")) or lowered.startswith("8") or re.fullmatch(r"1[18](\d{3})*([.,]\d+)?", lowered):
        return True
    if lowered.startswith(("us", "uni", "eu", "one")):
        return False
    return lowered[0] in "aeiou"


def _articles(text):
    return _ARTICLE.sub(lambda m: (f"{m.group(1)}n {m.group(2)}" if _vowel_sound(m.group(2)) else m.group(0)), text)


def _usable(templates, ctx):
    return [t for t in templates if all(f in ctx for f in _fields(t))]


def _fill(template, ctx):
    text = _articles(template.format_map(ctx))
    agree = ctx.get("_agree")
    return agree(text) if agree else text


def _say(rng, templates, ctx):
    """A random template whose fields the context has, filled; None when none fits."""
    usable = _usable(templates, ctx)
    return _fill(rng.choice(usable), ctx) if usable else None


def _toned(bank, tone, rng, share=0.75):
    """The tone's own lines most of the time, the plain voice's otherwise."""
    return bank[tone] if tone and tone in bank and rng.random() < share else bank[""]


def _cap(text):
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------------------------
# Synthetic products
# ---------------------------------------------------------------------------------------------------------------


class _Fact:
    """One attribute as copy states it: which phrase bank, and the fields its templates fill."""

    __slots__ = ("aspect", "attr", "bank", "fields")

    def __init__(self, aspect, attr):
        self.aspect, self.attr, self.bank = aspect, attr, ASPECTS[aspect]
        self.fields = {"v": attr.as_text(), "Name": attr.name, "name_l": attr.name.lower()}

    @property
    def code(self):
        return self.attr.code

    @property
    def is_value(self):
        """A stated value (not a yes/no), the kind the guard's coverage counts."""
        return not isinstance(self.attr.value, bool)

    def the_is(self):
        name = self.fields["name_l"]
        return (self.is_value and self.aspect not in ("one_size", "unscented") and not name.endswith("s")
                and name not in _NOT_THE_IS)

    def say(self, part, ctx, rng):
        templates = self.bank.get(part)
        return _say(rng, templates, {**ctx, **self.fields}) if templates else None


def _aspect(attr):
    code, value = attr.code, attr.value
    if isinstance(value, bool):
        key = code if code in ASPECTS else "generic_yes"
        if value:
            return key
        return f"{code}:no" if f"{code}:no" in ASPECTS else None
    if code == "capacity":
        return "capacity_mah" if attr.unit == "mAh" else "capacity_l"
    if code == "wattage":
        return "wattage_out" if attr.name == "Output" else "wattage_in"
    if code == "sizes" and value == "one size":
        return "one_size"
    if code == "scent" and value == "unscented":
        return "unscented"
    return code if code in ASPECTS else "generic"


def _typed(value, kind):
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "boolean":
        return bool(value)
    if kind == "multi_option":
        return [str(v) for v in value]
    return str(value)


def _pick(rng, spec):
    return rng.randint(*spec) if isinstance(spec, tuple) else rng.choice(spec)


class _Product:
    """Facts sampled like a catalogue product, with the words copy uses for it."""

    def __init__(self, facts, item, product_class):
        self.facts, self.item, self.product_class = facts, item, product_class
        self.facts_list = [_Fact(a, attr) for attr in facts.attributes if (a := _aspect(attr))]
        noun = NOUN_PHRASES.get(item, item[:1].lower() + item[1:])
        name = facts.title.split(",")[0].strip()
        ctx = {"title": facts.title, "name": name, "item": item, "noun": noun, "a_noun": _articles(f"a {noun}"),
               "cls": product_class}
        self.plural = item in PLURAL_ITEMS
        if not self.plural:
            ctx["the_name"] = name  # "The {the_name} weighs 180 g and has...": agree() would fix one verb of two
        else:
            ctx["_agree"] = self.agree
            verbs = "|".join(_PLURAL_VERBS)
            self._agreement = [
                (re.compile(rf"(\b{re.escape(name)}(?: \([^)]*\))?(?: certainly| also)?) ({verbs})\b"),
                 lambda m: f"{m.group(1)} {_PLURAL_VERBS[m.group(2)]}"),
                (re.compile(rf"\b([Hh]ere|[Tt]here) is (the {re.escape(name)})\b"),
                 lambda m: f"{m.group(1)} are {m.group(2)}"),
                (re.compile(rf"\b([Tt])his is (the {re.escape(name)})\b"),
                 lambda m: f"{m.group(1)}hese are {m.group(2)}"),
            ]
        for fact in self.facts_list:
            if fact.code in ("colour", "material", "fit") and fact.is_value:
                ctx[fact.code] = fact.fields["v"]
        if facts.brand:
            ctx["brand"] = facts.brand
            if facts.brand.lower() not in name.lower():
                ctx["maker"] = facts.brand
        if facts.categories:
            leaf = facts.categories[0].split(">")[-1].strip()
            ctx["leaf"], ctx["leaf_cap"] = leaf.lower(), leaf
        if facts.price:
            ctx["price"] = f"{facts.price} {facts.currency}".strip()
        if sum(1 for f in self.facts_list if f.is_value and f.code != "brand") >= 2:
            ctx["specs"] = ""
        if "Gift wrapping" in facts.options:
            ctx["gift_option"] = "gift wrapping"
        place = PLACE_OVERRIDES.get(item) or PLACES.get(product_class, "your home")
        ctx["place"], ctx["Place"] = place, _cap(place)
        self.ctx = ctx

    def agree(self, text):
        """Verbs after a plural product name in the plural ("the Northmoor Chinos are")."""
        if self.plural:
            for pattern, fix in self._agreement:
                text = pattern.sub(fix, text)
        return text

    def context(self, rng):
        """The product's fields plus the ones picked per example (what it is for, which option)."""
        ctx = dict(self.ctx)
        ctx["use"] = rng.choice(USES.get(self.item, ["everyday use"]))
        if self.facts.options:
            options = list(self.facts.options)
            rng.shuffle(options)
            ctx["Opt"], ctx["opt"] = options[0], OPTION_PHRASES.get(options[0], options[0].lower())
            if len(options) > 1:
                ctx["opt2"] = OPTION_PHRASES.get(options[1], options[1].lower())
        shorts = [s for f in self.facts_list if f.code != "brand" and (s := f.say("h", ctx, rng)) and len(s) <= 30]
        if shorts:
            ctx["h"] = rng.choice(shorts)
        return ctx


def _attribute(code, raw_name, kind, value):
    """An Attribute as ``facts.product_facts`` builds it: unit split from the name, value typed."""
    name, unit = split_unit(raw_name)
    return Attribute(code=code, name=name, type=kind, value=_typed(value, kind), unit=unit)


def _price(rng, low, high):
    cents = rng.randint(low * 100, high * 100)
    style = rng.random()
    if style < 0.7:
        amount = Decimal(max(cents // 100, 1)) - Decimal("0.01")
    elif style < 0.85:
        amount = Decimal(cents // 100)
    else:
        amount = Decimal(cents // 100) + Decimal("0.50")
    return str(max(amount, Decimal("0.99")).quantize(Decimal("0.01")))


def sample_product(rng):
    """One synthetic product: (ProductFacts, item noun, product class)."""
    product_class = rng.choice(list(CLASSES))
    spec = {code: (name, kind) for code, name, kind in CLASSES[product_class]}
    spec.update(EXTRA_ATTRS)
    item, category, (low, high), makers = rng.choice(ITEMS[product_class])
    values = {}
    for code, maker in makers.items():
        if code == "dimensions":
            maker = [d for d in maker if d[:1].isdigit()]  # "size 5" is no measurement in cm
            if not maker:
                continue
        values[code] = _pick(rng, maker)
    if product_class in SIZES:
        values["sizes"] = "one size" if item in ONE_SIZE_ITEMS else rng.choice(SIZES[product_class])
    if product_class == "Apparel":
        values["machine_washable"] = rng.random() < 0.7
    if product_class == "Footwear":
        values["waterproof"] = rng.random() < 0.4 or item == "Wellington boot"
    if product_class == "Beauty":
        values["scent"] = rng.choice(SCENTS)
        values["vegan"] = rng.random() < 0.6
    if (product_class == "Electronics accessories" or item in WARRANTY_ITEMS) and rng.random() < 0.3:
        values["warranty"] = rng.choice([2, 3, 5])
    if item in COMPATIBLE_ITEMS and rng.random() < 0.35:
        values["compatible"] = rng.choice(COMPATIBLE)
    if item in PIECES and rng.random() < 0.5:
        values["pieces"] = rng.choice(PIECES[item])
    codes = {code for code, _, _ in CLASSES[product_class]}
    brand = rng.choice(BRANDS) if "brand" in codes else ""
    colour = rng.choice(COLOURS) if "colour" in codes and rng.random() < 0.8 else ""

    richness = rng.random()
    if richness < 0.12:  # a title and little else
        values, has_brand, colour = {}, False, ""
    elif richness < 0.4:  # a few attributes
        keep = rng.sample(sorted(values), min(len(values), rng.randint(1, 3)))
        values = {code: values[code] for code in sorted(keep)}
        has_brand = rng.random() < 0.6
        colour = colour if rng.random() < 0.5 else ""
        if all(isinstance(v, bool) for v in values.values()):
            has_brand = True  # the guard's coverage needs one stated value where there are attributes
    else:  # a full record, now and then a value missing
        values = {code: value for code, value in values.items() if rng.random() < 0.92}
        has_brand = rng.random() < 0.9
    if has_brand and brand:
        values["brand"] = brand
    if colour:
        values["colour"] = colour

    words = []
    # A brand only in the title would read as another product's brand to the guard: titles name the brand the
    # facts hold, or none.
    if has_brand and brand and rng.random() < 0.75:
        words.append(brand)
    adjective = rng.choice(ADJECTIVES)
    if rng.random() < (0.65 if words else 0.85) and adjective.lower() not in f"{item} {brand}".lower():
        words.append(adjective)
    title = " ".join(words + [item])
    parent_title = title
    if colour and rng.random() < 0.8:
        title += f", {colour}"
    elif "volume" in values and rng.random() < 0.3:
        title += f", {values['volume']} ml"

    attributes = [_attribute(code, *spec[code], values[code]) for code in sorted(values)]
    brand_text = next((a.as_text() for a in attributes if a.code == "brand"), "")
    categories = [category] if rng.random() < 0.88 else []
    if categories and rng.random() < 0.12:
        categories.append(rng.choice(SECOND_CATEGORIES))
    options = []
    if rng.random() < 0.25:
        pool = OPTIONS.get(product_class, ["Gift wrapping"])
        options = rng.sample(pool, rng.randint(1, min(2, len(pool))))
    role = rng.random()
    is_child = role < 0.08 and title != parent_title
    is_parent = not is_child and role < 0.13
    price, currency, in_stock = "", "", None
    if not is_parent and rng.random() < 0.9:
        price = _price(rng, low, high)
        currency = rng.choices([c for c, _ in CURRENCIES], [w for _, w in CURRENCIES])[0]
    if not is_parent:
        in_stock = rng.random() < 0.85
    facts = ProductFacts(
        title=title, product_class=product_class, categories=sorted(categories), attributes=attributes,
        options=sorted(set(options)), price=price, currency=currency, in_stock=in_stock, brand=brand_text,
        is_child=is_child, parent_title=parent_title if is_child else "",
    )
    return facts, item, product_class


# ---------------------------------------------------------------------------------------------------------------
# Writers: one per kind, each returns the target text (or None when this product cannot fill the kind)
# ---------------------------------------------------------------------------------------------------------------


def _fact_sentence(fact, tone, ctx, rng, tone_share=0.5):
    if tone and tone in fact.bank and rng.random() < tone_share:
        return fact.say(tone, ctx, rng)
    if tone == "technical" and rng.random() < 0.5:
        if fact.is_value:
            return _fill("{Name}: {v}.", {**ctx, **fact.fields})
        if fact.aspect == "generic_yes" or fact.attr.value is True:
            return _fill("{Name}: yes.", {**ctx, **fact.fields})
    return fact.say("s", ctx, rng)


def _the_is(group, ctx):
    parts = [_fill("the {name_l} is {v}", {**ctx, **f.fields}) for f in group]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _fact_sentences(facts, tone, ctx, rng):
    """Sentences stating the facts: one each, two in one, a list of three, or (technical) a run of figures."""
    out, i = [], 0
    while i < len(facts):
        rest, r = facts[i:], rng.random()
        if tone == "technical" and r < 0.35 and len(rest) >= 2 and rest[0].the_is() and rest[1].the_is():
            group = rest[:2]
            for fact in rest[2 : rng.randint(2, 4)]:
                if not fact.the_is():
                    break
                group.append(fact)
            out.append(_cap(f"{rng.choice(SPEC_LEADS)} {_the_is(group, ctx)}."))
            i += len(group)
            continue
        if r < 0.08 and len(rest) >= 2 and rest[0].the_is() and rest[1].the_is():
            out.append(_cap(_the_is(rest[:2], ctx)) + ".")
            i += 2
            continue
        if r < 0.3 and len(rest) >= 2 and "c" in rest[0].bank and "c" in rest[1].bank:
            subject = _say(rng, SUBJECTS, ctx)
            out.append(f"{subject} {rest[0].say('c', ctx, rng)} and {rest[1].say('c', ctx, rng)}.")
            i += 2
            continue
        if r < 0.45 and len(rest) >= 3 and all("n" in f.bank for f in rest[:3]):
            lead = rng.choice(_toned(LIST_LEADS, tone, rng))
            n1, n2, n3 = (f.say("n", ctx, rng) for f in rest[:3])
            out.append(f"{lead} {n1}, {n2} and {n3}.")
            i += 3
            continue
        sentence = _fact_sentence(rest[0], tone, ctx, rng)
        if sentence:
            out.append(sentence)
        i += 1
    return out


def _mentions(template):
    """Attribute codes an opening states itself."""
    fields = _fields(template)
    codes = {f for f in fields if f in ("colour", "material", "fit")}
    if "brand" in fields or "maker" in fields:
        codes.add("brand")
    return codes


def _price_line(tone, ctx, rng):
    return _say(rng, _toned(PRICE_LINES, tone, rng), ctx) if "price" in ctx else None


def _option_line(ctx, rng):
    if "opt" not in ctx:
        return None
    return _say(rng, TWO_OPTION_LINES if "opt2" in ctx and rng.random() < 0.4 else OPTION_LINES, ctx)


def _segment_line(segment, ctx, rng, bank=SEGMENT_LINES):
    return _say(rng, bank[segment], ctx) if segment in bank else None


def write_description(product, tone, segment, rng):
    ctx = product.context(rng)
    template = rng.choice(_usable(_toned(OPENERS, tone, rng, 0.8), ctx) or _usable(OPENERS[""], ctx))
    opener = _fill(template, ctx)
    said = _mentions(template)
    facts = [f for f in product.facts_list if f.code not in said and "s" in f.bank and rng.random() < 0.93]
    rng.shuffle(facts)
    body = _fact_sentences(facts, tone, ctx, rng)
    if len(body) < 2:  # little to state: what it is, where it sits, what it is for
        what, where = (_usable(bank, ctx) for bank in DESCRIPTION_FILLERS)
        body += [_fill(rng.choice(what), ctx)] if what and "use" not in _fields(template) else []
        body += [_fill(rng.choice(where), ctx)] if where and (rng.random() < 0.6 or len(body) < 2) else []
    tail = [line for line in (_price_line(tone, ctx, rng) if rng.random() < (0.8 if len(facts) < 2 else 0.5) else None,
                              _option_line(ctx, rng) if rng.random() < 0.6 else None) if line]
    head = [opener]
    seg = _segment_line(segment, ctx, rng)
    if seg and rng.random() < 0.4:
        head.append(seg)
    elif seg:
        tail.insert(rng.randint(0, len(tail)), seg)
    if rng.random() < 0.85:
        tail.append(_say(rng, _toned(CLOSERS, tone, rng, 0.85), ctx) or _say(rng, CLOSERS[""], ctx))
    tail = [t for t in tail if t]
    layout, sep = rng.random(), "\n\n" if rng.random() < 0.7 else "\n"
    while True:
        if layout < 0.3 or not tail:
            paragraphs = [head + body + tail]
        elif layout < 0.75 or not body:
            paragraphs = [head + body, tail]
        else:
            paragraphs = [head, body, tail]
        text = sep.join(" ".join(p) for p in paragraphs if p)
        if len(text) <= 1150 or not body:
            return _dedupe(text)
        body.pop()


def _dedupe(text):
    """Drop a sentence said twice (two banks can meet on the same words)."""
    seen, out = set(), []
    for paragraph in text.split("\n"):
        kept = []
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph) if paragraph else []:
            key = sentence.strip().lower()
            if key in seen and len(key) > 8:
                continue
            seen.add(key)
            kept.append(sentence)
        out.append(" ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def write_bullets(product, tone, segment, rng):
    ctx = product.context(rng)
    facts = [f for f in product.facts_list if "b" in f.bank]
    rng.shuffle(facts)
    ranked = []
    for fact in facts:
        if tone == "technical" and fact.is_value and rng.random() < 0.6:
            line = _fill("{Name}: {v}", {**ctx, **fact.fields})
        else:
            line = fact.say("b", ctx, rng)
        # Stated values go first (the guard wants a share of them in bullets), yes/no facts after.
        ranked.append((0 if fact.is_value else 1, rng.random(), line))
    items = [line for *_, line in sorted(ranked)]
    extras = [line for line in (
        _say(rng, _toned(PRICE_BULLETS, tone, rng), ctx) if "price" in ctx and rng.random() < 0.5 else None,
        _say(rng, OPTION_BULLETS, ctx) if "opt" in ctx and rng.random() < 0.5 else None,
    ) if line]
    seg = _segment_line(segment, ctx, rng, SEGMENT_BULLETS) if segment else None
    seg_n = 1 if seg else 0
    wanted = max(min(len(items), 2), rng.randint(3, 5) - len(extras) - seg_n)
    items = items[: min(wanted, 5 - seg_n)]
    extras = extras[: max(0, 5 - seg_n - len(items))]
    rng.shuffle(items)
    items += extras
    if seg:
        items.insert(0 if rng.random() < 0.5 else len(items), seg)
    generic = _usable(_toned(GENERIC_BULLETS, tone, rng, 0.5), ctx) + _usable(GENERIC_BULLETS[""], ctx)
    rng.shuffle(generic)
    while len(items) < 3 and generic:
        line = _fill(generic.pop(), ctx)
        if line not in items:
            items.append(line)
    if len(items) < 3:
        return None
    if tone == "playful" and rng.random() < 0.6:
        i = rng.randrange(len(items))
        items[i] = items[i].rstrip("!.") + "!"
    if rng.random() < 0.15:
        items = [item if item.endswith(("!", ".")) else item + "." for item in items]
    return "\n".join(f"- {item}" for item in items)


def _fit_sentences(candidates, limit, first=""):
    """``first`` plus as many of ``candidates`` (in order) as fit in ``limit`` characters."""
    text = first
    for sentence in candidates:
        if sentence and len(f"{text} {sentence}".strip()) <= limit and sentence not in text:
            text = f"{text} {sentence}".strip()
    return text


def _short_fact_lines(product, tone, ctx, rng, count=3):
    facts = [f for f in product.facts_list if "s" in f.bank or tone in f.bank]
    rng.shuffle(facts)
    out = []
    if len(facts) >= 2 and "c" in facts[0].bank and "c" in facts[1].bank and rng.random() < 0.3:
        out.append(f"It {facts[0].say('c', ctx, rng)} and {facts[1].say('c', ctx, rng)}.")
        facts = facts[2:]
    out += [s for f in facts[:count] if (s := _fact_sentence(f, tone, ctx, rng, 0.35))]
    if len(out) < 2:  # little to state: say what it is and where it sits, nothing more
        generic = _usable(GENERIC_LINES, ctx)
        rng.shuffle(generic)
        out += [_fill(t, ctx) for t in generic[: 2 - len(out)]]
    return out


def write_seo(product, tone, segment, rng):
    ctx = product.context(rng)
    titles = [t for t in (_fill(t, ctx) for t in _usable(META_TITLES, ctx)) if len(t) <= 60]
    if not titles:
        return None
    title = rng.choice(titles)
    opener = _say(rng, _toned(META_OPENERS, tone, rng, 0.6), ctx) or _say(rng, META_OPENERS[""], ctx)
    lines = _short_fact_lines(product, tone, ctx, rng)
    if segment and rng.random() < 0.7:
        lines.insert(rng.randint(0, len(lines)), _segment_line(segment, ctx, rng))
    if rng.random() < 0.35:
        lines.insert(rng.randint(0, len(lines)), _price_line(tone, ctx, rng))
    cta = _say(rng, _toned(META_CTAS, tone, rng), ctx) if rng.random() < 0.5 else None
    description = _fit_sentences(lines, 155 - (len(cta) + 1 if cta else 0), opener if len(opener) <= 100 else "")
    description = f"{description} {cta}".strip() if cta else description
    if len(description) < 20:
        return None
    return f"Meta title: {title}\nMeta description: {description}"


def write_banner(product, tone, segment, rng):
    ctx = product.context(rng)
    bank = _toned(BANNER_HEADLINES, tone, rng, 0.7)
    headlines = [h for h in (_fill(t, ctx) for t in _usable(bank, ctx)) if len(h) <= 40]
    headlines = headlines or [h for h in (_fill(t, ctx) for t in _usable(BANNER_HEADLINES[""], ctx)) if len(h) <= 40]
    if not headlines:
        return None
    lines = _short_fact_lines(product, tone, ctx, rng, 2)
    if segment and rng.random() < 0.7:
        lines.insert(0, _segment_line(segment, ctx, rng))
    if rng.random() < 0.3:
        lines.insert(rng.randint(0, len(lines)), _price_line(tone, ctx, rng))
    subline = _fit_sentences(lines, 90)
    if not subline:
        subline = _fit_sentences([_say(rng, CLOSERS[""], ctx), _say(rng, CLOSERS[""], ctx)], 90)
    if not subline:
        return None
    call = rng.choice(BannerKind.calls_to_action)
    return f"Headline: {rng.choice(headlines)}\nSubline: {subline}\nCall to action: {call}"


def write_search_ad(product, tone, segment, rng):
    ctx = product.context(rng)
    names = [h for h in (_fill(t, ctx) for t in _usable(AD_NAME, ctx)) if len(h) <= 30]
    shorts = [s for f in product.facts_list if f.code != "brand" and (s := f.say("h", ctx, rng)) and len(s) <= 30]
    prices = [h for h in (_fill(t, ctx) for t in _usable(AD_PRICE, ctx)) if len(h) <= 30]
    rng.shuffle(shorts)
    headlines = []
    for pool in (names, shorts, prices if rng.random() < 0.7 else [], shorts, prices, AD_GENERIC, AD_GENERIC):
        options = [h for h in pool if h.lower() not in {x.lower() for x in headlines}]
        if options and len(headlines) < 3:
            headlines.append(rng.choice(options))
    if len(headlines) < 3:
        return None
    lines = _short_fact_lines(product, tone, ctx, rng, 4)
    if segment and rng.random() < 0.7:
        lines.insert(rng.randint(0, len(lines)), _segment_line(segment, ctx, rng))
    if rng.random() < 0.3:
        lines.append(_price_line(tone, ctx, rng))
    lines = [line for line in lines if line]
    first = _fit_sentences(lines, 90)
    rest = [line for line in lines if line not in first]
    second = _fit_sentences(rest + [_say(rng, AD_DESC_CTAS, ctx)], 90)
    if not first or not second or first == second:
        second = _fit_sentences([_say(rng, AD_DESC_CTAS, ctx), _say(rng, CLOSERS[""], ctx)], 90)
    if not first or not second or first == second:
        return None
    return "\n".join([*(f"Headline: {h}" for h in headlines), f"Description: {first}", f"Description: {second}"])


def write_social(product, tone, segment, rng):
    ctx = product.context(rng)
    opener = _say(rng, _toned(SOCIAL_OPENERS, tone, rng, 0.7), ctx) or _say(rng, SOCIAL_OPENERS[""], ctx)
    lines = _short_fact_lines(product, tone, ctx, rng, rng.randint(1, 3))
    if segment and rng.random() < 0.85:
        lines.insert(0, _segment_line(segment, ctx, rng))
    if rng.random() < 0.4:
        lines.append(_price_line(tone, ctx, rng))
    if rng.random() < 0.5:
        lines.append(_say(rng, _toned(SOCIAL_CTAS, tone, rng), ctx))
    return _fit_sentences([line for line in lines if line], 280, opener)


def write_email(product, tone, segment, rng):
    ctx = product.context(rng)
    bank = SEGMENT_SUBJECTS[segment] if segment in SEGMENT_SUBJECTS and rng.random() < 0.75 else \
        _toned(EMAIL_SUBJECTS, tone, rng, 0.7)
    subjects = [s for s in (_fill(t, ctx) for t in _usable(bank, ctx)) if len(s) <= 60]
    subjects = subjects or [s for s in (_fill(t, ctx) for t in _usable(EMAIL_SUBJECTS[""], ctx)) if len(s) <= 60]
    if not subjects:
        return None
    lines = _short_fact_lines(product, tone, ctx, rng, 2)
    if rng.random() < 0.3:
        lines.append(_price_line(tone, ctx, rng))
    if segment and rng.random() < 0.4:
        lines.insert(0, _segment_line(segment, ctx, rng))
    preheader = _fit_sentences([line for line in lines if line], 100)
    if not preheader:
        preheader = _fit_sentences([_say(rng, CLOSERS[""], ctx)], 100)
    if not preheader:
        return None
    return f"Subject: {rng.choice(subjects)}\nPreheader: {preheader}"


def write_reply(product, tone, segment, rng):
    ctx = product.context(rng)
    greeting = rng.choice(_toned(REPLY_GREETINGS, tone, rng, 0.8))
    lead = _say(rng, _toned(REPLY_LEADS, tone, rng, 0.8), ctx)
    facts = [f for f in product.facts_list if "r" in f.bank]
    rng.shuffle(facts)
    answers, chosen = [], facts[: rng.randint(2, 4)]
    while chosen:
        fact = chosen.pop(0)
        if chosen and "c" in fact.bank and "c" in chosen[0].bank and rng.random() < 0.3:
            other = chosen.pop(0)
            answers.append(f"{rng.choice(['It', 'It also'])} {fact.say('c', ctx, rng)} and {other.say('c', ctx, rng)}.")
        elif tone == "technical" and fact.is_value and rng.random() < 0.5:
            answers.append(_fill("{Name}: {v}.", {**ctx, **fact.fields}))
        else:
            answers.append(fact.say("r", ctx, rng))
    if "price" in ctx and (not answers or rng.random() < 0.4) and segment not in ("bargain hunters", "students"):
        answers.append(_fill(rng.choice(["It is priced at {price}.", "The price is {price}."]), ctx))
    if "opt" in ctx and rng.random() < 0.4:
        answers.append(_option_line(ctx, rng))
    if not answers:
        answers.append(_say(rng, ["It is part of our {leaf} range.", "You will find it in our {leaf} range.",
                                  "It is listed in our {leaf} range."], ctx)
                       or _fill("It is {a_noun}, and you can order it online.", ctx))
    extra = _segment_line(segment, ctx, rng, REPLY_SEGMENT) if segment else None
    closing = rng.choice(_toned(REPLY_CLOSINGS, tone, rng, 0.8))
    body = " ".join([lead] + [a for a in answers if a] + ([extra] if extra else []))
    parts = [greeting, body, closing]
    if rng.random() < 0.4:
        parts.append(rng.choice(REPLY_SIGNOFFS))
    elif not greeting.endswith(",") and rng.random() < 0.5:
        parts = [f"{greeting} {body}", closing]
    return "\n\n".join(parts) if rng.random() < 0.7 else "\n".join(parts)


WRITERS = {
    "description": write_description, "bullets": write_bullets, "seo": write_seo, "banner": write_banner,
    "search_ad": write_search_ad, "social": write_social, "email": write_email, "reply": write_reply,
}


def write(kind, product, tone="", segment="", rng=None):
    """Target text of one kind for a sampled product (None when the product gives that kind nothing to say)."""
    return WRITERS[kind](product, tone, segment, rng or random.Random(0)) or None


# ---------------------------------------------------------------------------------------------------------------
# Checks and the builder
# ---------------------------------------------------------------------------------------------------------------


def check_example(example, index=None):
    """Why the guard or the kind's parser would refuse this target ([] when it is fine to train on).

    The same checks as generation: the kind's parser (nothing cut, nothing dropped), the claim check against the
    facts (other catalogue brands included), the policy checks and, for kinds that must state facts, coverage.
    """
    from .. import app_settings

    kind = get_kind(example.kind)
    try:
        parsed = kind.parse(example.target)
    except UnusableOutput as exc:
        return [f"unusable: {exc}"]
    reasons = []
    text = plain_text(example.target)
    lines = [line for line in text.split("\n") if line.strip()]
    if isinstance(kind, FieldsKind):
        if len(lines) != sum(count for _, _, count in kind.parts):
            reasons.append("lines the parser would drop")
    elif isinstance(kind, BulletsKind):
        if len(lines) > kind.max_items:
            reasons.append("bullets the parser would drop")
    elif isinstance(kind, ProseKind):
        if parsed.fields.get("text") != text:
            reasons.append("cut by the parser")
        if len(lines) > kind.max_paragraphs:
            reasons.append("paragraphs the parser would drop")
    checked = parsed.text
    index = index or FactIndex.from_facts(example.facts, other_brands=BRANDS)
    # The guard looks for every other brand in the text; only those whose name occurs can be found (and a corpus
    # of 24,000 targets would otherwise spend most of its time on brands that are not there).
    lowered = checked.lower()
    index = replace(index, other_brands={b for b in index.other_brands if b in lowered})
    reasons += [claim.reason for claim in unsupported(checked, index)]
    reasons += [f"repeats itself: '{s[:40]}'" for s in repeated_sentences(checked)]
    reasons += [f"stutters: '{w} {w}'" for w in stutters(checked)]
    reasons += [f"garbled text '{g}'" for g in garbled(checked)]
    facts = example.facts
    if kind.needs_coverage and facts.attributes and coverage(checked, facts) < app_settings.COPYGEN_MIN_COVERAGE:
        reasons.append("states too few facts")
    return reasons


def _quota(size):
    total = sum(KIND_WEIGHTS.values())
    quota = {kind: int(size * weight / total) for kind, weight in KIND_WEIGHTS.items()}
    for kind in list(KIND_WEIGHTS)[: size - sum(quota.values())]:
        quota[kind] += 1
    return quota


def build_corpus(size=24000, seed=DEFAULT_SEED, report=None):
    """``size`` checked training examples over every kind, tone and audience; the same list for the same seed.

    ``report``, a dict when given, receives the counts: examples per kind, tone and segment, products sampled,
    and targets dropped (with the first reason each failed).
    """
    rng = random.Random(seed)
    remaining = _quota(size)
    examples, dropped = [], Counter()
    products = attempts = 0
    while len(examples) < size:
        if attempts > 3 * size + 1000:
            raise RuntimeError(f"the corpus builder keeps failing: {dropped.most_common(5)}")
        facts, item, product_class = sample_product(rng)
        product = _Product(facts, item, product_class)
        products += 1
        index = FactIndex.from_facts(facts, other_brands=BRANDS)
        open_kinds = [kind for kind in KINDS if remaining[kind] > 0]
        chosen = []
        for _ in range(min(len(open_kinds), rng.choice((1, 2, 2, 3)))):
            kind = rng.choices(open_kinds, [remaining[k] for k in open_kinds])[0]
            open_kinds.remove(kind)
            chosen.append(kind)
        for kind in chosen:
            attempts += 1
            tone = "" if rng.random() < TONE_BLANK_SHARE else rng.choice(TONES)
            segment = "" if rng.random() < SEGMENT_BLANK_SHARE else rng.choice(SEGMENTS)
            target = write(kind, product, tone, segment, rng)
            if not target:
                dropped[f"{kind}: nothing to write"] += 1
                continue
            example = Example(facts, kind, target, f"corpus:{seed}:{products}", tone, segment)
            reasons = check_example(example, index)
            if reasons:
                dropped[f"{kind}: {reasons[0]}"] += 1
                continue
            examples.append(example)
            remaining[kind] -= 1
    if report is not None:
        report.update(
            examples=len(examples), products=products, kinds=dict(Counter(e.kind for e in examples)),
            tones=dict(Counter(e.tone for e in examples)), segments=dict(Counter(e.segment for e in examples)),
            dropped=sum(dropped.values()), drop_reasons=dict(dropped.most_common()),
        )
    return examples
