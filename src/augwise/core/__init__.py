"""Parameters, sampling and pure kernels (imports nothing else from augwise)."""
