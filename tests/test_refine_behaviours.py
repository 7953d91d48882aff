"""Issue 7's behaviours of the string matchers, each on a small hand-made text, for exact and fuzzy alike."""

from __future__ import annotations

import pytest

from spansuggest import Selection, get_matcher
from spansuggest.matchers.refine import inflect, long_form_start, partners, sentence_initial

MATCHERS = ["exact", "fuzzy"]


def found(name: str, text: str, seed: str, nth: int = 0, **options) -> list[tuple[str, str]]:
    """``(text, reason)`` of each suggestion for the ``nth`` occurrence of ``seed`` as the selection."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(seed, start + 1)
    out = get_matcher(name, **options).match(text, [Selection(start, start + len(seed), "X")])
    assert all(text[s.start : s.end] == s.text for s in out)
    return [(s.text, s.reason) for s in out]


@pytest.mark.parametrize("name", MATCHERS)
def test_case_smart_keeps_capitals_and_sentence_starts(name: str) -> None:
    text = "We met Japan today. JAPAN WINS AGAIN. The grant. Grant money went to a grant office."
    assert found(name, text, "Japan") == [("JAPAN", "case")]
    assert ("Grant", "case") in found(name, text, "grant")


@pytest.mark.parametrize("name", MATCHERS)
def test_case_smart_drops_common_word_of_a_name(name: str) -> None:
    text = "Apple sued Bob. Later Apple won. He ate an apple."
    assert found(name, text, "Apple", nth=1) == [("Apple", "exact")]
    assert ("apple", "case") in found(name, text, "Apple", nth=1, case="insensitive")
    assert found(name, text, "Apple", nth=1, case_sensitive=False) == found(name, text, "Apple", nth=1,
                                                                             case="insensitive")


@pytest.mark.parametrize("name", MATCHERS)
def test_case_smart_lowers_a_sentence_initial_common_word(name: str) -> None:
    text = "Tumours grew fast. Most tumours shrank."
    assert found(name, text, "Tumours") == [("tumours", "case")]
    assert ("tumours", "case") not in found(name, text, "Tumours", case="sensitive")


@pytest.mark.parametrize("name", MATCHERS)
def test_case_smart_title_of_a_capitals_seed_used_as_a_name(name: str) -> None:
    text = "CALOI is a maker. In 1972, the firm Caloi grew; Caloi sells bikes."
    assert [t for t, _ in found(name, text, "CALOI")] == ["Caloi", "Caloi"]
    assert found(name, "IT is big. It works.", "IT") == []


@pytest.mark.parametrize("name", MATCHERS)
def test_name_guard_leaves_out_parts_of_longer_names(name: str) -> None:
    text = "Healy spoke. Then I. Healy and Tom Healy met Healy, and the Stanley Cup went to Healy's team."
    assert [t for t, _ in found(name, text, "Healy")] == ["Healy", "Healy"]
    assert len(found(name, text, "Healy", name_guard=False)) == 4
    # a sentence-initial common word is no evidence; the annotator's own fragment turns the guard off
    assert [t for t, _ in found(name, "Cup final. Yesterday Cup won. We met yesterday.", "Cup")] == ["Cup"]
    assert [t for t, _ in found(name, "Cup final. While Cup won, we lost. Perhaps Cup lost.", "Cup")] == ["Cup", "Cup"]
    assert [t for t, _ in found(name, "The Stanley Cup. A cup. The Cup.", "Cup")] == ["Cup"]


@pytest.mark.parametrize("name", MATCHERS)
def test_name_guard_sentence_initial_name_word(name: str) -> None:
    # "Angela" starts a sentence but the text never writes it in lower case: a first name
    text = "Angela Carder was ill.\nLater, Carder left. Carder came back."
    assert [t for t, _ in found(name, text, "Carder", nth=1)] == ["Carder"]


@pytest.mark.parametrize("name", MATCHERS)
def test_name_guard_particles_labels_and_headings(name: str) -> None:
    text = "He studied at the University of Texas. Texas is big. Dorothea von Texas sang."
    assert [t for t, _ in found(name, text, "Texas", nth=1)] == []
    form = "Name: Zhang Jilun Title: Director\nZhang Jilun signed."
    assert [t for t, _ in found(name, form, "Zhang Jilun", nth=1)] == ["Zhang Jilun"]
    heading = "The Borrower agrees. 6 AFFIRMATIVE COVENANTS Borrower shall pay."
    assert [t for t, _ in found(name, heading, "Borrower")] == ["Borrower"]
    caps = 'A loan between SILICON VALLEY BANK ("Bank"), a bank, and us. The Bank pays.'
    assert [t for t, _ in found(name, caps, "Bank")] == ["Bank"]
    assert [t for t, _ in found(name, "JAPAN WINS AGAIN. Japan lost.", "Japan")] == ["JAPAN"]


@pytest.mark.parametrize("name", MATCHERS)
def test_name_guard_defined_term_modifies_a_capitalised_word(name: str) -> None:
    text = 'The lender (the "Bank") lends. All Bank Expenses are due. The Bank pays.'
    assert [t for t, _ in found(name, text, "Bank")] == ["Bank", "Bank"]
    named = 'Acme (the "Airland") lends. Airland International Limited signed. Airland pays.'
    assert [t for t, _ in found(name, named, "Airland")] == ["Airland"]


@pytest.mark.parametrize("name", MATCHERS)
def test_abbreviations_link_short_and_long_forms(name: str) -> None:
    text = ("Adenomatous polyposis coli (APC) is inherited. APC genes vary. "
            "Most adenomatous polyposis coli cases are mild.")
    got = found(name, text, "Adenomatous polyposis coli")
    assert ("APC", "abbreviation:Adenomatous polyposis coli") in got
    assert [r for t, r in got if t == "APC"] == ["abbreviation:Adenomatous polyposis coli"] * 2
    back = found(name, text, "APC", nth=1)
    assert ("adenomatous polyposis coli", "long form:APC") in back
    assert all(t != "APC" for t, _ in found(name, text, "Adenomatous polyposis coli", abbreviations=False))


@pytest.mark.parametrize("name", MATCHERS)
def test_abbreviations_inside_the_seed_other_order_and_notes(name: str) -> None:
    text = "The congenital chloride diarrhea (CLD) gene. Many CLD patients."
    assert [t for t, _ in found(name, text, "congenital chloride diarrhea")] == ["CLD", "CLD"]
    text = "Seen in myotonic dystrophy (DM). The DM gene."
    assert [t for t, _ in found(name, text, "myotonic dystrophy")] == ["DM", "DM"]
    assert ("myotonic dystrophy", "long form:DM") in found(name, text, "DM")
    text = "Cowden disease (CD; MIM 158350) is rare. CD families."
    assert [t for t, _ in found(name, text, "Cowden disease")] == ["CD", "CD"]


@pytest.mark.parametrize("name", MATCHERS)
def test_abbreviations_reverse_definition(name: str) -> None:
    text = "The WHO (World Health Organization) met. The World Health Organization agreed."
    assert ("World Health Organization", "long form:WHO") in found(name, text, "WHO")


def test_abbreviation_needs_schwartz_hearst_letters() -> None:
    assert long_form_start("APC", "the adenomatous polyposis coli") == 4
    assert long_form_start("XYZ", "the adenomatous polyposis coli") is None
    text = "with heart disease (HD) and more"
    assert partners(text, "heart disease", [(5, 18)]) == {"HD": ("abbreviation:heart disease", (20, 22))}
    assert partners(text, "disease", [(11, 18)]) == {}  # the definition's long form is longer than the seed


@pytest.mark.parametrize("name", MATCHERS)
def test_inflections_plural_whole_possessive_outside(name: str) -> None:
    text = "A tumour grew. Two tumours and one tumor's edge. The Borrower's and the Borrowers' rights."
    got = found(name, text, "tumour")
    assert ("tumours", "inflection") in got
    assert ("Borrowers", "inflection") not in found(name, text, "Borrower")  # a name gains no plural
    assert ("tumours", "inflection") not in found(name, text, "tumour", inflections=False)


def test_inflect_forms() -> None:
    assert inflect("tumours") == ("tumour", ("s", ""))
    assert inflect("biopsy") == ("biops", ("ies", "y"))
    assert inflect("Williams") == ("Williams", ("",))
    assert inflect("box") == ("box", ("es", ""))


def test_sentence_initial_rules() -> None:
    text = 'He left. "Then\n(a) The end\nNew line by James D. Watson'
    assert sentence_initial(text, text.index("Then"))
    assert sentence_initial(text, text.index("The end"))
    assert sentence_initial(text, text.index("New"))
    assert not sentence_initial(text, text.index("Watson"))
    assert not sentence_initial(text, text.index("left"))


def test_fuzzy_reason_names_the_edit_count() -> None:
    text = "Acme Corp and Acne Corp."
    assert found("fuzzy", text, "Acme Corp") == [("Acne Corp", "fuzzy k=1")]
