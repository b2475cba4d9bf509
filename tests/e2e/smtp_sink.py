#!/usr/bin/python3
"""A real SMTP server for the end-to-end tests (aiosmtpd, Debian's
python3-aiosmtpd): STARTTLS required, recipients starting with "refused"
answered 550 (a permanent failure), every accepted message written to
DIR/N.json as {"rcpt_tos", "from", "to", "subject", "body", "tls"} with the
headers and body decoded, so tests read what a mail client would show.

Usage: tests/e2e/smtp_sink.py PORT DIR CERT KEY  (prints "ready" once listening)
"""
import asyncio
import email
import email.policy
import json
import pathlib
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        cipher = session.ssl.get("cipher") if session.ssl else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_content(),
            "tls": list(cipher) if cipher else None,
        }
        self.count += 1
        partial = self.out / (".%d.json" % self.count)
        partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        partial.rename(self.out / ("%d.json" % self.count))
        return "250 Message accepted"


async def main():
    port, out, cert, key = int(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Sink(out)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, tls_context=context, require_starttls=True, hostname="sink.test"),
        host="127.0.0.1",
        port=port,
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
