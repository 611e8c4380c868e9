"""The synthetic reference cohort, written in the raw-export format."""
