"""augwise doctor: why is my augmentation under-performing?

>>> from augwise.doctor import diagnose
>>> d = diagnose("data/train", config="augment.yaml", flow={"target_size": (224, 224)})
... # doctest: +SKIP
>>> d.print_summary(); d.write("augwise-report")   # doctest: +SKIP

See docs/doctor.md for every check, its thresholds, and the report schema.
"""

from augwise.doctor.api import Diagnosis, diagnose, rediagnose
from augwise.doctor.findings import CheckOutcome, Finding
from augwise.doctor.options import FlowOptions
from augwise.results import Estimate, HarmReport, TransformHarm

__all__ = [
    "CheckOutcome",
    "Diagnosis",
    "Estimate",
    "Finding",
    "FlowOptions",
    "HarmReport",
    "TransformHarm",
    "diagnose",
    "rediagnose",
]
