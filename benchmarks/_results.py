"""Where every benchmark puts its table: printed, and written to ``results/``."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def publish(text: str, path: Path) -> None:
    """Print ``text`` and write it (UTF-8) to ``path``, creating its folder."""
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
