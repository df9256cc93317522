"""The seed validator reports every problem, located by file, entry and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kgapi.seed import DEFAULT_SEED_DIR, load_bundle
from kgapi.validation import SeedInvalid


def _copy_seed(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, target)
    return target


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_the_committed_seed_is_valid() -> None:
    bundle = load_bundle()
    assert len(bundle.documents) == 1
    assert bundle.documents[0].meta.slug == "pk-kz-economic-ties-2025"


def test_a_changed_byte_in_the_document_is_caught(tmp_path: Path) -> None:
    seed = _copy_seed(tmp_path)
    doc = seed / "documents" / "000_a2bfdf3df2dbf4a8.txt"
    doc.write_text(doc.read_text("utf-8").replace("।", ".", 1), "utf-8")
    with pytest.raises(
        SeedInvalid, match=r"documents\[0\] \(slug=pk-kz-economic-ties-2025\): sha256"
    ):
        load_bundle(seed)


def test_every_problem_is_reported_with_its_location(tmp_path: Path) -> None:
    seed = _copy_seed(tmp_path)

    def break_entities(data: dict) -> None:  # type: ignore[type-arg]
        data["entities"][0]["kind"] = "Planet"
        data["entities"][2]["slug"] = data["entities"][1]["slug"]

    def break_claims(data: dict) -> None:  # type: ignore[type-arg]
        data["claims"][0]["predicate"] = "LIKES"
        data["claims"][1]["object"] = "atlantis"
        data["claims"][2]["evidence"][0]["quote"] = "not in the text"
        data["claims"][3]["evidence"] = []

    _edit(seed / "graph" / "entities.yaml", break_entities)
    _edit(seed / "graph" / "claims.yaml", break_claims)
    with pytest.raises(SeedInvalid) as caught:
        load_bundle(seed)
    text = str(caught.value)
    assert "nothing was written" in text
    assert "seed/graph/entities.yaml: entities[0] (slug=pakistan): kind:" in text
    assert "duplicate entity slug" in text
    assert "seed/graph/claims.yaml: claims[0]" in text and "predicate" in text
    assert "object: unknown entity 'atlantis'" in text
    assert "evidence[0].quote: 'not in the text' does not equal the text" in text
    assert "claims[3]" in text and "evidence: List should have at least 1 item" in text
    assert len(caught.value.problems) >= 6


def test_the_model_rules_are_checked_even_where_pydantic_refuses_the_entry(
    tmp_path: Path,
) -> None:
    """A seed claim of kinds its predicate does not allow is refused; with a bad status beside
    it, both are reported in the one pass."""
    seed = _copy_seed(tmp_path)

    def break_claims(data: dict) -> None:  # type: ignore[type-arg]
        # claims[0] is jam-kamal-khan HOLDS_OFFICE pakistan-commerce-minister.
        data["claims"][0]["object"] = "pakistan"  # a Country, not an Office
        data["claims"][1]["subject"] = "islamabad"  # a City, not a Person
        data["claims"][1]["status"] = "rumoured"

    _edit(seed / "graph" / "claims.yaml", break_claims)
    with pytest.raises(SeedInvalid) as caught:
        load_bundle(seed)
    paths = {p.path: p.message for p in caught.value.problems}
    assert set(paths) == {"claims[0].object", "claims[1].subject", "claims[1].status"}, paths
    assert "allowed object kinds: Office" in paths["claims[0].object"]
    assert "'islamabad' is a City" in paths["claims[1].subject"]
