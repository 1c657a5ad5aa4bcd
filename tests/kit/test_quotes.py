"""Quotes inside quotes are single (GB/T 15834): `lingban_kit.quotes`."""

from __future__ import annotations

from lingban_kit.quotes import inner, quoted


def test_a_quoted_title_keeps_its_own_quotes_single() -> None:
    assert quoted("“三步桥街”人居环境治理示范点") == "“‘三步桥街’人居环境治理示范点”"
    assert quoted("板凳议事会") == "“板凳议事会”"


def test_inner_changes_only_double_quotes() -> None:
    assert inner("“一老一小”助餐服务（‘试点’）") == "‘一老一小’助餐服务（‘试点’）"
    assert inner('"ascii" stays') == '"ascii" stays'
