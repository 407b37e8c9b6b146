"""A private Dovecot IMAP server for the reply-job tests and benchmark (Debian dovecot-imapd).

    import dovecot
    with dovecot.server(workdir) as imap:       # 127.0.0.1, a free port: imap.port
        imap.user, imap.password_file           # one passwd-file user, "rsvp"
        imap.append(raw_bytes)                  # IMAP APPEND into INBOX
        imap.deliver_maildir(list_of_bytes)     # many messages at once, written into the maildir
        imap.flags()                            # {uid: set of flags} of INBOX

Runs `dovecot -c CONF -F` in the foreground with everything (config, base_dir, state,
maildir, log) under workdir. As root (CI), the login processes run as `dovenull` (or
`nobody`), the internal ones as `dovecot` (or `nobody`) and the mail user as `nobody`,
since Dovecot refuses to run imap-login or a mail process as root; otherwise all run as
the calling user.
"""

import imaplib
import os
import pwd
import grp
import shutil
import socket
import subprocess
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _user(*names):
    for n in names:
        try:
            return pwd.getpwnam(n)
        except KeyError:
            pass
    raise SystemExit("none of the users %s exists (Dovecot needs an unprivileged one)" % (names,))


class server:
    def __init__(self, workdir, user="rsvp", password="geheim-imap"):
        self.dir = os.path.join(workdir, "dovecot")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(workdir, 0o755)
        os.chmod(self.dir, 0o755)
        self.user = user
        self.password = password
        self.port = free_port()
        self.maildir = os.path.join(self.dir, "mail", user)
        self.proc = None
        self.password_file = os.path.join(workdir, "imap-password")
        with open(self.password_file, "w") as f:
            f.write(password + "\n")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if shutil.which("dovecot") is None and not os.path.exists("/usr/sbin/dovecot"):
            raise SystemExit("dovecot not found: install dovecot-imapd (deploy/lib.sh TEST_PACKAGES)")
        root = os.geteuid() == 0
        if root:
            login = _user("dovenull", "nobody")
            internal = _user("dovecot", "nobody")
            mail = _user("nobody")
        else:
            login = internal = mail = pwd.getpwuid(os.geteuid())
        os.makedirs(os.path.join(self.dir, "mail"), exist_ok=True)
        os.chown(os.path.join(self.dir, "mail"), mail.pw_uid, mail.pw_gid)
        passwd = os.path.join(self.dir, "passwd")
        with open(passwd, "w") as f:
            f.write("%s:{PLAIN}%s\n" % (self.user, self.password))
        os.chmod(passwd, 0o644)
        conf = os.path.join(self.dir, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""# Written by tests/inbox/dovecot.py
protocols = imap
listen = {HOST}
base_dir = {self.dir}/run
state_dir = {self.dir}/state
instance_name = copsched-test-{self.port}
log_path = {self.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.dir}/mail/%u
default_internal_user = {internal.pw_name}
default_internal_group = {grp.getgrgid(internal.pw_gid).gr_name}
default_login_user = {login.pw_name}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={self.dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        self.proc = subprocess.Popen(["dovecot", "-c", conf, "-F"], stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "w"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("dovecot exited: %s" % self.log())
            try:
                c = self.connect()
                c.logout()
                self._mail_user = mail
                return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.05)
        raise SystemExit("dovecot did not answer: %s" % self.log())

    def log(self):
        out = ""
        for name in ("stderr.log", "dovecot.log"):
            p = os.path.join(self.dir, name)
            if os.path.exists(p):
                out += open(p, errors="replace").read()[-3000:]
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def connect(self):
        c = imaplib.IMAP4(HOST, self.port)
        c.login(self.user, self.password)
        return c

    def url(self, mailbox="INBOX"):
        return "imap://%s:%d/%s" % (HOST, self.port, mailbox)

    def append(self, raw, mailbox="INBOX"):
        c = self.connect()
        try:
            typ, data = c.append(mailbox, None, None, raw)
            if typ != "OK":
                raise RuntimeError("APPEND failed: %r" % data)
        finally:
            c.logout()

    def deliver_maildir(self, messages):
        """Writes the messages straight into INBOX's maildir `new/` (fast: thousands at once)."""
        c = self.connect()  # makes sure the maildir exists
        c.select("INBOX")
        c.logout()
        new = os.path.join(self.maildir, "new")
        tmp = os.path.join(self.maildir, "tmp")
        os.makedirs(new, exist_ok=True)
        os.makedirs(tmp, exist_ok=True)
        base = int(time.time())
        for i, raw in enumerate(messages):
            name = "%d.M%dP%d.copsched-test" % (base, i, os.getpid())
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(raw)
            os.chown(path, self._mail_user.pw_uid, self._mail_user.pw_gid)
            os.rename(path, os.path.join(new, name))

    def flags(self, mailbox="INBOX"):
        """{uid: set of flags} of every message in the mailbox."""
        c = self.connect()
        try:
            c.select(mailbox, readonly=True)
            typ, data = c.uid("FETCH", "1:*", "(UID FLAGS)")
            out = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else line[0].decode()
                if "UID" not in text:
                    continue
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                fl = text.split("FLAGS (")[1].split(")")[0].split()
                out[uid] = set(fl)
            return out
        finally:
            c.logout()
