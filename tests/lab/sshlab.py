"""SSH devices for the lab: fakenos emulators (cisco_ios, arista_eos, a Junos-like NOS).

Each device is its own process in the lab's hosts namespace, listening on port 22
of one of the lab's live addresses, so the scanner side reaches it exactly as it
would reach a router. A device's configuration (the output of its "show" command)
is fixed for the life of its process: `restart()` with new outputs or a new host
key is how a test changes the device. Whoever starts one calls `close()` at
teardown: it stops the process running *now*, also after a restart.

`OpenSSHDevice` is the `linux` platform: Debian's sshd in the hosts namespace,
in a mount namespace of its own where /etc/hostname, /etc/hosts and
/etc/resolv.conf (what the linux profile reads) are files of the test's choosing.

`juniper_junos` devices run the NOS in fakenos_junos.yaml (a prompt `user@host> `
and the commands Netmiko's JuniperSSH sends). With `enable_secret`, `enable`
asks for a password and only that password reaches the `#` prompt, so a wrong
enable secret is rejected as on a real device.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
import yaml

from tests.lab.netns import Lab

_FAKENOS = textwrap.dedent(
    """
    import signal, sys, yaml
    from fakenos import FakeNOS
    net = FakeNOS(inventory=yaml.safe_load(open(sys.argv[1])))
    net.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    net.stop()
    """
)

# Accepts TCP connections and never says anything: a device that hangs mid-login.
# Prints "ready" once listening and "held" for each connection it holds.
TARPIT = textwrap.dedent(
    """
    import socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], 22)); s.listen(8); held = []
    print("ready", flush=True)
    while True:
        held.append(s.accept()[0])
        print("held", flush=True)
    """
)

PROMPTS = {
    "cisco_ios": ["{base_prompt}>", "{base_prompt}#"],
    "arista_eos": ["{base_prompt}>", "{base_prompt}#"],
    "juniper_junos": ["{base_prompt}> "],
}
JUNOS_NOS = Path(__file__).with_name("fakenos_junos.yaml")


def new_host_key(path: Path) -> str:
    """Write a new RSA host key to `path`; returns its public form ("ssh-rsa AAAA...")."""
    key = paramiko.RSAKey.generate(2048)
    key.write_private_key_file(str(path))
    return f"{key.get_name()} {key.get_base64()}"


@dataclass
class FakeDevice:
    """One fakenos emulator: its address, login, platform and command outputs."""

    lab: Lab
    name: str
    address: str
    platform: str
    username: str = "netops"
    password: str = "lab-password-1"
    outputs: dict[str, str] = field(default_factory=dict)
    enable_secret: str = ""
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nk-fakenos-")))
    host_key: str = ""
    process: subprocess.Popen[bytes] | None = None

    def _inventory(self, key_file: Path) -> dict[str, Any]:
        prompts = PROMPTS.get(self.platform, ["{base_prompt}>", "{base_prompt}#"])
        commands: dict[str, Any] = {
            command: {"output": output, "prompt": prompts, "help": command}
            for command, output in self.outputs.items()
        }
        if self.enable_secret:
            user, enabled = prompts[0], prompts[-1]
            commands["enable"] = {"output": "Password:", "prompt": user, "help": "enable"}
            commands[self.enable_secret] = {
                "output": None,
                "new_prompt": enabled,
                "prompt": user,
                "help": "the enable secret",
            }
        nos: dict[str, Any] = {"plugin": self.platform, "configuration": {"commands": commands}}
        shell: dict[str, Any] = {"plugin": "CMDShell", "configuration": {}}
        if self.platform == "juniper_junos":
            nos["plugin"] = str(JUNOS_NOS)
            shell["configuration"]["base_prompt"] = f"{self.username}@{self.name}"
        return {
            "hosts": {
                self.name: {
                    "username": self.username,
                    "password": self.password,
                    "port": 22,
                    "platform": self.platform,
                    "server": {
                        "plugin": "ParamikoSshServer",
                        "configuration": {
                            "address": self.address,
                            "timeout": 1,
                            "ssh_key_file": str(key_file),
                        },
                    },
                    "shell": shell,
                    "nos": nos,
                }
            }
        }

    def start(self, *, new_key: bool = False) -> FakeDevice:
        key_file = self.workdir / "host_key"
        if new_key or not key_file.exists():
            self.host_key = new_host_key(key_file)
        inventory = self.workdir / "inventory.yaml"
        inventory.write_text(yaml.safe_dump(self._inventory(key_file)))
        self.process = self.lab.spawn_in(
            self.lab.hosts_ns,
            [sys.executable, "-u", "-c", _FAKENOS, str(inventory)],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        if b"ready" not in self.process.stdout.readline():
            raise RuntimeError(f"fakenos {self.name} did not start")
        wait_for_port(self.lab, self.address, 22)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.lab.stop(self.process)
            self.process = None

    def restart(self, *, outputs: dict[str, str] | None = None, new_key: bool = False) -> None:
        self.stop()
        if outputs is not None:
            self.outputs = outputs
        self.start(new_key=new_key)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def wait_for_port(lab: Lab, address: str, port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    probe = f"import socket; socket.create_connection(('{address}', {port}), 1).close()"
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["ip", "netns", "exec", lab.hosts_ns, sys.executable, "-c", probe],
            capture_output=True,
        )
        if done.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {address}:{port}")


LINUX_FILES = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")


@dataclass
class OpenSSHDevice:
    """Debian's OpenSSH as a `linux` device: root logs in with a key, passwords are refused.

    `outputs` maps the files the linux profile reads to their contents. With
    `hang=True` the last of them is a FIFO nobody writes to, so `cat` prints the
    first files and then waits: `cut_sessions()` then ends each SSH session
    mid-output, as a device that drops the connection would.
    """

    lab: Lab
    name: str
    address: str
    outputs: dict[str, str] = field(default_factory=dict)
    platform: str = "linux"
    username: str = "root"
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nk-sshd-")))
    host_key: str = ""
    client_key: str = ""
    process: subprocess.Popen[bytes] | None = None

    def _keygen(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        path.with_suffix(".pub").unlink(missing_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)

    def start(self, *, new_key: bool = False, hang: bool = False) -> OpenSSHDevice:
        folder = self.workdir
        host = folder / "host_key"
        if new_key or not host.exists():
            self._keygen(host)
        self.host_key = " ".join(host.with_suffix(".pub").read_text().split()[:2])
        client = folder / "client_key"
        if not client.exists():
            self._keygen(client)
            (folder / "authorized_keys").write_text(client.with_suffix(".pub").read_text())
        self.client_key = client.read_text()
        binds = []
        for index, target in enumerate(LINUX_FILES):
            source = folder / f"file{index}"
            source.unlink(missing_ok=True)
            if hang and target == LINUX_FILES[-1]:
                os.mkfifo(source)
            else:
                source.write_text(self.outputs.get(target, ""))
            binds.append(f"mount --bind {source} {target}")
        # root's home is an empty folder of the test's: no shell start-up files of this
        # machine (a pyenv init in .bashrc took longer than Netmiko waits for a prompt
        # on a busy machine), and no history written to the real /root.
        home = folder / "home"
        home.mkdir(exist_ok=True)
        binds.append(f"mount --bind {home} /root")
        config = folder / "sshd_config"
        config.write_text(
            f"ListenAddress {self.address}\nPort 22\nHostKey {host}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile none\n"
        )
        # The mounts (a private /run for sshd, the device's files) stay in this namespace.
        script = " && ".join(
            [
                "mount -t tmpfs tmpfs /run",
                "mkdir -p /run/sshd",
                *binds,
                f"exec /usr/sbin/sshd -D -e -f {config}",
            ]
        )
        self.process = self.lab.spawn_in(self.lab.hosts_ns, ["unshare", "-m", "sh", "-c", script])
        wait_for_port(self.lab, self.address, 22)
        return self

    def _sessions(self) -> list[int]:
        """sshd's per-connection children."""
        if self.process is None:
            return []
        return _children(self.process.pid)

    def cut_sessions(self, *, mid_output: bool = False) -> int:
        """End the SSH sessions now; with `mid_output`, only once one is waiting in `cat`.

        Each session is a tree (sshd's monitor, the session's sshd that holds the
        connection, the shell, `cat`): all of it goes. Returns how many sessions ended.
        """
        sessions = self._sessions()
        if mid_output and not any(_runs(pid, "cat") for pid in sessions):
            return 0
        for pid in sessions:
            for each in [*_descendants(pid), pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(each, signal.SIGKILL)
        return len(sessions)

    def stop(self) -> None:
        if self.process is not None:
            self.cut_sessions()
            self.lab.stop(self.process)
            self.process = None

    def restart(
        self, *, outputs: dict[str, str] | None = None, new_key: bool = False, hang: bool = False
    ) -> None:
        self.stop()
        if outputs is not None:
            self.outputs = outputs
        self.start(new_key=new_key, hang=hang)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _descendants(pid: int) -> list[int]:
    return [d for child in _children(pid) for d in [*_descendants(child), child]]


def _runs(pid: int, command: str) -> bool:
    """Whether `command` runs in the process tree under `pid`."""
    for child in _children(pid):
        with contextlib.suppress(FileNotFoundError):
            if Path(f"/proc/{child}/comm").read_text().strip() == command:
                return True
        if _runs(child, command):
            return True
    return False
