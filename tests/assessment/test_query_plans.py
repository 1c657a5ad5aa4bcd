"""The assessment's queries are served by indexes (FerretDB on PostgreSQL or MongoDB)."""

from __future__ import annotations

import pytest

from devstack.infra import Endpoints
from lingban_kit.explain import assert_indexed
from lingban_kit.mongo import Database
from lingban_reporting.assessment.api import library_filter
from lingban_reporting.read_models.generations import MODEL_CASES, ReadModels, ensure_indexes
from lingban_supervision.assessment.facts import ratings_filter
from lingban_supervision.assessment.service import MODEL_CASES_COLLECTION, case_criteria
from lingban_supervision.inspections.service import INSPECTIONS_COLLECTION, search_criteria
from lingban_supervision.projects.inspectable import INSPECTABLE
from tests.supervision.conftest import running_app

pytestmark = pytest.mark.integration

REGIONS = ("340881000000", "340881100000", "340881100201")


async def test_supervision_reads_the_year_by_index(infra: Endpoints, database: Database) -> None:
    async with running_app(infra, database.name) as api:
        for region in REGIONS:
            await assert_indexed(api.db[INSPECTABLE], ratings_filter(region, 2026))
            await assert_indexed(
                api.db[INSPECTIONS_COLLECTION], search_criteria(region, year=2026).to_query()
            )
            for year in (2026, None):
                await assert_indexed(
                    api.db[MODEL_CASES_COLLECTION], case_criteria(region, year).to_query()
                )


async def test_the_reporting_library_is_read_by_index(database: Database) -> None:
    models = ReadModels(database, "plans")
    await ensure_indexes(models)
    for region in REGIONS:
        for year in (2026, None):
            await assert_indexed(models.collection(MODEL_CASES), library_filter(region, year))
