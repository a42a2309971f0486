"""Config lint against the data: one module per family of checks
(``augwise.doctor.checks.PLUGINS``)."""
