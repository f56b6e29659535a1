"""Word lists shared by the entity, quotation and count steps.

Hand-made from English usage (style guides, reporting-verb lists), not from any
particular article: they say which words introduce speech, name a role, or
count something.
"""

from __future__ import annotations

import functools
import re

# Reporting and attitude verbs (lemmas) that take what someone said, claimed,
# thought or wanted as their content: PolNeAR/PARC count thoughts and
# intentions as attributions too.
SPEECH_VERBS: frozenset[str] = frozenset(
    """
    say tell state add note claim acknowledge admit deny warn announce report
    declare insist argue assert allege suggest explain write tweet post reply
    respond answer confirm reveal disclose emphasize emphasise stress point
    mention recall predict promise pledge vow vote urge ask demand call
    accuse charge complain concede contend maintain repeat reiterate remark
    observe comment testify swear boast brag joke quip muse exclaim shout
    yell scream whisper lament lament concede caution threaten tout hint
    imply indicate signal estimate calculate forecast project conclude find
    show suggest believe think feel know expect hope fear worry doubt wonder
    guess assume suspect realize realise recognize recognise understand agree
    disagree decide plan want wish intend propose recommend advise order
    instruct encourage question challenge dispute reject refute criticize
    criticise blast slam attack condemn praise applaud blame describe label
    cite quote sing read announce counter retort rebut object protest
    declare proclaim affirm aver attest certify assure reassure inform notify
    brief advise persuade convince remind reckon speculate theorize theorise
    acknowledge insinuate characterize characterise dismiss downplay
    defend justify concur echo lament speak talk portray depict downplay
    discuss laud hail address ignore endorse outline detail highlight unveil
    rail campaign lobby veto sign decline convince liken accuse endorse
    back sponsor embrace favor favour view regard judge compare accept
    refuse seek aim strive prefer desire anticipate envision envisage
    thank lambast denounce decry deplore fault scold rebuke chide mock ridicule
    oppose support pressure lobby beg plead implore seem appear rate deem determine
    """.split()
)



@functools.lru_cache(maxsize=1 << 16)
def verb_lemma(word: str, lemma: str) -> str:
    """``lemma`` if it is a speech verb, else the speech verb ``word`` inflects, if any.

    The tagger's lemmatizer slips on some inflections ("hopes" -> "hop"); the
    regular English endings recover them.
    """
    lemma = lemma.lower()
    if lemma in SPEECH_VERBS:
        return lemma
    w = word.lower()
    for suffix, add in (("s", ""), ("es", ""), ("ies", "y"), ("d", ""), ("ed", ""), ("ied", "y"),
                        ("ing", ""), ("ing", "e")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            guess = w[: -len(suffix)] + add
            if guess in SPEECH_VERBS:
                return guess
            if add == "" and guess[-1] == guess[-2] and guess[:-1] in SPEECH_VERBS:
                return guess[:-1]  # "planned", "planning"
    return lemma


# Verbs whose content is a clause the outlet reports as contested or disputed.
CLAIM_VERBS: frozenset[str] = frozenset("claim allege assert insist contend maintain purport boast".split())
DENY_VERBS: frozenset[str] = frozenset("deny reject dispute refute rebut".split())
HEDGE_VERBS: frozenset[str] = frozenset(
    "suggest believe think estimate expect hope speculate guess suspect hint imply reckon assume".split()
)

# Nouns that carry reported content: "a statement that ...", "the claim that ...".
SPEECH_NOUNS: frozenset[str] = frozenset(
    """
    statement claim allegation assertion warning announcement report remark
    comment promise pledge vow argument message tweet post interview
    testimony admission denial belief view opinion suggestion insistence
    plan decision refusal proposal demand request intention hope fear concern
    accusation charge criticism threat vision goal determination attempt bid
    """.split()
)

# Role and title words: heads of appositions and pre-modifiers of names.
ROLE_WORDS: frozenset[str] = frozenset(
    """
    president vice-president president-elect premier minister secretary
    adviser advisor aide spokesman spokeswoman spokesperson head chief director
    governor mayor senator sen. representative rep. congressman congresswoman
    lawmaker legislator chairman chairwoman chair chairperson leader commander
    general gen. officer official ambassador envoy ceo founder co-founder
    manager strategist analyst professor correspondent reporter editor
    columnist candidate nominee judge justice attorney lawyer prosecutor king
    queen prince princess pope chancellor speaker deputy member economist
    researcher pollster coordinator consultant executive lieutenant colonel
    captain major sergeant admiral marshal commissioner inspector
    superintendent sheriff chaplain bishop archbishop cardinal rabbi imam
    dean provost principal teacher doctor dr. physician surgeon scientist
    expert activist organizer organiser campaigner founder owner president
    treasurer clerk counsel solicitor barrister diplomat negotiator
    mediator observer monitor administrator governor-general emir sheikh
    sultan ayatollah mufti patriarch metropolitan ombudsman auditor
    comptroller regulator supervisor overseer steward partner associate
    fellow scholar historian author writer journalist anchor host producer
    commentator blogger pundit surrogate backer donor fundraiser operative
    staffer adviser campaign chairman vice deputy-head
    """.split()
)

# Titles that may stand inside a name as the model found it ("President X").
TITLES: frozenset[str] = frozenset(
    """
    president mr. mrs. ms. mr mrs ms miss dr. dr prof. prof sen. senator gov. governor rep. gen.
    general lt. col. capt. maj. sgt. adm. secretary minister prime premier
    pope king queen prince princess consort sir dame lord lady rev. reverend
    chancellor mayor judge justice ambassador chairman chairwoman vice
    former late the
    """.split()
)

# A regnal number after a monarch's or pope's name: "Charles III", "Benedict XVI".
REGNAL = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|XIV|XV|XVI{1,3})$")

# All-capitals words that web pages shout in promotions; the model often
# takes them for organisations.
PROMO_WORDS: frozenset[str] = frozenset(
    """
    free now new sale subscribe watch read breaking update updated exclusive
    video photos photo live click here more register sign join login log
    download share follow advertisement sponsored ad offer today only
    limited premium bonus win
    """.split()
)

PRONOUNS_PERSON: frozenset[str] = frozenset("he she him her i me".split())
PRONOUNS_GROUP: frozenset[str] = frozenset("they them we us it".split())

# Number words -> (min, max) of the quantity they name.
NUMBER_WORDS: dict[str, float] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1e6, "billion": 1e9, "trillion": 1e12, "dozen": 12, "half": 0.5,
}

# Vague plural quantities -> (min, max).
VAGUE_PLURALS: dict[str, tuple[float, float]] = {
    "dozens": (24, 99), "scores": (40, 99), "hundreds": (200, 999),
    "thousands": (2000, 9999), "millions": (2e6, 9.99e8), "billions": (2e9, 9.99e11),
    "tens": (20, 99),
}

# Vague multipliers before a number word: "several hundred", "a few thousand".
VAGUE_MULTIPLIERS: dict[str, tuple[float, float]] = {
    "several": (2, 9), "a few": (2, 5), "few": (2, 5), "many": (2, 9),
    "some": (1, 9), "dozens of": (24, 99), "tens of": (20, 99), "hundreds of": (200, 999),
}

# Heads of noun phrases that name people or bodies who can speak, want or plan.
GROUP_NOUNS: frozenset[str] = frozenset(
    """
    official source people person voter critic expert supporter opponent
    resident witness democrat republican campaign government administration
    ministry department agency police army military force troop soldier
    company firm group party committee council court board union poll survey
    report study data document analysis researcher scientist poll pollster
    authority leader leadership side team office house senate congress
    parliament lawmaker legislator member staff aide spokesman spokeswoman
    spokesperson statement investigator prosecutor judge family friend
    colleague observer analyst economist activist protester organizer
    organiser delegate candidate nominee user reader viewer citizen
    american russian ukrainian voter man woman
    """.split()
)
