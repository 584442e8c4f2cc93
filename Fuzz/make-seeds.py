#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into OUT/<target>/ (Scripts/fuzz calls it).

Sources: the command lines and restore inputs of the differential scenarios
(Tests/Differential/scenarios) and of the golden scenarios (Tests/IPVSAdminTests/Golden),
the golden files' `-S` output (restore input as ipvsadm writes it), their @conn
connection tables, the /proc/net/ip_vs listing of TableListingTests, and netlink replies
built here the way the kernel lays them out (ReplyDecodingTests' shapes).
"""
import glob
import json
import hashlib
import os
import re
import shlex
import struct
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
targets = ["FuzzArguments", "FuzzRestore", "FuzzTableListing", "FuzzConnections", "FuzzReplies", "FuzzConfiguration"]
for target in targets:
    os.makedirs(os.path.join(out, target), exist_ok=True)


def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)


def unescape(text):
    return text.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


scenarios = sorted(glob.glob(os.path.join(root, "Tests/Differential/scenarios/*.scenario")))
goldens = sorted(glob.glob(os.path.join(root, "Tests/IPVSAdminTests/Golden/*.scenario")))

for path in scenarios + goldens:
    commands = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("@stdin"):
            seed("FuzzRestore", unescape(line[len("@stdin "):]))
        elif line.startswith("@conn"):
            seed("FuzzConnections", unescape(line[len("@conn "):]))
        elif line.startswith("printf") and "ipvsadm -R" in line:
            try:
                words = shlex.split(line.split("|")[0])
            except ValueError:
                continue
            form = words[1].replace("\\n", "\n").replace("\\r", "\r")
            seed("FuzzRestore", "".join(form.replace("%s", a) for a in words[2:]) if len(words) > 2 else form)
        elif "<<<" in line:
            try:
                seed("FuzzRestore", shlex.split(line.split("<<<", 1)[1])[0] + "\n")
            except (ValueError, IndexError):
                pass
        if line.startswith("ipvsadm"):
            try:
                words = shlex.split(line.split("|")[0].split("<<<")[0])
            except ValueError:
                continue
            seed("FuzzArguments", b"\0".join(w.encode() for w in words[1:]))
            commands.append(" ".join(shlex.quote(w) for w in words[1:]))
    # The scenario's command lines, one restore input.
    if commands:
        seed("FuzzRestore", "\n".join(commands) + "\n")

# `-S` output of the golden files: the restore input ipvsadm itself writes.
for path in sorted(glob.glob(os.path.join(root, "Tests/IPVSAdminTests/Golden/*.expected"))):
    text = open(path, encoding="utf-8", errors="replace").read()
    for block in re.split(r"^\$ ", text, flags=re.M):
        command, _, rest = block.partition("\n")
        if re.search(r"(^|\s)(-S|--save|-Sn)", command) and "--- stdout\n" in rest:
            stdout = rest.split("--- stdout\n", 1)[1].split("\n--- ")[0]
            if stdout.strip():
                seed("FuzzRestore", stdout)
                seed("FuzzConfiguration", stdout)

# /proc/net/ip_vs as TableListingTests has it, whole and a service at a time.
tests = open(os.path.join(root, "Tests/IPVSTests/TableListingTests.swift"), encoding="utf-8").read()
match = re.search(r'static let text = """\n(.*?)\n\s*"""', tests, re.S)
if match:
    listing = "\n".join(l[8:] for l in match.group(1).split("\n")).replace("\\u{20}", " ") + "\n"
    seed("FuzzTableListing", listing)
    heading, body = listing.split("\n", 3)[:3], listing.split("\n", 3)[3]
    for service in re.split(r"\n(?=\S)", body):
        seed("FuzzTableListing", "\n".join(heading) + "\n" + service + "\n")

# Netlink replies: a selector byte (FuzzReplies.swift), then the attributes after the
# generic-netlink header, each (length, type, value) padded to 4 bytes.
def attr(kind, value, nested=False):
    if isinstance(value, list):
        value = b"".join(value)
        kind |= 0x8000 if nested else 0
    data = struct.pack("=HH", 4 + len(value), kind) + value
    return data + b"\0" * (-len(data) % 4)

u8 = lambda v: struct.pack("=B", v)
u16 = lambda v: struct.pack("=H", v)
u32 = lambda v: struct.pack("=I", v)
u64 = lambda v: struct.pack("=Q", v)
be16 = lambda v: struct.pack(">H", v)
cstr = lambda s: s.encode() + b"\0"
inet = lambda b: bytes(b) + b"\0" * (16 - len(b))
v6 = bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [1])

stats32 = attr(8, [attr(1, u32(12)), attr(2, u32(34)), attr(4, u32(5)), attr(6, u32(1))])
stats64 = attr(12, [attr(1, u64(5_000_000_000)), attr(4, u64(1 << 40)), attr(10, u64(7))])
service_v4 = [attr(1, u16(2)), attr(2, u16(6)), attr(3, inet([10, 0, 0, 1])), attr(4, be16(80)),
              attr(6, cstr("wlc")), attr(7, u32(1) + u32(0xFFFFFFFF)), attr(8, u32(300)),
              attr(9, bytes([255, 255, 255, 0])), attr(11, cstr("sip")), stats64]
service_v6_mark = [attr(1, u16(10)), attr(5, u32(7)), attr(6, cstr("rr")), attr(7, u32(0x24) + u32(0xFFFFFFFF)),
                   attr(8, u32(0)), attr(9, u32(128)), stats32]
service_v6 = [attr(1, u16(10)), attr(2, u16(17)), attr(3, inet(v6)), attr(4, be16(53)), attr(6, cstr("sh")),
              attr(7, u32(0x18) + u32(0xFFFFFFFF)), attr(8, u32(0)), attr(9, u32(64))]
destination = [attr(1, inet([192, 168, 1, 2])), attr(2, be16(8080)), attr(3, u32(0)), attr(4, u32(5)),
               attr(5, u32(100)), attr(6, u32(10)), attr(7, u32(12)), attr(8, u32(345)), attr(9, u32(6))]
destination_v6_tunnel = [attr(1, inet(v6)), attr(2, be16(80)), attr(3, u32(2)), attr(4, u32(1)), attr(5, u32(0)),
                         attr(6, u32(0)), attr(7, u32(0)), attr(8, u32(0)), attr(9, u32(0)), attr(11, u16(10)),
                         attr(13, u8(1)), attr(14, be16(6080)), attr(15, u16(1)), stats32]
daemon_v4 = [attr(1, u32(1)), attr(2, cstr("eth0")), attr(3, u32(7)), attr(4, u16(1472)),
             attr(5, struct.pack(">I", 0xE0000051)), attr(7, u16(8848)), attr(8, u8(1))]
daemon_v6 = [attr(1, u32(2)), attr(2, cstr("eth1")), attr(3, u32(0xFFFFFFFF)), attr(6, bytes([0xFF, 2] + [0] * 13 + [0x51]))]

seed("FuzzReplies", b"\0" + attr(1, u32(0x010201)) + attr(2, u32(4096)))
seed("FuzzReplies", b"\1" + attr(4, u32(900)) + attr(5, u32(120)) + attr(6, u32(300)))
seed("FuzzReplies", b"\1" + attr(4, u32(900)))
for body in (service_v4, service_v6_mark, service_v6):
    seed("FuzzReplies", b"\2" + attr(1, body, nested=True))
seed("FuzzReplies", b"\3" + attr(2, destination + [stats64], nested=True))
seed("FuzzReplies", b"\4" + attr(2, destination_v6_tunnel, nested=True))
seed("FuzzReplies", b"\4" + attr(2, [attr(1, inet(v6))] + destination[1:], nested=True))
seed("FuzzReplies", b"\5" + attr(3, daemon_v4, nested=True))
seed("FuzzReplies", b"\5" + attr(3, daemon_v6, nested=True))

for target in targets:
    count = len(os.listdir(os.path.join(out, target)))
    print(f"{target}: {count} seeds")

# What --apply reads as JSON: documents in the shape `-S --json` and `-L --json` write.
service = {"family": "ipv4", "protocol": "tcp", "address": "10.0.0.1", "port": 80, "scheduler": "sh",
           "scheduler_flags": ["sh-fallback", "sh-port"], "persistent": 300, "netmask": "255.255.255.0",
           "pe": None, "one_packet": False, "destinations": [
               {"address": "10.1.0.1", "port": 80, "forward": "masq", "weight": 1, "upper_threshold": 10,
                "lower_threshold": 5},
               {"address": "10.1.0.2", "port": 80, "forward": "tunnel", "weight": 2, "upper_threshold": 0,
                "lower_threshold": 0, "tunnel": {"type": "gue", "port": 6080, "checksum": "remcsum"}}]}
fwmark = {"family": "ipv6", "fwmark": 7, "scheduler": "rr", "scheduler_flags": ["flag-3"], "netmask": 64,
          "pe": "sip", "one_packet": True, "destinations": [{"address": "2001:db8::1", "forward": "route"}]}
counters = {"connections": 18446744073709551615, "packets_in": 1, "packets_out": 2, "bytes_in": 3, "bytes_out": 4}
listed = dict(service, stats=counters, rates=counters)
document = {"services": [service, fwmark], "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
            "daemons": [{"state": "master", "interface": "eth0", "syncid": 7, "sync_maxlen": 1472,
                         "mcast_group": "224.0.0.81", "mcast_port": 8848, "mcast_ttl": 1}]}
seed("FuzzConfiguration", json.dumps(document, indent=2) + "\n")
seed("FuzzConfiguration", json.dumps({"services": [listed]}))
seed("FuzzConfiguration", json.dumps({"services": []}))
seed("FuzzConfiguration", "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n# c\n"
     "--set 10 20 30\n--start-daemon master --mcast-interface eth0 --syncid 3\n")
