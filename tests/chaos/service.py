"""The copsched process of a chaos campaign, shared by the scripts in tests/chaos/.

    import service
    binary = service.find_binary(sys.argv[1])      # a build directory or the binary
    svc = service.service(binary, workdir, extra_args=("--access-log", "false"))
    svc.run("migrate"); svc.run("seed-demo")       # copsched --database ... COMMAND
    svc.start()                                    # serve; returns once the port answers
    svc.kill(); svc.start()                        # SIGKILL, and again on the same file and port
    code = svc.stop()                              # SIGTERM; the exit code (None: had to be killed)

Each start writes its own log (serve-N.log in workdir). A start whose process ends before the
port answers (the port of a killed process not free yet) is tried again, up to 50 times.
"""

import os
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"


def find_binary(path):
    """`path` itself when it is an executable, else copsched in the build directory `path`."""
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    for candidate in ("server/copsched", "copsched", "server/cli/copsched"):
        p = os.path.join(path, candidate)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    sys.exit("no copsched binary in %s" % path)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class service:
    """copsched serve on workdir/copsched.db, restarted on the same file and port."""

    def __init__(self, binary, workdir, port=None, extra_args=()):
        self.binary = binary
        self.workdir = workdir
        self.database = os.path.join(workdir, "copsched.db")
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.starts = 0
        self.log = None  # the log of the latest start

    def run(self, *args):
        """copsched --database ... ARGS; its standard output (exits the script on failure)."""
        out = subprocess.run([self.binary, "--database", self.database, *args], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("copsched %s failed: %s" % (" ".join(args), out.stderr))
        return out.stdout

    def start(self):
        for _ in range(50):
            self.starts += 1
            self.log = os.path.join(self.workdir, "serve-%d.log" % self.starts)
            with open(self.log, "w") as log:
                self.proc = subprocess.Popen(
                    [self.binary, "--database", self.database, "--host", HOST, "--port", str(self.port),
                     *self.extra_args, "serve"],
                    stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break  # e.g. the port is not free yet: try again
                try:
                    with socket.create_connection((HOST, self.port), timeout=0.2):
                        return
                except OSError:
                    time.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            time.sleep(0.1)
        sys.exit("copsched serve did not start; see %s" % self.workdir)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=30):
        """SIGTERM; the exit code, None when it had to be killed."""
        if not self.alive():
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
