"""Reintegration surveys as configuration: read from TOML, checked, stored as JSON.

A survey file (see data/survey_default.toml) names answer scales and three dimensions of
questions, with weights. `parse` checks it and returns the definition that a `Survey` row stores:
self-contained JSON, each item carrying its own options, so a stored version never depends on
the file again. `dimensions_of` turns a stored definition into the structures scores.py reads.

Questions and labels are shown translated: `survey_messages.py`, which
`python -m pristan.reintegration.survey` regenerates from the default file, lets makemessages
extract them (a test checks it is current).
"""

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pristan.reintegration.scores import DIMENSIONS, Dimension, Item, Option

DEFAULT_FILE = Path(__file__).parent / "data" / "survey_default.toml"
MESSAGES_MODULE = Path(__file__).parent / "survey_messages.py"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class SurveyError(ValueError):
    """The survey file cannot be used; the message says where and why."""


def _text(table: dict[str, Any], field: str, where: str) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        raise SurveyError(_("%(where)s needs a %(field)s.") % {"where": where, "field": field})
    return value.strip()


def _key(table: dict[str, Any], where: str, seen: set[str]) -> str:
    key = table.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        raise SurveyError(
            _("%(where)s: the key must be lower-case letters, digits and underscores, starting with a letter.") % {"where": where}
        )
    if key in seen:
        raise SurveyError(_("%(where)s: the key %(key)s is used twice.") % {"where": where, "key": key})
    seen.add(key)
    return key


def _weight(table: dict[str, Any], where: str) -> float:
    weight = table.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight < 1e6:
        raise SurveyError(_("%(where)s: the weight must be a number greater than 0.") % {"where": where})
    return float(weight)


def _options(raw: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise SurveyError(_("%(where)s: an answer scale needs at least two options.") % {"where": where})
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, option in enumerate(raw, start=1):
        here = f"{where}.options[{number}]"
        if not isinstance(option, dict):
            raise SurveyError(_("%(where)s: an option has a key, a label and a score.") % {"where": here})
        key = _key(option, here, seen)
        score = option.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise SurveyError(_("%(where)s: the score must be a number from 0 to 1.") % {"where": here})
        options.append({"key": key, "label": _text(option, "label", here), "score": float(score)})
    scores = [option["score"] for option in options]
    if min(scores) != 0 or max(scores) != 1:
        raise SurveyError(_("%(where)s: the scale needs an option scoring 0 and one scoring 1.") % {"where": where})
    return options


def parse(text: str) -> dict[str, Any]:
    """The checked definition of a survey file, as stored in `Survey.definition`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SurveyError(_("The survey file is not valid TOML: %(error)s") % {"error": error}) from None
    except RecursionError:  # arrays or tables nested thousands deep: tomllib recurses once per level
        raise SurveyError(_("The survey file nests arrays or tables deeper than Pristan reads.")) from None
    scales = raw.get("scales", {})
    if not isinstance(scales, dict):
        raise SurveyError(_("%(where)s: an answer scale needs at least two options.") % {"where": "scales"})
    resolved = {name: _options(scale.get("options") if isinstance(scale, dict) else None, f"scales.{name}")
                for name, scale in scales.items()}  # fmt: skip
    dimensions_raw = raw.get("dimensions")
    found = [dimension.get("key") for dimension in dimensions_raw or [] if isinstance(dimension, dict)]
    if not isinstance(dimensions_raw, list) or sorted(map(str, found)) != sorted(DIMENSIONS) or len(found) != len(DIMENSIONS):
        raise SurveyError(
            _("The survey must have exactly the dimensions %(expected)s; it has %(found)s.")
            % {"expected": ", ".join(DIMENSIONS), "found": ", ".join(map(str, found)) or "—"}
        )
    dimensions: list[dict[str, Any]] = []
    dimension_keys: set[str] = set()
    item_keys: set[str] = set()  # unique across the survey: answers are stored by item key
    for dimension in dimensions_raw:
        where = f"dimensions.{dimension.get('key')}"
        key = _key(dimension, where, dimension_keys)
        items_raw = dimension.get("items")
        if not isinstance(items_raw, list) or not items_raw:
            raise SurveyError(_("%(where)s: a dimension needs at least one item.") % {"where": where})
        items = []
        for item in items_raw:
            here = f"{where}.items.{item.get('key') if isinstance(item, dict) else '?'}"
            if not isinstance(item, dict):
                raise SurveyError(_("%(where)s needs a %(field)s.") % {"where": here, "field": "key"})
            item_key = _key(item, here, item_keys)
            if "options" in item:
                options = _options(item["options"], here)
            elif item.get("scale") in resolved:
                options = resolved[item["scale"]]
            else:
                raise SurveyError(
                    _("%(where)s: the scale %(scale)s is not defined.") % {"where": here, "scale": item.get("scale", "—")}
                )
            items.append({"key": item_key, "question": _text(item, "question", here), "weight": _weight(item, here),
                          "options": options})  # fmt: skip
        dimensions.append({"key": key, "label": _text(dimension, "label", where), "weight": _weight(dimension, where),
                           "items": items})  # fmt: skip
    return {"name": _text(raw, "name", "The survey"), "dimensions": dimensions}


def parse_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SurveyError(_("The survey file cannot be read: %(error)s") % {"error": error}) from None
    return parse(text)


def dimensions_of(definition: dict[str, Any]) -> tuple[Dimension, ...]:
    """A stored definition as the structures scores.py reads."""
    return tuple(
        Dimension(
            key=dimension["key"], label=dimension["label"], weight=dimension["weight"],
            items=tuple(
                Item(key=item["key"], question=item["question"], weight=item["weight"],
                     options=tuple(Option(option["key"], option["label"], option["score"]) for option in item["options"]))
                for item in dimension["items"]
            ),
        )
        for dimension in definition["dimensions"]
    )  # fmt: skip


def messages_of(definition: dict[str, Any]) -> list[str]:
    """Every text of a survey that a person reads: its name, dimensions, questions and answers."""
    texts = {definition["name"]}
    for dimension in definition["dimensions"]:
        texts.add(dimension["label"])
        for item in dimension["items"]:
            texts.add(item["question"])
            texts.update(option["label"] for option in item["options"])
    return sorted(texts)


def render_messages_module() -> str:
    lines = [
        '"""Generated by `python -m pristan.reintegration.survey` from data/survey_default.toml, so that',
        'makemessages extracts the survey\'s questions and answer labels. Do not edit."""',
        "",
        "from django.utils.translation import gettext_lazy",
        "",
        "MESSAGES = [",
        *(f"    gettext_lazy({json.dumps(text, ensure_ascii=False)})," for text in messages_of(parse_file(DEFAULT_FILE))),
        "]",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    django.setup()  # the file's errors are reported in the configured language
    MESSAGES_MODULE.write_text(render_messages_module(), encoding="utf-8")
    sys.stdout.write(f"Wrote {MESSAGES_MODULE}\n")
