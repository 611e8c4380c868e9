"""What a reader sees: numbers.csv, the reproduction check, methods text, figures, the report, the cohort comparison, provenance."""
