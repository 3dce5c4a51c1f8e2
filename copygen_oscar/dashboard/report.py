"""The experiment report: per product and kind, what each arm got and how sure the store may be of it.

Figures come straight from the decision log (rewarded decisions only: a decision whose window is still open has
no outcome yet). Charts are plain SVG drawn here, so the dashboard needs no charting library or CDN.
"""

from collections import defaultdict

from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from ..serving.arms import OWN
from ..serving.policy import get_policy
from ..serving.thompson import credible_interval

CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")
Product = get_model("catalogue", "Product")


def experiments(product_id=None, limit=100):
    """``[{"product", "kind", "arms": [...], "decisions", "conversions", "rate", "uplift"}]``, the ``limit``
    busiest first (the posterior figures cost Monte Carlo draws: only for what the page shows)."""
    rows = Impression.objects.filter(product__isnull=False)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    rows = (rows.values("product_id", "kind", "arm").annotate(
        shown=Count("pk"), wins=Count("pk", filter=Q(reward=1)), losses=Count("pk", filter=Q(reward=-1))))
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["product_id"], row["kind"]].append(row)
    busiest = sorted(grouped, key=lambda key: sum(r["shown"] for r in grouped[key]), reverse=True)[:limit]
    grouped = {key: grouped[key] for key in busiest}
    products = Product.objects.in_bulk({product_id for product_id, _ in grouped})
    variants = CopyVariant.objects.in_bulk([int(r["arm"]) for rs in grouped.values() for r in rs if r["arm"] != OWN])
    report = []
    for (product_id, kind), arms in grouped.items():
        arms.sort(key=lambda r: (r["arm"] != OWN, r["arm"]))
        wins, losses = [a["wins"] for a in arms], [a["losses"] for a in arms]
        lower, upper = credible_interval(wins, losses)
        best = get_policy().probability_best(wins, losses)
        for arm, low, high, chance in zip(arms, lower, upper, best):
            n = arm["wins"] + arm["losses"]
            variant = variants.get(int(arm["arm"])) if arm["arm"] != OWN else None
            arm.update(n=n, rate=arm["wins"] / n if n else None, low=float(low), high=float(high),
                       best=float(chance), variant=variant,
                       label=_("Own copy") if arm["arm"] == OWN else f"#{arm['arm']}")
        decided = sum(a["n"] for a in arms)
        converted = sum(a["wins"] for a in arms)
        own = next((a for a in arms if a["arm"] == OWN and a["n"]), None)
        rate = converted / decided if decided else None
        report.append({
            "product": products.get(product_id), "kind": kind, "arms": arms, "decisions": decided,
            "shown": sum(a["shown"] for a in arms), "conversions": converted, "rate": rate,
            # The policy against the product's own copy, each over its own decisions.
            "uplift": (rate - own["rate"]) / own["rate"] if own and own["rate"] and rate is not None else None,
            "chart": chart(arms),
        })
    report.sort(key=lambda e: e["shown"], reverse=True)
    return report


def chart(arms, width=420, bar=18, gap=8):
    """Horizontal bars of each arm's conversion rate with its 95% credible interval as a whisker."""
    top = max([a["high"] for a in arms] + [0.01])
    scale = (width - 110) / top
    height = len(arms) * (bar + gap) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="conversion rate per variant with 95% credible intervals">']
    for i, arm in enumerate(arms):
        y = i * (bar + gap) + 4
        rate = arm["rate"] or 0.0
        parts.append(f'<text x="0" y="{y + bar - 5}" font-size="12">{escape(arm["label"])}</text>')
        parts.append(f'<rect x="70" y="{y}" width="{rate * scale:.1f}" height="{bar}" fill="#4e79a7"/>')
        low, high = 70 + arm["low"] * scale, 70 + arm["high"] * scale
        mid = y + bar / 2
        parts.append(f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{mid}" y2="{mid}" stroke="#222" stroke-width="1.5"/>')
        parts.append(f'<text x="{high + 6:.1f}" y="{y + bar - 5}" font-size="11">{rate:.1%}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703  # numbers and escaped labels only


def overall_chart(report):
    """All experiments pooled: generated variants against the products' own copy, and the policy as served."""
    pooled = {"variants": [0, 0], "own": [0, 0], "policy": [0, 0]}
    for experiment in report:
        for arm in experiment["arms"]:
            for key in ("own" if arm["arm"] == OWN else "variants", "policy"):
                pooled[key][0] += arm["wins"]
                pooled[key][1] += arm["losses"]
    labels = {"policy": _("Policy"), "own": _("Own copy"), "variants": _("Variants")}
    names = [name for name in ("policy", "own", "variants") if sum(pooled[name])]
    if not names:
        return ""
    lower, upper = credible_interval([pooled[n][0] for n in names], [pooled[n][1] for n in names])
    arms = [{"label": labels[n], "rate": pooled[n][0] / sum(pooled[n]), "low": float(lo), "high": float(hi)}
            for n, lo, hi in zip(names, lower, upper)]
    return chart(arms)
