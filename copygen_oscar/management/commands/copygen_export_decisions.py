"""Export the serving decision log for off-policy evaluation, so a new policy can be replayed before it goes live.

``--format vw``: Vowpal Wabbit's contextual-bandit format with action-dependent features (``--cb_explore_adf``):
one shared line with the context, one line per arm offered, the chosen arm labelled ``0:<cost>:<probability>``
(cost 0 for a conversion, 1 without), examples separated by a blank line.
``--format obp``: CSV for Open Bandit Pipeline's ``BanditFeedback`` (``action``, ``reward`` 0/1, ``pscore``,
``position``, context columns), with actions numbered per (product, kind) in ``action_names``.
Only decisions with a reward (window closed or converted) are exported.
"""

import csv
import re

from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model

Impression = get_model("copygen", "Impression")
_UNSAFE = re.compile(r"[\s|:]+")


def _feature(value):
    """VW feature names may not hold spaces, bars or colons."""
    return _UNSAFE.sub("_", str(value)) or "none"


class Command(BaseCommand):
    help = "Export rewarded serving decisions (context, action, probability, reward) for Vowpal Wabbit or OBP."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["vw", "obp"], default="vw")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--kind", help="Only this copy kind.")

    def handle(self, *args, **options):
        decisions = Impression.objects.filter(reward__isnull=False).order_by("shown_at", "pk")
        if options["kind"]:
            decisions = decisions.filter(kind=options["kind"])
        out = open(options["output"], "w", newline="") if options["output"] else self.stdout
        try:
            written = (self.vw if options["format"] == "vw" else self.obp)(decisions.iterator(), out)
        finally:
            if options["output"]:
                out.close()
        if options["output"]:
            self.stderr.write(f"{written} decisions written to {options['output']}")

    def vw(self, decisions, out):
        written = 0
        for d in decisions:
            if d.arm not in d.arms:
                raise CommandError(f"Decision {d.pk} shows arm {d.arm!r} that is not among its arms")
            cost = 0 if d.reward == Impression.CONVERTED else 1
            context = " ".join(f"{_feature(k)}={_feature(v)}" for k, v in sorted(d.context.items()) if k != "table_at")
            lines = [f"shared |Context product={d.product_id or 'deleted'} {context}"]
            for arm in d.arms:
                label = f"0:{cost}:{d.probability:.6f} " if arm == d.arm else ""
                lines.append(f"{label}|Action arm={_feature(arm)} own={int(arm == 'own')}")
            out.write("\n".join(lines) + "\n\n")
            written += 1
        return written

    def obp(self, decisions, out):
        writer = csv.writer(out)
        writer.writerow(["timestamp", "product", "kind", "segment", "action", "action_names", "n_actions", "reward",
                         "pscore", "position", "product_class"])
        written = 0
        for d in decisions:
            names = sorted(d.arms)
            writer.writerow([d.shown_at.isoformat(), d.product_id or "", d.kind, d.segment, names.index(d.arm),
                             "|".join(names), len(names), int(d.reward == Impression.CONVERTED),
                             f"{d.probability:.6f}", 0, d.context.get("product_class", "")])
            written += 1
        return written
