"""Decoding and sample sources (imports only augwise.core)."""
