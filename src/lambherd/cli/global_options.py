"""The command line as lambroll (kong) and the AWS CLI take it, made into one click can parse.

``normalise_argv(group, argv)`` runs before click, in three steps:

1. ``--option FILE`` (or ``LAMBHERD_OPTION``): lambroll's option file, JSON or Jsonnet, read by
   ``services.option_file`` — global options at the top level, a command's options under its
   name (``{"region": "eu-west-1", "diff": {"external": "dyff between"}}``), keys in snake_case
   (``--skip-archive`` is ``skip_archive``). Its values become options placed *before* the ones
   typed, so the command line wins; repeatable options add up (``envfile``, ``ext_str``...), as
   lambroll merges them, except that a command's repeatable option typed on the line replaces
   the file's. An unknown key is refused, as lambroll refuses it.
2. Global options anywhere: ``lambherd logs --output json``, ``lambherd deploy --prune --yes``
   and ``lambherd invoke --region eu-west-1`` move the global option in front of the command,
   unless the command has an option of that name itself (``rollback --version``, ``sandbox
   reset --yes``, ``versions --output``: the command's own).
3. ``--flag=true`` / ``--flag=false`` for boolean flags (kong's and Go's spellings: ``1 t T TRUE
   true True``, ``0 f F FALSE false False``): ``--publish=false`` is ``--no-publish``.

Precedence is lambroll's: the command line, then the option file, then environment variables
(``assign_envvars``: ``LAMBHERD_<FLAG>`` for a global option, ``LAMBHERD_<COMMAND>_<FLAG>`` for
a command's, e.g. ``LAMBHERD_LOG_LEVEL``, ``LAMBHERD_DEPLOY_KEEP_VERSIONS``, plus lambroll's own
spellings where they differ), then the defaults.

Nothing here imports a command it does not need: ``lambherd --help`` imports none, ``deploy
--help`` only deploy's module (which click imports anyway); ``pathlib`` and ``lambherd.errors``
are imported only when an option file is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

    from lambherd.errors import UsageError

#: strconv.ParseBool's words, which kong accepts after ``=`` for a boolean flag.
TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})
#: The option naming the option file, and its environment variable.
OPTION_FLAG = "--option"
OPTION_ENV = "LAMBHERD_OPTION"
ENV_PREFIX = "LAMBHERD"
#: Root options that are never moved: they act on the root alone.
_ROOT_ONLY = frozenset({"--version"})
#: lambroll's spellings of environment variables that differ from the rule (its tags).
LAMBROLL_ENV_ALIASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("log_level",): ("LAMBHERD_LOGLEVEL",),
    ("ext_str",): ("LAMBHERD_EXTSTR",),
    ("ext_code",): ("LAMBHERD_EXTCODE",),
    ("endpoint_url",): ("LAMBHERD_ENDPOINT",),
    ("deploy", "function_url"): ("LAMBHERD_FUNCTION_URL",),
    ("diff", "function_url"): ("LAMBHERD_FUNCTION_URL",),
    ("diff", "external"): ("LAMBHERD_DIFF_COMMAND",),
}
#: Option-file keys lambroll writes that lambherd spells another way (top level).
_LAMBROLL_KEYS = {"endpoint": "endpoint_url", "extstr": "ext_str", "extcode": "ext_code"}


# ---------------------------------------------------------------------------------------------
# Environment variables
# ---------------------------------------------------------------------------------------------
def env_name(option: click.Option) -> str:
    """The flag part of an option's variable: ``--keep-versions`` -> ``KEEP_VERSIONS``."""
    longs = [o for o in option.opts if o.startswith("--")]
    base = max(longs, key=len)[2:] if longs else str(option.name)
    return base.replace("-", "_").upper()


def assign_envvars(command: click.Command, path: Sequence[str] = ()) -> None:
    """Give every option of ``command`` (the root when ``path`` is empty, else the command
    at ``path``) its ``LAMBHERD_*`` variables, ahead of any it already reads; nested groups'
    commands too. Idempotent."""
    if getattr(command, "_lambherd_envvars", False):
        return
    prefix = "_".join([ENV_PREFIX, *(p.upper().replace("-", "_") for p in path)])
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in (None, "version"):
            continue
        names = [f"{prefix}_{env_name(param)}"]
        names += LAMBROLL_ENV_ALIASES.get((*path, str(param.name)), ())
        existing = param.envvar
        existing = [existing] if isinstance(existing, str) else list(existing or ())
        param.envvar = list(dict.fromkeys([*names, *existing]))
    command._lambherd_envvars = True  # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            assign_envvars(sub, (*path, name))


GLOBAL_NOTE = "Global options (lambherd --help) are accepted here too, before or after the command."


def note_global_options(command: click.Command) -> None:
    """Say in a command's ``--help`` that the global options work after it (nested too)."""
    if command.epilog is None:
        command.epilog = GLOBAL_NOTE
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            note_global_options(sub)


# ---------------------------------------------------------------------------------------------
# Reading a command's options
# ---------------------------------------------------------------------------------------------
class _Options:
    """A command's options by every spelling, and what each takes."""

    def __init__(self, command: click.Command) -> None:
        self.by_flag: dict[str, click.Option] = {}
        for param in command.params:
            if isinstance(param, click.Option):
                for flag in (*param.opts, *param.secondary_opts):
                    self.by_flag[flag] = param

    def find(self, token: str) -> tuple[click.Option | None, str, str | None]:
        """The option ``token`` names, the flag spelt, and a value joined to it (``=`` or a
        short option's attached value)."""
        if token.startswith("--"):
            flag, sep, value = token.partition("=")
            return self.by_flag.get(flag), flag, value if sep else None
        if token.startswith("-") and len(token) > 1:
            flag = token[:2]
            option = self.by_flag.get(flag)
            if option is not None and len(token) > 2 and _takes_value(option):
                return option, flag, token[2:]
            return self.by_flag.get(token), token, None
        return None, token, None


def _takes_value(option: click.Option) -> bool:
    return not option.is_flag and not option.count


def _optional_value(option: click.Option) -> bool:
    return bool(getattr(option, "_flag_needs_value", False))


def _rewrite_bool(option: click.Option, flag: str, value: str) -> list[str] | None:
    """``--flag=true|false`` of a boolean flag as click spells it; None: not a boolean word."""
    if not option.is_flag or (value not in TRUE_WORDS and value not in FALSE_WORDS):
        return None
    on = value in TRUE_WORDS
    if flag in option.secondary_opts:
        on = not on
    if on:
        return [option.opts[0]]
    return [option.secondary_opts[0]] if option.secondary_opts else []


def _subcommand(group: click.Command, name: str) -> click.Command | None:
    if not isinstance(group, click.Group):
        return None
    with click.Context(group) as ctx:
        try:
            return group.get_command(ctx, name)
        except ImportError:
            return None


# ---------------------------------------------------------------------------------------------
# The normalisation
# ---------------------------------------------------------------------------------------------
def normalise_argv(
    root: click.Group, argv: Sequence[str], environ: Mapping[str, str] | None = None
) -> list[str]:
    """``argv`` as click can parse it (see the module docstring)."""
    environ = os.environ if environ is None else environ
    args = list(argv)
    root_options = _Options(root)
    head, path, commands, tail = _split(root, root_options, args)
    if not path:
        return [*_with_bools(root_options, head), *tail]
    hoisted: list[str] = []
    kept: list[str] = []
    leaf_options = _Options(commands[-1])
    i = 0
    while i < len(tail):
        token = tail[i]
        if token == "--":
            kept += tail[i:]
            break
        own, flag, joined = leaf_options.find(token)
        if own is not None:
            rewritten = _rewrite_bool(own, flag, joined) if joined is not None else None
            kept += rewritten if rewritten is not None else [token]
            wants = joined is None and _takes_value(own) and i + 1 < len(tail)
            if wants and not (_optional_value(own) and tail[i + 1].startswith("-")):
                kept.append(tail[i + 1])
                i += 1
            i += 1
            continue
        glob, flag, joined = root_options.find(token)
        if glob is not None and flag not in _ROOT_ONLY:
            rewritten = _rewrite_bool(glob, flag, joined) if joined is not None else None
            hoisted += rewritten if rewritten is not None else [token]
            if joined is None and _takes_value(glob) and i + 1 < len(tail):
                hoisted.append(tail[i + 1])
                i += 1
            i += 1
            continue
        kept.append(token)
        i += 1
    head = _with_bools(root_options, head)
    file_root: list[str] = []
    file_leaf: list[str] = []
    wants_help = any(t in ("-h", "--help") for t in kept)  # help reads no option file
    source = None if wants_help else _option_file(root_options, [*head, *hoisted], environ)
    if source is not None:
        typed = {f for t in kept if (f := leaf_options.find(t)[0]) is not None}
        file_root, file_leaf = option_file_tokens(root, path, commands, source, typed)
    return [*file_root, *head, *hoisted, *path, *file_leaf, *kept]


def _split(
    root: click.Group, options: _Options, args: list[str]
) -> tuple[list[str], list[str], list[click.Command], list[str]]:
    """The root's own options, the command path (``local invoke``), its commands, the rest."""
    head: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--" or not token.startswith("-") or token == "-":
            break
        option, _, joined = options.find(token)
        head.append(token)
        if option is not None and joined is None and _takes_value(option) and i + 1 < len(args):
            head.append(args[i + 1])
            i += 1
        i += 1
    path: list[str] = []
    commands: list[click.Command] = []
    rest = args[i:]
    current: click.Command = root
    while rest and not rest[0].startswith("-"):
        sub = _subcommand(current, rest[0])
        if sub is None:
            break
        path.append(rest[0])
        commands.append(sub)
        rest = rest[1:]
        current = sub
        if not isinstance(sub, click.Group):
            break
        # a nested group's own options stay with it; its command follows them
        group_options = _Options(sub)
        while rest and rest[0].startswith("-") and group_options.find(rest[0])[0] is not None:
            path.append(rest.pop(0))
    if not commands:
        return head, [], [], args[i:]
    return head, path, commands, rest


def _with_bools(options: _Options, tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        option, flag, joined = options.find(token)
        rewritten = None
        if option is not None and joined is not None:
            rewritten = _rewrite_bool(option, flag, joined)
        out += rewritten if rewritten is not None else [token]
    return out


# ---------------------------------------------------------------------------------------------
# The option file
# ---------------------------------------------------------------------------------------------
def _option_file(
    options: _Options, root_tokens: list[str], environ: Mapping[str, str]
) -> tuple[Path, dict[str, Any]] | None:
    """The option file named on the line (the last ``--option``) or in ``LAMBHERD_OPTION``,
    read with the line's ``--envfile`` files loaded first (as lambroll loads them)."""
    from pathlib import Path

    named: str | None = None
    envfiles: list[str] = []
    workdir = Path()
    i = 0
    while i < len(root_tokens):
        option, flag, joined = options.find(root_tokens[i])
        value = joined
        if option is not None and joined is None and _takes_value(option):
            value = root_tokens[i + 1] if i + 1 < len(root_tokens) else None
            i += 1
        if flag == OPTION_FLAG:
            named = value
        elif flag == "--envfile" and value:
            envfiles.append(value)
        elif flag == "-C" and value:
            workdir = Path(value)
        i += 1
    named = named or environ.get(OPTION_ENV) or None
    if not named:
        return None
    from lambherd.services.option_file import read_option_file

    path = Path(named)  # from where lambherd was started, as lambroll reads it
    return path, read_option_file(path, tuple(str(workdir / e) for e in envfiles))


def option_file_tokens(
    root: click.Group,
    path: Sequence[str],
    commands: Sequence[click.Command],
    source: tuple[Path, dict[str, Any]],
    typed: set[click.Option],
) -> tuple[list[str], list[str]]:
    """The option file's values as options: the root's, and the running command's. Every
    section is checked (an unknown key anywhere is refused, as lambroll refuses it)."""
    where, doc = source
    names = [p for p in path if not p.startswith("-")]
    root_doc: dict[str, Any] = {}
    for key, value in doc.items():
        key = _LAMBROLL_KEYS.get(key, key)
        if key == "log_format":
            if value not in (None, "", "text"):
                raise _usage_error(f"{where}: log_format {value!r}: lambherd logs text only")
            continue
        root_doc[key] = value
    root_tokens = _section_tokens(root, root_doc, where, "", sections=True)
    leaf_tokens: list[str] = []
    section: Any = doc
    for depth, name in enumerate(names):
        section = section.get(name) if isinstance(section, dict) else None
        if section is None:
            break
        if not isinstance(section, dict):
            raise _usage_error(f"{where}: {'.'.join(names[: depth + 1])}: expected an object")
        if depth == len(names) - 1:
            label = ".".join(names)
            leaf_tokens = _section_tokens(commands[-1], section, where, label, typed=typed)
    return root_tokens, leaf_tokens


def _section_tokens(
    command: click.Command,
    section: Mapping[str, Any],
    where: Path,
    label: str,
    *,
    sections: bool = False,
    typed: set[click.Option] | None = None,
) -> list[str]:
    """One section's values as options of ``command``; with ``sections``, keys naming a
    sub-command are that command's section (checked, not turned into options here)."""
    by_key: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("version",):
            by_key[str(param.name)] = param
            for flag in param.opts:
                if flag.startswith("--"):
                    by_key.setdefault(flag[2:].replace("-", "_"), param)
    tokens: list[str] = []
    for key, value in section.items():
        if sections and isinstance(command, click.Group) and isinstance(value, dict):
            sub = _subcommand(command, key)
            if sub is not None:
                _check_section(sub, value, where, key)
                continue
        option = by_key.get(key)
        if option is None or key == "option":
            raise _usage_error(_unknown(where, label, key, sorted(by_key)))
        if typed and option in typed and option.multiple:
            continue  # a repeatable command option typed on the line replaces the file's
        tokens += _value_tokens(option, value, where, f"{label}.{key}" if label else key)
    return tokens


def _check_section(command: click.Command, section: dict[str, Any], where: Path, label: str):
    if isinstance(command, click.Group):
        for key, value in section.items():
            sub = _subcommand(command, key)
            if sub is None or not isinstance(value, dict):
                raise _usage_error(_unknown(where, label, key, sorted(command.commands)))
            _check_section(sub, value, where, f"{label}.{key}")
        return
    _section_tokens(command, section, where, label)


def _unknown(where: Path, label: str, key: str, known: list[str]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    place = f"{label}.{key}" if label else key
    return f"{where}: {place}: unknown option{hint}"


def _value_tokens(option: click.Option, value: Any, where: Path, label: str) -> list[str]:
    """A JSON value as the option's tokens."""
    flag = option.opts[0]
    if value is None:
        return []
    if option.is_flag:
        if not isinstance(value, bool):
            raise _usage_error(f"{where}: {label}: expected true or false, got {value!r}")
        if value:
            return [flag]
        return [option.secondary_opts[0]] if option.secondary_opts else []
    if isinstance(value, dict):
        if not option.multiple:
            raise _usage_error(f"{where}: {label}: expected a single value, got an object")
        items = [f"{k}={_scalar(v, where, label)}" for k, v in value.items()]
        return [t for item in items for t in (flag, item)]
    if isinstance(value, list):
        if not option.multiple:
            raise _usage_error(f"{where}: {label}: expected a single value, got a list")
        return [t for item in value for t in (flag, _scalar(item, where, label))]
    return [flag, _scalar(value, where, label)]


def _usage_error(message: str) -> UsageError:
    from lambherd.errors import UsageError

    return UsageError(message)


def _scalar(value: Any, where: Path, label: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _usage_error(f"{where}: {label}: expected a string or a number, got {value!r}")
