from gemeinsam.knowledge import text


def test_stem_folds_plural_and_umlaut():
    assert text.stem("Bäume") == text.stem("Baum") == text.stem("Bäumen") == "baum"


def test_fts5_query_quotes_every_word_and_drops_syntax():
    assert text.fts5_query('"Baum* AND -(Wasser) OR NEAR') == '"baum" "and" "wass" "or" "near"'


def test_snippet_marks_matches_and_escapes_html():
    html = text.snippet("<b>Alte</b> Bäume am Platz & ein Baum", {"baum"})
    assert html == "&lt;b&gt;Alte&lt;/b&gt; <mark>Bäume</mark> am Platz &amp; ein <mark>Baum</mark>"


def test_snippet_cuts_around_the_first_match():
    words = " ".join(f"wort{i}" for i in range(100))
    html = text.snippet(f"{words} Baum {words}", {"baum"}, words=10)
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>Baum</mark>" in html
