"""The Dagster definitions load and form one lineage graph from partner file to serving copy."""

from __future__ import annotations

import pytest

from dagster import AssetKey

from ingestion.sources import SOURCES
from orchestration.definitions import defs
from orchestration.resources import WAREHOUSE_WRITER_POOL


def asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_load_and_every_source_has_an_ingest_asset() -> None:
    graph = asset_graph()
    keys = {key for key in graph.get_all_asset_keys()}
    for source in SOURCES:
        assert AssetKey(["raw", source.name]) in keys
    assert AssetKey(["serving", "warehouse_copy"]) in keys


def test_dbt_sources_are_the_ingest_assets_so_lineage_is_one_graph() -> None:
    graph = asset_graph()
    materializable = {node.key for node in graph.asset_nodes if node.is_materializable}
    # no dangling external source assets: every upstream of a dbt model is produced by the pipeline
    for node in graph.asset_nodes:
        for parent in node.parent_keys:
            assert parent in materializable, f"{node.key.to_user_string()} depends on {parent.to_user_string()}, which nothing produces"
    staging_parents = {
        parent.to_user_string()
        for node in graph.asset_nodes
        if node.key.path[0] == "staging"
        for parent in node.parent_keys
    }
    assert {f"raw/{source.name}" for source in SOURCES} <= staging_parents


def test_marts_feed_the_serving_copy_and_writers_share_one_pool() -> None:
    graph = asset_graph()
    serving = graph.get(AssetKey(["serving", "warehouse_copy"]))
    marts = {node.key for node in graph.asset_nodes if node.key.path[0] == "marts"}
    assert marts and marts <= set(serving.parent_keys)
    for node in graph.asset_nodes:
        if node.is_materializable:
            assert node.pools == {WAREHOUSE_WRITER_POOL}, node.key.to_user_string()


def test_ingest_assets_carry_a_blocking_expectations_check() -> None:
    graph = asset_graph()
    for source in SOURCES:
        node = graph.get(AssetKey(["raw", source.name]))
        specs = {key.name: graph.get_check_spec(key) for key in node.check_keys}
        assert specs[f"{source.name}_expectations"].blocking
        assert "no_quarantined_rows" in specs


@pytest.mark.parametrize("mart", ["fct_monthly_consumption", "fct_imbalance_settlement_periods"])
def test_the_marts_money_is_computed_from_have_a_blocking_expectations_check(mart: str) -> None:
    graph = asset_graph()
    node = graph.get(AssetKey(["marts", mart]))
    specs = {key.name: graph.get_check_spec(key) for key in node.check_keys}
    assert specs[f"{mart}_expectations"].blocking
