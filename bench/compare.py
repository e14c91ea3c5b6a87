"""Compare load runs: each endpoint's p95 at every size against its p95 at the base
size, and against the floor of its own run (targets: ≤ 1.5x its own p95 at 10 k,
≤ 3x the floor).

    .venv/bin/python bench/compare.py 10k 100k 1m     # labels of bench/results/*.json
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(labels):
    runs = [json.loads((RESULTS / f"{label}.json").read_text()) for label in labels]
    base = runs[0]
    names = [n for n in base["stats"] if n != "Aggregated"]
    head = " | ".join(f"p95 {r['label']} (xfloor)" for r in runs)
    last_label = runs[-1]["label"]
    print(
        f"| endpoint | {head} | p95 {last_label} / p95 {base['label']} "
        f"| same, floor-normalised | p50 {last_label} / p50 {base['label']}, floor-normalised |"
    )
    print("|---|" + "---:|" * (len(runs) + 3))
    for name in names:
        cells = []
        for run in runs:
            s, floor = run["stats"].get(name), run["stats"].get("floor")
            if s is None:
                cells.append("-")
                continue
            cells.append(f"{s['p95']:.0f} ({s['p95'] / floor['p95']:.1f})")
        first, last = base["stats"].get(name), runs[-1]["stats"].get(name)
        growth = normal = normal50 = "-"
        if first and last and first["p95"]:
            f0, f1 = base["stats"]["floor"], runs[-1]["stats"]["floor"]
            growth = f"{last['p95'] / first['p95']:.2f}"
            # Divided by the floor's own growth: what the data size added, not the machine.
            normal = f"{(last['p95'] / f1['p95']) / (first['p95'] / f0['p95']):.2f}"
            normal50 = f"{(last['p50'] / f1['p50']) / (first['p50'] / f0['p50']):.2f}"
        print(f"| {name} | {' | '.join(cells)} | {growth} | {normal} | {normal50} |")
    print()
    for run in runs:
        print(
            f"- {run['label']}: {run['dossiers']} dossiers, started {run['started']} UTC, "
            f"{run['workers']} workers, {run['users']} users, load average after "
            f"{run['loadavg_after'][0]:.1f}; worker RSS MB "
            + ", ".join(
                f"{a:.0f}→{b:.0f}"
                for a, b in zip(run["rss_mb_before"], run["rss_mb_after"], strict=False)
            )
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["10k", "100k", "1m"])
