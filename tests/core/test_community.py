from bot.core.actors import Actor
from bot.core.community import community_id, is_default, platform_of


def test_the_default_community_keeps_the_keys_stored_before_communities() -> None:
    assert Actor("discord", "42").key == "discord:42"
    assert Actor("discord", "42").community == "discord"


def test_one_person_in_two_communities_has_two_keys() -> None:
    first = Actor("discord", "42", community=community_id("discord", "G1"))
    second = Actor("discord", "42", community=community_id("discord", "G2"))
    assert first.key == "discord:G1:42"
    assert first.key != second.key


def test_the_workspace_the_environment_names_is_the_default_community() -> None:
    assert community_id("slack", "T1", default_workspace="T1") == "slack"
    assert community_id("slack", "T2", default_workspace="T1") == "slack:T2"
    assert is_default("slack") and not is_default("slack:T2")
    assert platform_of("slack:T2") == "slack" == platform_of("slack")
