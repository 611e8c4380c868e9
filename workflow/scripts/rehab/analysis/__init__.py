"""Statistics and every table's computation, from the clean tables."""
