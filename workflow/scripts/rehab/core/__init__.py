"""The vocabulary every layer shares: errors, the one write path and privacy, the study declaration, value and date parsing, row rules, display formatting."""
