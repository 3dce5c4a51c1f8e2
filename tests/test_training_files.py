"""Training data from files and from the store: reading, column mappings, cleaning, drop reports, bad input."""

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from copygen_oscar.facts import ProductFacts
from copygen_oscar.training.cleaning import (CONTACT_IN_FIELD, DUPLICATE, EMAIL, EMPTY_TARGET, PHONE, TOO_SHORT,
                                             URL, clean_examples, clean_target)
from copygen_oscar.training.data import Example, split
from copygen_oscar.training.files import (AMAZON_US_2020, TrainingDataError, file_examples, parse_attributes,
                                          parse_columns, parse_price)

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
AMAZON_US = DATASETS / "amazon_us_2020_products" / "products.jsonl"

# Made-up products; nothing here comes from a real data set.
LAMP = ("Brightfield desk lamp", "<p>A steady warm light for late reading.</p><p>The arm folds flat when the day is "
                                 "done. Its base is heavy enough to stay put on a busy desk.</p>")
KETTLE = ("Copperleaf kettle, green", "Boils a full litre in four minutes. The handle stays cool to the touch. "
                                      "A wide lid makes it easy to fill and to clean.")
MAT = ("Oakmere yoga mat", "Grips the floor without a sticky feel. Rolls up small for the bus ride home. "
                           "Wipes clean with a damp cloth.")


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def product_rows(n=3):
    rows = []
    for i, (title, description) in enumerate([LAMP, KETTLE, MAT][:n]):
        rows.append({"name": title, "about": description, "maker": "Brightfield", "path": "Home | Living | Study",
                     "cost": f"${19 + i}.50", "specs": {"Weight (g)": "250", "Colour": "green"}})
    return rows


# --- round trips --------------------------------------------------------------------------------------------------

def test_csv_round_trip_with_a_sniffed_dialect_multiline_cells_and_html(tmp_path):
    path = write_csv(tmp_path / "shop.csv", (
        "Product Name;About Product;Maker;Category;Price;Specs\n"
        f"{LAMP[0]};\"{LAMP[1]}\";Brightfield;Home > Study;19.99;\"Weight (g): 250 | Colour: black\"\n"
        f"{KETTLE[0]};\"Boils a full litre in four minutes.\nThe handle stays cool to the touch. A wide lid makes "
        f"it easy to fill and to clean.\";Copperleaf;Kitchen > Kettles;24.50;Capacity: 1.0 litres\n"
    ))
    columns = parse_columns("title=Product Name,description=About Product,brand=Maker,category=Category,"
                            "price=Price,currency=GBP,attributes=Specs")
    examples, report = file_examples(path, columns)
    assert [e.kind for e in examples] == ["description", "description"]
    lamp, kettle = examples
    assert lamp.source == "shop.csv:2" and kettle.source == "shop.csv:3"
    assert lamp.facts.title == LAMP[0] and lamp.facts.brand == "Brightfield"
    assert lamp.facts.categories == ["Home > Study"]
    assert (lamp.facts.price, lamp.facts.currency) == ("19.99", "GBP")
    weight = lamp.facts.attribute("weight")
    assert (weight.name, weight.value, weight.unit) == ("Weight", 250, "g")
    assert lamp.facts.attribute("colour").value == "black"
    assert lamp.facts.attribute("brand").value == "Brightfield"
    capacity = kettle.facts.attribute("capacity")
    assert (capacity.value, capacity.unit) == (1.0, "l")
    # markup gone, paragraphs kept one per line; the target never reaches the facts (nor so the prompt)
    assert lamp.target == ("A steady warm light for late reading.\nThe arm folds flat when the day is done. Its base "
                           "is heavy enough to stay put on a busy desk.")
    assert kettle.target.startswith("Boils a full litre in four minutes.\nThe handle stays cool")
    assert lamp.facts.description == "" and LAMP[1][3:20] not in lamp.prompt()
    assert "Weight: 250 g" in lamp.prompt() and "Price: 19.99 GBP" in lamp.prompt()
    assert (report.read, report.kept, report.unit) == (2, 2, "rows") and not report.dropped


def test_jsonl_round_trip_with_short_kinds_and_gzip(tmp_path):
    rows = product_rows()
    columns = {"title": "name", "description": "about", "brand": "maker", "category": "path", "price": "cost",
               "attributes": "specs"}
    kinds = ("description", "seo", "social", "email")
    examples, report = file_examples(write_jsonl(tmp_path / "shop.jsonl", rows), columns, kinds=kinds)
    by_source = {}
    for e in examples:
        by_source.setdefault(e.source, {})[e.kind] = e
    assert set(by_source) == {"shop.jsonl:1", "shop.jsonl:2", "shop.jsonl:3"}
    kettle = by_source["shop.jsonl:2"]
    assert set(kettle) == set(kinds)
    assert kettle["seo"].target.startswith("Meta title: Copperleaf kettle\nMeta description: Boils a full litre")
    assert kettle["email"].target == "Subject: Copperleaf kettle\nPreheader: Boils a full litre in four minutes."
    facts = kettle["description"].facts
    assert facts.categories == ["Home > Living > Study"]
    assert (facts.price, facts.currency) == ("20.50", "USD")
    assert facts.attribute("weight").value == 250 and facts.attribute("weight").unit == "g"
    assert report.read == 3 and report.kept == len(examples)

    gz = tmp_path / "shop.jsonl.gz"
    gz.write_bytes(gzip.compress((tmp_path / "shop.jsonl").read_bytes()))
    again, _ = file_examples(gz, columns, kinds=kinds)
    assert [(e.kind, e.target, e.facts) for e in again] == [(e.kind, e.target, e.facts) for e in examples]


def test_a_json_array_file_and_list_cells_are_read(tmp_path):
    path = tmp_path / "shop.json"
    path.write_text(json.dumps([{"title": MAT[0], "description": MAT[1].split(". "),
                                 "specs": ["Length (cm): 183", "Thickness: 6 mm"]}]), encoding="utf-8")
    (example,), report = file_examples(path, {"attributes": "specs"})  # title/description: same-named columns
    assert example.source == "shop.json:1"
    assert example.target.split("\n")[0] == "Grips the floor without a sticky feel"
    assert example.facts.attribute("length").value == 183 and example.facts.attribute("length").unit == "cm"
    thickness = example.facts.attribute("thickness")
    assert (thickness.value, thickness.unit) == (6, "mm")


def test_parse_columns_presets_and_mistakes():
    assert parse_columns("title=Product Name, description = About Product ,price=Selling Price") == {
        "title": "Product Name", "description": "About Product", "price": "Selling Price"}
    assert parse_columns("amazon_us_2020") == AMAZON_US_2020
    assert parse_columns("") == {}
    with pytest.raises(TrainingDataError, match="'title' is not field=column"):
        parse_columns("title")
    with pytest.raises(TrainingDataError, match="Unknown field 'colour'"):
        parse_columns("title=a,colour=b")
    with pytest.raises(TrainingDataError, match="mapped twice"):
        parse_columns("title=a,title=b")


def test_prices_and_specifications_are_parsed_strictly():
    assert parse_price("$1,299.00") == ("1299.00", "USD")
    assert parse_price("£4.5") == ("4.50", "GBP")
    assert parse_price("12 EUR") == ("12.00", "EUR")
    assert parse_price("$6.94 $ 6 . 94") == ("6.94", "USD")
    for no_price in ("$22.50 - $49.88", "Total price:", "$ 53 98 $59.95", "", "free", "0"):
        assert parse_price(no_price) == ("", ""), no_price
    attrs = {a.code: a for a in parse_attributes(
        "ItemWeight:12.8ounces|ASIN:B000TEST|Manufacturerrecommendedage:36months-5years|"
        "Batteries:3AAbatteriesrequired.(included)|    #474    in Kites|Shipping Weight: 2 pounds")}
    assert set(attrs) == {"item_weight", "manufacturer_recommended_age", "batteries"}
    assert (attrs["item_weight"].value, attrs["item_weight"].unit) == (12.8, "ounces")
    assert attrs["manufacturer_recommended_age"].value == "36 months - 5 years"
    assert attrs["batteries"].value == "3 AA batteries required. (included)"
    assert [a.code for a in parse_attributes('{"Colour": "red", "Sizes": ["S", "M"], "Waterproof": true}')] == [
        "colour", "sizes", "waterproof"]


# --- bad input ----------------------------------------------------------------------------------------------------

def test_a_missing_file_an_empty_file_and_a_header_without_rows(tmp_path):
    with pytest.raises(TrainingDataError, match="does not exist"):
        file_examples(tmp_path / "nowhere.csv", {})
    with pytest.raises(TrainingDataError, match="is empty"):
        file_examples(write_csv(tmp_path / "empty.csv", ""), {})
    with pytest.raises(TrainingDataError, match="is empty"):
        file_examples(write_csv(tmp_path / "blank.jsonl", " \n\n"), {})
    with pytest.raises(TrainingDataError, match="header but no rows"):
        file_examples(write_csv(tmp_path / "header.csv", "title,description\n"), {})
    with pytest.raises(TrainingDataError, match="unknown format '.xlsx'"):
        file_examples(write_csv(tmp_path / "shop.xlsx", "title\n"), {})


def test_non_utf8_bytes_are_named_with_offset_and_line(tmp_path):
    data = "title,description\nLamp,A warm light.\n".encode() + "Kettle,Boils fast – really.\n".encode("cp1252")
    with pytest.raises(TrainingDataError) as info:
        file_examples(write_csv(tmp_path / "latin.csv", data), {})
    message = str(info.value)
    offset = data.index(b"\x96")
    assert "not valid UTF-8" in message and "0x96" in message
    assert f"offset {offset}" in message and "line 3" in message


def test_malformed_json_and_non_objects_name_the_line(tmp_path):
    path = tmp_path / "shop.jsonl"
    path.write_text(json.dumps({"title": "Lamp", "description": LAMP[1]}) + "\n\n{\"title\": \"Kettle\",\n",
                    encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"shop\.jsonl, line 3: not valid JSON"):
        file_examples(path, {})
    path.write_text(json.dumps({"title": "Lamp", "description": LAMP[1]}) + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="line 2: a JSON object was expected, found list"):
        file_examples(path, {})


def test_a_wrong_column_mapping_names_the_column_and_lists_the_file_columns(tmp_path):
    path = write_csv(tmp_path / "shop.csv", f"Product Name,About\n{KETTLE[0]},{KETTLE[1]}\n")
    with pytest.raises(TrainingDataError) as info:
        file_examples(path, parse_columns("title=Product Name,description=Description"))
    message = str(info.value)
    assert "description='Description'" in message and "'Product Name', 'About'" in message
    with pytest.raises(TrainingDataError, match="title='title'"):  # unmapped required field, no same-named column
        file_examples(path, {"description": "About"})
    rows = write_jsonl(tmp_path / "shop.jsonl", product_rows(1))
    with pytest.raises(TrainingDataError, match=r"brand='Brand'.*'name', 'about', 'maker'"):
        file_examples(rows, {"title": "name", "description": "about", "brand": "Brand"})
    with pytest.raises(TrainingDataError, match="Unknown copy kind 'poem'"):
        file_examples(rows, {"title": "name", "description": "about"}, kinds=("poem",))


def test_a_csv_without_a_header_row_is_called_that(tmp_path):
    path = write_csv(tmp_path / "shop.csv", f"{LAMP[0]},\"{LAMP[1]}\"\n{KETTLE[0]},\"{KETTLE[1]}\"\n")
    with pytest.raises(TrainingDataError, match="seems to have no header row"):
        file_examples(path, {})


def test_bad_rows_are_dropped_and_counted_but_no_usable_row_is_an_error(tmp_path):
    path = write_csv(tmp_path / "shop.csv", (
        "title,description\n"
        f",{KETTLE[1]}\n"  # no title
        f"{LAMP[0]},\n"  # no description
        f"{MAT[0]},\"{MAT[1]}\",extra\n"  # a field too many
        f"\"{KETTLE[0]}\",\"{KETTLE[1]}\"\n"
    ))
    (example,), report = file_examples(path, {})
    assert example.source == "shop.csv:5"
    assert report.read == 4 and report.kept == 1
    assert report.dropped == {"empty title": 1, EMPTY_TARGET: 1, "wrong number of CSV fields": 1}
    assert report.samples["wrong number of CSV fields"] == ["shop.csv:4: 3 fields, the header has 2"]

    write_csv(path, f"title,description\n{LAMP[0]},\n{MAT[0]},Too short.\n")
    with pytest.raises(TrainingDataError, match=r"no usable rows \(2 read; .*empty description: 1.*too short"):
        file_examples(path, {})


# --- cleaning -----------------------------------------------------------------------------------------------------

def example(target, kind="description", title="Brightfield desk lamp", source="test:1"):
    return Example(ProductFacts(title=title), kind, target, source)


def test_contact_details_go_with_their_sentence():
    raw = ("A steady warm light for late reading. Questions: mail help@brightfield.example.com today. "
           "The arm folds flat when the day is done. Call us on +44 20 7946 0958 for spare bulbs. "
           "See https://brightfield.example/lamps for more. Also at www.brightfield.example/shop now. "
           "Our shop is brightfield-lamps.com/deals! US orders: (800) 555-0199. Its base is heavy enough.")
    (kept,), report = clean_examples([example(raw)])
    assert kept.target == ("A steady warm light for late reading. The arm folds flat when the day is done. "
                           "Its base is heavy enough.")
    assert not any(p.search(kept.target) for p in (EMAIL, URL, PHONE))
    assert report.changes["sentence with e-mail address"] == 1 and report.changes["sentence with URL"] >= 3
    assert report.changes["sentence with phone number"] == 2
    # numbers that are not phone numbers stay
    specs = "Folds to 30 x 40 x 12 cm. Rated 2019-2024 models. Pack of 100, 250 or 500 sheets. EAN 4006381333931."
    assert clean_target(specs) == specs


def test_page_furniture_headings_variant_tags_and_spec_tables_are_removed():
    raw = ("Color:Green \xa0|\xa0 Size:Large Product Description The arm folds flat when the day is done. "
           "Make sure this fits by entering your model number. Visit the Brightfield Store "
           "From the Manufacturer Its base is heavy enough to stay put. Click here to see a larger image. "
           "Brand Name Brightfield Item Weight 2.4 ounces Product Dimensions 5 x 5 x 30 inches "
           "Item model number BF-100 &amp; more<br>Not for &lt; 3 yrs, <b>handle</b> with care.")
    changes = Counter()
    assert clean_target(raw, changes) == ("The arm folds flat when the day is done.\n"
                                          "Its base is heavy enough to stay put.\n"
                                          "Not for < 3 yrs, handle with care.")
    assert changes["variant tag"] == 1 and changes["section heading"] == 2
    assert changes["page furniture"] == 3 and changes["product-information table"] == 1


def test_duplicates_and_short_targets_are_dropped_with_counts_and_samples():
    texts = [LAMP[1], KETTLE[1], "  " + KETTLE[1].upper().replace(".", "!") + " ", "Too short.", "",
             MAT[1], "<p>" + MAT[1] + "</p>"]
    examples = [example(t, source=f"f:{i}") for i, t in enumerate(texts)]
    examples.append(example(KETTLE[1], kind="social", source="f:9"))  # same words, other kind: kept
    kept, report = clean_examples(examples)
    assert [e.source for e in kept] == ["f:0", "f:1", "f:5", "f:9"]
    assert report.dropped == {DUPLICATE: 2, TOO_SHORT: 1, EMPTY_TARGET: 1}
    assert report.samples[DUPLICATE][0].startswith("f:2: BOILS A FULL LITRE")
    assert (report.read, report.kept) == (8, 4)
    text = str(report)
    assert "Read 8 examples; kept 4 examples, dropped 4." in text
    assert "duplicate of an earlier target" in text and "     2  f:2" in text
    assert json.loads(json.dumps(report.as_dict()))["dropped"] == {
        DUPLICATE: 2, EMPTY_TARGET: 1, TOO_SHORT: 1}
    assert clean_examples(examples, min_chars=5)[1].dropped[TOO_SHORT] == 0  # "Too short." is 10 characters


def test_labelled_kinds_with_contact_details_are_dropped_not_mangled():
    good = "Subject: Brightfield desk lamp\nPreheader: A steady warm light for late reading."
    bad = "Subject: Brightfield desk lamp\nPreheader: Order at brightfield.com today."
    kept, report = clean_examples([example(good, "email"), example(bad, "email", source="test:2")])
    assert [e.target for e in kept] == [good]
    assert report.dropped == {CONTACT_IN_FIELD: 1}
    bullets = "- One.\n- Two and a bit more."  # the bullets parser wants three
    kept, report = clean_examples([example(bullets, "bullets")], min_chars=1)
    assert not kept and list(report.dropped) == ["rejected by the kind's own parser (bullets)"]


def test_reports_merge_and_cleaning_is_deterministic(tmp_path):
    rows = product_rows() + [dict(product_rows(1)[0], name="Brightfield desk lamp, twin")]  # a duplicate target
    path = write_jsonl(tmp_path / "shop.jsonl", rows)
    columns = {"title": "name", "description": "about", "attributes": "specs"}
    first = file_examples(path, columns, kinds=("description", "social"))
    second = file_examples(path, columns, kinds=("description", "social"))
    assert first[0] == second[0] and first[1].as_dict() == second[1].as_dict()
    assert first[1].dropped[DUPLICATE] == 2 and first[1].read == 4

    # (which of two duplicates is kept depends on the order: the first one)
    assert {e.facts.title for e in first[0]} == {LAMP[0], KETTLE[0], MAT[0]}


def test_the_split_is_a_function_of_each_product_alone(tmp_path):
    things = ["lamp", "kettle", "mat", "stool", "vase", "rug", "clock", "mirror", "shelf", "basket", "tray", "jug"]
    rows = [{"title": f"Brightfield {thing}", "description": f"A plain {thing} for every day, made to last. "
                                                            f"Wipe the {thing} with a dry cloth."} for thing in things]
    columns = {"title": "title", "description": "description"}
    kinds = ("description", "social")
    forward = file_examples(write_jsonl(tmp_path / "forward.jsonl", rows), columns, kinds=kinds)[0]
    backward = file_examples(write_jsonl(tmp_path / "backward.jsonl", rows[::-1]), columns, kinds=kinds)[0]
    train, validation = split(forward, 0.3)
    train2, validation2 = split(backward, 0.3)
    assert validation and train
    assert {(e.facts.title, e.kind) for e in validation} == {(e.facts.title, e.kind) for e in validation2}
    assert {(e.facts.title, e.kind) for e in train} == {(e.facts.title, e.kind) for e in train2}
    # every kind of one product lands on one side
    assert {e.facts.title for e in train}.isdisjoint({e.facts.title for e in validation})


_FRAGMENTS = st.sampled_from([
    "help@shop.example.com", "a.b+c@x-y.co.uk", "name [at] shop [dot] com", "https://x.example/p?q=1",
    "www.example.org", "shop.example.com/sale", "Amazon.com", "+44 20 7946 0958", "(800) 555-0199", "<p>", "</p>",
    "<br/>", "&amp;", "&lt;b&gt;", "&nbsp;", "\xa0|\xa0", "Color:Red", "Product Description", "Click here",
    ". ", "! ", "\n", " ", "Make sure this fits by entering your model number.", "Brand Name", "Item Weight",
    "@", ".com", "www.", "http://", "[at]", "[dot]", "\u200b", "<script>x</script>",
])


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=12)), max_size=25))
def test_cleaning_never_crashes_and_never_leaves_an_email_or_url(parts):
    raw = "".join(parts)
    text = clean_target(raw)
    assert not EMAIL.search(text) and not URL.search(text), (raw, text)
    assert clean_target(text) == text or not text  # cleaning clean text changes nothing
    kept, report = clean_examples([example(raw), example(raw, "social")])
    assert report.read == 2 and report.kept == len(kept)
    assert all(not EMAIL.search(e.target) and not URL.search(e.target) for e in kept)


# --- real data ----------------------------------------------------------------------------------------------------

@pytest.mark.skipif(not AMAZON_US.exists(), reason=f"real data set not found at {AMAZON_US} (../shared/datasets)")
def test_the_amazon_us_set_yields_hundreds_of_clean_examples():
    examples, report = file_examples(AMAZON_US, AMAZON_US_2020)
    assert len(examples) >= 400, str(report)
    assert report.read >= 600 and report.dropped[EMPTY_TARGET] > 0  # the set has rows without a description
    assert len({e.source for e in examples}) == len(examples)
    for e in examples:
        assert not EMAIL.search(e.target) and not URL.search(e.target), e.source
        assert "Make sure this fits" not in e.target and "Product Description" not in e.target, e.source
        assert not e.target.startswith(("Color:", "Size:", "Style:")), e.source
    with_price = [e for e in examples if e.facts.price]
    assert len(with_price) > len(examples) // 2 and all(e.facts.currency == "USD" for e in with_price)
    assert sum(bool(e.facts.attributes) for e in examples) > len(examples) // 2
    assert not any(a.code in ("asin", "shipping_weight") for e in examples for a in e.facts.attributes)


# --- the store ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_store_examples_are_cleaned_and_report_what_they_dropped():
    from oscar.test.factories import create_product

    from copygen_oscar import receivers
    from copygen_oscar.models import CopyVariant
    from copygen_oscar.training.data import store_examples

    with receivers.auto_generation_paused():
        lamp = create_product(title=LAMP[0])
        lamp.description = LAMP[1] + "<p>Write to care@brightfield.example.com with any questions.</p>"
        lamp.save()
        twin = create_product(title="Brightfield desk lamp, twin")
        twin.description = LAMP[1]
        twin.save()
        kettle = create_product(title=KETTLE[0])
        kettle.description = KETTLE[1]
        kettle.save()
        CopyVariant.objects.create(product=kettle, kind="description", body="<p>x</p>", status="live")

    examples, report = store_examples(kinds=("description",), with_report=True)
    assert [(e.source, e.target) for e in examples] == [
        (f"product:{lamp.pk}", "A steady warm light for late reading.\nThe arm folds flat when the day is done. "
                               "Its base is heavy enough to stay put on a busy desk.")]
    assert report.unit == "products" and report.read == 3 and report.kept == 1
    assert report.dropped == {"copy published by copygen": 1, DUPLICATE: 1}
    assert report.changes["sentence with e-mail address"] == 1
    assert store_examples(kinds=("description",)) == examples  # the old call still gets a plain list
