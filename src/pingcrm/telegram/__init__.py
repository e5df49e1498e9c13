"""Telegram integration (MTProto through Telethon, reached only through ``gateway``)."""
