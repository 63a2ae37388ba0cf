"""The Slack adapter (slack-bolt AsyncApp), HTTP mode or Socket Mode.

settings     SlackSettings.from_env: tokens (or OAuth credentials), channel and group ids,
             API base, PORT
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
communities  each request's community (its team, or an org install's enterprise)
oauth        installs by OAuth: bolt's flow on /slack/install and /slack/oauth_redirect,
             uninstalls and revoked tokens (``on_removed``)
workspaces   many workspaces: each community's token, client, Directory and Messenger
app          the Web API client and the AsyncApp factory (one token, or bolt's OAuth)
run          serve_slack: registers the platform, serves HTTP (+ /health) or Socket Mode;
             on stop: no new requests, in-flight work finished (bounded), session closed
"""
