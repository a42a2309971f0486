"""The seeds the rule would have needed, recomputed from a run's stored results.json.

    python docs/results/tune-decision/projected_seeds.py \
        docs/results/tune-decision/fmnist500-seed2 docs/results/tune-decision/fmnist500-seed2-max8

prints, per run: the seeds TrivialAugment and no augmentation share, the validation mean
difference (points), P(better by > 0.5) and ``augwise.tune.decide.seeds_to_decide``
(26 and 32 for the two runs above).
"""

import json
import sys
from pathlib import Path

from augwise.tune import decide


def main(folders: list[str]) -> None:
    for folder in folders:
        doc = json.loads(Path(folder, "results.json").read_text())
        rows = {r["name"]: dict(zip(r["seeds"], r["val"], strict=True)) for r in doc["results"]}
        a, b = rows["TrivialAugment"], rows["no augmentation"]
        common = sorted(set(a) & set(b))
        c = decide.compare([a[s] for s in common], [b[s] for s in common],
                           rope=0.005, rho=decide.correlation(400, 100))
        print(f"{folder}: {len(common)} seeds, {100 * c.mean:+.1f} points, "
              f"P = {c.p_better:.2f}, seeds to decide: {c.seeds_to_decide}")


if __name__ == "__main__":
    main(sys.argv[1:])
