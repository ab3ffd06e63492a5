from __future__ import annotations

from cyberreg.services.search import search
from cyberreg.services.store import Store


def test_title_matches_rank_first(tiny_store: Store) -> None:
    hits = search(tiny_store, "default passwords")
    assert hits[0].id in {"alpha-standard:1-1", "beta-regulation:sch1-1"}
    assert {h.id for h in hits[:2]} == {"alpha-standard:1-1", "beta-regulation:sch1-1"}


def test_stemming_matches_plural_and_singular(tiny_store: Store) -> None:
    assert {h.id for h in search(tiny_store, "password")} >= {"alpha-standard:1-1", "alpha-standard:1-2"}


def test_falls_back_to_any_word_when_no_document_has_all(tiny_store: Store) -> None:
    hits = search(tiny_store, "telemetry zebra")
    assert [h.id for h in hits] == ["alpha-standard:5.10"]


def test_filters(tiny_store: Store) -> None:
    assert {h.instrument for h in search(tiny_store, "password", kind="regulation")} == {"beta-regulation"}
    assert {h.instrument for h in search(tiny_store, "password", jurisdiction="DEU")} == {"alpha-standard"}
    assert search(tiny_store, "password", topic="telemetry") == []


def test_user_text_is_never_read_as_query_syntax(tiny_store: Store) -> None:
    for text in ('"', "AND OR NOT", "pass*", "a:b", "NEAR(x y)", "'; DROP TABLE instruments; --", ""):
        search(tiny_store, text)  # no exception
    assert search(tiny_store, "   ") == []
