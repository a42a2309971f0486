"""Does the data have a canonical orientation?  Evidence from class-mean images.

For each class the mean of its 32x32 grey thumbnails is compared with its own
horizontal flip, vertical flip and 90° rotation.  The *asymmetry* of a transform ``T``
is ``||T(m) - m|| / (2 ||m||)`` on the mean-centred image (0: the class mean is
unchanged, 1: it is inverted), minimised over shifts of up to 2 px so an off-centre
axis does not count.  A class is *oriented* under ``T`` when its asymmetry exceeds
:data:`ORIENTED` and three times the sampling noise of its mean (estimated from two
halves of the class).  A flip whose image of one class looks like another class's mean
(closer to it than half their distance) turns one label into another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from augwise.doctor.measure import ClassSum

ORIENTED = 0.2  # asymmetry above which a class mean has a canonical orientation
NOISE_FACTOR = 3.0
MIN_IMAGES = 8  # fewer images per class give no evidence
SHIFT = 2
TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "horizontal_flip": lambda a: a[:, ::-1],
    "vertical_flip": lambda a: a[::-1, :],
    "rotation_90": lambda a: np.rot90(a),
}


def _centred(m: np.ndarray) -> np.ndarray:
    return m - m.mean()


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest distance between ``a`` and ``b`` shifted by up to SHIFT px (inner crop)."""
    s = SHIFT
    inner = b[s:-s, s:-s]
    best = np.inf
    for dy in range(-s, s + 1):
        for dx in range(-s, s + 1):
            moved = np.roll(np.roll(a, dy, axis=0), dx, axis=1)[s:-s, s:-s]
            best = min(best, float(np.linalg.norm(moved - inner)))
    return best


def _norm(m: np.ndarray) -> float:
    return float(np.linalg.norm(m[SHIFT:-SHIFT, SHIFT:-SHIFT]))


def rotate(m: np.ndarray, degrees: float) -> np.ndarray:
    h, w = m.shape
    mat = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), degrees, 1.0)
    return cv2.warpAffine(m.astype(np.float32), mat, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE).astype(np.float64)


@dataclass(frozen=True)
class ClassOrientation:
    """Asymmetry of one class mean under each transform, with its noise floor."""

    name: str
    count: int
    asymmetry: dict[str, float]
    noise: float
    maps_to: dict[str, str]  # transform -> class whose mean the transformed mean resembles

    def oriented(self, transform: str) -> bool:
        a = self.asymmetry[transform]
        return a > ORIENTED and a > NOISE_FACTOR * self.noise


@dataclass(frozen=True)
class Orientation:
    """Orientation evidence for the training split."""

    classes: list[ClassOrientation]
    means: dict[str, np.ndarray]  # class name -> mean thumbnail (for plots)

    @property
    def images(self) -> int:
        return sum(c.count for c in self.classes)

    def oriented_fraction(self, transform: str) -> float:
        """Share of images in classes oriented under ``transform``."""
        total = self.images
        hit = sum(c.count for c in self.classes if c.oriented(transform))
        return hit / total if total else 0.0

    def oriented_classes(self, transform: str) -> list[ClassOrientation]:
        return [c for c in self.classes if c.oriented(transform)]

    def label_swaps(self, transform: str) -> dict[str, str]:
        return {c.name: c.maps_to[transform] for c in self.classes if transform in c.maps_to}

    def rotation_ratio(self, degrees: float) -> dict[str, float]:
        """Per class: how far a rotation by ``±degrees`` moves the class mean, relative
        to the distance to the nearest other class mean (needs two classes)."""
        if len(self.classes) < 2 or degrees <= 0:
            return {}
        centred = {c.name: _centred(self.means[c.name]) for c in self.classes}
        out: dict[str, float] = {}
        for name, m in centred.items():
            nearest = min(
                float(np.linalg.norm(m - o)) for k, o in centred.items() if k != name
            )
            moved = max(float(np.linalg.norm(rotate(m, sign * degrees) - m))
                        for sign in (-1.0, 1.0))
            out[name] = moved / max(nearest, 1e-9)
        return out

    def median_rotation_ratio(self, degrees: float) -> float | None:
        ratios = self.rotation_ratio(degrees)
        return float(np.median(list(ratios.values()))) if ratios else None

    def to_dict(self) -> dict[str, object]:
        return {
            "oriented_fraction": {t: self.oriented_fraction(t) for t in TRANSFORMS},
            "classes": [
                {"class": c.name, "images": c.count, "noise": c.noise, **c.asymmetry,
                 "maps_to": c.maps_to}
                for c in self.classes
            ],
            "threshold": ORIENTED,
        }


def analyse(sums: Mapping[int, ClassSum], class_names: list[str]) -> Orientation | None:
    """Orientation evidence from per-class thumbnail sums (None without enough images)."""
    usable = {k: s for k, s in sums.items() if s.count >= MIN_IMAGES}
    if not usable:
        return None
    means: dict[str, np.ndarray] = {}
    noise: dict[str, float] = {}
    counts: dict[str, int] = {}
    for label, s in sorted(usable.items()):
        name = class_names[label] if 0 <= label < len(class_names) else "all images"
        m = s.total / s.count
        means[name] = m
        counts[name] = s.count
        rest = s.count - s.half_count
        if s.half_count and rest:
            a = _centred(s.half / s.half_count)
            b = _centred((s.total - s.half) / rest)
            noise[name] = _norm(a - b) / (2.0 * np.sqrt(2.0) * max(_norm(_centred(m)), 1e-9))
        else:
            noise[name] = 1.0
    centred = {k: _centred(v) for k, v in means.items()}
    classes = []
    for name, m in centred.items():
        scale = 2.0 * max(_norm(m), 1e-9)
        asym: dict[str, float] = {}
        maps: dict[str, str] = {}
        for tname, fn in TRANSFORMS.items():
            t = fn(m)
            d_self = _distance(t, m)
            asym[tname] = d_self / scale
            if tname == "rotation_90":
                continue
            for other, o in centred.items():
                if other == name:
                    continue
                gap = float(np.linalg.norm(m - o))
                if _distance(t, o) < 0.5 * min(d_self, gap):
                    maps[tname] = other
                    break
        classes.append(ClassOrientation(name, counts[name], asym, noise[name], maps))
    return Orientation(classes, means)
