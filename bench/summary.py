"""The summary table at the top of bench/RESULTS.md: p50 / p95 of every endpoint per
run, and for the last run its p99, requests/s, p95 over its floor, and its p95 and p50
over the first run's (targets: ≤ 3x the floor, ≤ 1.5x the 10 k p95).

    .venv/bin/python bench/summary.py 10k-s8 5.9m-s8     # labels of bench/results/*.json
"""

import argparse
import json
from pathlib import Path

from statistics_mix import STATISTICS

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = (
    "floor",
    "catalogue search",
    "procedure page",
    "public lookup",
    "my dossiers",
    "dossier page",
    "queue: to receive",
    "queue: all",
    "queue: mine",
    "queue: overdue",
    "workbench",
    "submission",
    "receive (transition)",
    *(label for label, _who, _path in STATISTICS),
)


def main(labels) -> None:
    runs = [json.loads((RESULTS / f"{label}.json").read_text()) for label in labels]
    base, big = runs[0], runs[-1]
    b, f = big["label"], base["label"]
    head = " | ".join(f"{r['label']} p50 / p95" for r in runs)
    print(
        f"| endpoint | {head} | {b} p99 | {b} req/s | {b} p95 ÷ floor "
        f"| p95 {b} ÷ {f} | p50 {b} ÷ {f} |"
    )
    print("|---|" + "---:|" * (len(runs) + 5))
    for name in ORDER:
        if name not in big["stats"] or name not in base["stats"]:
            continue
        cells = []
        for run in runs:
            s = run["stats"].get(name)
            cells.append(f"{s['p50']:,.0f} / {s['p95']:,.0f}" if s else "-")
        s, s0, floor = big["stats"][name], base["stats"][name], big["stats"]["floor"]
        print(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {s['p99']:,.0f} | {s['rps']:.1f} | {s['p95'] / floor['p95']:.1f}"
            f" | {s['p95'] / s0['p95']:.2f} | {s['p50'] / s0['p50']:.2f} |"
        )
    errors = []
    for run in runs:
        failed = sum(s["failures"] for k, s in run["stats"].items() if k != "Aggregated")
        errors.append(f"{failed} of {run['stats']['Aggregated']['requests']:,}")
    print("\nErrors: " + " / ".join(errors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "labels", nargs="+", help="runs of bench/results/*.json, the 10 k one first"
    )
    main(parser.parse_args().labels)
