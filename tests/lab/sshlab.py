"""SSH devices for the lab: fakenos emulators (cisco_ios, arista_eos, a Junos-like NOS).

Each device is its own process in the lab's hosts namespace, listening on port 22
of one of the lab's live addresses, so the scanner side reaches it exactly as it
would reach a router. A device's configuration (the output of its "show" command)
is fixed for the life of its process: `restart()` with new outputs or a new host
key is how a test changes the device. Whoever starts one calls `close()` at
teardown: it stops the process running *now*, also after a restart.

`juniper_junos` devices run the NOS in fakenos_junos.yaml (a prompt `user@host> `
and the commands Netmiko's JuniperSSH sends). With `enable_secret`, `enable`
asks for a password and only that password reaches the `#` prompt, so a wrong
enable secret is rejected as on a real device.
"""

from __future__ import annotations

import shutil
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
