"""Moderators' YAML → a validated, immutable `Catalog`, with `file:line` for every problem.

load_catalog / validate      loader.py   the whole content tree, all problems at once
ContentHolder                holder.py   the serving catalog; reload in a worker process
write_schemas                schema.py   JSON Schema for editors, from the same models
walk_paths / playthrough_*   playthrough.py  every path through a scenario
validate_command / schema_command  cli.py  what `python -m bot content ...` prints
"""

from bot.content.cli import schema_command, validate_command
from bot.content.holder import ContentHolder, ReloadResult
from bot.content.loader import Coverage, ValidationReport, load_catalog, validate
from bot.content.playthrough import playthrough_problems, walk, walk_paths
from bot.content.schema import write_schemas

__all__ = [
    "ContentHolder",
    "Coverage",
    "ReloadResult",
    "ValidationReport",
    "load_catalog",
    "playthrough_problems",
    "schema_command",
    "validate",
    "validate_command",
    "walk",
    "walk_paths",
    "write_schemas",
]
