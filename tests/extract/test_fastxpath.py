"""The compiled walkers give exactly libxml2's answers for trafilatura's XPath expressions."""

from __future__ import annotations

import functools
import gzip
import importlib
import json
from copy import deepcopy
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura import xpaths
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from dateline.extract import fastxpath
from dateline.extract.fastxpath import FastXPath, Unsupported, compile_xpath

NS = {"re": fastxpath.REGEXP_NS}
baseline = importlib.import_module("trafilatura.baseline")  # the package re-exports a function of that name


def _originals() -> list[tuple[str, lxml.etree.XPath]]:
    """Every expression trafilatura's code reads, named ``LIST[i]`` or ``module.NAME``."""
    names = {id(v): k for k, v in vars(xpaths).items() if isinstance(v, list)}
    out = []
    for container, key, x in fastxpath._slots():
        name = f"{names[id(container)]}[{key}]" if isinstance(container, list) else f"{container.__name__}.{key}"
        out.append((name, x.original if isinstance(x, FastXPath) else x))
    return out


def _compiled() -> list[tuple[str, lxml.etree.XPath, FastXPath]]:
    out = []
    for name, x in _originals():
        try:
            out.append((name, x, compile_xpath(x)))
        except Unsupported:
            pass
    return out


# Expressions beyond trafilatura's own, one per construct of the subset.
EXTRA = [
    ".//*[@a='']",
    ".//*[@a]",
    ".//*[@a|@b]",
    ".//*[@a='x' or @b='x']",
    ".//*[starts-with(@a|@b, 'x')]",
    ".//*[re:test(@b|@a|@c, '^x')]",
    ".//*[self::div][1]",
    ".//*[self::div or self::span][@a][1]",
    "(.//*[self::div or self::span][@a])[1]",
    "(.//span)[1]",
    ".//*[contains(translate(@a, 'XYX', 'xz'), 'xz')]",
    ".//*[re:test(@a, 'X', 'i')]",
    ".//*[not(.//span) and @a]",
    ".//*[rel='me' or (rel and @b)]",
    ".//*[contains(rel, 'm')]",
    "//*[@a='x']|//span",
    "//div|//span",
]


def _tree(html: str):
    return lxml.html.document_fromstring(html)


def _same(x, fast, node) -> bool:
    return x(node) == fast(node)


@pytest.fixture(scope="module")
def bench_trees(shared_dir: Path) -> list:
    """Raw trees of a sample of the extraction bench's pages, and the same trees as trafilatura converts them."""
    root = shared_dir / "bench" / "extraction"
    ann = json.loads((root / "annotations.json").read_text(encoding="utf-8"))
    trees = []
    for page_id in sorted(ann)[::16]:
        raw = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        tree = load_html(raw)
        if tree is None:
            continue
        trees.append(tree)
        trees.append(convert_tags(tree_cleaning(deepcopy(tree), Extractor()), Extractor()))
    assert len(trees) >= 100
    return trees


def test_walkers_give_libxml2s_elements_on_bench_pages(bench_trees):
    compiled = _compiled()
    # the expressions that cost most are all translated; the rest keep libxml2
    names = {name for name, _, _ in compiled}
    assert {"OVERALL_DISCARD_XPATH[0]", "OVERALL_DISCARD_XPATH[1]", "REMOVE_COMMENTS_AND_LISTS_XPATH[0]",
            "RAW_TREE_PRUNE_XPATH[0]", "AUTHOR_XPATHS[0]", "AUTHOR_DISCARD_XPATHS[0]", "BODY_XPATH[0]",
            "trafilatura.baseline.BASIC_CLEAN_XPATH"} <= names
    differ, found = [], 0
    for name, x, fast in compiled:
        for i, tree in enumerate(bench_trees):
            expected = x(tree)
            found += len(expected)
            if fast(tree) != expected:
                differ.append((name, i))
            body = tree.find(".//body")  # relative paths from an inner element, as in trafilatura's calls
            if body is not None and x(body) != fast(body):
                differ.append((name, i, "body"))
    assert found > 10_000
    assert not differ, differ[:20]


_TAGS = ["div", "span", "section", "p", "a", "article", "main", "list", "item", "ol", "ul", "h1", "rel",
         "author", "header", "aside", "details", "time"]
_ATTRS = ["id", "class", "style", "role", "rel", "aria-hidden", "itemprop", "data-component", "data-testid", "a", "b"]
_WORDS = ["", "x", "X", "comment", "comments-title", "reply-x", "hidden", "author", "Author", "byline", "nav", "Nav",
          "main-content", "Main-Content", "share", "ad-x", " ad ", "mvp-post-add-box", "infinite-scroll", "teaser",
          "Teaser", "caption", "me", "post", "entry", "article-body", "display:none", "true", "Byline", "cookie",
          "sidebar", "content", "main", "fulltext", "FULLTEXT", "story", "widget", "xz", "Yx"]


@st.composite
def _html(draw) -> str:
    """A random tree of tags and attributes that trafilatura's expressions test, attributes in random order."""
    n = draw(st.integers(1, 25))
    parents = [draw(st.integers(0, i)) for i in range(n)]  # node i+1 hangs under an earlier node
    nodes = []
    for _ in range(n + 1):
        tag = draw(st.sampled_from(_TAGS))
        names = draw(st.lists(st.sampled_from(_ATTRS), unique=True, max_size=4))
        attrs = [(a, " ".join(draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2)))) for a in names]
        text = draw(st.sampled_from(["", "me", "m", "text"]))
        nodes.append((tag, attrs, text, []))
    for child, parent in enumerate(parents, start=1):
        nodes[parent][3].append(child)

    def render(i: int) -> str:
        tag, attrs, text, kids = nodes[i]
        attr = "".join(f' {a}="{v}"' for a, v in attrs)
        return f"<{tag}{attr}>{text}{''.join(render(k) for k in kids)}</{tag}>"

    return f"<html><body>{render(0)}</body></html>"


@settings(max_examples=300, deadline=None)
@given(_html())
def test_walkers_equal_libxml2_on_random_trees(html):
    tree = _tree(html)
    for _, x, fast in _compiled_once():
        assert _same(x, fast, tree), (x.path, html)
        assert _same(x, fast, tree.find("body")), (x.path, html)


@functools.cache
def _compiled_once() -> tuple:
    """trafilatura's compiled expressions and ``EXTRA``'s, compiled once for all the examples."""
    extra = [lxml.etree.XPath(source, namespaces=NS) for source in EXTRA]
    return (*_compiled(), *((x.path, x, compile_xpath(x)) for x in extra))


def test_an_element_tree_or_variables_go_to_libxml2():
    x = lxml.etree.XPath(".//*[@a=$v]|.//span")
    fast = FastXPath(x, lambda node: [])  # a walker that finds nothing: libxml2 must answer
    tree = _tree('<html><body><div a="1"></div><span></span></body></html>')
    assert [e.tag for e in fast(tree.getroottree(), v="1")] == ["div", "span"]
    assert fast(tree) == []


def test_attribute_union_reads_the_first_attribute_in_the_source():
    x = lxml.etree.XPath(".//*[starts-with(@id|@class, 'reply-')]")
    fast = compile_xpath(x)
    tree = _tree('<html><body><div id="a" class="reply-1"></div><div class="reply-2" id="b"></div></body></html>')
    assert [e.get("class") for e in fast(tree)] == ["reply-2"] == [e.get("class") for e in x(tree)]


@pytest.mark.parametrize("source", [
    "//div[@class='tags']//a[@href]",  # two steps
    ".//*[self::div][2]",  # positions other than 1
    ".//*[count(.//p) > 2]",  # other functions
    "(.//div)[1]|(.//main)[1]",  # a union of positions
    ".//*[@x:y='1']",
])
def test_expressions_outside_the_subset_are_left_to_libxml2(source):
    x = lxml.etree.XPath(source, namespaces={"x": "urn:x"})
    with pytest.raises(Unsupported):
        compile_xpath(x)


def test_install_swaps_in_place_and_uninstall_restores():
    fastxpath.uninstall()
    before = list(xpaths.OVERALL_DISCARD_XPATH)
    assert all(isinstance(x, lxml.etree.XPath) for x in before)
    try:
        swapped = fastxpath.install()
        assert swapped == len(_compiled())
        assert fastxpath.install() == swapped  # once per process
        assert all(isinstance(x, FastXPath) for x in xpaths.OVERALL_DISCARD_XPATH)
        assert [x.original for x in xpaths.OVERALL_DISCARD_XPATH] == before
        assert isinstance(baseline.BASIC_CLEAN_XPATH, FastXPath)
        assert any(isinstance(x, lxml.etree.XPath) for x in xpaths.BODY_XPATH)  # the union of positions stays
    finally:
        fastxpath.uninstall()
    assert xpaths.OVERALL_DISCARD_XPATH == before
    assert isinstance(baseline.BASIC_CLEAN_XPATH, lxml.etree.XPath)
