"""Migration 0003 re-masks what older versions stored, the way the masks now read."""

import importlib

sealed = importlib.import_module("wangge.fusion.migrations.0003_sourcerecord_sealed")


def test_old_id_masks_lose_their_check_digit():
    assert sealed.remask_id("110105********2733") == "110105********273*"
    assert sealed.remask_id("11010519********002X") == "11010519********002X"  # not an old mask
    assert sealed.remask_id("110105******002") == "110105******00*"
    assert sealed.remask_id("1***5") == "1***5"


def test_old_phone_masks_keep_only_their_last_two_digits():
    assert sealed.remask_phone("138****5678") == "138******78"
    assert sealed.remask_phone("010-****5678") == "010-******78"
    assert sealed.remask_phone("139****5678/010-****5678") == "139******78/010-******78"
    assert sealed.remask_phone("******78") == "******78"
