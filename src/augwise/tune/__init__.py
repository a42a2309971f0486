"""augwise.tune."""
