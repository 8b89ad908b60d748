"""Releases: what is published, the rules every artefact keeps, the logs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from parity.core.disclosure import (
    Actor,
    DisclosurePolicy,
    build_release,
    check_release_dir,
    publish,
    release_audience,
)
from parity.core.disclosure.checks import read_published_csv
from parity.core.disclosure.release_log import releases
from parity.core.errors import AccessDeniedError, UserInputError

from .conftest import ADMIN, ANALYST

PUBLIC = release_audience("public")


def _tables(folder: Path) -> tuple[dict, dict[str, pl.DataFrame]]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest, {m["name"]: read_published_csv(folder / m["file"], m)
                      for m in manifest["tables"]}


def test_public_release_keeps_every_rule(org, tmp_path: Path) -> None:
    store, rows = org
    rel = publish(store, PUBLIC, ANALYST, tmp_path / "r1")
    _funnel_counts_match_the_data(rel, rows)
    assert check_release_dir(tmp_path / "r1") == []
    manifest, frames = _tables(tmp_path / "r1")
    assert manifest["release_id"] == rel.release_id == "r0001"
    assert manifest["audience"] == {"role": "public", "nationality": None, "entity": None}
    names = {m["name"] for m in manifest["tables"]}
    assert {"funnel_by_regional_group", "funnel_by_gender",
            "workforce_by_regional_group_level_gender", "workforce_by_entity_gender",
            "gender_parity_by_level", "nationals_in_geographical_posts",
            "self_identification_race_ethnicity_by_broad_band"} <= names
    policy = DisclosurePolicy()
    for meta in manifest["tables"]:
        frame = frames[meta["name"]]
        assert {"dims", "counts", "additive", "rule", "derived"} <= set(meta)
        for c in meta["counts"]:
            values = frame[c].drop_nulls()
            if not meta["exempt"]:  # written by hand here: no count 1-9 anywhere
                assert not values.is_between(1, policy.threshold - 1).any(), (meta["name"], c)
        rows = frame.to_dicts()
        index = {tuple(r[d] for d in meta["dims"]): r for r in rows}
        for d in meta["derived"]:
            for r in rows:
                if r[d["column"]] is None:
                    continue
                if d["kind"] == "row_rate":  # denominators >= 20, both published
                    assert r[d["denominator"]] >= 20 and r[d["numerator"]] is not None
                elif d["kind"] == "ratio_to_rest":
                    margin = index[tuple("All" if k == d["over"] else r[k]
                                         for k in meta["dims"])]
                    assert r[d["denominator"]] >= 20
                    assert margin[d["denominator"]] - r[d["denominator"]] >= 20
                elif d["kind"] == "share":
                    margin = index[tuple("All" if k == d["over"] else r[k]
                                         for k in meta["dims"])]
                    excluded = sum(index[tuple(x if k == d["over"] else r[k]
                                               for k in meta["dims"])][d["numerator"]]
                                   for x in d["exclude"])
                    assert margin[d["numerator"]] - excluded >= d["min_denominator"] >= 20
    # self-identification: >= 10 per category cell, response rate shown
    race = frames["self_identification_race_ethnicity_by_broad_band"]
    cats = race.filter(~pl.col("race_ethnicity").is_in(["All", "not_stated"]))
    assert (cats["staff"].drop_nulls() >= 10).all()
    assert race["response_rate"].drop_nulls().len() > 0
    # suppressed cells are empty in the files, never a number or a marker
    text = (tmp_path / "r1" / "workforce_by_regional_group_level_gender.csv").read_text()
    assert ",," in text and "<" not in text and "NaN" not in text


def _funnel_counts_match_the_data(rel, rows) -> None:
    funnel = next(t for t in rel.tables if t.name == "funnel_by_regional_group")
    truth = funnel.expanded.frame
    total = truth.filter((pl.col("year") == "2021") & (pl.col("regional_group") == "All"))
    openings = {o["opening_id"]: o for o in rows["openings"]}
    expected = sum(1 for a in rows["applications"]
                   if openings[a["opening_id"]]["grade"] != "G-5"
                   and str(openings[a["opening_id"]]["posted_date"]).startswith("2021"))
    assert total["received"].item() == expected


def test_release_log_and_versioning(org, tmp_path: Path) -> None:
    store, _ = org
    publish(store, PUBLIC, ANALYST, tmp_path / "a")
    second = publish(store, PUBLIC, ANALYST, tmp_path / "b")
    assert second.release_id == "r0002" and second.previous == "r0001"
    log = releases(store)
    assert log["release_id"].to_list() == ["r0001", "r0002"]
    # the same data published again gives the same tables
    for name in ("funnel_by_gender.csv", "gender_parity_by_level.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_member_state_and_manager_releases_stay_consistent(org, tmp_path: Path) -> None:
    store, _ = org
    publish(store, PUBLIC, ANALYST, tmp_path / "pub")
    ms = publish(store, release_audience("member_state", "fra"), ANALYST, tmp_path / "fra")
    mg = publish(store, release_audience("manager", entity="DPPA"), ANALYST, tmp_path / "dppa")
    assert "own_nationals_by_level_gender" in {t.name for t in ms.tables}
    assert {"own_entity_by_level_gender", "entity_funnel_by_regional_group"} <= {
        t.name for t in mg.tables}
    for folder in ("fra", "dppa"):
        assert check_release_dir(tmp_path / folder) == []
    # a cell hidden in the public release is hidden in every later one on the same data
    _, pub = _tables(tmp_path / "pub")
    for folder in ("fra", "dppa"):
        _, other = _tables(tmp_path / folder)
        for name, frame in pub.items():
            assert frame.equals(other[name]), (folder, name)


def test_who_may_release(org, tmp_path: Path) -> None:
    store, _ = org
    with pytest.raises(AccessDeniedError, match="may not make a release"):
        build_release(store, PUBLIC, Actor("pat", "public"))
    with pytest.raises(UserInputError, match="needs the Member State"):
        release_audience("member_state")
    rel = build_release(store, PUBLIC, ADMIN)
    assert not any(t.name.startswith("self_identification") for t in rel.tables)
    assert any("left out" in n for n in rel.notes)


def test_out_folder_must_be_new(org, tmp_path: Path) -> None:
    store, _ = org
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(UserInputError, match="is not empty"):
        publish(store, PUBLIC, ANALYST, tmp_path / "full")
    assert releases(store).is_empty()
