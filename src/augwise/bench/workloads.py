"""The benchmark's workloads, the shared augmentation config and what each run does.

Every peer does the same job: the reference ("balanced") augmentation config, batches
of 32, ``float32`` output rescaled by 1/255, the same number of workers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from augwise.core.presets import CLASSIC_BALANCED

# the reference job: the classic "balanced" config, rescaled to [0, 1]
REFERENCE_CONFIG: dict[str, Any] = {"rescale": 1 / 255, **CLASSIC_BALANCED}
BATCH_SIZE = 32
TARGET = (224, 224)


@dataclass(frozen=True)
class Workload:
    """One job: what is read, and how many images a timed pass covers (full / quick)."""

    name: str
    title: str
    source: str  # "files" or "arrays"
    full_images: int
    quick_images: int
    target: str  # the target it measures

    def images(self, quick: bool) -> int:
        return self.quick_images if quick else self.full_images


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("dir224", "directory: 500x375 JPEG -> 224x224 float32, first epoch",
                 "files", 2000, 192, "P1"),
        Workload("dir224_cached", "directory, epochs >= 2 with cache='memory'",
                 "files", 2000, 192, "P1b"),
        Workload("arr224", "flow(): 224x224x3 float32 arrays", "arrays", 1024, 128, "P2"),
        Workload("arr28", "flow(): 28x28x1 uint8 Fashion-MNIST", "arrays", 60000, 4096, "P3"),
        Workload("rss100k", "peak RSS over one 100k-sample epoch (28x28)", "arrays",
                 100_000, 10_000, "P4"),
        Workload("fit_dir", "fit() featurewise stats on the directory: peak RSS", "files",
                 2000, 192, "P4"),
        Workload("keras_layer224", "Keras layer vs engine vs Keras layers: 224x224, CPU",
                 "arrays", 256, 64, "I12"),
    )
}


@dataclass(frozen=True)
class RunSpec:
    """One runner of one workload, as sent to the worker subprocess (JSON)."""

    workload: str
    peer: str  # augwise, keras, albumentations, decode
    label: str
    workers: int | None  # None: the peer's default
    variant: str = ""  # threads / processes / cache / single ...
    images: int = 0  # per timed pass (0: one epoch)
    repeats: int = 3
    data_dir: str = ""
    arrays_dir: str = ""
    quick: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSpec:
        return cls(**data)
