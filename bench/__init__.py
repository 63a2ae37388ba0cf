"""`make bench`: Upstander's speed and size, measured against a floor in the same run.

Each section module (``discord_e2e``, ``slack_e2e``, ``core``, ``content``, ``memory``)
has ``async def measure(options: Options) -> list[Figure]``; ``python -m bench`` runs
them one after another, prints one table and writes the same figures as JSON under
``bench-results/``.  Nothing here asserts a time: targets are reported, not enforced.
"""
