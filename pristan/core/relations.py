"""Following foreign keys between models: which records lead to a person or to a case. Erasure uses
it to find every sealed record of a person; a test uses it to find every record of a case."""

from django.db import models


def foreign_key_path(model: type[models.Model], target: type[models.Model], *, depth: int) -> list[str] | None:
    """The shortest chain of foreign keys (at most `depth` of them) from `model` to `target`, as field
    names; None when none leads there."""
    queue: list[tuple[type[models.Model], list[str]]] = [(model, [])]
    seen = {model}
    while queue:
        current, path = queue.pop(0)
        for field in current._meta.concrete_fields:
            related = field.related_model
            if not (field.many_to_one or field.one_to_one) or not isinstance(related, type):
                continue
            if related is target:
                return [*path, field.name]
            if related not in seen and len(path) + 1 < depth:
                seen.add(related)
                queue.append((related, [*path, field.name]))
    return None
