"""Build dateline's bundled sample corpus (``samples/``), the input of ``make run``.

Why a script: two of the samples are binary (a gzipped page and a WARC.gz archive)
and two more are derived from other samples (the cleaned Reuters page from the
scraped repost, the scraped text from the Balmoral page), so they are generated
from readable sources kept here. The build is deterministic: fixed dates, WARC
record ids derived from the URLs, gzip headers without a timestamp. Re-running it
changes no byte unless a source below changes.

The articles written here describe real events of September 2022 in our own words
(see samples/README.md); the direct quotations are statements that were published
verbatim at the time; everything else is reported speech.

Run: ``.venv/bin/python scripts/build_samples.py`` (needs warcio).
"""

from __future__ import annotations

import gzip
import html
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
REPOST = SAMPLES / "text" / "reuters-kharkiv-repost.txt"
SITE = "Sample News"
SITE_URL = "https://news.example.org"  # example.org is reserved: no real outlet is impersonated


@dataclass(frozen=True, slots=True)
class Story:
    """One news article and the metadata its page, record or archive entry needs."""

    slug: str
    url: str
    title: str
    section: str
    published: str  # ISO 8601 (a day, or a time with offset), as in article:published_time
    paragraphs: tuple[str, ...]
    highlights: tuple[str, ...] = ()
    credits: str = ""
    byline: str = f"{SITE} staff"
    related: tuple[tuple[str, str], ...] = field(default=())

    @property
    def day(self) -> str:
        return self.published[:10]

    @property
    def summary(self) -> str:
        first = self.paragraphs[0]
        return first.split(" – ", 1)[-1]


QUEEN = Story(
    slug="queen-balmoral",
    url=f"{SITE_URL}/world/uk/2022/09/08/queen-elizabeth-dies-at-balmoral-aged-96",
    title="Queen Elizabeth dies at Balmoral aged 96; Charles becomes king",
    section="World",
    published="2022-09-08T20:05:00+01:00",
    paragraphs=(
        "LONDON, Sept. 8 – Queen Elizabeth II, Britain's longest-reigning monarch, died peacefully at her"
        " Balmoral estate in Scotland on Thursday at the age of 96, Buckingham Palace said, ending a reign"
        " of more than 70 years.",
        '"The Queen died peacefully at Balmoral this afternoon. The King and The Queen Consort will remain at'
        ' Balmoral this evening and will return to London tomorrow," the palace said in a statement issued'
        " at 6:30 p.m. (1730 GMT).",
        "Her eldest son, Charles, 73, immediately became king, the oldest person to accede to the British"
        " throne. His wife, Camilla, became Queen Consort, and his elder son, Prince William, is now heir to"
        " the throne.",
        "Concern for the Queen had grown earlier on Thursday, when the palace said her doctors were"
        " concerned for her health and had recommended that she remain under medical supervision. Members"
        " of the royal family travelled to Balmoral during the afternoon.",
        "In a statement, the new king said the death of his mother was"
        ' "a moment of the greatest sadness for me and all members of my family."',
        "Prime Minister Liz Truss, whom the Queen had appointed at Balmoral only two days earlier, on"
        " Tuesday, paid tribute outside her Downing Street office.",
        '"Queen Elizabeth II was the rock on which modern Britain was built," Truss said. She said the'
        " country had grown and flourished under the Queen's reign, and she referred to the new monarch as"
        " King Charles III.",
        "Elizabeth became queen on Feb. 6, 1952, at the age of 25, on the death of her father, King George"
        " VI, and was crowned at Westminster Abbey in June 1953. Her reign spanned 15 prime ministers, from"
        " Winston Churchill to Truss. In 2015 she overtook Queen Victoria as the longest-reigning British"
        " monarch, and in June this year the country celebrated her Platinum Jubilee, marking 70 years on"
        " the throne.",
        "Her husband, Prince Philip, died in April 2021 at the age of 99, after 73 years of marriage. In the"
        " past year the Queen had suffered from problems with her mobility and had cut back her public"
        " engagements.",
        "As the news spread on Thursday evening, crowds gathered outside Buckingham Palace in London, where"
        " the Union flag was lowered to half-mast, and leaders around the world paid tribute to the late"
        " monarch.",
    ),
    related=(
        (
            "Liz Truss appointed prime minister by the Queen at Balmoral",
            "/world/uk/2022/09/06/truss-appointed-at-balmoral",
        ),
        (
            "Platinum Jubilee: Britain marks the Queen's 70 years on the throne",
            "/world/uk/2022/06/02/platinum-jubilee",
        ),
        ("Prince Philip dies aged 99", "/world/uk/2021/04/09/prince-philip-dies-aged-99"),
    ),
)

PAKISTAN = Story(
    slug="pakistan-floods",
    url=f"{SITE_URL}/world/asia/2022/09/09/un-chief-guterres-arrives-in-flood-hit-pakistan",
    title="U.N. chief arrives in flood-hit Pakistan as death toll passes 1,300",
    section="World",
    published="2022-09-09T14:30:00+05:00",
    paragraphs=(
        "ISLAMABAD, Sept. 9 – United Nations Secretary-General António Guterres arrived in Pakistan on"
        " Friday to see the devastation caused by monsoon floods that have killed more than 1,300 people"
        " since mid-June and affected about 33 million, and to appeal for more international help.",
        "Guterres said he was travelling to Pakistan to express his solidarity with the Pakistani people"
        " and to call on the world to support the country. He is expected to visit some of the worst-hit"
        " areas in the south of the country on Saturday.",
        "Record monsoon rains and floods have swept away homes, roads, bridges and crops. The National"
        " Disaster Management Authority (NDMA) said more than 1,300 people had been killed, including"
        " hundreds of children, and more than a million homes had been damaged or destroyed.",
        "The southern province of Sindh and the southwestern province of Balochistan have been hit hardest."
        " Climate Change Minister Sherry Rehman has said that about a third of the country has been under"
        " water.",
        "Hundreds of thousands of people who lost their homes are living in tents and relief camps or in the"
        " open, many of them beside roads built on higher ground. Aid agencies have warned of outbreaks of"
        " waterborne diseases such as diarrhoea and cholera as the water recedes slowly.",
        "The United Nations and the Pakistani government launched a flash appeal for $160 million on Aug."
        ' 30. In a video message that day, Guterres said Pakistan was facing "a monsoon on steroids" and'
        " urged countries to help.",
        "Pakistani officials say the country accounts for less than 1% of global greenhouse gas emissions"
        " but is among the nations most exposed to the effects of climate change, and that richer countries"
        " should bear more of the cost of the disaster.",
        "Prime Minister Shehbaz Sharif's government has called the floods a national emergency. Pakistan's"
        " army has joined the rescue and relief operations, and aircraft carrying aid from several countries"
        " have landed in the country in recent days.",
    ),
)

ZAPORIZHZHIA = Story(
    slug="iaea-zaporizhzhia",
    url=f"{SITE_URL}/world/europe/2022/09/06/iaea-calls-for-protection-zone-around-zaporizhzhia-plant",
    title="IAEA calls for protection zone around Ukraine's Zaporizhzhia nuclear plant",
    section="World",
    published="2022-09-06T18:40:00+02:00",
    paragraphs=(
        "VIENNA, Sept. 6 – The International Atomic Energy Agency on Tuesday called for a nuclear safety and"
        " security protection zone to be set up around Ukraine's Zaporizhzhia nuclear power plant, Europe's"
        " largest, saying shelling had damaged the site.",
        "The U.N. nuclear watchdog published its findings five days after its Director General, Rafael"
        " Grossi, led a team of inspectors across the front line to the plant on Sept. 1, after months of"
        " negotiations with Kyiv and Moscow.",
        "The report said the inspectors had seen Russian military personnel, vehicles and equipment at"
        " several places on the site, including military trucks inside turbine halls. It said the"
        " Ukrainian staff who still run the plant were working under constant high stress and pressure,"
        " which increased the risk of human error.",
        "The plant, in the city of Enerhodar on the Dnipro river, has six reactors and has been held by"
        " Russian forces since early March, shortly after Russia invaded Ukraine. Russia and Ukraine have"
        " blamed each other for repeated shelling around it.",
        "The IAEA said the shelling should stop at once and that a protection zone around the plant was"
        " needed to prevent a nuclear accident. The plant has repeatedly lost its connection to the external"
        " power lines that supply the electricity needed to cool its reactors and spent fuel.",
        "Grossi briefed the U.N. Security Council on the findings on Tuesday and warned that the fighting"
        " around the plant could lead to a catastrophe.",
        "After his visit on Sept. 1, Grossi told reporters that the physical integrity of the plant had been"
        " violated several times. The inspection took place on the day it was planned despite shelling in"
        " the area that morning, which delayed the team's convoy for several hours.",
        "Most of the inspectors left the plant in the following days, but two IAEA experts have stayed on"
        " site to give the agency a permanent presence there.",
        "The fighting around the plant has raised fears in Ukraine and across Europe of a disaster like the"
        " 1986 accident at Chornobyl, also in Ukraine.",
    ),
    related=(
        ("Ukrainian troops raise flag over railway junction as offensive threatens to turn into rout",
         "/world/europe/2022/09/10/ukrainian-troops-raise-flag-over-railway-junction"),
    ),
)

ARTEMIS = Story(
    slug="artemis-scrub",
    url=f"{SITE_URL}/science/2022/09/03/nasa-scrubs-second-artemis-launch-attempt-over-hydrogen-leak",
    title="NASA scrubs second Artemis I moon rocket launch attempt over hydrogen leak",
    section="Science",
    published="2022-09-03T17:50:00-04:00",
    paragraphs=(
        "CAPE CANAVERAL, Fla., Sept. 3 – NASA called off the second attempt to launch its Space Launch"
        " System moon rocket on Saturday after engineers were unable to stop a leak of liquid hydrogen"
        " fuel, delaying the uncrewed Artemis I test flight around the moon.",
        "The leak was found at Launch Pad 39B at the Kennedy Space Center in Florida as the rocket's core"
        " stage was being filled with super-cold liquid hydrogen. It came from the connection between an"
        " 8-inch fuel line on the mobile launcher and the core stage.",
        "Engineers tried three times to stop it by warming and re-chilling the line to reseat a seal, but the"
        " leak persisted, and launch director Charlie Blackwell-Thompson called off the attempt hours before"
        " the two-hour launch window was due to open at 2:17 p.m. EDT (1817 GMT).",
        "It was the second scrub in less than a week. The first attempt, on Monday, Aug. 29, was called off"
        " after a sensor indicated that one of the core stage's four engines had not cooled to the right"
        " temperature.",
        "NASA Administrator Bill Nelson told reporters that scrubs were part of the space business and that"
        " the agency would not launch the rocket until it was ready. Mission managers said the rocket would"
        " not be able to fly again for at least several weeks.",
        "The 322-foot (98-meter) rocket is the most powerful NASA has built. On the test flight, it is to"
        " send the Orion capsule, with no astronauts aboard, around the moon and back to a splashdown in the"
        " Pacific Ocean.",
        "Artemis I is the first mission of NASA's Artemis program, which aims to return astronauts to the"
        " moon for the first time since Apollo 17 in 1972. A crewed flight around the moon, Artemis II, is to"
        " follow, and NASA has said a crewed landing would come no earlier than 2025.",
        "The program has run years behind schedule and over budget. NASA's inspector general has estimated"
        " that each of the first four Artemis launches will cost $4.1 billion.",
    ),
)


def clean_repost(text: str) -> Story:
    """The Reuters report behind the scraped repost, with the repost's damage undone.

    Each edit must apply exactly where expected, so a changed seed fails the build
    instead of yielding a half-cleaned page.
    """
    lines = [line.strip() for line in text.splitlines()]
    title = next(line for line in lines if line)
    highlights = tuple(line.lstrip("• ").strip() for line in lines if line.startswith("•"))
    start = next(i for i, line in enumerate(lines) if line.startswith("KYIV, Sept. 10 (Reuters)"))
    end = next(i for i, line in enumerate(lines) if line.endswith("targeting civilians."))
    credits = next(line for line in lines if line.startswith("Reporting by"))
    boilerplate = {"", "Register now and get FREE unlimited access to"}
    paragraphs = [line for line in lines[start : end + 1] if line not in boilerplate]
    fixes = (  # (wrong, right) as the repost has them; see shared/seeds/EXPECTED.md
        ("rout .", "rout."),
        ("Kharkov", "Kharkiv"),
        ("cuddling with", "hugging"),
    )
    body = "\n".join(paragraphs)
    for wrong, right in fixes:
        if body.count(wrong) != 1:
            raise SystemExit(f"repost changed: expected one {wrong!r} in the body")
        body = body.replace(wrong, right)
    fixed_credits = credits.replace("letter from", "Writing by").replace("editing by", "Editing by")
    if fixed_credits != "Reporting by Reuters journalists; Writing by Peter Graff; Editing by Jason Neely":
        raise SystemExit(f"repost changed: unexpected credits {credits!r}")
    return Story(
        slug="reuters-kharkiv-clean",
        url="https://www.reuters.com/world/europe/"
        "ukrainian-troops-raise-flag-over-railway-junction-2022-09-10/",
        title=title,
        section="World",
        published="2022-09-10",  # the report's day; its time is not in the seed
        paragraphs=tuple(body.split("\n")),
        highlights=highlights,
        credits=fixed_credits,
        byline="Reuters",
        related=(
            (ZAPORIZHZHIA.title, ZAPORIZHZHIA.url.removeprefix(SITE_URL)),
            (
                "Ukraine's counter-offensive in the south: what we know",
                "/world/europe/ukraine-counter-offensive-explainer",
            ),
            ("Live: Russia's war in Ukraine", "/world/europe/live-russia-ukraine-war"),
        ),
    )


def typographic(text: str) -> str:
    """Straight quotes to the curly ones news sites print (sources keep straight quotes to stay editable)."""
    if text.count('"') % 2:
        raise SystemExit(f"unbalanced quotes in: {text[:60]}...")
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append("’" if ch == "'" else ch)
    return "".join(out)


def e(text: str) -> str:
    return html.escape(typographic(text), quote=False)


def render_page(story: Story, canonical: str | None = None) -> str:
    """A news page with the chrome a real one has: cookie banner, menus, share bar, sidebar, footer."""
    canonical = canonical or story.url
    highlights = ""
    if story.highlights:
        items = "".join(f"\n          <li>{e(h)}</li>" for h in story.highlights)
        highlights = f'\n        <ul class="highlights">{items}\n        </ul>'
    body = "".join(f"\n        <p>{e(p)}</p>" for p in story.paragraphs)
    credits = f'\n        <p class="credits">{e(story.credits)}</p>' if story.credits else ""
    related = "".join(
        f'\n        <li><a href="{html.escape(href)}">{e(t)}</a></li>' for t, href in story.related
    )
    section = f'<a href="/{story.section.lower()}/">{story.section}</a>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(story.title)} | {SITE}</title>
  <meta property="og:title" content="{html.escape(typographic(story.title))}">
  <meta property="og:type" content="article">
  <meta property="og:url" content="{html.escape(canonical)}">
  <meta property="og:site_name" content="{SITE}">
  <meta name="description" content="{html.escape(typographic(story.summary))}">
  <meta name="date" content="{story.day}">
  <meta property="article:published_time" content="{story.published}">
  <meta property="article:section" content="{story.section}">
  <link rel="canonical" href="{html.escape(canonical)}">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <div class="cookie-banner" role="dialog">
    <p>We use cookies to improve your experience and to show you relevant advertising.
    By continuing to browse this site you agree to our use of cookies.</p>
    <button type="button">Accept all</button> <a href="/privacy#cookies">Manage preferences</a>
  </div>
  <nav class="top-menu" aria-label="Main">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/world/">World</a></li>
      <li><a href="/business/">Business</a></li>
      <li><a href="/science/">Science</a></li>
      <li><a href="/sport/">Sport</a></li>
      <li><a href="/opinion/">Opinion</a></li>
    </ul>
    <form action="/search" role="search"><input type="search" name="q" placeholder="Search"></form>
  </nav>
  <header class="site-header">
    <a class="logo" href="/">{SITE}</a>
    <p class="tagline">News from around the world</p>
    <a class="subscribe" href="/subscribe">Subscribe</a> <a class="sign-in" href="/login">Sign in</a>
  </header>
  <main>
    <div class="breadcrumb"><a href="/">Home</a> › {section}</div>
    <article>
      <header>
        <h1>{e(story.title)}</h1>
        <p class="byline">By {e(story.byline)} · <time datetime="{story.published}">{story.day}</time></p>
      </header>
      <div class="article-body">{highlights}{body}{credits}
      </div>
    </article>
    <div class="share-bar">
      <span>Share this article</span>
      <a href="/share/email">Email</a> <a href="/share/x">X</a> <a href="/share/facebook">Facebook</a>
      <a href="/share/linkedin">LinkedIn</a>
    </div>
    <div class="ad-slot"><span>Advertisement</span></div>
  </main>
  <aside class="related">
    <h2>Related</h2>
    <ul>{related}
    </ul>
    <h2>Most read</h2>
    <ol>
      <li><a href="/business/markets-wrap">Markets wrap: stocks, bonds and the dollar</a></li>
      <li><a href="/sport/results">Weekend results and fixtures</a></li>
    </ol>
    <form class="newsletter" action="/newsletter">
      <p>Sign up for our daily briefing, delivered to your inbox every morning.</p>
      <input type="email" name="email" placeholder="Email address"> <button type="submit">Sign up</button>
    </form>
  </aside>
  <footer>
    <ul>
      <li><a href="/about">About us</a></li>
      <li><a href="/contact">Contact</a></li>
      <li><a href="/privacy">Privacy policy</a></li>
      <li><a href="/terms">Terms of use</a></li>
    </ul>
    <p>© 2022 {SITE}. All rights reserved. {SITE} is a fictional site made for dateline's sample corpus.</p>
  </footer>
</body>
</html>
"""


def render_scrape(story: Story) -> str:
    """The page as a naive scraper saves it: text lines with the site's junk left in."""
    junk_after = {
        1: ["Advertisement"],
        3: ["Read more: " + story.related[0][0]],
        5: ["Share this article", "Facebook", "X", "Email"],
        7: ["Advertisement"],
        8: ["Read more: " + story.related[1][0]],
    }
    lines = [
        "We use cookies to improve your experience. By continuing to browse this site you agree to our use"
        " of cookies. Accept",
        "",
        "Skip to main content",
        "",
        typographic(story.title),
        "",
        f"By {story.byline}",
        story.day,
        "",
    ]
    for n, paragraph in enumerate(story.paragraphs):
        lines += [typographic(paragraph), ""]
        for junk in junk_after.get(n, []):
            lines += [junk, ""]
    lines += [
        "Read more: " + story.related[2][0],
        "",
        "Sign up for our daily briefing",
        "",
        f"© 2022 {SITE}. All rights reserved.",
    ]
    return "\n".join(lines) + "\n"


def news_please_record(story: Story) -> dict[str, object]:
    """An already extracted article, with news-please's field names (maintext is used as is)."""
    return {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, story.url).hex[:16],
        "url": story.url,
        "source_domain": "news.example.org",
        "title": story.title,
        "description": story.summary,
        "maintext": "\n".join(story.paragraphs),
        "date_publish": story.published[:19].replace("T", " "),
        "date_download": "2022-09-09 18:12:40",
        "date_modify": None,
        "language": "en",
        "authors": [],
        "image_url": None,
    }


def _ids(uri: str, kind: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + ' ' + uri)}>"


def write_warc(path: Path, crawls: list[tuple[Story, str]]) -> None:
    """A Common Crawl-style WARC.gz: warcinfo, then a request and a response per page.

    One http:// URL answers with a redirect first, as crawls often record; the
    reader must skip it and keep the https:// page.
    """
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    info = (
        b"software: dateline scripts/build_samples.py\r\n"
        b"format: WARC File Format 1.0\r\n"
        b"description: dateline sample corpus\r\n"
    )
    writer.write_record(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(info),
            length=len(info),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": _ids(path.name, "warcinfo"),
                "WARC-Date": crawls[0][1],
                "WARC-Filename": path.name,
            },
        )
    )
    for story, fetched in crawls:
        http_date = _http_date(fetched)
        exchanges: list[tuple[str, StatusAndHeaders, bytes]] = []
        if story is ARTEMIS:
            plain = story.url.replace("https://", "http://", 1)
            moved = StatusAndHeaders(
                "301 Moved Permanently",
                [("Location", story.url), ("Content-Length", "0"), ("Date", http_date)],
                protocol="HTTP/1.1",
            )
            exchanges.append((plain, moved, b""))
        page = render_page(story).encode("utf-8")
        ok = StatusAndHeaders(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(page))),
                ("Date", http_date),
                ("Cache-Control", "max-age=300"),
            ],
            protocol="HTTP/1.1",
        )
        exchanges.append((story.url, ok, page))
        for uri, headers, payload in exchanges:
            host = uri.split("/")[2]
            path_part = "/" + uri.split("/", 3)[3]
            request = (
                f"GET {path_part} HTTP/1.1\r\nHost: {host}\r\n"
                "User-Agent: dateline-sample-crawler\r\nAccept: text/html\r\n\r\n"
            ).encode()
            response_id = _ids(uri, "response")
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "request",
                    payload=io.BytesIO(request),
                    length=len(request),
                    warc_content_type="application/http; msgtype=request",
                    warc_headers_dict={
                        "WARC-Record-ID": _ids(uri, "request"),
                        "WARC-Date": fetched,
                        "WARC-Concurrent-To": response_id,
                    },
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "response",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": fetched},
                )
            )
    path.write_bytes(buf.getvalue())


def _http_date(warc_date: str) -> str:
    return format_datetime(datetime.fromisoformat(warc_date.replace("Z", "+00:00")), usegmt=True)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"{path.relative_to(SAMPLES.parent)}  {len(data):>6} bytes")


def main() -> None:
    kharkiv = clean_repost(REPOST.read_text(encoding="utf-8"))
    write(SAMPLES / "html" / "reuters-kharkiv-clean.html", render_page(kharkiv).encode("utf-8"))
    write(
        SAMPLES / "html" / "queen-balmoral.html.gz",
        gzip.compress(render_page(QUEEN).encode("utf-8"), compresslevel=9, mtime=0),
    )
    write(SAMPLES / "text" / "queen-balmoral-scrape.txt", render_scrape(QUEEN).encode("utf-8"))
    record = json.dumps(news_please_record(PAKISTAN), ensure_ascii=False, sort_keys=True)
    write(SAMPLES / "jsonl" / "pakistan-floods.jsonl", (record + "\n").encode("utf-8"))
    warc = SAMPLES / "warc" / "sample-news.warc.gz"
    warc.parent.mkdir(parents=True, exist_ok=True)
    write_warc(warc, [(ZAPORIZHZHIA, "2022-09-06T18:02:11Z"), (ARTEMIS, "2022-09-03T22:15:40Z")])
    print(f"{warc.relative_to(SAMPLES.parent)}  {warc.stat().st_size:>6} bytes")


if __name__ == "__main__":
    main()
