"""Attacks on published releases: LP, margins, and differencing consecutive releases.

Every attack works from the published files only (see ``attacker.py``) and must fail to
pin any hidden small cell to an interval narrower than the protection width.
"""

from __future__ import annotations

from pathlib import Path

from parity.core.disclosure import DisclosurePolicy, publish, release_audience
from parity.core.ingest import ingest

from .attacker import Key, Published
from .conftest import ANALYST, SNAPSHOT, application_rows, load_org

PUBLIC = release_audience("public")
WIDTH = DisclosurePolicy().protection_width


def _truth(release) -> dict[Key, int]:
    out: dict[Key, int] = {}
    for t in release.tables:
        for _, _, cid, value in t.expanded.cells():
            out[cid] = value
    return out


def test_lp_and_margin_attacks_on_linked_releases_fail(store, write_rows, tmp_path: Path) -> None:
    load_org(store, write_rows, n_staff=350, n_openings=24)
    pub = publish(store, PUBLIC, ANALYST, tmp_path / "pub")
    fra = publish(store, release_audience("member_state", "FRA"), ANALYST, tmp_path / "fra")
    truth = {**_truth(pub), **_truth(fra)}
    seen = Published([tmp_path / "pub", tmp_path / "fra"])
    # margins: no equation of any published table leaves exactly one hidden cell
    for parent, kids in seen.equations:
        hidden = [k for k in (parent, *kids) if k in seen.hidden - seen.remainder]
        assert len(hidden) != 1, hidden
    # LP over every table of both releases: small hidden cells stay wide
    small = {k for k in seen.hidden - seen.remainder if 0 < truth[k] < 10}
    assert len(small) > 20
    for k, (lo, hi) in seen.intervals(small, WIDTH).items():
        assert hi - lo >= WIDTH, (k, truth[k], lo, hi)


def test_differencing_consecutive_releases_fails(store, write_rows, tmp_path: Path) -> None:
    rows = load_org(store, write_rows, n_staff=350, n_openings=24)
    first = publish(store, PUBLIC, ANALYST, tmp_path / "n")
    # a few new staff in one cell, and a few late applications to a 2021 opening
    newcomers = [{**rows["staff"][0], "person_id": f"N{i:05d}", "nationality": "FRA",
                  "gender": "F", "grade": "P-4", "category": "P", "entity": "DPPA",
                  "snapshot_date": SNAPSHOT} for i in range(3)]
    opening = next(o for o in rows["openings"] if str(o["posted_date"]).startswith("2021")
                   and o["grade"] != "G-5")
    late = application_rows([opening], 4, seed=99, prefix="L")[:4]
    paths = [write_rows("staff", newcomers, name="staff_more.csv"),
             write_rows("applications", late, name="applications_more.csv")]
    assert ingest(paths, store).rows_quarantined == 0
    second = publish(store, PUBLIC, ANALYST, tmp_path / "n1")
    assert second.data_version != first.data_version
    old, new = Published([tmp_path / "n"]), Published([tmp_path / "n1"])
    # subtracting release N from N+1 shows no change of 1-9 in any cell published in both
    # (the exempt table of nationals in geographical posts is published in full, changes
    # included, as in the UN composition reports)
    both = {k for k in set(old.known) & set(new.known) if k[0] != "geo_staff_latest"}
    assert len(both) > 50
    moved = {k: new.known[k] - old.known[k] for k in both}
    assert not [k for k, d in moved.items() if 0 < abs(d) < 10]
    # the cells that did move by 1-9 are hidden now, and the LP cannot pin them
    truth_old, truth_new = _truth(first), _truth(second)
    changed = {k for k in truth_new if k in truth_old and 0 < abs(truth_new[k] - truth_old[k]) < 10
               and k in old.known and k[0] != "geo_staff_latest"}
    assert changed, "the added rows changed some published cells"
    assert changed <= new.hidden
    for k, (lo, hi) in new.intervals(changed, WIDTH).items():
        assert hi - lo >= WIDTH, (k, truth_new[k], lo, hi)


def test_artefacts_of_both_releases_keep_every_rule(store, write_rows, tmp_path: Path) -> None:
    from parity.core.disclosure import check_release_dir

    load_org(store, write_rows, n_staff=300, n_openings=20)
    publish(store, release_audience("manager", entity="OCHA"), ANALYST, tmp_path / "m")
    assert check_release_dir(tmp_path / "m") == []
