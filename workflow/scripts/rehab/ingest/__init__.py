"""The raw export in: reading, validation against the contract, the validation results, cleaning to typed Parquet, the codebook."""
