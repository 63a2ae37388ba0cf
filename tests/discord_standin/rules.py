"""Discord's limits on what a bot may send, as the stand-in enforces them.

Each check returns a list of problems (empty when the payload is acceptable). The
stand-in answers a request with problems with 400 / code 50035 "Invalid Form Body", as
Discord does, so a bot that breaks a limit fails in tests rather than in production.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
LABEL_TEXT_MAX = 45
LABEL_DESCRIPTION_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
THREAD_NAME_MAX = 100
COMPONENTS_V2_MAX = 40

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)
# The locales Discord accepts as keys of name_localizations / description_localizations.
DISCORD_LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)


def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def check_embeds(embeds: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(embeds, list):
        return ["embeds must be a list"]
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"embeds: {len(embeds)} > {EMBEDS_MAX}")
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            problems.append(f"embeds[{i}] must be an object")
            continue
        title = _len(embed.get("title"))
        desc = _len(embed.get("description"))
        if title > EMBED_TITLE_MAX:
            problems.append(f"embeds[{i}].title: {title} > {EMBED_TITLE_MAX}")
        if desc > EMBED_DESCRIPTION_MAX:
            problems.append(f"embeds[{i}].description: {desc} > {EMBED_DESCRIPTION_MAX}")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.append(f"embeds[{i}].fields: {len(fields)} > {EMBED_FIELDS_MAX}")
        total += title + desc
        for j, fld in enumerate(fields):
            name, value = _len(fld.get("name")), _len(fld.get("value"))
            if name == 0 or value == 0:
                problems.append(f"embeds[{i}].fields[{j}]: name and value are required")
            if name > EMBED_FIELD_NAME_MAX:
                problems.append(f"embeds[{i}].fields[{j}].name: {name} > {EMBED_FIELD_NAME_MAX}")
            if value > EMBED_FIELD_VALUE_MAX:
                problems.append(f"embeds[{i}].fields[{j}].value: {value} > {EMBED_FIELD_VALUE_MAX}")
            total += name + value
        footer = _len((embed.get("footer") or {}).get("text"))
        author = _len((embed.get("author") or {}).get("name"))
        if footer > EMBED_FOOTER_MAX:
            problems.append(f"embeds[{i}].footer.text: {footer} > {EMBED_FOOTER_MAX}")
        if author > EMBED_AUTHOR_MAX:
            problems.append(f"embeds[{i}].author.name: {author} > {EMBED_AUTHOR_MAX}")
        total += footer + author
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds: {total} characters in total > {EMBED_TOTAL_MAX}")
    return problems


def _check_select(comp: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if _len(comp.get("custom_id")) == 0 or _len(comp.get("custom_id")) > CUSTOM_ID_MAX:
        problems.append(f"{where}.custom_id must be 1..{CUSTOM_ID_MAX} characters")
    if _len(comp.get("placeholder")) > SELECT_PLACEHOLDER_MAX:
        problems.append(f"{where}.placeholder > {SELECT_PLACEHOLDER_MAX}")
    if comp.get("type") == 3:
        options = comp.get("options") or []
        if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
            problems.append(f"{where}.options: {len(options)} not in 1..{SELECT_OPTIONS_MAX}")
        for k, opt in enumerate(options):
            for key in ("label", "value", "description"):
                if _len(opt.get(key)) > SELECT_OPTION_TEXT_MAX:
                    problems.append(f"{where}.options[{k}].{key} > {SELECT_OPTION_TEXT_MAX}")
    return problems


def check_message_components(components: Any, *, v2: bool) -> list[str]:
    if not isinstance(components, list):
        return ["components must be a list"]
    problems: list[str] = []
    custom_ids: set[str] = set()

    def walk(comp: Any, where: str) -> int:
        if not isinstance(comp, dict):
            problems.append(f"{where} must be an object")
            return 0
        count = 1
        ctype = comp.get("type")
        cid = comp.get("custom_id")
        if isinstance(cid, str):
            if cid in custom_ids:
                problems.append(f"{where}.custom_id {cid!r} is duplicated")
            custom_ids.add(cid)
        if ctype == 1:
            children = comp.get("components") or []
            buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
            if not children:
                problems.append(f"{where}: an action row needs components")
            if len(buttons) > ROW_BUTTONS_MAX:
                problems.append(f"{where}: {len(buttons)} buttons > {ROW_BUTTONS_MAX}")
            if len(buttons) != len(children) and len(children) > 1:
                problems.append(f"{where}: a select menu must be alone in its row")
            for i, child in enumerate(children):
                count += walk(child, f"{where}.components[{i}]")
        elif ctype == 2:
            label = _len(comp.get("label"))
            if label > BUTTON_LABEL_MAX:
                problems.append(f"{where}.label: {label} > {BUTTON_LABEL_MAX}")
            style = comp.get("style")
            if style == 5:
                if not comp.get("url"):
                    problems.append(f"{where}: a link button needs a url")
            elif style == 6:
                if not comp.get("sku_id"):
                    problems.append(f"{where}: a premium button needs a sku_id")
            elif not isinstance(cid, str) or not 1 <= len(cid) <= CUSTOM_ID_MAX:
                problems.append(f"{where}.custom_id must be 1..{CUSTOM_ID_MAX} characters")
            if label == 0 and not comp.get("emoji") and style != 6:
                problems.append(f"{where}: a button needs a label or an emoji")
        elif ctype in (3, 5, 6, 7, 8):
            problems.extend(_check_select(comp, where))
        else:
            for key in ("components",):
                for i, child in enumerate(comp.get(key) or []):
                    count += walk(child, f"{where}.{key}[{i}]")
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    count += walk(comp[key], f"{where}.{key}")
        return count

    if not v2:
        if len(components) > ACTION_ROWS_MAX:
            problems.append(f"components: {len(components)} rows > {ACTION_ROWS_MAX}")
        for i, row in enumerate(components):
            if not isinstance(row, dict) or row.get("type") != 1:
                problems.append(f"components[{i}] must be an action row (type 1)")
    total = sum(walk(c, f"components[{i}]") for i, c in enumerate(components))
    if v2 and total > COMPONENTS_V2_MAX:
        problems.append(f"components: {total} > {COMPONENTS_V2_MAX}")
    return problems


def check_message(body: Any, *, files: int = 0, edit: bool = False) -> list[str]:
    """A message create / edit body (channel message, interaction reply, follow-up)."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems: list[str] = []
    flags = body.get("flags") or 0
    v2 = bool(flags & FLAG_IS_COMPONENTS_V2)
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        problems.append("content must be a string")
    if _len(content) > MESSAGE_CONTENT_MAX:
        problems.append(f"content: {_len(content)} > {MESSAGE_CONTENT_MAX}")
    if v2 and (content or body.get("embeds")):
        problems.append("content and embeds cannot be used with IS_COMPONENTS_V2")
    if body.get("embeds") is not None:
        problems.extend(check_embeds(body["embeds"]))
    if body.get("components") is not None:
        problems.extend(check_message_components(body["components"], v2=v2))
    if not edit:
        has_something = (
            bool(content)
            or bool(body.get("embeds"))
            or bool(body.get("components"))
            or bool(body.get("sticker_ids"))
            or bool(body.get("poll"))
            or files > 0
        )
        if not has_something:
            problems.append("Cannot send an empty message")
    return problems


def check_modal(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["modal data must be an object"]
    problems: list[str] = []
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= MODAL_TITLE_MAX:
        problems.append(f"title must be 1..{MODAL_TITLE_MAX} characters")
    cid = data.get("custom_id")
    if not isinstance(cid, str) or not 1 <= len(cid) <= CUSTOM_ID_MAX:
        problems.append(f"custom_id must be 1..{CUSTOM_ID_MAX} characters")
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        problems.append(f"components: {len(components)} not in 1..{MODAL_COMPONENTS_MAX}")
    for i, top in enumerate(components):
        inner: list[Any]
        if top.get("type") == 1:
            inner = top.get("components") or []
        elif top.get("type") == 18:
            if _len(top.get("label")) == 0 or _len(top.get("label")) > LABEL_TEXT_MAX:
                problems.append(f"components[{i}].label must be 1..{LABEL_TEXT_MAX} characters")
            if _len(top.get("description")) > LABEL_DESCRIPTION_MAX:
                problems.append(f"components[{i}].description > {LABEL_DESCRIPTION_MAX}")
            inner = [top.get("component")]
        else:
            inner = []
        for comp in inner:
            if not isinstance(comp, dict) or comp.get("type") != 4:
                continue
            label = comp.get("label")
            if top.get("type") == 1 and (
                not isinstance(label, str) or not 1 <= len(label) <= TEXT_INPUT_LABEL_MAX
            ):
                problems.append(f"components[{i}] text input label must be 1..45 characters")
            for key in ("max_length", "min_length"):
                v = comp.get(key)
                if v is not None and not 0 <= v <= TEXT_INPUT_VALUE_MAX:
                    problems.append(f"components[{i}].{key} must be 0..{TEXT_INPUT_VALUE_MAX}")
            if _len(comp.get("value")) > TEXT_INPUT_VALUE_MAX:
                problems.append(f"components[{i}].value > {TEXT_INPUT_VALUE_MAX}")
    return problems


def check_autocomplete(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["autocomplete data must be an object"]
    choices = data.get("choices")
    if not isinstance(choices, list):
        return ["choices must be a list"]
    problems: list[str] = []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        problems.append(f"choices: {len(choices)} > {AUTOCOMPLETE_CHOICES_MAX}")
    for i, ch in enumerate(choices):
        name = ch.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            problems.append(f"choices[{i}].name must be 1..{CHOICE_NAME_MAX} characters")
        value = ch.get("value")
        if isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
            problems.append(f"choices[{i}].value > {CHOICE_STRING_VALUE_MAX}")
    return problems


def check_command(cmd: Any) -> list[str]:
    if not isinstance(cmd, dict):
        return ["a command must be an object"]
    problems: list[str] = []
    ctype = cmd.get("type", 1)
    name = cmd.get("name")
    if not isinstance(name, str) or not name:
        return ["name is required"]
    if ctype == 1:
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            problems.append(f"{name}: a slash command name must be 1..32 lowercase characters")
        desc = cmd.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            problems.append(f"{name}: description must be 1..100 characters")
    elif len(name) > 32:
        problems.append(f"{name}: name > 32")

    def check_options(options: list[Any], where: str) -> None:
        if len(options) > 25:
            problems.append(f"{where}: {len(options)} options > 25")
        seen: set[str] = set()
        optional_seen = False
        for opt in options:
            oname = opt.get("name", "")
            if oname in seen:
                problems.append(f"{where}.{oname}: duplicate option name")
            seen.add(oname)
            if not COMMAND_NAME_RE.match(oname) or oname != oname.lower():
                problems.append(f"{where}.{oname}: option name must be 1..32 lowercase chars")
            odesc = opt.get("description")
            if not isinstance(odesc, str) or not 1 <= len(odesc) <= 100:
                problems.append(f"{where}.{oname}: description must be 1..100 characters")
            if opt.get("type") in (1, 2):
                check_options(opt.get("options") or [], f"{where}.{oname}")
                continue
            if opt.get("required"):
                if optional_seen:
                    problems.append(f"{where}.{oname}: required options must come first")
            else:
                optional_seen = True
            if len(opt.get("choices") or []) > 25:
                problems.append(f"{where}.{oname}: more than 25 choices")
            if opt.get("choices") and opt.get("autocomplete"):
                problems.append(f"{where}.{oname}: choices and autocomplete are exclusive")

    check_options(cmd.get("options") or [], name)
    problems += _localization_problems(cmd, name)
    return problems


def _localization_problems(cmd: Any, where: str) -> list[str]:
    """A command's, its options' and choices' translations follow the same rules."""
    problems: list[str] = []
    names = cmd.get("name_localizations") or {}
    for locale, text in names.items():
        if locale not in DISCORD_LOCALES:
            problems.append(f"{where}: {locale!r} is not a Discord locale")
        if not isinstance(text, str) or not 1 <= len(text) <= 100:
            problems.append(f"{where}: the {locale} name must be 1..100 characters")
        elif "value" not in cmd and (not COMMAND_NAME_RE.match(text) or text != text.lower()):
            # Command and option names follow the name rule; a choice's name is free text.
            problems.append(f"{where}: the {locale} name {text!r} is not a valid name")
    for locale, text in (cmd.get("description_localizations") or {}).items():
        if locale not in DISCORD_LOCALES or not isinstance(text, str):
            problems.append(f"{where}: bad description localization {locale!r}")
        elif not 1 <= len(text) <= 100:
            problems.append(f"{where}: the {locale} description must be 1..100 characters")
    for child in [*(cmd.get("options") or []), *(cmd.get("choices") or [])]:
        problems += _localization_problems(child, f"{where}.{child.get('name', '?')}")
    return problems
