"""Breaking changes between a published JSON Schema and the one the code generates now.

A published version is a promise to every consumer: compared with the committed
schema of the same type and version, a new one may add optional fields and widen
enums, but it may not remove a property, change a type, require a field that was
optional or absent, or drop an enum value. Such a change needs a new version
(``….v2``), which is a new type and so has no committed schema to break.
"""

from __future__ import annotations

_MAX_DEPTH = 32


def _resolve(node: dict, root: dict) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < _MAX_DEPTH:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _types(node: dict) -> set[str]:
    t = node.get("type")
    if t is None:
        return set()
    return {t} if isinstance(t, str) else set(t)


def breaking_changes(old: dict, new: dict) -> list[str]:
    """Each way ``new`` breaks a consumer written against ``old`` (empty: compatible)."""
    problems: list[str] = []
    _compare(old, new, old, new, "", problems, 0)
    return problems


def _compare(old, new, old_root, new_root, path, problems, depth):
    if depth > _MAX_DEPTH:
        return
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    where = path or "(payload)"
    old_t, new_t = _types(old), _types(new)
    if old_t and new_t and not new_t <= old_t:
        problems.append(f"{where}: type changed from {'|'.join(sorted(old_t))} to {'|'.join(sorted(new_t))}")
        return
    if "enum" in old:
        dropped = [v for v in old["enum"] if v not in new.get("enum", old["enum"])]
        if dropped:
            problems.append(f"{where}: enum narrowed, {', '.join(map(str, dropped))} no longer allowed")
    if "const" in old and "const" in new and old["const"] != new["const"]:
        problems.append(f"{where}: constant changed from {old['const']!r} to {new['const']!r}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{_join(path, name)}: property removed")
    old_required = set(old.get("required", []))
    for name in new.get("required", []):
        if name not in old_required:
            state = "was optional" if name in old_props else "is new"
            problems.append(f"{_join(path, name)}: now required ({state})")
    for name in old_props.keys() & new_props.keys():
        _compare(old_props[name], new_props[name], old_root, new_root, _join(path, name), problems, depth + 1)
    if "items" in old and "items" in new:
        _compare(old["items"], new["items"], old_root, new_root, f"{path}[]", problems, depth + 1)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def version_breaks(committed: dict[str, dict], generated: dict[str, dict]) -> dict[str, list[str]]:
    """Event type → breaking changes to its published version (``committed``/``generated``: type → JSON Schema).

    Only the same type and version is compared: a bumped version is a new key, never a break.
    """
    breaks = {}
    for event_type, new in generated.items():
        old = committed.get(event_type)
        changes = breaking_changes(old, new) if old is not None else []
        if changes:
            breaks[event_type] = changes
    return breaks


def version_problems(committed: dict[str, dict], generated: dict[str, dict]) -> list[str]:
    """:func:`version_breaks` as messages that say what to do."""
    return describe_breaks(version_breaks(committed, generated))


def describe_breaks(breaks: dict[str, list[str]]) -> list[str]:
    return [f"breaking: {event_type}: {change}; publish the change as a new version (bump it in the catalogue "
            "and the schema's event_type) instead of editing this one"
            for event_type, changes in breaks.items() for change in changes]
