"""The difference of two JSON objects, lossless (:func:`difference`, :func:`patched`).

The history (:mod:`loadscim.jsonl`) writes an answer or a body that differs little from an
earlier one as this difference. Lossless to the byte: ``orjson.dumps(patched(base,
difference(base, value))) == orjson.dumps(value)`` (key order, ``1`` and ``True`` kept).
"""

from __future__ import annotations

import os
from typing import Any

import orjson

_PREFIX = 8
"""A string shares at least this many first characters with the one it replaces: written
as the length shared and the rest (``x``)."""


def difference(base: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """What turns ``base`` into ``value``: ``s`` keys set (changed or new), ``p`` keys whose
    objects differ (a difference of their own), ``l`` keys whose lists of objects differ
    item by item (same length: a difference per item), ``x`` keys whose strings share a
    beginning (``[length shared, rest]``), ``r`` keys removed, ``k`` the key order when it
    is not base's order with new keys last (each key's place in that order; format 3 and 4
    wrote the keys) (:func:`patched`)."""
    diff: dict[str, Any] = {}
    for key, item in value.items():
        if key not in base:
            diff.setdefault("s", {})[key] = item
            continue
        old = base[key]
        if old is item or (type(old) is str and type(item) is str and old == item):
            continue
        if old == item and orjson.dumps(old) == orjson.dumps(item):
            continue  # the same JSON (1 == True == 1.0, and objects in another order, are not)
        if isinstance(old, dict) and isinstance(item, dict):
            diff.setdefault("p", {})[key] = difference(old, item)
        elif (
            isinstance(old, list)
            and isinstance(item, list)
            and len(old) == len(item)
            and all(isinstance(x, dict) for x in (*old, *item))
        ):
            diff.setdefault("l", {})[key] = [
                difference(a, b) for a, b in zip(old, item, strict=True)
            ]
        elif (
            isinstance(old, str)
            and isinstance(item, str)
            and old[:_PREFIX] == item[:_PREFIX]
            and (shared := _shared(old, item)) >= _PREFIX
        ):
            diff.setdefault("x", {})[key] = [shared, item[shared:]]
        else:
            diff.setdefault("s", {})[key] = item
    removed = [key for key in base if key not in value]
    if removed:
        diff["r"] = removed
    keys = list(value)
    if keys != list(base):
        order = _order(base, diff)
        if order != keys:
            place = {key: i for i, key in enumerate(order)}
            diff["k"] = [place[key] for key in keys]
    return diff


def _shared(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    return len(os.path.commonprefix([a, b]))  # noqa: RUF071 (characters, not paths)


def _order(base: dict[str, Any], diff: dict[str, Any]) -> list[str]:
    removed = set(diff.get("r", ()))
    keys = [key for key in base if key not in removed]
    known = set(keys)
    keys += [key for key in diff.get("s", {}) if key not in known]
    return keys


def patched(base: dict[str, Any], diff: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``diff`` (:func:`difference`) applied: a new object, ``base`` unchanged."""
    changed: dict[str, Any] = {**diff.get("s", {})}
    for key, sub in diff.get("p", {}).items():
        changed[key] = patched(base[key], sub)
    for key, subs in diff.get("l", {}).items():
        changed[key] = [patched(a, sub) for a, sub in zip(base[key], subs, strict=True)]
    for key, (shared, rest) in diff.get("x", {}).items():
        changed[key] = base[key][:shared] + rest
    order = _order(base, diff)
    if diff.get("k"):  # the keys (format 3 and 4) or their places in order (format 5)
        order = [order[k] if type(k) is int else k for k in diff["k"]]
    return {key: changed[key] if key in changed else base[key] for key in order}
