"""Plain, testable functions behind the pipeline's Snakemake rules.

Installed with the project (`pip install -r requirements.txt -e .`, see pyproject.toml), so
scripts, the Snakefile and the tests import it, and the `schemas` models, without any
edit of sys.path.
"""
