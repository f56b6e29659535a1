"""Feeds, sitemaps, URL lists and URL normalisation: what a poll finds to fetch."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dateline.ingest.feeds import feed_links, is_feed, root_tag
from dateline.ingest.fetch import Response
from dateline.ingest.sitemaps import is_sitemap, parse_sitemap, parse_w3c_date
from dateline.ingest.urls import normalize, url_list
from dateline.ingest.web import _links

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<rss version="2.0"><channel><title>World</title><link>https://news.example.com/</link>
<item><title>Ukraine retakes Kupiansk</title>
  <link>https://news.example.com/world/kupiansk.html?utm_source=rss&amp;utm_campaign=feed</link>
  <guid isPermaLink="false">kupiansk-1</guid><pubDate>Sat, 10 Sep 2022 14:03:00 GMT</pubDate></item>
<item><title>Relative link</title><link>/world/izium.html</link></item>
<item><title>Same story again</title><link>https://NEWS.example.com:443/world/kupiansk.html#comments</link></item>
<item><title>Only a guid</title><guid>https://news.example.com/world/balakliia.html</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:wire</id><updated>2022-09-11T08:00:00Z</updated>
<entry><title>Zelensky speaks</title><id>urn:uuid:1</id><updated>2022-09-11T07:30:00+02:00</updated>
  <link rel="alternate" type="text/html" href="https://wire.example.org/2022/09/11/zelensky"/>
  <link rel="enclosure" href="https://wire.example.org/video.mp4"/></entry>
</feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
 <url><loc>https://news.example.com/world/kupiansk.html</loc>
  <image:image><image:loc>https://news.example.com/img/1.jpg</image:loc></image:image>
  <news:news><news:publication><news:name>Example</news:name><news:language>en</news:language></news:publication>
   <news:publication_date>2022-09-10T16:03:00+02:00</news:publication_date>
   <news:title>Ukraine retakes Kupiansk</news:title></news:news></url>
 <url><loc>https://news.example.com/world/izium.html?fbclid=abc</loc><lastmod>2022-09-11</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 <sitemap><loc>https://news.example.com/sitemap-news.xml</loc><lastmod>2022-09-11T10:00:00Z</lastmod></sitemap>
 <sitemap><loc>/sitemap-2022-09.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_rss_links_are_normalised_resolved_and_listed_once():
    links = feed_links(RSS, "https://news.example.com/feeds/world.rss")
    assert [link.url for link in links] == [
        "https://news.example.com/world/kupiansk.html",
        "https://news.example.com/world/izium.html",
        "https://news.example.com/world/balakliia.html",
    ]
    assert links[0].modified == dt.datetime(2022, 9, 10, 14, 3, tzinfo=dt.timezone.utc)
    assert links[0].title == "Ukraine retakes Kupiansk"


def test_atom_takes_the_alternate_link_not_the_enclosure():
    (link,) = feed_links(ATOM, "https://wire.example.org/atom")
    assert link.url == "https://wire.example.org/2022/09/11/zelensky"
    assert link.modified == dt.datetime(2022, 9, 11, 5, 30, tzinfo=dt.timezone.utc)


def test_news_sitemap_uses_publication_date_and_ignores_image_locs():
    sitemap = parse_sitemap(NEWS_SITEMAP, "https://news.example.com/sitemap-news.xml")
    assert sitemap.kind == "urlset"
    assert [(link.url, link.modified) for link in sitemap.links] == [
        ("https://news.example.com/world/kupiansk.html", dt.datetime(2022, 9, 10, 14, 3, tzinfo=dt.timezone.utc)),
        ("https://news.example.com/world/izium.html", dt.datetime(2022, 9, 11, tzinfo=dt.timezone.utc)),
    ]
    assert sitemap.links[0].title == "Ukraine retakes Kupiansk"


def test_sitemap_index_lists_child_sitemaps_with_relative_locs_resolved():
    sitemap = parse_sitemap(INDEX, "https://news.example.com/sitemap.xml")
    assert sitemap.kind == "sitemapindex"
    assert [link.url for link in sitemap.links] == [
        "https://news.example.com/sitemap-news.xml",
        "https://news.example.com/sitemap-2022-09.xml.gz",
    ]


def test_sitemap_with_entity_tricks_is_refused_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<urlset><url><loc>https://x.example/&b;</loc></url></urlset>")
    try:
        links = parse_sitemap(bomb, "https://x.example/s.xml").links
    except ValueError:
        return
    assert all("aaaa" not in link.url for link in links)


def test_malformed_sitemap_raises_value_error():
    with pytest.raises(ValueError, match="malformed"):
        parse_sitemap(b"<urlset><url><loc>https://x.example/a</loc></url>", "https://x.example/s.xml")


@pytest.mark.parametrize(("data", "tag"), [
    (RSS, "rss"), (ATOM, "feed"), (NEWS_SITEMAP, "urlset"), (INDEX, "sitemapindex"),
    (b"\xef\xbb\xbf<?xml version='1.0'?><rdf:RDF xmlns:rdf='x'>", "rdf:rdf"),
    (b"<!DOCTYPE html>\n<html><head>", "html"), (b"plain text", None),
])
def test_root_tag_skips_declarations_comments_and_doctype(data, tag):
    assert root_tag(data) == tag


def test_kinds_are_told_apart_by_content_not_name():
    def response(body: bytes, ctype: str) -> Response:
        return Response("https://x.example/whatever", 200, {"content-type": ctype}, body, "2022-09-11")

    assert _links(RSS, response(RSS, "text/html"))[0] == "feed"  # mislabelled feeds are common
    assert _links(NEWS_SITEMAP, response(NEWS_SITEMAP, "text/xml"))[0] == "sitemap"
    listing = b"# today's links\nhttps://x.example/a\n\nhttps://x.example/b?utm_source=x\n"
    kind, links = _links(listing, response(listing, "text/plain"))
    assert kind == "urllist" and [link.url for link in links] == ["https://x.example/a", "https://x.example/b"]
    article = b"KYIV (Reuters) - Ukraine said on Saturday...\nhttps://x.example/a\n"
    assert _links(article, response(article, "text/plain")) == ("page", None)
    assert is_feed(ATOM) and not is_feed(NEWS_SITEMAP) and is_sitemap(INDEX) and not is_sitemap(RSS)


def test_gzipped_sitemap_file_is_recognised_after_gunzip():
    assert is_sitemap(gzip.decompress(gzip.compress(NEWS_SITEMAP)))


def test_url_list_rejects_text_with_a_non_url_line():
    assert url_list("https://a.example/1\nhttps://a.example/2") == ["https://a.example/1", "https://a.example/2"]
    assert url_list("https://a.example/1\nnot a url") is None
    assert url_list("\n# nothing\n") is None


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#top", "https://example.com/a?a=1&b=2"),
    ("http://example.com", "http://example.com/"),
    ("http://example.com:8080/x?fbclid=1&id=5", "http://example.com:8080/x?id=5"),
    ("https://example.com/story.html?ref=rss&page=2", "https://example.com/story.html?page=2"),
    ("ftp://example.com/a", None),
    ("mailto:desk@example.com", None),
    ("/relative/only", None),
])
def test_normalize(url, expected):
    assert normalize(url) == expected


def test_normalize_resolves_against_a_base():
    assert normalize("../b.html?utm_medium=x", "https://example.com/news/a/") == "https://example.com/news/b.html"


@given(st.from_regex(r"https?://[a-zA-Z0-9.-]{1,20}(:[0-9]{1,5})?(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,10}){0,3}"
                     r"(\?[a-z_]{1,8}=[a-zA-Z0-9]{0,5}(&[a-z_]{1,8}=[a-zA-Z0-9]{0,5}){0,3})?(#[a-z]{0,5})?",
                     fullmatch=True))
def test_normalize_is_idempotent_and_drops_fragments(url):
    once = normalize(url)
    if once is not None:
        assert normalize(once) == once
        assert "#" not in once and "utm_" not in once


def test_w3c_dates_in_all_their_precisions():
    assert parse_w3c_date("2022-09-10") == dt.datetime(2022, 9, 10, tzinfo=dt.timezone.utc)
    assert parse_w3c_date("2022-09-10T16:03:00+02:00") == dt.datetime(2022, 9, 10, 14, 3, tzinfo=dt.timezone.utc)
    assert parse_w3c_date("2022-09-10T14:03Z") == dt.datetime(2022, 9, 10, 14, 3, tzinfo=dt.timezone.utc)
    assert parse_w3c_date("yesterday") is None
