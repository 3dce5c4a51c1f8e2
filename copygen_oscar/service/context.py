"""The only things a reply may state: the verified customer's own order, store policy and product facts.

Grounding is decided by who the sender proved to be, never by what the message says. ``verified_order`` is the one
gate: a signed-in customer's own order, or a guest's order number together with the e-mail address it was placed
with. An order number typed in the message text is never looked up. The context is a list of labelled lines: the
prompt's facts block, the text staff see next to the draft, and the guard's ``FactIndex`` are all built from it.
"""

import hmac
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from oscar.core.loading import get_model

from .. import app_settings
from ..facts import EmptyFacts, clean_text, facts_text, product_facts
from ..guard import FactIndex

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

MAX_LINES = 8  # order lines listed
MAX_EVENTS = 6  # order and shipping events listed (newest)
MAX_PRODUCTS = 3  # products whose facts a reply may state
MAX_POLICY_CHARS = 600  # per flat page
TITLE_REFRESH = 600  # seconds the catalogue's title list is cached per process
_titles = {"at": 0.0, "titles": None}


def normalise_number(value):
    return clean_text(value or "", 64).strip().lstrip("#").strip()


def verified_order(number, email=None, user=None):
    """The order the sender proved is theirs, or None.

    Signed-in: an order of that user with that number. Guest: the number and the e-mail address the order was placed
    with (compared case-insensitively, in constant time). A wrong pair says nothing about which half was wrong.
    """
    number = normalise_number(number)
    if not number:
        return None
    if user is not None and user.is_authenticated:
        own = Order.objects.filter(number=number, user=user).first()
        if own is not None:
            return own
    if not email:
        return None
    order = Order.objects.select_related("user").filter(number=number).first()
    given = (email or "").strip().lower().encode()
    stored = ((order.email if order is not None else "") or "").strip().lower().encode()
    if order is None or not stored or not hmac.compare_digest(given, stored):
        return None
    return order


def when(value):
    return f"{value.day} {value:%B %Y}" if value else ""


@dataclass
class ServiceContext:
    lines: list = field(default_factory=list)  # [(label, value)]: everything a reply may state
    customer_name: str = ""  # the verified customer's own first name, else ""
    order_number: str = ""  # the verified order, else ""
    intent: str = ""
    product_ids: list = field(default_factory=list)
    booleans: dict = field(default_factory=dict)  # product certifications stated yes/no
    brands: list = field(default_factory=list)

    def text(self):
        return "\n".join(f"{label}: {value}" for label, value in self.lines)

    def value(self, label):
        return next((value for key, value in self.lines if key == label), "")

    def values(self, label):
        return [value for key, value in self.lines if key == label]

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data or {})
        data["lines"] = [tuple(line) for line in data.get("lines", [])]
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def index(self, extra_texts=(), other_brands=()):
        """The guard's view of this context; ``extra_texts`` are the store's own fixed phrases (greeting, sign-off)."""
        return FactIndex.from_texts([self.text(), *extra_texts], booleans=self.booleans, brands=self.brands,
                                    other_brands=set(other_brands) - set(self.brands))


def store_name():
    return app_settings.COPYGEN_BRAND_NAME or getattr(settings, "OSCAR_SHOP_NAME", "") or ""


def shipping_time(method):
    times = app_settings.COPYGEN_SERVICE_SHIPPING_TIMES or {}
    return times.get(method) or times.get("*", "")


def policy_lines():
    lines = []
    if store_name():
        lines.append(("Store", clean_text(store_name(), 100)))
    if app_settings.COPYGEN_SERVICE_RETURNS_DAYS:
        lines.append(("Returns window", f"{int(app_settings.COPYGEN_SERVICE_RETURNS_DAYS)} days"))
    for method, duration in (app_settings.COPYGEN_SERVICE_SHIPPING_TIMES or {}).items():
        if method == "*":
            lines.append(("Usual delivery time", clean_text(duration, 100)))
        else:
            lines.append(("Delivery time", f"{clean_text(method, 100)}: {clean_text(duration, 100)}"))
    urls = app_settings.COPYGEN_SERVICE_POLICY_PAGES or ()
    if urls:
        from django.contrib.flatpages.models import FlatPage

        for page in FlatPage.objects.filter(url__in=list(urls)).order_by("url"):
            lines.append((f"Policy ({clean_text(page.title, 80)})", clean_text(page.content, MAX_POLICY_CHARS)))
    return lines


def order_lines(order):
    """What the customer's own order says: number, status, dates, items, shipping country and method, events."""
    lines = [("Order number", order.number), ("Order status", clean_text(order.status or "", 60)),
             ("Order placed", when(order.date_placed))]
    for line in order.lines.all()[:MAX_LINES]:
        lines.append(("Item", f"{clean_text(line.title, 120)} (quantity {line.quantity})"))
    if order.total_incl_tax is not None:
        lines.append(("Order total", f"{order.total_incl_tax:.2f} {order.currency}".strip()))
    if order.shipping_method:
        method = clean_text(order.shipping_method, 100)
        lines.append(("Shipping method", method))
        if shipping_time(order.shipping_method):
            lines.append(("Delivery time", f"{method}: {clean_text(shipping_time(order.shipping_method), 100)}"))
    address = order.shipping_address
    if address is not None and address.country_id:
        lines.append(("Shipping country", clean_text(address.country.printable_name or address.country.name, 80)))
    # Oscar's order events: shipping events (dispatched, delivered...), payment events (refunded...), status changes.
    events = [(e.date_created, e.event_type.name) for e in order.shipping_events.select_related("event_type")]
    events += [(e.date_created, e.event_type.name) for e in order.payment_events.select_related("event_type")]
    events += [(c.date_created, f"Status changed to {c.new_status}") for c in order.status_changes.all()]
    for created, name in sorted(events, key=lambda item: item[0], reverse=True)[:MAX_EVENTS]:
        lines.append(("Order event", f"{clean_text(name, 80)} on {when(created)}"))
    return lines


def catalogue_titles():
    """(id, lowercased title) of browsable products, cached per process: the products a message can name."""
    if _titles["titles"] is None or time.monotonic() - _titles["at"] > TITLE_REFRESH:
        rows = Product.objects.browsable().exclude(title="").values_list("pk", "title").order_by("pk")[:20000]
        _titles.update(at=time.monotonic(), titles=[(pk, title.lower()) for pk, title in rows if len(title) >= 4])
    return _titles["titles"]


def mentioned_products(text):
    """Catalogue products whose title the message names (longest titles first)."""
    lowered = f" {' '.join(clean_text(text or '', 10000).lower().split())} "
    found = []
    for pk, title in sorted(catalogue_titles(), key=lambda item: len(item[1]), reverse=True):
        if f" {title} " in lowered or f" {title}?" in lowered or f" {title}." in lowered or f" {title}," in lowered:
            found.append(pk)
            lowered = lowered.replace(title, " ")
        if len(found) >= MAX_PRODUCTS:
            break
    return found


def build_context(message):
    """The grounding of a reply to ``message`` (a ServiceMessage): policies, its verified order, product facts."""
    context = ServiceContext(intent=message.intent)
    context.lines += policy_lines()
    order = message.order
    product_ids = []
    if order is not None:
        context.order_number = order.number
        context.lines += order_lines(order)
        product_ids += [pk for pk in order.lines.values_list("product_id", flat=True)[:MAX_LINES] if pk]
        user = order.user
        first = (user.first_name if user is not None else "") or (
            order.shipping_address.first_name if order.shipping_address is not None else "")
        context.customer_name = clean_text(first, 40)
    elif message.customer_id and message.customer.first_name:
        context.customer_name = clean_text(message.customer.first_name, 40)
    product_ids += [pk for pk in (message.product_ids or []) if pk not in product_ids]
    products = Product.objects.filter(pk__in=product_ids[: MAX_PRODUCTS * 2]).prefetch_related(
        "attribute_values__attribute", "categories", "stockrecords")
    by_id = {p.pk: p for p in products}
    for pk in product_ids:
        product = by_id.get(pk)
        if product is None or len(context.product_ids) >= MAX_PRODUCTS:
            continue
        try:
            facts = product_facts(product)
        except EmptyFacts:
            continue
        context.product_ids.append(pk)
        for line in facts_text(facts).split("\n"):
            label, _, value = line.partition(": ")
            context.lines.append((label, value))
        if facts.in_stock is not None:
            context.lines.append(("In stock", f"{facts.title}: {'yes' if facts.in_stock else 'no'}"))
        if facts.brand:
            context.brands.append(facts.brand)
        for attr in facts.attributes:
            if isinstance(attr.value, bool):
                context.booleans[attr.name.lower()] = attr.value
    return context
