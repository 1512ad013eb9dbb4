"""plotly.js as the explorer inlines it: the bundle whose trace types the page registers, not the bundle itself.

plotly.js's bundle registers every trace type while it loads, scatter3d's WebGL stack among them, which
is a large part of its script's time; the explorer draws its first picture with scattergl alone
(docs/explorer.md, "Ready time", has the figures). :func:`deferred` rewrites the bundle's one
``register([...])`` call so that it registers none and hands the page the trace factories instead, as
``window.embedkitPlotlyLater = {first, traces}``: ``traces`` the factories in the bundle's order,
``first`` the position of scattergl's. The page registers that one at once and the others before its
first 3-D view (``explorer.js``). The factories are the bundle's lazy modules, which run only when called.

scattergl's factory is the one factory from which module calls lead to the module that declares
``moduleType:"trace",name:"scattergl"``. Where the bundle does not have that shape (another plotly.js
build), or no factory or more than one leads there, the bundle is returned unchanged and registers
everything while it loads, as before. The page also checks the name of the module it registered first and
registers every type when it is not scattergl.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import deque

__all__ = ["deferred", "register_call"]

_REGISTER = re.compile(r"(?<=\.register\()\[((?:[\w$]+\(\),)+[\w$]+\(\))\](?=\))")
_CALL = re.compile(r"(?<![\w$.])([\w$]+)\(\)")
_TARGET = 'moduleType:"trace",name:"scattergl"'


def register_call(bundle: str) -> re.Match[str] | None:
    """The bundle's one registration of its trace types, ``X.register([A(),B(),...])``: the match of the
    list (group 1: the calls, without the brackets), or None where there is not exactly one."""
    calls = list(_REGISTER.finditer(bundle))
    return calls[0] if len(calls) == 1 else None


@functools.lru_cache(maxsize=2)
def deferred(bundle: str) -> str:
    """``bundle`` with its trace types handed to the page unregistered, or unchanged where its shape differs."""
    call = register_call(bundle)
    if call is None:
        return bundle
    factories = _CALL.findall(call.group(1))
    first = _position(bundle, factories)
    if first is None:
        return bundle
    later = f"(globalThis.embedkitPlotlyLater={{first:{first},traces:[{','.join(factories)}]}},[])"
    return bundle[: call.start()] + later + bundle[call.end() :]


def _position(bundle: str, factories: list[str]) -> int | None:
    """The position in ``factories`` of scattergl's, or None where the bundle does not say which it is."""
    found = re.search(rf"(?<![\w$.]){re.escape(factories[0])}=([\w$]+)\(", bundle)
    if found is None:
        return None
    starts = [
        (m.start(), m.group(1)) for m in re.finditer(rf"(?<![\w$.])([\w$]+)={re.escape(found.group(1))}\(", bundle)
    ]
    names = [name for _, name in starts]
    positions = [start for start, _ in starts]
    at = bundle.find(_TARGET)
    if at < positions[0] or bundle.find(_TARGET, at + 1) >= 0 or len(set(names)) != len(names):
        return None
    if not set(factories) <= set(names):
        return None
    target = bisect.bisect_right(positions, at) - 1  # the module whose text holds the declaration
    # Who calls whom, then every module from which calls lead to scattergl's, walking the calls backwards.
    index = {name: j for j, name in enumerate(names)}
    callers: list[set[int]] = [set() for _ in names]
    for call in _CALL.finditer(bundle, positions[0]):
        callee = index.get(call.group(1))
        if callee is not None:
            callers[callee].add(bisect.bisect_right(positions, call.start()) - 1)
    leads = {target}
    todo = deque([target])
    while todo:
        for caller in callers[todo.popleft()]:
            if caller not in leads:
                leads.add(caller)
                todo.append(caller)
    reached = [j for j, f in enumerate(factories) if index[f] in leads]
    return reached[0] if len(reached) == 1 else None
