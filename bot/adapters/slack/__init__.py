"""The Slack adapter (slack-bolt AsyncApp), HTTP mode or Socket Mode.

settings     SlackSettings.from_env: tokens, channel and group ids, API base, PORT
convert      Slack payloads → Actor, command arguments, form values (pure)
render       core Reply/Form → Block Kit messages, modals and the Home tab (pure)
directory    roles from user groups, the volunteers' channel and admin flags (cached)
messenger    outbox deliveries: chat.postMessage / chat.update, DeliveryError on failure
answer       replying to the person who asked: ack body, response_url, modal, DM
work         the work listeners hand over after their ack (tracked, finished on stop)
             and the one aiohttp session for the Web API and response_urls
commands     /upstander <subcommand>
interactions buttons, the Home picker, modal submissions
events       DMs to the bot (the check-in relay) and app_home_opened
app          the Web API client and the AsyncApp factory (the OAuth seam is here)
run          serve_slack: registers the platform, serves HTTP (+ /health) or Socket Mode;
             on stop: no new requests, in-flight work finished (bounded), session closed
"""
