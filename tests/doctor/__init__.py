"""Tests of augwise doctor."""
