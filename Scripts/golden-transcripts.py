"""Runs golden scenarios through the reference /usr/sbin/ipvsadm on the real kernel
(inside the test VM; see Scripts/regenerate-goldens) and writes each transcript in the
form GoldenTests compares: "$ LINE", "[exit N]", then "--- stdout" and "--- stderr"
with what was printed. Usage: golden-transcripts.py GOLDEN_DIR OUT_DIR [NAME...]"""
import os
import subprocess
import sys

UNREPLAYABLE = ("@info", "@svcstats", "@dststats", "@dstconns", "@conn")
# Scenarios whose reference output depends on the order the kernel lists services in:
# a hash of each namespace's own address, so it differs from one namespace to the next.
KERNEL_ORDER = {"sort-order"}


def unescape(text):
    result, escaping = [], False
    for character in text:
        if escaping:
            result.append({"n": "\n", "t": "\t", "r": "\r", "s": " "}.get(character, character))
            escaping = False
        elif character == "\\":
            escaping = True
        else:
            result.append(character)
    return "".join(result)


def run(namespace, scenario):
    transcript, stdin = [], b""
    for raw in scenario.split("\n"):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        if line.startswith("@stdin"):
            stdin = unescape(line[len("@stdin"):].removeprefix(" ")).encode()
            continue
        words = line.split(" ")
        assert words[0] == "ipvsadm", line
        words = [word for word in words if word]
        done = subprocess.run(["ip", "netns", "exec", namespace, *words], input=stdin,
                              capture_output=True, timeout=60)
        transcript.append(f"$ {line}\n[exit {done.returncode}]\n")
        if done.stdout:
            transcript.append("--- stdout\n" + done.stdout.decode(errors="surrogateescape"))
        if done.stderr:
            transcript.append("--- stderr\n" + done.stderr.decode(errors="surrogateescape"))
    return "".join(transcript)


def main():
    golden, out, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    os.environ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    report = []
    for name in sorted(n[:-len(".scenario")] for n in os.listdir(golden) if n.endswith(".scenario")):
        if wanted and name not in wanted:
            continue
        with open(os.path.join(golden, name + ".scenario")) as file:
            scenario = file.read()
        if any(line.strip().startswith(UNREPLAYABLE) for line in scenario.split("\n")):
            report.append(f"kept:        {name} (sets what no command can)")
            continue
        if name in KERNEL_ORDER:
            report.append(f"kept:        {name} (its listing order is the kernel's per-namespace hash order)")
            continue
        namespace = "golden-" + name
        subprocess.run(["ip", "netns", "add", namespace], check=True)
        try:
            # The interfaces the test double has (FakeIPVS.interfaces): lo, and eth0 and eth1
            # for the sync daemons (a veth pair: a daemon needs a multicast-capable link).
            for command in (["link", "set", "lo", "up"], ["link", "add", "eth0", "type", "veth", "peer", "name", "eth1"],
                            ["link", "set", "eth0", "up"], ["link", "set", "eth1", "up"]):
                subprocess.run(["ip", "-n", namespace, *command], check=True)
            transcript = run(namespace, scenario)
        finally:
            subprocess.run(["ip", "netns", "exec", namespace, "ipvsadm", "-C"], capture_output=True)
            subprocess.run(["ip", "netns", "del", namespace])
        with open(os.path.join(out, name + ".expected"), "w", errors="surrogateescape") as file:
            file.write(transcript)
        report.append(f"regenerated: {name}")
    with open(os.path.join(out, "report"), "w") as file:
        file.write("\n".join(report) + "\n")


main()
