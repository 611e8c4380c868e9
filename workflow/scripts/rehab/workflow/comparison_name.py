"""The name of a run's comparison folder, `results/comparison/<name>/` (read at workflow start)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

# Letters, digits, _ - + and . (not first): a folder name on every platform, no wildcard braces.
UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")
MAX_LENGTH = 100


def comparison_name(configured: str | None, cohorts: Sequence[str]) -> str:
    """`configured` when given (the schema restricts its characters); otherwise the compared
    cohorts joined by "+" in their order ("reference+clinic_a"), so that runs of different
    cohorts write different folders. Unsafe characters become "_"; a name over 100 characters
    is cut and ends with a hash of the whole, so that it stays distinct."""
    name = configured or "+".join(cohorts)
    name = UNSAFE.sub("_", name).lstrip(".") or "comparison"
    if len(name) > MAX_LENGTH:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
        name = f"{name[: MAX_LENGTH - len(digest) - 1]}-{digest}"
    return name
