"""Batching, worker threads and framework adapters."""
