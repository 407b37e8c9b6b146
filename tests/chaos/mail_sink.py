"""An SMTP sink in a thread of the test process, shared by the scripts that count e-mail
(tests/chaos/reminders.py, tests/cluster/cluster_test.py):

    sink = mail_sink.smtp_sink()      # aiosmtpd on 127.0.0.1, a free port: sink.port
    ...                               # sink.deliveries: one Delivery per message accepted
    sink.stop()

Every message is accepted (250) and recorded with the time it arrived (time.monotonic()).
Needs aiosmtpd (Debian: python3-aiosmtpd).
"""

import asyncio
import collections
import email.parser
import threading
import time

Delivery = collections.namedtuple("Delivery", "time message_id sender rcpt subject")


class smtp_sink:
    """An aiosmtpd server on 127.0.0.1 in a thread of this process."""

    def __init__(self):
        from aiosmtpd.smtp import SMTP
        self.deliveries = []
        self.distinct = set()
        self.lock = threading.Lock()
        self.parser = email.parser.BytesHeaderParser()
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(self.loop.create_server(
                lambda: SMTP(self, hostname="sink.test", ident="copsched test sink", decode_data=False),
                host="127.0.0.1", port=0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()
            server.close()
            self.loop.run_until_complete(server.wait_closed())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.original_content)
        d = Delivery(time.monotonic(), (headers.get("Message-ID") or "").strip(), envelope.mail_from,
                     tuple(envelope.rcpt_tos), str(headers.get("Subject") or ""))
        with self.lock:
            self.deliveries.append(d)
            self.distinct.add(d.message_id)
        return "250 2.0.0 OK"

    def count(self):
        """Distinct Message-IDs received so far."""
        with self.lock:
            return len(self.distinct)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
