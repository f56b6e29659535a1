"""Quotations and claims on hand-written sentences, one construction per test, traps included."""

from __future__ import annotations

from dateline.analyze import entities, nlp, quotes
from dateline.records import Article, Quote


def run(text: str) -> list[Quote]:
    art = Article(id="t", source="t", text=text)
    doc = nlp.parse(text)
    art.entities = entities.find(art, doc)
    found = quotes.find(art, doc)
    for q in found:
        assert text[q.start:q.end] == q.text
        if q.speaker_start is not None:
            assert text[q.speaker_start:q.speaker_end] == q.speaker_text
        if q.cue_start is not None:
            assert text[q.cue_start:q.cue_end] == q.cue
    return found


def only(found: list[Quote], contains: str) -> Quote:
    hits = [q for q in found if contains in q.text]
    assert len(hits) == 1, [q.text for q in found]
    return hits[0]


def test_indirect_said_that() -> None:
    q = only(run("In a nightly video message, President Volodymyr Zelensky said that at least 30 "
                 "settlements had been liberated."), "30 settlements")
    assert (q.kind, q.speaker, q.cue, q.medium) == ("indirect", "Volodymyr Zelensky", "said", "nightly video message")


def test_direct_quote_with_pronoun_speaker_after_it() -> None:
    found = run("President Volodymyr Zelensky spoke on Saturday.\n\n"
                "“Our army is actively fighting. And they do it successfully,” he said in a video message.")
    q = only(found, "Our army")
    assert q.kind == "direct" and q.speaker_text == "he" and q.speaker == "Volodymyr Zelensky"
    assert q.text.startswith("“Our army") and q.text.endswith("successfully,”")
    assert q.medium == "video message"


def test_speaker_named_only_after_the_quote() -> None:
    q = only(run("“Now we are seeing progress in Kherson,” US Secretary of Defense Lloyd Austin said at a "
                 "press conference in Prague on Thursday."), "progress")
    assert q.speaker == "Lloyd Austin" and q.medium == "press conference in Prague"


def test_inverted_cue_said_name() -> None:
    q = only(run('"It is hard to avoid," said Ryan Ellis, a tax consultant.'), "hard to avoid")
    assert q.speaker == "Ryan Ellis" and q.kind == "direct"


def test_colon_introduced_quote_over_two_sentences() -> None:
    q = only(run("Natalia Popova shared on Facebook photos of servicemen with the message: "
                 "“Kupyansk is Ukraine. Glory to the armed forces of Ukraine.”"), "Kupyansk is Ukraine")
    assert q.speaker == "Natalia Popova" and q.medium == "Facebook"
    assert q.text.endswith("Ukraine.”")


def test_quote_running_over_two_paragraphs() -> None:
    text = ('The senator spoke at length. "We will not back down from this fight.\n\n'
            '"We will win it in the end," Senator Jane Doe said.')
    q = only(run(text), "back down")
    assert "win it in the end" in q.text and q.speaker == "Jane Doe"


def test_cue_between_two_parts_joins_them() -> None:
    q = only(run('"I do not judge people," he said. "But most of them agree with me."\n'), "judge")
    assert q.text.endswith('agree with me."')


def test_quote_inside_quote_is_one_quotation() -> None:
    found = run("“He told me ‘never again’ and I believed him,” Maria Lopez said.")
    assert len(found) == 1 and found[0].speaker == "Maria Lopez"


def test_said_with_no_content_is_not_a_quote() -> None:
    assert run("He said nothing. The minister said so on Monday.") == []


def test_according_to() -> None:
    q = only(run("According to the Interior Ministry, 12 people were arrested overnight."), "arrested")
    assert q.speaker_text == "the Interior Ministry" and q.cue == "According to"


def test_places_and_groups_as_speakers_and_conjoined_cues() -> None:
    found = run("Moscow has acknowledged that its front line has buckled in Kharkov, but has said it "
                "is urgently moving more troops to reinforce the area.")
    assert only(found, "buckled").speaker == "Moscow"
    assert only(found, "moving more troops").speaker == "Moscow"


def test_denied_claimed_and_called_on() -> None:
    assert only(run("Russia denies deliberately targeting civilians."), "targeting").status == "denied"
    q = only(run("Kyiv has also claimed some success by cutting off supply lines."), "success")
    assert q.status == "claimed" and q.speaker == "Kyiv"
    assert only(run("The governor called on civilians to flee."), "flee").cue == "called on"


def test_unverified_when_outlet_cannot_verify_in_next_sentence() -> None:
    text = ("Oleksiy Arestovich said in a video posted on YouTube that Russians in Izyum are isolated.\n\n"
            "Reuters was unable to immediately verify reports describing the situation in Izyum.")
    q = only(run(text), "isolated")
    assert q.status == "unverified" and q.medium == "video posted on YouTube"


def test_without_evidence_is_unverified_and_plain_report_asserted() -> None:
    assert only(run("The mayor said, without providing evidence, that the vote was rigged."),
                "rigged").status == "unverified"
    assert only(run("The mayor said the vote was fair."), "fair").status == "asserted"


def test_role_noun_speaker_resolves_to_person_with_that_role() -> None:
    text = ("Natalia Popova, adviser to the head of the regional council, visited the city. "
            "The adviser said that the city was calm.")
    assert only(run(text), "calm").speaker == "Natalia Popova"


def test_scare_quotes_are_not_quotations() -> None:
    assert run("Troops were sent in February to “disarm” the country.") == []


def test_transcript_lines_and_dash_signatures() -> None:
    found = run("WALLACE: Will she be there tonight?\nPENCE: Well, the question really is why they asked.\n")
    assert [(q.speaker_text, q.text) for q in found] == [
        ("WALLACE", "Will she be there tonight?"), ("PENCE", "Well, the question really is why they asked.")]
    q = only(run("“I am truly afraid of what comes next for all of us.” ― Maria Lopez\n"), "afraid")
    assert q.speaker == "Maria Lopez"


def test_unattributed_passive_report() -> None:
    q = only(run("Mr. Quiros was accused of using $50 million for personal expenses."), "personal expenses")
    assert q.speaker is None and q.kind == "indirect"


def test_negated_cue_is_not_a_quote_but_negation_inside_quote_is() -> None:
    assert run("The ministry did not say whether troops had withdrawn.") == []
    q = only(run('"Are we there? Probably not," Ms. Moore said.'), "Probably not")
    assert q.speaker_text == "Ms. Moore"


def test_two_quotation_parts_around_one_cue_are_one_attribution() -> None:
    found = run("“Now that I don’t have to be politically correct anymore,” he told the host, "
                "“it was demoralizing to work for Obama.”")
    q = only(found, "politically correct")
    assert q.text.endswith("work for Obama.”") and q.cue == "told" and len(found) == 1


def test_continuation_past_a_relative_clause_on_the_speaker() -> None:
    found = run('"These are strange days," said Peter Morgan, a lawyer for the Sierra Club, who has been '
                'challenging the coal industry for years. "I don\'t know what his intentions are."')
    q = only(found, "strange days")
    assert q.speaker == "Peter Morgan" and q.text.endswith('intentions are."')
    assert not any(x.text == "the coal industry" for x in found)


def test_intentions_and_lemmatizer_slips() -> None:
    found = run("Mr. Clarke hopes to offset the emissions with pollution credits. "
                "Trump refuses to release his tax records.")
    assert only(found, "offset the emissions").cue == "hopes"
    assert only(found, "release his tax records").speaker_text == "Trump"


def test_semicolon_and_conjoined_speech_verb_end_the_content() -> None:
    found = run("Republicans said they are convinced the department mishandled the investigation and "
                "Democrats accused the GOP of stoking the issue. Officials said the timing was not "
                "intentional; the staff learned of the deals on Friday.")
    assert only(found, "mishandled").text == "they are convinced the department mishandled the investigation"
    assert only(found, "stoking").speaker_text == "Democrats"
    assert only(found, "timing").text == "the timing was not intentional"


def test_possessive_nominal_cue_and_seeming() -> None:
    found = run("Donald Trump spoke in Ohio on Monday. His plan to cut taxes for the rich is popular. "
                "Melania seems to have vanished from the campaign trail.")
    q = only(found, "cut taxes")
    assert (q.text, q.cue, q.speaker) == ("to cut taxes for the rich", "plan", "Donald Trump")
    q = only(found, "vanished")
    assert q.text.startswith("Melania seems") and q.speaker is None
    assert not any("Monday" in x.text for x in found)


def test_a_sides_battlefield_gains_are_claimed_a_third_partys_view_asserted() -> None:
    found = run("President Volodymyr Zelensky said Ukrainian forces had recaptured the town of Balakliia. "
                "Defense Secretary Lloyd Austin said Ukraine was making progress in the south.")
    assert only(found, "recaptured").status == "claimed"
    assert only(found, "making progress").status == "asserted"


def test_title_case_headline_attributions() -> None:
    q = only(run("Clinton Hid Past Health Problems From Public, Former White House Doctor Says.\n\n"
                 "The doctor spoke on Monday."), "Health Problems")
    assert (q.text, q.cue, q.speaker_text) == ("Clinton Hid Past Health Problems From Public", "Says",
                                               "Former White House Doctor")
    q = only(run("Pence: Gennifer Flowers Won’t Be at Debate.\n\nThe debate is on Monday."), "Flowers")
    assert q.speaker_text == "Pence" and q.text == "Gennifer Flowers Won’t Be at Debate"


def test_writer_participle_after_the_cue_is_not_content() -> None:
    found = run('"We are looking at the needs of the American people," Sanders said, going on to contrast '
                'the two plans. "So look at the issues."')
    q = only(found, "needs of the American people")
    assert q.text.endswith('people,"') and q.speaker == "Sanders"


def test_only_sentences_that_can_hold_an_attribution_are_parsed() -> None:
    """The parse is the costly part: a sentence is parsed when a speech word is tagged as one
    there, or a cue may sit around a quotation mark in it, and not for a quotation mark,
    or a speech word used otherwise, alone."""
    text = ("The banner “resilience” hung there. “We will rebuild,” the mayor said. She went on: "
            "“Not now.” The talks, “frank” and long, ended. The ships go home.")
    doc = nlp.parse(text)
    parsed = [s.text.strip() for s in quotes.parsed_sentences(doc)]
    assert parsed == ["“We will rebuild,” the mayor said.", "She went on: “Not now.”"]
    found = quotes.find(Article(id="t", source="t", text=text), doc)
    everything = nlp.parse(text)
    nlp.parse_sentences(everything, nlp.sentences(everything))
    assert found and found == quotes.find(Article(id="t", source="t", text=text), everything)
    assert len(nlp._cache(doc)) == 2  # find parsed nothing more
