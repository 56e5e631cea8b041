"""The checkout's validated content is reused while nothing changed, and never when something did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.core import content
from skill.core.content_rules import ContentError


def test_valid_content_is_cached_and_reused_until_a_file_changes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "build" / "content-cache.json"
    monkeypatch.setattr(content, "DEV_CACHE", str(cache))
    fresh = content._validated_in_checkout()
    assert json.loads(cache.read_text(encoding="utf-8"))["raw"] == fresh

    def must_not_validate(*_: object) -> None:
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(content, "load_raw", must_not_validate)
    assert content._validated_in_checkout() == fresh

    calls = []
    monkeypatch.setattr(content, "load_raw", lambda *_: calls.append(1) or {"changed": True})
    monkeypatch.setattr(content, "_fingerprint", lambda: "another-key")  # as after editing a YAML file
    assert content._validated_in_checkout() == {"changed": True}
    assert calls == [1]


def test_a_failed_validation_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "content-cache.json"
    monkeypatch.setattr(content, "DEV_CACHE", str(cache))

    def broken(*_: object) -> None:
        raise ContentError(["skill/content/en/topics.yaml:3: topics[0].speech: missing"])

    monkeypatch.setattr(content, "load_raw", broken)
    with pytest.raises(ContentError):
        content._validated_in_checkout()
    assert not cache.exists()


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(content, "DEV_CACHE", str(blocker / "content-cache.json"))
    assert content._validated_in_checkout()["locales"]["fallback"] == "en-US"


def test_the_fingerprint_follows_content_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    copy = tmp_path / "content"
    shutil.copytree(content.CONTENT_DIR, copy)
    monkeypatch.setattr(content, "CONTENT_DIR", str(copy))
    before = content._fingerprint()
    assert content._fingerprint() == before
    topics = copy / "en" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert content._fingerprint() != before
