"""trafilatura's XPath expressions, evaluated as one Python walk over the tree.

trafilatura prunes and locates page parts with about forty XPath expressions of one
kind: ``.//*[self::div or self::section][re:test(@class, '...') or @id='...']``.
libxml2 evaluates each predicate term as a node-set per element, and each ``re:test``
as a call back into Python (lxml's EXSLT regular expressions). On the throughput
bench's news pages (900 elements) that was 7.9 ms of the 32 ms dateline spent
extracting a page. The same tests written as Python (``e.get('class')``, a compiled
regex, ``in``), in a loop that lxml filters by tag in C, take 2.1 ms.

:func:`compile_xpath` translates the subset of XPath these expressions use into such a
loop. Anything outside the subset raises :class:`Unsupported` and the expression stays
with libxml2; :func:`install` swaps compiled walkers in where trafilatura's code reads
its expressions (the lists of ``trafilatura.xpaths``, ``BASIC_CLEAN_XPATH``), so its own
code calls them. A test holds every swapped
expression to the same elements, in the same order, as libxml2 on bench pages.

The subset (exact XPath 1.0 semantics, including libxml2's attribute order):

* a path ``.//STEP`` (descendants of the context element) or ``//STEP`` (every element
  of the document), a union of such paths, or ``(PATH)[1]`` (the first match);
* a step ``*`` or a tag name, with predicates that are ANDed, the last of them may be
  ``[1]`` (the first match among its siblings);
* in a predicate: ``or``, ``and``, ``not()``, parentheses, ``self::tag``, ``@a``,
  ``@a='v'``, ``child='v'``, ``.//tag``, ``contains()``, ``starts-with()``,
  ``translate()``, ``re:test()``. A function given ``@a|@b`` reads the attribute that
  comes first in the element's source, as XPath's string() of a node-set does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["FastXPath", "Unsupported", "compile_xpath", "install", "uninstall"]

REGEXP_NS = "http://exslt.org/regular-expressions"

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'[^']*'|"[^"]*")
      | (?P<num>\d+)
      | (?P<op>//|::|[()\[\]|=,@*/.])
      | (?P<name>[A-Za-z_][\w-]*(?::[A-Za-z_][\w-]*)?)
    )""",
    re.X,
)


class Unsupported(ValueError):
    """The expression uses XPath beyond the subset this module translates."""


def _tokens(source: str) -> list[tuple[str, str]]:
    out, pos, end = [], 0, len(source.rstrip())
    while pos < end:
        m = _TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            raise Unsupported(f"cannot read {source[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m[kind]))
        pos = m.end()
    return out


@dataclass(slots=True)
class _Step:
    """One location step: its scope, tag filter, predicate code and position."""

    scope: str  # "desc" (.//) or "doc" (//)
    tags: frozenset[str] | None  # None: every element
    tests: list[str]  # Python expressions, ANDed
    first_per_parent: bool  # a trailing [1]


class _Expr(str):
    """Python code of a predicate term; ``tags`` when the term is only ``self::`` tests."""

    tags: frozenset[str] | None = None


def _expr(code: str, tags: frozenset[str] | None = None) -> _Expr:
    out = _Expr(code)
    out.tags = tags
    return out


class _Compiler:
    """Recursive descent over the tokens; emits Python source and its constants.

    Each attribute is read once per element, into a local (``self.attrs``); code reads
    ``None`` for an absent attribute and ``(a or '')`` for its string value.
    """

    def __init__(self, source: str) -> None:
        self.toks = _tokens(source)
        self.i = 0
        self.consts: dict[str, Any] = {}
        self.attrs: dict[str, str] = {}
        self.children: dict[str, str] = {}

    # -- tokens
    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        k, v = self.peek()
        if (value is not None and v != value) or (kind is not None and k != kind):
            raise Unsupported(f"expected {value or kind}, found {v!r}")
        self.i += 1
        return v

    def at(self, value: str) -> bool:
        return self.peek()[1] == value and self.peek()[0] in ("op", "name")

    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def attr(self, name: str) -> str:
        """The local holding attribute ``name`` (``None`` when absent)."""
        return self.attrs.setdefault(name, f"a{len(self.attrs)}")

    def child(self, name: str) -> str:
        """The local telling whether the tree holds a ``name`` element at all (read once per walk)."""
        return self.children.setdefault(name, f"k{len(self.children)}")

    # -- paths
    def union(self) -> tuple[list[_Step], bool]:
        """The top-level expression: steps of a union, and whether only the first match is wanted."""
        if self.at("("):
            self.take("(")
            steps, first = self.union()
            self.take(")")
            self.take("[")
            if self.take(kind="num") != "1":
                raise Unsupported("only the position [1] is translated")
            self.take("]")
            if first or len(steps) > 1 or self.peek()[0] != "end":
                raise Unsupported("(...)[1] only around one path, alone")
            return steps, True
        steps = [self.path()]
        while self.at("|"):
            self.take("|")
            steps.append(self.path())
        if len(steps) > 1 and (len({s.scope for s in steps}) > 1 or any(s.first_per_parent for s in steps)):
            raise Unsupported("a union of paths of different scopes, or with positions")
        return steps, False

    def path(self) -> _Step:
        scope = "doc"
        if self.at("."):
            self.take(".")
            scope = "desc"
        self.take("//")
        k, v = self.peek()
        tags: frozenset[str] | None
        if v == "*":
            self.take("*")
            tags = None
        elif k == "name" and ":" not in v:
            tags = frozenset([self.take()])
        else:
            raise Unsupported(f"step {v!r}")
        tests: list[str] = []
        first = False
        while self.at("["):
            if first:
                raise Unsupported("a predicate after [1]")
            self.take("[")
            if self.peek()[0] == "num":
                if self.take() != "1":
                    raise Unsupported("only the position [1] is translated")
                first = True
            else:
                test = self.or_()
                if tags is None and not tests and test.tags:  # *[self::a or self::b]: lxml filters by tag
                    tags = test.tags
                else:
                    tests.append(test)
            self.take("]")
        if self.at("/") or self.at("//"):
            raise Unsupported("paths of more than one step")
        return _Step(scope, tags, tests, first)

    # -- predicates: Python expressions over ``e`` (the element) and ``g`` (its ``get``)
    def or_(self) -> _Expr:
        parts = [self.and_()]
        while self.at("or"):
            self.take("or")
            parts.append(self.and_())
        if len(parts) == 1:
            return parts[0]
        tags = [p.tags for p in parts if p.tags]
        return _expr("(" + " or ".join(parts) + ")", frozenset().union(*tags) if len(tags) == len(parts) else None)

    def and_(self) -> _Expr:
        parts = [self.primary()]
        while self.at("and"):
            self.take("and")
            parts.append(_expr(self.primary()))
        return parts[0] if len(parts) == 1 else _expr("(" + " and ".join(parts) + ")")

    def primary(self) -> _Expr:
        k, v = self.peek()
        if v == "(" and k == "op":
            self.take("(")
            inner = self.or_()
            self.take(")")
            return inner
        term = self.term()
        return term if isinstance(term, _Expr) else _expr(term)

    def term(self) -> str:
        k, v = self.peek()
        if k == "name" and v == "not" and self.peek(1)[1] == "(":
            self.take()
            self.take("(")
            inner = self.or_()
            self.take(")")
            return f"(not {inner})"
        if k == "name" and v == "self" and self.peek(1)[1] == "::":
            self.take()
            self.take("::")
            name = self.take(kind="name")
            return _expr(f"(e.tag == {name!r})", frozenset([name]))
        if k == "name" and self.peek(1)[1] == "(":
            return self.boolean_call()
        if v == "." and k == "op":  # .//tag: the element has such a descendant
            self.take(".")
            self.take("//")
            name = self.take(kind="name")
            return f"(e.find({'.//' + name!r}) is not None)"
        attrs, child = self.nodeset()
        if self.at("="):
            self.take("=")
            lit = self.literal()
            if child:
                return f"({self.child(child)} and any(_string(c) == {lit!r} for c in e.iterchildren({child!r})))"
            return "(" + " or ".join(f"{self.attr(a)} == {lit!r}" for a in attrs) + ")"
        if child:
            return f"({self.child(child)} and e.find({child!r}) is not None)"
        return "(" + " or ".join(f"{self.attr(a)} is not None" for a in attrs) + ")"

    def nodeset(self) -> tuple[list[str], str | None]:
        """``@a|@b`` (attribute names) or a child element's name."""
        if self.at("@"):
            attrs = [self.attribute()]
            while self.at("|"):
                self.take("|")
                attrs.append(self.attribute())
            return attrs, None
        k, v = self.peek()
        if k == "name" and ":" not in v and v not in ("or", "and"):
            self.take()
            return [], v
        raise Unsupported(f"term {v!r}")

    def attribute(self) -> str:
        self.take("@")
        name = self.take(kind="name")
        if ":" in name:
            raise Unsupported("namespaced attributes")
        return name

    def literal(self) -> str:
        return self.take(kind="str")[1:-1]

    def boolean_call(self) -> str:
        name = self.take(kind="name")
        self.take("(")
        if name == "contains":
            s = self.string_arg()
            self.take(",")
            lit = self.literal()
            out = f"({lit!r} in {s})"
        elif name == "starts-with":
            s = self.string_arg()
            self.take(",")
            out = f"{s}.startswith({self.literal()!r})"
        elif name == "re:test":
            s = self.string_arg()
            self.take(",")
            pattern = self.literal()
            flags = ""
            if self.at(","):
                self.take(",")
                flags = self.literal()
            if set(flags) - {"i", "g"}:
                raise Unsupported(f"re:test flags {flags!r}")
            # lxml's EXSLT: re.search, IGNORECASE for "i"; "g" means nothing to test()
            regex = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
            out = f"({self.const(regex)}.search({s}) is not None)"
        else:
            raise Unsupported(f"function {name}()")
        self.take(")")
        return out

    def string_arg(self) -> str:
        """A function argument read as a string: XPath's string() of it."""
        if self.peek() == ("name", "translate") and self.peek(1)[1] == "(":
            self.take()
            self.take("(")
            s = self.string_arg()
            self.take(",")
            src = self.literal()
            self.take(",")
            dst = self.literal()
            self.take(")")
            table: dict[int, int | None] = {}
            for i, ch in enumerate(src):  # the first mapping of a character wins
                table.setdefault(ord(ch), ord(dst[i]) if i < len(dst) else None)
            return f"{s}.translate({self.const(table)})"
        attrs, child = self.nodeset()
        if child:
            return f"(_string(next(e.iterchildren({child!r}), None)) if {self.child(child)} else '')"
        if len(attrs) == 1:
            return f"({self.attr(attrs[0])} or '')"
        if len(attrs) == 2:  # the order matters only when both are there
            x, y = self.attr(attrs[0]), self.attr(attrs[1])
            return f"(({x} or '') if {y} is None else {y} if {x} is None else _first(e, {tuple(attrs)!r}))"
        return f"_first(e, {tuple(attrs)!r})"


def _string(e: Any) -> str:
    """XPath string() of an element (its text, descendants' included), '' for none."""
    return "" if e is None else str(e.xpath("string()"))


def _first(e: Any, names: tuple[str, ...]) -> str:
    """string(@a|@b): the value of whichever attribute comes first in the element's source."""
    for key, value in e.items():
        if key in names:
            return str(value)
    return ""


class FastXPath:
    """A compiled walker standing in for one ``lxml.etree.XPath``: ``walker(element) -> [elements]``."""

    def __init__(self, original: Any, walk: Callable[[Any], list[Any]], source: str = "") -> None:
        import lxml.etree

        self.original = original
        self.path = original.path
        self.source = source  # the walker's Python code
        self._walk = walk
        self._element = lxml.etree._Element

    def __call__(self, node: Any, **variables: Any) -> list[Any]:
        if variables or not isinstance(node, self._element):  # an ElementTree, or XPath variables: libxml2's
            return self.original(node, **variables)  # type: ignore[no-any-return]
        return self._walk(node)

    def __repr__(self) -> str:
        return f"FastXPath({' '.join(self.path.split())!r})"


def _elements(steps: list[_Step]) -> str:
    """lxml's tag filter for the walk: the steps' tags, or every element."""
    if any(s.tags is None for s in steps):
        return "_ELEMENT"
    return ", ".join(repr(t) for t in sorted(frozenset().union(*(s.tags or () for s in steps))))


def compile_xpath(xpath: Any) -> FastXPath:
    """The walker for ``xpath`` (an ``lxml.etree.XPath``); raises :class:`Unsupported` outside the subset."""
    import lxml.etree

    comp = _Compiler(xpath.path)
    steps, first_only = comp.union()
    if comp.peek()[0] != "end":
        raise Unsupported(f"unexpected {comp.peek()[1]!r}")
    # one walk serves a union: each branch keeps its own tags and tests
    branches = []
    for s in steps:
        terms = ([f"(e.tag in {comp.const(s.tags)})"] if s.tags and len(steps) > 1 else []) + s.tests
        branches.append(" and ".join(terms) or "True")
    test = " or ".join(f"({b})" for b in branches)
    desc = steps[0].scope == "desc"
    lines = ["def walk(node):", "    out = []"]
    if not desc:
        lines.append("    node = node.getroottree().getroot()")
    lines += [f"    {var} = next(node.iter({name!r}), None) is not None" for name, var in comp.children.items()]
    walk = f"node.iterdescendants({_elements(steps)})" if desc else f"node.iter({_elements(steps)})"
    if steps[0].first_per_parent:
        lines.append("    parents = set()")
    lines += [f"    for e in {walk}:", "        g = e.get"]
    lines += [f"        {var} = g({name!r})" for name, var in comp.attrs.items()]
    lines.append(f"        if {test}:")
    if steps[0].first_per_parent:
        lines += ["            p = e.getparent()", "            if p in parents:", "                continue",
                  "            parents.add(p)"]
    lines.append("            out.append(e)")
    if first_only:
        lines.append("            return out")
    lines.append("    return out")
    namespace: dict[str, Any] = dict(comp.consts, _string=_string, _first=_first, _ELEMENT=lxml.etree.Element)
    exec(compile("\n".join(lines), f"<fastxpath {' '.join(xpath.path.split())[:60]}>", "exec"), namespace)
    return FastXPath(xpath, namespace["walk"], "\n".join(lines))


# Where trafilatura's code reads its expressions: the lists of ``xpaths`` (shared by every
# module that imports them), and the one expression ``baseline`` imported by name.
_MODULES = ("trafilatura.xpaths", "trafilatura.settings", "trafilatura.baseline")


def _slots() -> Iterator[tuple[Any, Any, Any]]:
    """(container, key, expression) for each expression trafilatura's code reads."""
    import importlib

    import lxml.etree

    kinds = (lxml.etree.XPath, FastXPath)
    for name in _MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, kinds):
                yield module, attr, value
            elif isinstance(value, list) and value and all(isinstance(x, kinds) for x in value):
                yield from ((value, i, x) for i, x in enumerate(value))


def _put(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        container[key] = value
    else:
        setattr(container, key, value)


@functools.cache
def install() -> int:
    """Swap compiled walkers in for trafilatura's expressions (once); returns how many were swapped."""
    swapped = 0
    for container, key, x in list(_slots()):
        if isinstance(x, FastXPath):
            continue
        try:
            _put(container, key, compile_xpath(x))
        except Unsupported:
            continue
        swapped += 1
    return swapped


def uninstall() -> None:
    """Put libxml2's expressions back (tests compare the two)."""
    for container, key, x in list(_slots()):
        if isinstance(x, FastXPath):
            _put(container, key, x.original)
    install.cache_clear()
