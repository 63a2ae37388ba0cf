"""A large content library in the shipped format, for the content and core benchmarks.

Scenarios are shaped like the bundled ones (a few decision steps of 2-4 choices, two or
three endings, paragraphs of text and feedback) so that parsing and validating them costs
what a real library of that size would.  The bundled bot copy and check-in rules are copied
as they are.  Everything is deterministic: the same sizes give the same bytes.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONTENT = ROOT / "scripts_content"

TACTICS = ("distract", "delegate", "document", "delay", "direct", "none")
KINDS = ("book", "article", "guide", "talk", "video", "podcast", "organisation", "course")
AUDIENCES = ("everyone", "allies", "organisers", "managers", "moderators", "educators")
_WORD_TEXT = (
    "colleague remark meeting laugh silence notice chat voice moment group friend stranger "
    "manager quiet joke comment name accent scarf bus platform thread server message "
    "afterwards record witness support safety calm question change subject help later "
    "together room table evening lunch train queue shop neighbour team project channel"
)
WORDS = tuple(_WORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class Library:
    content_dir: Path
    resources_file: Path
    scenarios: int
    resources: int
    scenario_ids: tuple[str, ...]
    size_bytes: int  # of every YAML file written


def generate(folder: Path, *, scenarios: int, resources: int, seed: int = 7) -> Library:
    """Write a content tree and a resources file under `folder`."""
    rng = random.Random(seed)
    content_dir = folder / "content"
    (content_dir / "scenarios").mkdir(parents=True, exist_ok=True)
    shutil.copytree(SHIPPED_CONTENT / "messages", content_dir / "messages", dirs_exist_ok=True)
    shutil.copy(SHIPPED_CONTENT / "checkin.yaml", content_dir / "checkin.yaml")
    resource_ids = [f"res-{n:05d}" for n in range(resources)]
    resources_file = folder / "resources.yaml"
    resources_file.write_text(_resources_yaml(rng, resource_ids), encoding="utf-8")
    ids = []
    for n in range(scenarios):
        scenario_id = f"scenario-{n:05d}"
        ids.append(scenario_id)
        path = content_dir / "scenarios" / f"{scenario_id}.yaml"
        path.write_text(_scenario_yaml(rng, scenario_id, n, resource_ids), encoding="utf-8")
    size = sum(path.stat().st_size for path in folder.rglob("*.yaml"))
    return Library(content_dir, resources_file, scenarios, resources, tuple(ids), size)


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(picked).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 14)) for _ in range(sentences))


def _block(text: str, indent: int) -> str:
    """A `|` block scalar, wrapped at about 88 columns like the shipped files."""
    pad = " " * indent
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > 84:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "|\n" + "\n".join(pad + line for line in lines)


def _scenario_yaml(rng: random.Random, scenario_id: str, n: int, resource_ids: list[str]) -> str:
    decisions = rng.randint(3, 4)
    endings = rng.randint(2, 3)
    decision_ids = ["opening", *[f"step-{i}" for i in range(1, decisions)]]
    ending_ids = [f"ending-{i}" for i in range(endings)]
    focus = rng.sample(TACTICS[:5], 2)
    refs = rng.sample(resource_ids, min(3, len(resource_ids)))
    out = [
        "# yaml-language-server: $schema=../schema/scenario.schema.json",
        f"id: {scenario_id}",
        f"title: Generated scenario number {n}",
        f"summary: >\n  {_paragraph(rng, 2)}",
        f"setting: {rng.choice(WORDS)} {rng.choice(WORDS)}",
        f"focus: [{', '.join(focus)}]",
        f"content_warnings: [a remark about {rng.choice(WORDS)}]",
        f"resources: [{', '.join(refs)}]",
        f"reflection: >\n  {_sentence(rng, 12)}",
        "start: opening",
        "steps:",
    ]
    for index, step_id in enumerate(decision_ids):
        later = decision_ids[index + 1 :] + ending_ids
        out.append(f"  {step_id}:")
        out.append(f"    text: {_block(_paragraph(rng, rng.randint(3, 5)), 6)}")
        out.append("    choices:")
        last = index == len(decision_ids) - 1
        count = max(rng.randint(2, 4), len(ending_ids) if last else 2)
        tactics = rng.sample(TACTICS, count)
        for choice, tactic in enumerate(tactics):
            # The first choice walks on to the next step and the last step fans out over
            # every ending, so every step is reachable, as validation requires.
            if last:
                target = ending_ids[choice % len(ending_ids)]
            else:
                target = later[0] if choice == 0 else rng.choice(later)
            out.append(f"      - label: {_sentence(rng, rng.randint(4, 8))[:70]}")
            out.append(f"        tactic: {tactic}")
            out.append(f"        feedback: {_block(_paragraph(rng, 2), 10)}")
            out.append(f"        next: {target}")
    for step_id in ending_ids:
        out.append(f"  {step_id}:")
        out.append(f"    text: {_block(_paragraph(rng, 2), 6)}")
        out.append("    end: true")
        out.append(f"    takeaway: {_sentence(rng, 10)}")
    return "\n".join(out) + "\n"


def _resources_yaml(rng: random.Random, resource_ids: list[str]) -> str:
    per_topic = 100
    out = ["# yaml-language-server: $schema=scripts_content/schema/resources.schema.json"]
    out.append("topics:")
    for start in range(0, len(resource_ids), per_topic):
        topic = start // per_topic
        out.append(f"  - id: topic-{topic:03d}")
        out.append(f"    title: Generated topic {topic}")
        out.append(f"    summary: >\n      {_sentence(rng, 14)}")
        out.append("    resources:")
        for rid in resource_ids[start : start + per_topic]:
            out.append(f"      - id: {rid}")
            out.append(f"        title: {_sentence(rng, 6)}")
            out.append(f"        author: {rng.choice(WORDS).title()} {rng.choice(WORDS).title()}")
            out.append(f"        kind: {rng.choice(KINDS)}")
            out.append(f"        url: https://example.org/{rid}")
            out.append(f"        summary: >\n          {_paragraph(rng, 2)}")
            out.append(f"        audience: {rng.choice(AUDIENCES)}")
            out.append("        last_reviewed: 2026-11-21")
    shipped = (ROOT / "resources.yaml").read_text(encoding="utf-8")
    # The shipped crisis lines, so that every region the bot knows is still there.
    out.append(shipped[shipped.index("\ncrisis_lines:") + 1 :].rstrip())
    return "\n".join(out) + "\n"
