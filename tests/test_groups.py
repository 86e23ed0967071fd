"""Groups: the bot works in private chats only; in a group it says so, once, to whoever
addressed it, and otherwise keeps quiet, so a bureau's group is not flooded and the
officials' own chats with the bot are not held up by it.

Updates Telegram would send but the emulator's people cannot make (a linked channel's
post, an edit) are shaped as Bot API 10.0 describes them and put straight into the
emulator's update queue. Topics (of a forum supergroup, and of a private chat of a bot in
forum topic mode) are the emulator's own: answers asked in a topic land in that topic.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot import texts as t
from bot.demo import World

WAIT = 15.0
GROUP_ID = -1001234567890


def push_raw(world: World, kind: str, payload: dict[str, Any]) -> None:
    """An update as Telegram would send it."""
    state = world.emu.state
    state.updates.append({"update_id": state.next_update_id, kind: payload})
    state.next_update_id += 1
    state.notify()


async def handled(world: World, within: float = WAIT) -> None:
    """Until Telegram has nothing left for the bot and the bot has forgotten every update
    (the inbox forgets a handled update about a second after it was handled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    db = world.services.db
    while world.emu.state.updates or await db.read(
        lambda tx: tx.value("SELECT COUNT(*) FROM inbox", ())
    ):
        assert loop.time() < deadline, "updates never handled"
        await asyncio.sleep(0.05)
    await world.drained()


def sent_to(world: World, chat_id: int) -> list[dict[str, Any]]:
    """The messages the bot sent to a chat (the parameters of each call)."""
    return [
        c.params
        for c in world.emu.calls
        if c.method.startswith("send") and str(c.params.get("chat_id")) == str(chat_id)
    ]


async def kabag_is_answered_at_once(world: World) -> None:
    """Once the bot has taken a group's flood of commands, Kabag's /saya in his private
    chat is answered within 5 s: not behind the answers to the group."""
    await asyncio.sleep(0.5)  # the bot has taken them
    kabag = world["kabag"]
    kabag.mark_seen()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await kabag.send("/saya")
    await kabag.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=120)
    assert loop.time() - started < 5, "Kabag's /saya waited behind the group's answers"
    await handled(world)


async def test_commands_typed_in_a_busy_group_do_not_hold_up_the_officials(world: World) -> None:
    """45 colleagues in the bureau's group try /tugas. Telegram allows 20 messages a minute
    in a group: the first 20 are told "private only", the rest is not answered (it would
    be noise, and waiting 3 s apiece for the group's pace would hold the update processor's
    places). Kabag, in his private chat, sends /saya meanwhile: answered at once."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    colleagues = [world.emu.user(600_000 + n, f"Staf {n}") for n in range(45)]
    for colleague in colleagues:
        await colleague.send("/tugas", chat=group)
    await kabag_is_answered_at_once(world)
    answers = [m.text for m in group.messages if m.from_bot]
    assert answers == [t.PRIVATE_ONLY] * 20


async def test_a_command_in_a_forum_topic_is_answered_in_that_topic(world: World) -> None:
    """Kasubag types /tugas@sopbot_demo_bot in the topic "Perencanaan" of the bureau's
    forum supergroup. The answer is a reply to his command in that topic, and names the
    topic too (should the command be deleted first): a message sent without one goes to the
    General topic, where nobody asked."""
    forum = world.emu.group(-1009876543210, "Forum Biro", forum=True)
    topic = forum.open_topic("Perencanaan")
    command = await world["kasubag"].send("/tugas@sopbot_demo_bot", chat=forum, topic=topic)
    await handled(world)
    (answer,) = sent_to(world, forum.id)
    assert answer["text"] == t.PRIVATE_ONLY
    assert answer["reply_parameters"]["message_id"] == command.message_id
    assert answer["message_thread_id"] == topic
    (shown,) = [m for m in forum.messages if m.from_bot]
    assert shown.topic == topic and shown.record.reply_to is command.record
    # in a plain group too, the answer says whom it answers
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    command = await world["kabag"].send("/saya", chat=group)
    refusal = await world["kabag"].wait_message(timeout=WAIT, chat=group)
    assert refusal.record.reply_to is command.record


async def test_an_edited_command_in_a_group_is_not_answered_again(world: World) -> None:
    """Kabag corrects his "/tgas" typo in the group to "/tugas": the bot has already said
    that it works in the private chat only; a second answer would be noise."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    kabag = world["kabag"]
    sent = await kabag.send("/tgas", chat=group)
    await handled(world)
    assert [m["text"] for m in sent_to(world, GROUP_ID)] == [t.PRIVATE_ONLY]
    now = world.emu.state.now()
    edited = {
        "message_id": sent.record.message_id,
        "from": kabag.record.to_api(),
        "chat": group.record.to_api(),
        "date": now,
        "edit_date": now,
        "text": "/tugas",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    push_raw(world, "edited_message", edited)
    await handled(world)
    assert len(sent_to(world, GROUP_ID)) == 1, "the edit was answered again"


async def test_a_linked_channel_post_in_the_discussion_group_is_not_answered(
    world: World,
) -> None:
    """The bureau's channel posts "/tugas minggu ini: lengkapi TOR" and Telegram forwards it
    into the linked discussion group (from Telegram, 777000, on behalf of the channel).
    Nobody asked the bot: it stays silent there."""
    group = world.emu.group(GROUP_ID, "Diskusi Biro")
    group.set_bot_admin()
    channel = {"id": -1005555555555, "title": "Info Biro", "type": "channel"}
    now = world.emu.state.now()
    text = "/tugas minggu ini: lengkapi TOR"
    forwarded = {
        "message_id": 60,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": channel,
        "is_automatic_forward": True,
        "forward_origin": {"type": "channel", "chat": channel, "message_id": 9, "date": now},
        "chat": group.record.to_api(),
        "date": now,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    push_raw(world, "message", forwarded)
    await handled(world)
    assert sent_to(world, GROUP_ID) == []


async def test_an_anonymous_administrators_commands_in_the_group_are_answered(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """An administrator of the bureau's group who posts anonymously types /start,
    /tugas@sopbot_demo_bot and /tugas there: Telegram sends each on behalf of the group
    (from GroupAnonymousBot, sender_chat the group). Whoever it is asked the bot, and is
    told, in reply to each command, that the bot serves officials in a private chat, that a
    message sent anonymously as the group is no official's the bot can recognise, and where
    to write: @sopbot_demo_bot. Chatter and another bot's command are not answered; nothing
    fails, no one is recorded for it, and Kasubag's /tugas in the group just after is
    answered as ever: "private chats only", in reply to him."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    group.set_bot_admin()
    people = await world.services.db.read(lambda tx: tx.value("SELECT COUNT(*) FROM people", ()))
    commands = []
    for text in ("/start", "Selamat pagi", "/tugas@sopbot_demo_bot", "/poll@AnotherBot", "/tugas"):
        sent = await group.send_anonymously(text, signature="Kepala Bagian Umum")
        if not text.startswith(("Selamat", "/poll")):
            commands.append(sent.record)
    await handled(world)
    answers = [m for m in group.messages if m.from_bot]
    told = t.PRIVATE_ONLY_ANONYMOUS.format(bot="sopbot_demo_bot")
    assert [m.text for m in answers] == [told] * 3
    assert [m.record.reply_to for m in answers] == commands
    assert "@sopbot_demo_bot" in told and "anonim" in told
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    after = await world.services.db.read(lambda tx: tx.value("SELECT COUNT(*) FROM people", ()))
    assert after == people
    kasubag = world["kasubag"]
    kasubag.mark_seen(chat=group)
    asked = await kasubag.send("/tugas", chat=group)
    answer = await kasubag.wait_message(timeout=WAIT, chat=group)
    assert answer.text == t.PRIVATE_ONLY and answer.record.reply_to is asked.record


async def test_an_anonymous_administrators_many_commands_get_no_more_answers_than_the_group_allows(
    world: World,
) -> None:
    """An anonymous administrator of the bureau's group (or several: Telegram shows them
    all as the group) types /tugas 30 times within a minute. Telegram allows 20 messages a
    minute in a group: the first 20 are told where the bot serves, the rest is not answered
    (the answers are not queued to go at the group's pace, one every 3 s, holding the
    update processor's places). Kabag, in his private chat, sends /saya meanwhile:
    answered at once."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    group.set_bot_admin()
    for _ in range(30):
        await group.send_anonymously("/tugas", signature="Kepala Bagian Umum")
    await kabag_is_answered_at_once(world)
    answers = [m.text for m in group.messages if m.from_bot]
    assert answers == [t.PRIVATE_ONLY_ANONYMOUS.format(bot="sopbot_demo_bot")] * 20


async def test_an_anonymous_administrators_command_in_a_forum_topic_is_answered_there(
    world: World,
) -> None:
    """In the topic "Perencanaan" of the bureau's forum supergroup, an anonymous
    administrator types /tugas: the answer is a reply in that topic, not in General."""
    forum = world.emu.group(-1009876543210, "Forum Biro", forum=True)
    topic = forum.open_topic("Perencanaan")
    command = await forum.send_anonymously("/tugas", topic=topic)
    await handled(world)
    (shown,) = [m for m in forum.messages if m.from_bot]
    assert shown.text == t.PRIVATE_ONLY_ANONYMOUS.format(bot="sopbot_demo_bot")
    assert shown.topic == topic and shown.record.reply_to is command.record


async def test_a_message_sent_as_a_channel_is_not_answered(world: World) -> None:
    """A colleague writes "/tugas" in the bureau's group as the bureau's channel (Telegram:
    from Channel_Bot, sender_chat the channel), and the channel itself posts "/tugas": no
    one the bot could answer asked (the bot does not even ask Telegram for channel posts;
    one that came all the same is not answered either)."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    group.set_bot_admin()
    channel_id = -1005555555555
    channel = {"id": channel_id, "title": "Info Biro", "type": "channel"}
    now = world.emu.state.now()
    command = {"text": "/tugas", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    as_channel = {
        "message_id": 80,
        "from": {
            "id": 136817688,
            "is_bot": True,
            "first_name": "Channel",
            "username": "Channel_Bot",
        },
        "sender_chat": channel,
        "chat": group.record.to_api(),
        "date": now,
        **command,
    }
    push_raw(world, "message", as_channel)
    post = {"message_id": 10, "sender_chat": channel, "chat": channel, "date": now, **command}
    push_raw(world, "channel_post", post)
    await handled(world)
    assert sent_to(world, GROUP_ID) == [] and sent_to(world, channel_id) == []


async def test_telegrams_429_for_the_group_does_not_hold_up_the_officials(world: World) -> None:
    """A colleague types /tugas in the bureau's group and Telegram answers the bot's "private
    only" there with a 429 (the group's 20 messages a minute spent: retry after 30 s). That
    is the group's limit: Kabag's /saya in his private chat meanwhile is answered at once,
    not 30 s later; the group is left alone for those 30 s."""
    group = world.emu.group(GROUP_ID, "Biro Perencanaan")
    colleague = world.emu.user(600_100, "Staf")
    world.emu.faults.fail(1, status=429, method="sendMessage", retry_after=30)
    await colleague.send("/tugas", chat=group)
    await world.emu.wait_until(
        lambda: any(c.method == "sendMessage" for c in world.emu.calls if c.status == 429),
        timeout=WAIT,
    )
    kabag = world["kabag"]
    kabag.mark_seen()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await kabag.send("/saya")
    await kabag.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=60)
    assert loop.time() - started < 5, "Kabag's /saya waited out the group's 429"
    # the group itself is not written to again while its 429 lasts
    await colleague.send("/tugas", chat=group)
    await handled(world)
    assert [m.text for m in group.messages if m.from_bot] == []


async def test_kabag_asks_in_a_topic_of_his_private_chat_and_sees_the_answers_in_that_topic(
    world: World,
) -> None:
    """The bot runs in forum topic mode (BotFather), and Kabag keeps a topic "Renja 2027" in
    his chat with it. He asks /saya and /bantuan there, and Karo asks /laporan in a topic of
    his: every answer (the chart and the paper too) lands in the topic asked in, not in the
    General topic where nobody asked. Asked in General, /saya is answered in General."""
    world.emu.topics_in_private_chats = True
    me = await world.app.bot.get_me() if world.app is not None else None
    assert me is not None and me.has_topics_enabled
    kabag, karo = world["kabag"], world["karo"]
    topic = kabag.open_topic("Renja 2027")
    before = len(kabag.bot_messages)
    await kabag.send("/saya", topic=topic)
    await kabag.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
    await kabag.send("/bantuan", topic=topic)
    await kabag.wait_message(lambda m: "Peran" in m.text, timeout=WAIT)
    await handled(world)
    answers = kabag.bot_messages[before:]
    assert len(answers) >= 2 and [m.topic for m in answers] == [topic] * len(answers)
    # Karo's report: the chart and the paper, in his topic
    reports = karo.open_topic("Laporan")
    karo.mark_seen()
    await karo.send("/laporan", topic=reports)
    chart = await karo.wait_message(lambda m: m.photo is not None, timeout=60)
    paper = await karo.wait_message(lambda m: m.document is not None, timeout=60)
    assert (chart.topic, paper.topic) == (reports, reports)
    # asked in General, answered in General
    kabag.mark_seen()
    await kabag.send("/saya")
    general = await kabag.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
    assert general.topic is None
