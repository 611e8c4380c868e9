"""Plain, testable functions behind the pipeline's Snakemake rules."""

import sys
from pathlib import Path

# The Pandera models live in the project's top-level `schemas` package. Snakemake puts only
# workflow/scripts on a script's path, so the project root is added here, once.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.append(str(PROJECT_ROOT))
