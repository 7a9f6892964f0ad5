"""Executing a Plan against AWS; a display-only executor prints the same Plan for dry runs."""
