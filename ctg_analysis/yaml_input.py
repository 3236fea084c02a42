"""The YAML files an analyst writes (territories, plan d'actions, wording, own indicators), read safely.

PyYAML's safe loaders build no objects, but expand aliases: a few lines of ``&a [*a, *a, …]`` nested ten
deep stand for billions of values and exhaust the memory of whoever iterates them. These files need no
aliases, so a file holding one is refused before it is built (the events are parsed in C first, cheaply).
"""

from __future__ import annotations

import yaml

__all__ = ["AliasRefused", "load_yaml"]


class AliasRefused(yaml.YAMLError):
    """A YAML alias (``*name``) in a file that must spell every value out."""


def load_yaml(text: str, *, strings: bool = False):
    """The content of a YAML text, aliases refused.

    Parameters
    ----------
    text
        The YAML text.
    strings
        Keep every scalar a string (``01001`` stays ``"01001"``), else YAML's safe types.

    Examples
    --------
    >>> load_yaml("communes: ['01001', 2]", strings=True)
    {'communes': ['01001', '2']}
    >>> load_yaml("a: &x [1, 2]\\nb: *x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ctg_analysis.yaml_input.AliasRefused: alias YAML « *x » ligne 2 : les alias ne sont pas acceptés, ...
    """
    if strings:
        loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    else:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # An alias is written ``*name``: a text without a star holds none and is not parsed twice.
    for event in yaml.parse(text, Loader=loader) if "*" in text else ():
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(
                f"alias YAML « *{event.anchor} »{_line(event.start_mark)} : les alias ne sont pas acceptés, "
                "écrivez la valeur en entier"
            )
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe (or base) loader, chosen above


def _line(mark: object) -> str:
    """`` ligne N`` where the parser knows the place (a mark of the C or the Python parser), else nothing."""
    line = getattr(mark, "line", None)
    return f" ligne {line + 1}" if isinstance(line, int) else ""
