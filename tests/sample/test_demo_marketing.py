"""The demo's Business Central scene: its numbers follow from the sample, step by step."""

from __future__ import annotations

import io
import re

from segmentkit.engine.evaluate import evaluate
from segmentkit.marketing import Marketing
from segmentkit.sample.data import SAMPLE_NOW, load_sample
from segmentkit.sample.demo_marketing import ADD, EXTRA_CONTACT, REFINE, run_marketing_scene


def scene() -> tuple[str, Marketing]:
    repo = load_sample()
    out = io.StringIO()
    run_marketing_scene(repo, out, 10)
    return out.getvalue(), Marketing(repo)


def counts(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"-> (\d+) ", text)]


def test_each_step_shows_what_the_queries_give_on_the_sample() -> None:
    text, _ = scene()
    sample = load_sample()
    added = evaluate(ADD, sample, now=SAMPLE_NOW)
    refined = added & evaluate(REFINE, sample, now=SAMPLE_NOW)
    assert EXTRA_CONTACT not in refined
    lines = len(refined) + 1
    assert counts(text) == [len(added), len(refined), lines, lines, len(refined), 1]
    assert 0 < len(refined) < len(added) < 300


def test_the_scene_leaves_a_logged_segment_and_its_follow_up() -> None:
    _, m = scene()
    (logged,) = m.logged_segments()
    assert (logged.entry_no, logged.segment_no, logged.follow_up) == (1, "SM00001", "SM00002")
    follow_up = m.segment("SM00002")
    assert follow_up is not None
    assert len(follow_up.lines) == logged.interactions
    personalised = [line for line in follow_up.lines if line.template == "PHONECALL"]
    assert [line.contact_id for line in personalised] == [EXTRA_CONTACT]
