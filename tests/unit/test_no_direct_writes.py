"""Every byte the pipeline writes goes through rehab.core.safe_io: no other code writes a file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFE_IO = Path("workflow/scripts/rehab/core/safe_io.py")
SCRIPT_SUPPORT = Path("workflow/scripts/rehab/workflow/script_support.py")

# A call that writes a file, whatever the object it is called on.
DIRECT_WRITES = {
    "to_csv": re.compile(r"\.to_csv\("),
    "to_parquet": re.compile(r"\.to_parquet\("),
    "to_excel/json/html/feather": re.compile(r"\.to_(?:excel|json|html|feather|pickle|orc|stata|latex|markdown)\("),
    "write_text": re.compile(r"\.write_text\("),
    "write_bytes": re.compile(r"\.write_bytes\("),
    "savefig": re.compile(r"\bsavefig\("),
    "imsave": re.compile(r"\bimsave\("),
    "pyarrow write_table": re.compile(r"\b(?:pq|parquet|feather|orc)\.write_(?:table|to_dataset|feather)\("),
    "pyarrow csv writer": re.compile(r"\b(?:pacsv|csv)\.write_csv\(|\bCSVWriter\(|\bParquetWriter\("),
    "pyarrow OSFile": re.compile(r"\b(?:OSFile|output_stream|BufferedOutputStream)\("),
    "json.dump": re.compile(r"\bjson\.dump\("),
    "yaml.dump to a file": re.compile(r"\byaml\.(?:safe_)?dump\([^)]*,\s*\w"),
    "open for writing": re.compile(r"\bopen\([^)]*[\"'](?:[wax]b?|[rwa]\+b?|[wax]t)[\"']"),
    "open with a write mode": re.compile(r"\bopen\([^)]*mode\s*=\s*[\"'][^\"'r]*[wax+]"),
    "os.open / shutil copy": re.compile(r"\bos\.open\(|\bshutil\.(?:copy\w*|move)\("),
    "logging.FileHandler": re.compile(r"\bFileHandler\("),
}
ALLOWED = {SAFE_IO: set(DIRECT_WRITES), SCRIPT_SUPPORT: {"logging.FileHandler"}}


def code_files(root: Path) -> list[Path]:
    files = [*root.glob("workflow/**/*.py"), *root.glob("workflow/**/*.smk"), *root.glob("schemas/**/*.py")]
    snakefile = root / "Snakefile"
    return sorted([*files, snakefile] if snakefile.exists() else files)


def direct_writes(root: Path) -> list[str]:
    """`file:line: kind: code` of every direct write outside the allowed places."""
    found = []
    for path in code_files(root):
        relative = path.relative_to(root)
        allowed = ALLOWED.get(relative, set())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            for kind, pattern in DIRECT_WRITES.items():
                if kind not in allowed and pattern.search(code):
                    found.append(f"{relative}:{number}: {kind}: {line.strip()}")
    return found


def test_no_code_writes_a_file_except_through_safe_io():
    assert direct_writes(ROOT) == []


def test_the_check_finds_a_direct_write_someone_adds(tmp_path):
    script = tmp_path / "workflow" / "scripts" / "rehab" / "new_table.py"
    script.parent.mkdir(parents=True)
    script.write_text(
        "import json\n"
        "def save(frame, path, data, fig):\n"
        "    frame.to_csv(path)\n"
        "    with open(path, 'w') as handle:\n"
        "        json.dump(data, handle)\n"
        "    fig.savefig(path)\n"
        "    pq.write_table(table, path)\n"
        "    open(path, mode='ab')\n"
        "    logging.FileHandler(path)\n",
        encoding="utf-8",
    )
    (tmp_path / "Snakefile").write_text("open('x', 'wb').write(b'')\n", encoding="utf-8")
    found = direct_writes(tmp_path)
    assert sorted({entry.split(": ")[0] for entry in found}) == [
        "Snakefile:1",
        "workflow/scripts/rehab/new_table.py:3",
        "workflow/scripts/rehab/new_table.py:4",
        "workflow/scripts/rehab/new_table.py:5",
        "workflow/scripts/rehab/new_table.py:6",
        "workflow/scripts/rehab/new_table.py:7",
        "workflow/scripts/rehab/new_table.py:8",
        "workflow/scripts/rehab/new_table.py:9",
    ]


def test_reading_is_not_a_write(tmp_path):
    script = tmp_path / "workflow" / "reader.py"
    script.parent.mkdir(parents=True)
    script.write_text("open(path, 'rb')\nopen(path)\nopen(path, encoding='utf-8')\npd.read_csv(path)\n")
    assert direct_writes(tmp_path) == []
