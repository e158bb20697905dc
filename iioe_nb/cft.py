"""UNESCO ICT Competency Framework for Teachers, version 3: 6 aspects × 3 levels = 18 competencies."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "cft.yml"


@dataclass(frozen=True)
class Competency:
    code: str      # ASPECT-LEVEL, e.g. DIG-KA
    aspect: str    # e.g. DIG
    level: str     # e.g. KA
    names: dict[str, str]
    aspect_names: dict[str, str]
    level_names: dict[str, str]

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang, self.names["en"])


@cache
def framework() -> dict[str, Competency]:
    """All 18 competencies by code, in the framework's order (aspect, then level)."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    out = {}
    for aspect, aspect_names in data["aspects"].items():
        for level, level_names in data["levels"].items():
            code = f"{aspect}-{level}"
            out[code] = Competency(code, aspect, level, data["competencies"][code], aspect_names, level_names)
    return out


def codes() -> frozenset[str]:
    return frozenset(framework())


def name(code: str, lang: str = "en") -> str:
    """Official name of a competency in ``lang`` (``KeyError`` for an unknown code)."""
    return framework()[code].name(lang)
