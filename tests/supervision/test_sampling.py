"""The random draw: stratified, reproducible from its seed, auditable, sealed when unannounced."""

from __future__ import annotations

import random

from lingban_supervision.sampling.domain import Sample, sample_id_of
from lingban_supervision.sampling.draw import (
    draw,
    drawn_ids,
    pool_digest,
    seed_commitment,
    ticket,
)

from .builders import ACTOR, NOW, OTHER_TOWNSHIP, TOWNSHIP, pool


def test_same_seed_same_pool_same_draw_whatever_the_pool_order() -> None:
    projects = pool(5)
    shuffled = projects[:]
    random.Random(7).shuffle(shuffled)
    assert draw(projects, "seed-2026-03-H1", 2) == draw(shuffled, "seed-2026-03-H1", 2)


def test_another_seed_draws_differently() -> None:
    projects = pool(10)
    draws = {tuple(drawn_ids(draw(projects, f"seed-{i}", 1))) for i in range(10)}
    assert len(draws) > 1


def test_every_township_and_category_is_a_stratum() -> None:
    strata = draw(pool(3), "s", 2)
    keys = [(s.township_code, s.category) for s in strata]
    assert keys == [
        (TOWNSHIP, "小区治理"),
        (TOWNSHIP, "民生服务"),
        (OTHER_TOWNSHIP, "小区治理"),
        (OTHER_TOWNSHIP, "民生服务"),
    ]
    assert all(s.pool_size == 3 for s in strata)
    assert all(s.drawn == 2 for s in strata)


def test_a_small_stratum_is_drawn_whole() -> None:
    strata = draw(pool(1), "s", 3)
    assert all(s.drawn == 1 for s in strata)


def test_the_draw_is_the_lowest_tickets_so_anyone_can_redo_it() -> None:
    projects = [p for p in pool(4) if p.township_code == TOWNSHIP and p.category == "小区治理"]
    [stratum] = draw(projects, "public-number-8317", 2)
    by_ticket = sorted(projects, key=lambda p: ticket("public-number-8317", p.project_id))
    assert stratum.drawn_project_ids == [p.project_id for p in by_ticket[:2]]


def test_the_pool_digest_ignores_order_but_not_content() -> None:
    projects = pool(2)
    assert pool_digest(projects) == pool_digest(list(reversed(projects)))
    assert pool_digest(projects) != pool_digest(projects[1:])


def _take(sealed: bool) -> Sample:
    return Sample.take(
        group_id="g1",
        region_code=TOWNSHIP,
        year=2026,
        half_month="2026-03-H1",
        seed="s3cret-seed",
        seed_salt="salt-0f3a",
        per_stratum=1,
        pool=pool(3),
        sealed=sealed,
        actor=ACTOR,
        now=NOW,
    )


def test_a_recorded_draw_audits_clean() -> None:
    sample = _take(sealed=False)
    audit = sample.audit()
    assert audit.matches
    assert audit.recorded == audit.redrawn
    assert len(audit.recorded) == 4


def test_a_tampered_draw_fails_the_audit() -> None:
    sample = _take(sealed=False)
    sample.pool = sample.pool[1:]  # someone quietly removed a project from the pool
    assert not sample.audit().matches


def test_a_sealed_draw_publishes_a_commitment_not_the_seed_or_projects() -> None:
    sample = _take(sealed=True)
    [drawn] = sample.pending_events
    assert drawn.type == "lingban.supervision.sample-drawn.v1"
    assert drawn.data["seed"] is None
    assert drawn.data["drawn_project_ids"] == []
    assert all(s["drawn_project_ids"] == [] for s in drawn.data["strata"])
    assert drawn.data["drawn_count"] == 4
    assert drawn.data["seed_sha256"] == sample.seed_sha256


def test_disclosing_a_sealed_draw_publishes_seed_pool_and_result() -> None:
    sample = _take(sealed=True)
    sample.disclose(ACTOR, NOW)
    disclosed = sample.pending_events[-1]
    assert disclosed.type == "lingban.supervision.sample-disclosed.v1"
    assert disclosed.data["seed"] == "s3cret-seed"
    assert disclosed.data["drawn_project_ids"] == sample.drawn_project_ids
    assert len(disclosed.data["pool"]) == 12


def test_the_seed_commitment_is_keyed_by_the_salt_revealed_at_disclosure() -> None:
    sample = _take(sealed=True)
    [drawn] = sample.pending_events
    assert drawn.data["seed_salt"] is None
    assert sample.seed_sha256 != seed_commitment("s3cret-seed", "")  # not a plain SHA-256
    assert sample.seed_sha256 == seed_commitment("s3cret-seed", "salt-0f3a")
    sample.disclose(ACTOR, NOW)
    assert sample.pending_events[-1].data["seed_salt"] == "salt-0f3a"
    sample.seed_salt = "another-salt"  # a salt swapped after the fact fails the audit
    assert not sample.audit().matches


def test_a_draw_recorded_before_salts_still_audits() -> None:
    sample = _take(sealed=False)
    sample.seed_salt = ""
    sample.seed_sha256 = seed_commitment(sample.seed, "")
    assert sample.audit().matches


def test_one_group_and_half_month_give_one_sample_id() -> None:
    assert _take(sealed=False).id == _take(sealed=True).id
    assert sample_id_of("g1", "2026-03-H1") != sample_id_of("g1", "2026-03-H2")
