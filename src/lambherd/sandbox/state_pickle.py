"""moto's object graph as bytes and back: pickle, with what plain pickle cannot or should not do.

- Locks and conditions are made anew (a snapshot is taken while no request runs).
- Weak-value/weak-key dictionaries keep their entries (the objects are in the graph anyway).
- Functions defined inside functions (``defaultdict(lambda: ...)`` factories, wrappers) are
  kept by reference to their code object, found again through the enclosing function's
  qualified name and first line, plus their closure's values: no bytecode is written.
- Byte strings (and long strings) of ``BLOB_MIN_BYTES`` or more go to the blob store, named by
  content: code zips, layer zips, S3 bodies are written once whatever refers to them.
- Objects that belong to the running process (``live``: the moto facade...) and moto's own
  registries (``registry_of``) are written as names and looked up again on load.
- Lists kept apart (``external``: id -> index; the telemetry a snapshot stores in its own
  section) are written as their index; the loader gives an object for each (``external(i)``).

Loading runs pickle's normal machinery, so only a state folder you own may be loaded (0700).
"""

from __future__ import annotations

import _thread
import importlib
import io
import pickle
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

from lambherd.sandbox.blobs import BLOB_MIN_BYTES, BlobStore

PROTOCOL = 5
_LOCKS = {_thread.LockType: threading.Lock, _thread.RLock: threading.RLock}
_CONDITION = threading.Condition
_EVENT = threading.Event


class StatePickler(pickle.Pickler):
    """Pickles a state graph; records which blobs it refers to in ``blobs``."""

    def __init__(
        self,
        file: io.BufferedIOBase,
        store: BlobStore,
        *,
        live: dict[int, str] | None = None,
        registry_of: Callable[[Any], str | None] = lambda _obj: None,
        registry_types: tuple[type, ...] = (),
        external: dict[int, int] | None = None,
    ) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self.store = store
        self.blobs: set[str] = set()
        self._live = live or {}
        self._registry_of = registry_of
        self._registry_types = registry_types
        self._external = external or {}

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is list and self._external:
            index = self._external.get(id(obj))
            return ("external", index) if index is not None else None
        if kind is bytes or kind is str:
            if len(obj) < BLOB_MIN_BYTES:
                return None
            data = obj if kind is bytes else obj.encode("utf-8", "surrogatepass")
            sha = self.store.put(data)
            self.blobs.add(sha)
            return ("blob", kind is str, sha)
        if kind is bytearray and len(obj) >= BLOB_MIN_BYTES:
            sha = self.store.put(bytes(obj))
            self.blobs.add(sha)
            return ("blob-bytearray", sha)
        name = self._live.get(id(obj))
        if name is not None:
            return ("live", name)
        if self._registry_types and isinstance(obj, self._registry_types):
            found = self._registry_of(obj)
            if found is not None:
                return ("registry", found)
        return None

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _LOCKS:
            return (_LOCKS[kind], ())
        if kind is _CONDITION:
            return (threading.Condition, ())
        if kind is _EVENT:
            return (_event, (obj.is_set(),))
        if kind is weakref.WeakValueDictionary:
            return (_weak_values, (dict(obj.items()),))
        if kind is weakref.WeakKeyDictionary:
            return (_weak_keys, (dict(obj.items()),))
        if kind is types.FunctionType and "<locals>" in obj.__qualname__:
            return _local_function(obj)
        if kind is types.MethodType and not isinstance(obj.__self__, type):
            # by its class: an instance attribute of that name (a wrapper) must not be found
            name = obj.__func__.__name__
            if getattr(type(obj.__self__), name, None) is obj.__func__:
                return (_method, (obj.__self__, name))
        return NotImplemented


class StateUnpickler(pickle.Unpickler):
    """Loads what ``StatePickler`` wrote."""

    def __init__(
        self,
        file: io.BufferedIOBase,
        store: BlobStore,
        *,
        live: dict[str, Any] | None = None,
        registry: Callable[[str], Any] = lambda name: None,
        external: Callable[[int], Any] | None = None,
    ) -> None:
        super().__init__(file)
        self.store = store
        self._live = live or {}
        self._registry = registry
        self._external = external
        self._loaded: dict[tuple[bool, str], Any] = {}  # one object per blob, however named

    def persistent_load(self, pid: Any) -> Any:
        tag = pid[0]
        if tag == "blob":
            key = (bool(pid[1]), str(pid[2]))
            found = self._loaded.get(key)
            if found is None:
                data = self.store.get(key[1])
                found = self._loaded[key] = (
                    data.decode("utf-8", "surrogatepass") if key[0] else data
                )
            return found
        if tag == "blob-bytearray":
            return bytearray(self.store.get(pid[1]))
        if tag == "live":
            return self._live[pid[1]]
        if tag == "external" and self._external is not None:
            return self._external(int(pid[1]))
        if tag == "registry":
            found = self._registry(pid[1])
            if found is None:
                raise pickle.UnpicklingError(f"unknown registry {pid[1]!r}")
            return found
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _method(owner: Any, name: str) -> types.MethodType:
    return types.MethodType(getattr(type(owner), name), owner)


def _event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _weak_values(items: dict[Any, Any]) -> weakref.WeakValueDictionary:
    return weakref.WeakValueDictionary(items)


def _weak_keys(items: dict[Any, Any]) -> weakref.WeakKeyDictionary:
    return weakref.WeakKeyDictionary(items)


def _local_function(fn: types.FunctionType) -> tuple[Any, ...]:
    code = fn.__code__
    closure = tuple(c.cell_contents for c in fn.__closure__ or ())
    where = (fn.__module__, fn.__qualname__, code.co_name, code.co_firstlineno)
    state = (fn.__defaults__, fn.__kwdefaults__, fn.__dict__ or None)
    return (_rebuild_function, (where, closure, state))


def _rebuild_function(
    where: tuple[str, str, str, int], closure: tuple[Any, ...], state: tuple[Any, ...]
) -> types.FunctionType:
    module_name, qualname, name, line = where
    module = importlib.import_module(module_name)
    code = _find_code(module, qualname, name, line)
    cells = tuple(types.CellType(v) for v in closure)
    fn = types.FunctionType(code, module.__dict__, name, state[0], cells or None)
    fn.__qualname__ = qualname
    fn.__kwdefaults__ = state[1]
    if state[2]:
        fn.__dict__.update(state[2])
    return fn


def _find_code(module: Any, qualname: str, name: str, line: int) -> types.CodeType:
    """The code object of a local function: the outermost named function by attribute, then
    down through nested code objects (``<locals>``), matched by name and first line."""
    parts = qualname.split(".")
    outer: Any = module
    i = 0
    while i < len(parts) and parts[i] != "<locals>":
        outer = getattr(outer, parts[i])
        i += 1
    code: types.CodeType = getattr(outer, "__code__", None) or outer.__func__.__code__
    wanted = [p for p in parts[i:] if p != "<locals>"]
    found = _search(code, wanted, line)
    if found is None or found.co_name != name:
        raise pickle.UnpicklingError(
            f"{module.__name__}.{qualname} (line {line}) is not in this version of the code"
        )
    return found


def _search(code: types.CodeType, wanted: list[str], line: int) -> types.CodeType | None:
    if not wanted:
        return code
    for const in code.co_consts:
        if not isinstance(const, types.CodeType) or const.co_name != wanted[0]:
            continue
        if len(wanted) == 1 and const.co_firstlineno != line:
            continue
        found = _search(const, wanted[1:], line)
        if found is not None:
            return found
    return None
