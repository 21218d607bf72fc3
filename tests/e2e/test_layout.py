# SPDX-License-Identifier: ISC
"""The shape of src/ that DESIGN.md promises: one request path, the server
knowing no protocol, the archive knowing no protocol and no renderer, and
no include cycle between modules (a.c including b.h while b.c includes
a.h, or longer)."""
import glob
import os
import re

from conftest import REPO

SRC = os.path.join(REPO, "src")
PROTOCOL = re.compile(r"^(gemini|gopher)")
RENDERER = re.compile(r"^(render_|atom$)")


def includes():
    """module -> the modules whose headers it includes (itself left out)."""
    graph = {}
    for path in glob.glob(os.path.join(SRC, "*.[ch]")):
        mod = os.path.basename(path).rsplit(".", 1)[0]
        with open(path, encoding="utf-8") as f:
            heads = re.findall(r'^#include "([^"]+)\.h"', f.read(), re.M)
        graph.setdefault(mod, set()).update(h for h in heads if h != mod)
    return graph


def test_no_include_cycle():
    graph = includes()
    state, cycles = {}, []

    def visit(mod, stack):
        state[mod] = "open"
        stack.append(mod)
        for dep in sorted(graph.get(mod, ())):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[mod] = "done"

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [])
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def test_server_knows_no_protocol():
    graph = includes()
    assert not [h for h in graph["server"] if PROTOCOL.match(h)], \
        graph["server"]


def test_archive_knows_no_protocol_nor_renderer():
    graph = includes()
    bad = {m: sorted(h for h in deps if PROTOCOL.match(h) or
                     RENDERER.match(h))
           for m, deps in graph.items() if m.startswith("archive")}
    assert not any(bad.values()), bad
    assert "archive_route" in graph, "the router is gone"
