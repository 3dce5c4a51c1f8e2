"""`make bench`: run every benchmark in this folder, one after another, and write one markdown table.

Each script prints its figure(s) as ``name=value`` on its last lines; the table shows them beside their targets,
whether the target is met, and the seconds each script took. The table goes to docs/benchmarks.md (the README
links it) and to standard output. A script that fails is reported with its exit status, and the run goes on.
Usage: python benchmarks/run_all.py [--only throughput,fact_guard] [--output docs/benchmarks.md]
"""

import argparse
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURE = re.compile(r"([a-z][a-z0-9_]*)=([-+0-9.eE]+)")  # names like p95_ratio have digits

# name -> (comparison, target); None: reported, no target.
TARGETS = {
    "batched_over_naive": (">=", 10.0),
    "planted_caught": (">=", 0.95),
    "false_alarms": ("<=", 0.05),
    "oracle_uplift_captured": (">=", 0.6),
    "pairwise_accuracy": (">=", 0.58),
    "overhead_ratio": ("<=", 1.05),
    "order_overhead_ratio": ("<=", 1.10),
    "unsupported_claims": ("<=", 0.0),
    "halluc_guarded": ("<=", 0.0),
    "p95_ratio": ("<=", 1.1),
    "errors": ("<=", 0.0),
}


def figures(output):
    """The ``name=value`` pairs of the output's last lines (a script may end with more than one)."""
    found = {}
    for line in reversed([line for line in output.strip().splitlines() if line.strip()][-3:]):
        pairs = FIGURE.findall(line)
        if not pairs or not line.strip().startswith(pairs[0][0]):
            break
        for name, value in pairs:
            found.setdefault(name, float(value))
    return dict(reversed(list(found.items())))


def verdict(name, value):
    if name not in TARGETS:
        return "", "report"
    op, target = TARGETS[name]
    met = value >= target if op == ">=" else value <= target
    return f"{op} {target:g}", "met" if met else "NOT met"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="Comma-separated script names (without .py).")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    if args.only:
        wanted = set(args.only.split(","))
        scripts = [p for p in scripts if p.stem in wanted]
    rows = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        run = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - started
        print(run.stdout[-2000:], flush=True)
        found = figures(run.stdout) if run.returncode == 0 else {}
        if not found:
            reason = f"exit {run.returncode}: {(run.stderr or run.stdout).strip().splitlines()[-1:]}"
            rows.append((script.name, "—", "", "failed" if run.returncode else "no figure", reason, seconds))
        for name, value in found.items():
            target, status = verdict(name, value)
            rows.append((script.name, f"{name}={value:g}", target, status, "", seconds))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Benchmarks\n", f"`make bench` on {stamp} (2 CPU cores unless noted); each figure is its script's "
             "last line(s). Ratios come from one run of their script.\n",
             "| script | figure | target | status | seconds |", "| --- | --- | --- | --- | --- |"]
    for script, figure, target, status, note, seconds in rows:
        lines.append(f"| `{script}` | `{figure}` | {target} | {status}{(' ' + note) if note else ''} | {seconds:.0f} |")
    table = "\n".join(lines) + "\n"
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(table)
    print(table)
    print(f"benchmarks_met={sum(r[3] == 'met' for r in rows)}/{sum(r[3] in ('met', 'NOT met') for r in rows)}")


if __name__ == "__main__":
    main()
