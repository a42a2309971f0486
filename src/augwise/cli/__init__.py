"""augwise.cli."""
