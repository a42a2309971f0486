"""Dataset audit: one module per family of checks (``augwise.doctor.checks.PLUGINS``)."""
