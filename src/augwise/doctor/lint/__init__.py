"""Config lint against the data (importing the modules registers the checks)."""

from augwise.doctor.lint import flow, geometry, keras, normalisation  # noqa: F401
