"""Change one number field of a definition file in place, when it is written there as a literal.

``tune --apply`` sets ``MemorySize``. The file is edited as text (its layout, comments and
templates elsewhere untouched) and only when the field appears exactly once, with a plain
number as its value (``"MemorySize": 1024`` in function.json; also ``MemorySize: 1024`` in
function.jsonnet). A value computed by a template
(``{{ env "MEMORY" "1024" }}``), by Jsonnet, or a field that is absent or repeated (Go's
encoding/json takes the last of repeated keys, names folded) is not written: the edit is
returned for the user to make.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FieldEdit:
    """What happened to the field: written, or the edit to make by hand (and why)."""

    path: Path
    field: str
    old: str | None  # the text of the old value (None when absent)
    new: int
    written: bool
    why: str = ""

    def describe(self) -> str:
        """One line: what changed, or what to change."""
        name = self.path.name
        if self.written:
            return f'{name}: "{self.field}": {self.old} -> {self.new} (written)'
        if self.old is None:
            return f'{name}: add "{self.field}": {self.new} ({self.why})'
        return f'{name}: set "{self.field}" to {self.new} ({self.why}; now {self.old})'


def _pattern(field: str, jsonnet: bool) -> re.Pattern[str]:
    key = rf'(?:"{field}"|\b{field}\b)' if jsonnet else rf'"{field}"'
    return re.compile(rf"({key}\s*:\s*)([^,}}\n]*?)(\s*(?:,|\}}|\n))", re.IGNORECASE)


def set_number_field(path: Path, field: str, value: int) -> FieldEdit:
    """Write ``field: value`` into ``path`` when its value there is a literal number."""
    text = path.read_text(encoding="utf-8")
    jsonnet = path.suffix == ".jsonnet"
    matches = list(_pattern(field, jsonnet).finditer(text))
    if not matches:
        return FieldEdit(path, field, None, value, False, "the field is not in the file")
    if len(matches) > 1:
        old = matches[-1].group(2).strip()
        return FieldEdit(path, field, old, value, False, f"{field} appears {len(matches)} times")
    match = matches[0]
    old = match.group(2).strip()
    if not re.fullmatch(r"\d+", old):
        kind = "a template" if "{{" in old or "std." in old or "$" in old else "not a number"
        return FieldEdit(path, field, old, value, False, f"its value is {kind}")
    start, end = match.span(2)
    edited = text[:start] + str(value) + text[end:]
    tmp = path.with_name(path.name + ".lambherd-tmp")
    tmp.write_text(edited, encoding="utf-8")
    shutil.copymode(path, tmp)
    tmp.replace(path)
    return FieldEdit(path, field, old, value, True)
