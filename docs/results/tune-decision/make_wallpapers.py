"""Cut Debian's ``ukui-wallpapers`` photographs into a small class-folder data set.

Each wallpaper in /usr/share/backgrounds is one class; its samples are random square
crops (side ``--min-side`` to ``--max-side`` of the photo's shorter side, default 10-30
%, anywhere in the photo), area-resized to 32x32 RGB PNGs.  With ``--rotate`` every
crop is also turned by a random angle (and mirrored half of the time), as aerial or
texture photos are: the label does not depend on the orientation; ``--grey`` drops
the colour (the wallpapers differ most by colour).  Nothing is
downloaded.  Deterministic for a given --seed.

    python docs/results/tune-decision/make_wallpapers.py /tmp/wallcrops --per-class 120
    python docs/results/tune-decision/make_wallpapers.py /tmp/wallrot --per-class 120 \
        --min-side 0.05 --max-side 0.15 --rotate --grey
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SOURCES = Path("/usr/share/backgrounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-class", type=int, default=120)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-side", type=float, default=0.10)
    parser.add_argument("--max-side", type=float, default=0.30)
    parser.add_argument("--rotate", action="store_true")
    parser.add_argument("--grey", action="store_true", help="save greyscale crops")
    args = parser.parse_args()
    photos = sorted(p for p in SOURCES.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    if not photos:
        raise SystemExit(f"no wallpapers in {SOURCES}: apt-get install ukui-wallpapers")
    rng = np.random.default_rng(args.seed)
    for photo in photos:
        with Image.open(photo) as img:
            src = np.asarray(img.convert("RGB"))
        h, w = src.shape[:2]
        folder = args.out / photo.stem
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(args.per_class):
            side = round(rng.uniform(args.min_side, args.max_side) * min(h, w))
            big = math.ceil(side * math.sqrt(2)) if args.rotate else side  # room to turn
            y0 = int(rng.integers(0, h - big + 1))
            x0 = int(rng.integers(0, w - big + 1))
            patch = src[y0 : y0 + big, x0 : x0 + big]
            if args.rotate:
                turn = cv2.getRotationMatrix2D((big / 2, big / 2), rng.uniform(0, 360), 1.0)
                patch = cv2.warpAffine(patch, turn, (big, big), flags=cv2.INTER_LINEAR)
                m = (big - side) // 2
                patch = patch[m : m + side, m : m + side]
                if rng.random() < 0.5:
                    patch = patch[:, ::-1]
            crop = cv2.resize(np.ascontiguousarray(patch), (args.size, args.size),
                              interpolation=cv2.INTER_AREA)
            img = Image.fromarray(crop)
            (img.convert("L") if args.grey else img).save(folder / f"{i:04d}.png")
    print(f"{len(photos)} classes x {args.per_class} crops in {args.out}")


if __name__ == "__main__":
    main()
