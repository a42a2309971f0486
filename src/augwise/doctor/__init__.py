"""augwise.doctor."""
