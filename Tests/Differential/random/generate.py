#!/usr/bin/env python3
"""Seeded generator of random ipvsadm command sequences for the differential suite.

Usage: generate.py SEED COUNT OUTDIR [COMMANDS_PER_SEQUENCE]

Writes about COUNT command lines, in sequences of COMMANDS_PER_SEQUENCE (default 30),
as scenario files OUTDIR/rNNNN.scenario in the format of Tests/Differential/scenarios
(one shell command line each; run-scenario.sh records status, stdout and stderr and
dumps the table). The same SEED always gives the same files, so a failure replays.

Each sequence builds state from a small pool of services and real servers, so that
edits, deletes, listings and saves meet real entries, and mixes in invalid input: every
option of ipvsadm 1.31 with good, bad, missing and limit values, clustered short options,
--opt=value forms, duplicates, stray options, and -R input with odd spacing and comments.

Excluded on purpose (see README "Deliberate deviations" and Tests/Differential/run.sh):
- our extensions (--json, --apply, --diff, --dry-run, --drain, --netns);
- fwmarks of 2^31 and above that the kernel would accept (printed unsigned here);
- -S in a sequence that may set thresholds (-S keeps -x/-y here);
- -M or -r before the service option (option order never changes meaning here);
- a -b list of commas only (a crash in the reference);
- --nosort output unsorted (the kernel's hash order differs per namespace): piped to sort;
- service addresses of 128.0.0.0 and above, but for 255.255.255.255 (see V4 below);
- names needing DNS: only numeric addresses, `localhost`, /etc/services port names.
"""
import random
import shlex
import sys

SCHEDULERS = "rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh".split()
BAD_SCHEDULERS = ["twos", "RR", "bogus", "", "r", "wlcx", "rr "]
FLAGS = ["flag-1", "flag-2", "flag-3", "sh-fallback", "sh-port", "mh-fallback", "mh-port"]
BAD_FLAGS = ["flag-4", "bogus", "SH-PORT", "sh_port", "", "flag-1,", ",flag-2", "flag-1,,flag-2"]

# Numbers at and around every limit ipvsadm checks, and malformed ones.
LIMITS = ["0", "1", "2", "7", "255", "256", "1000", "65535", "65536", "2147483647", "2147483648",
          "4294967295", "4294967296", "18446744073709551616", "-1", "-0", "+5", "007", "08",
          "0x10", "0X1f", "1e3", "12abc", "abc", "", " 5", "5 ", "3.5", "99999999999999999999"]

# Services' addresses stay below 128.0.0.0 (or are 255.255.255.255): ipvsadm compares
# addresses by a signed 32-bit difference, so 10.0.0.1 < 127.0.0.1 < 192.168.7.1 < 10.0.0.1,
# and with such a cycle its sort follows the kernel's hash order, which differs between
# network namespaces: the reference's own listings then differ from one namespace to
# another (seen in a CI run, seed 202612010740).
V4 = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "100.64.7.1", "127.0.0.1"]
V4_ODD = ["localhost", "0.0.0.0", "255.255.255.255", "10.0.0", "10.0.0.256", "010.0.0.1",
          "0x0a000001", "10.1", "1.2.3.4.5", "10.0.0.1.", "", "::ffff:10.0.0.1", "bad_host!"]
V6 = ["2001:db8::1", "2001:db8::2", "2001:db8::10", "::1"]
V6_ODD = ["2001:db8::g", "2001:db8:::1", "fe80::1%lo", "::ffff:10.0.0.1", "2001:db8::1/64"]
PORTS = ["80", "443", "53", "8080", "1", "65535"]
PORTS_ODD = ["0", "65536", "-1", "080", "0x50", "80x", "http", "domain", "https", "nosuchservice", "",
             "99999999999"]
# Service pool: (kind, address text) kinds: t u sctp f f6
SERVICE_POOL = [("t", "10.0.0.1:80"), ("u", "10.0.0.1:53"), ("t", "100.64.7.1:443"),
                ("sctp", "10.0.0.2:80"), ("t", "[2001:db8::1]:80"), ("u", "[2001:db8::1]:53"),
                ("f", "1"), ("f", "65535"), ("f6", "7"), ("t", "10.0.0.3")]
REAL_POOL_V4 = ["10.0.0.2:80", "10.0.0.3:8080", "127.0.0.1:80", "192.168.7.2", "10.0.0.4:1", "10.0.0.5:65535"]
REAL_POOL_V6 = ["[2001:db8::2]:80", "[2001:db8::3]", "[::1]:8080"]

SERVICE_OPTS = {"t": ["-t", "--tcp-service"], "u": ["-u", "--udp-service"], "sctp": ["--sctp-service"],
                "f": ["-f", "--fwmark-service"], "f6": ["-f", "--fwmark-service"]}
LIST_FLAGS = ["-n", "--numeric", "-c", "--connection", "--timeout", "--daemon", "--stats", "--rate",
              "--thresholds", "--persistent-conn", "--tun-info", "--exact", "-X", "--sort", "--nosort"]
# Every option of ipvsadm 1.31, with how to make a plausible value: for stray use.
ALL_OPTIONS = ["-A", "-E", "-D", "-C", "-R", "-S", "-a", "-e", "-d", "-L", "-l", "-Z", "--set",
               "--start-daemon", "--stop-daemon", "-h", "-v", "--add-service", "--edit-service",
               "--delete-service", "--clear", "--restore", "--save", "--add-server", "--edit-server",
               "--delete-server", "--list", "--zero", "--help", "--version",
               "-t", "-u", "--sctp-service", "-f", "-6", "--ipv6", "-s", "--scheduler", "--pe", "-p",
               "--persistent", "-M", "--netmask", "-r", "--real-server", "-g", "--gatewaying", "-i", "--ipip",
               "-m", "--masquerading", "--tun-type", "--tun-port", "--tun-nocsum", "--tun-csum",
               "--tun-remcsum", "-w", "--weight", "-x", "--u-threshold", "-y", "--l-threshold", "-c",
               "--connection", "--timeout", "--daemon", "--stats", "--rate", "--exact", "-X",
               "--thresholds", "--persistent-conn", "--tun-info", "--nosort", "--sort", "-o", "--ops",
               "-n", "--numeric", "-b", "--sched-flags", "--syncid", "--sync-maxlen", "--mcast-interface",
               "--mcast-group", "--mcast-port", "--mcast-ttl"]
UNKNOWN_OPTIONS = ["-Q", "--bogus", "-", "--", "---t", "--tcp", "--sched", "--list=yes", "-L=1", "--help=1",
                   "--add", "--real", "-nn", "-tt", "--numeric=1", "--="]


class Sequence:
    def __init__(self, rng, allow_thresholds):
        self.rng = rng
        self.allow_thresholds = allow_thresholds
        self.daemon_starts = 0
        self.restore_lines = 0
        self.added = set()  # pool services an -A has named (it may have failed)
        self.calm = False  # fewer invalid variations

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(items)

    # --- values -------------------------------------------------------------------
    def number(self, good):
        if self.chance(0.75):
            return str(self.rng.choice(good))
        return self.pick(LIMITS)

    def port(self):
        return self.pick(PORTS) if self.chance(0.85) else self.pick(PORTS_ODD)

    def v4_endpoint(self):
        if self.chance(0.1):
            return self.pick(V4_ODD) + (":" + self.port() if self.chance(0.5) else "")
        return self.pick(V4) + (":" + self.port() if self.chance(0.7) else "")

    def v6_endpoint(self):
        address = self.pick(V6) if self.chance(0.9) else self.pick(V6_ODD)
        roll = self.rng.random()
        if roll < 0.7:
            return "[%s]:%s" % (address, self.port())
        if roll < 0.85:
            return "[%s]" % address
        if roll < 0.93:
            return address
        return self.pick(["[%s" % address, "%s]:80" % address, "[%s]80" % address, "[%s]:" % address])

    def fwmark(self):
        # A mark the kernel accepts must stay below 2^31 (deviation 1).
        good = ["1", "2", "7", "100", "65535", "2147483647"]
        if self.chance(0.8):
            return self.pick(good)
        return self.pick(["0", "-1", "4294967296", "0x10", "010", "12abc", "", "99999999999999999999"])

    def service(self, existing=True):
        """The service option and its value(s) as words, and whether the service is IPv6.
        Mostly one this sequence has added (existing) or has not (not existing): so that
        commands meet real state rather than "Service not defined"."""
        if self.chance(0.8):
            added = [entry for entry in SERVICE_POOL if entry in self.added]
            fresh = [entry for entry in SERVICE_POOL if entry not in self.added]
            choices = added if existing else fresh
            kind, text = self.pick(choices) if choices and self.chance(0.8) else self.pick(SERVICE_POOL)
            if not existing:
                self.added.add((kind, text))
        else:
            kind = self.pick(["t", "u", "sctp", "f", "f6"])
            if kind.startswith("f"):
                text = self.fwmark()
            else:
                text = self.v6_endpoint() if self.chance(0.3) else self.v4_endpoint()
        words = self.option_with_value(self.pick(SERVICE_OPTS[kind]), text)
        if kind == "f6":
            words.append(self.pick(["-6", "--ipv6"]))
        ipv6 = kind == "f6" or text.startswith("[") or text.count(":") > 1
        return words, ipv6

    def real_server(self, ipv6):
        if self.chance(0.9):
            return self.pick(REAL_POOL_V6 if ipv6 else REAL_POOL_V4)
        return self.v6_endpoint() if self.chance(0.4) else self.v4_endpoint()

    def sched_flags(self):
        if self.chance(0.8):
            count = self.rng.randint(1, 3)
            return ",".join(self.rng.sample(FLAGS, count))
        return self.pick(BAD_FLAGS)

    def option_with_value(self, option, value):
        """One option and its value in one of the spellings the command line allows."""
        roll = self.rng.random()
        if option.startswith("--") and roll < 0.15:
            return ["%s=%s" % (option, value)]
        if not option.startswith("--") and roll < 0.15 and value != "":
            return [option + value]
        return [option, value]

    def command_with_service(self, command, service):
        """The command and its service option, at times clustered: -At 10.0.0.1:80, -ut10.0.0.1:53."""
        if len(command) == 2 and service[0] in ("-t", "-u", "-f") and self.chance(0.1):
            if self.chance(0.5):
                return [command + service[0][1]] + service[1:]
            return [command + service[0][1:]] + service[1:]
        return [command] + service

    # --- option groups ---------------------------------------------------------------
    def service_settings(self, ipv6):
        words = []
        if self.chance(0.6):
            scheduler = self.pick(SCHEDULERS) if self.chance(0.9) else self.pick(BAD_SCHEDULERS)
            words.append(self.option_with_value(self.pick(["-s", "--scheduler"]), scheduler))
        if self.chance(0.3):
            option = self.pick(["-p", "--persistent"])
            if self.chance(0.4):
                words.append([option])
            else:
                words.append(self.option_with_value(option, self.number([1, 60, 300, 86400, 2678400])))
        if self.chance(0.15):
            if ipv6 or self.chance(0.2):
                mask = self.number([64, 128, 48, 1, 0, 129]) if self.chance(0.8) else "255.255.255.0"
            else:
                mask = self.pick(["255.255.255.0", "255.255.0.0", "255.255.255.255", "0.0.0.0",
                                  "255.0.255.0", "24", "bogus"])
            words.append(self.option_with_value(self.pick(["-M", "--netmask"]), mask))
        if self.chance(0.2):
            words.append(self.option_with_value(self.pick(["-b", "--sched-flags"]), self.sched_flags()))
        if self.chance(0.08):
            words.append(self.option_with_value("--pe", self.pick(["sip", "sip", "bogus", ""])))
        if self.chance(0.1):
            words.append([self.pick(["-o", "--ops"])])
        return words

    def real_settings(self):
        words = []
        if self.chance(0.6):
            words.append([self.pick(["-g", "-i", "-m", "--gatewaying", "--ipip", "--masquerading"])])
        if self.chance(0.4):
            words.append(self.option_with_value(self.pick(["-w", "--weight"]),
                                                self.number([0, 1, 2, 5, 100, 65535])))
        if self.allow_thresholds and self.chance(0.25):
            words.append(self.option_with_value(self.pick(["-x", "--u-threshold"]), self.number([0, 10, 1000])))
        if self.allow_thresholds and self.chance(0.25):
            words.append(self.option_with_value(self.pick(["-y", "--l-threshold"]), self.number([0, 5, 500])))
        if self.chance(0.12):
            words.append(self.option_with_value("--tun-type", self.pick(["ipip", "gue", "gre", "gue", "bogus"])))
            if self.chance(0.6):
                words.append(self.option_with_value("--tun-port", self.number([6080, 1, 65535])))
            if self.chance(0.4):
                words.append([self.pick(["--tun-nocsum", "--tun-csum", "--tun-remcsum"])])
        elif self.chance(0.04):
            words.append([self.pick(["--tun-nocsum", "--tun-csum", "--tun-remcsum"])])
        return words

    def thresholds_mutate(self, words):
        """Invalid variations: a stray option, a duplicate, a value dropped, unknown options.
        Rarer while building and in -R input, which stops at the first line it cannot parse."""
        if self.calm and self.chance(0.7):
            return words
        roll = self.rng.random()
        if roll < 0.05 and words:
            words.append(list(self.pick(words)))  # a duplicated option
        elif roll < 0.10:
            stray = self.pick(ALL_OPTIONS)
            if stray in ("-M", "--netmask", "-r", "--real-server"):
                stray = "-n"  # never before a service option's effect (deviation 4)
            if not self.allow_thresholds and stray in ("-x", "--u-threshold", "-y", "--l-threshold"):
                stray = "-w"  # thresholds only where nothing is saved (deviation 3)
            words.append([stray] + ([self.number([1, 80])] if self.chance(0.5) else []))
        elif roll < 0.12:
            words.append([self.pick(UNKNOWN_OPTIONS)])
        elif roll < 0.15 and words:
            group = self.pick(words)
            if len(group) > 1:
                words.remove(group)
                words.append(group[:1])  # the value left out: at the end, a missing argument
        return words

    # --- commands ----------------------------------------------------------------
    def add_or_edit_service(self):
        command = self.pick(["-A", "-A", "-A", "--add-service", "-E", "--edit-service"])
        service, ipv6 = self.service(existing=command in ("-E", "--edit-service"))
        rest = self.service_settings(ipv6)
        self.rng.shuffle(rest)
        return [self.command_with_service(command, service)] + self.thresholds_mutate(rest)

    def delete_service(self):
        service, _ = self.service()
        return [self.command_with_service(self.pick(["-D", "--delete-service"]), service)] + self.thresholds_mutate([])

    def add_or_edit_real(self):
        command = self.pick(["-a", "-a", "-a", "--add-server", "-e", "--edit-server"])
        service, ipv6 = self.service()
        rest = self.real_settings()
        self.rng.shuffle(rest)
        real = self.option_with_value(self.pick(["-r", "--real-server"]), self.real_server(ipv6))
        if self.chance(0.04):
            real = []  # required option missing
        return [self.command_with_service(command, service) + real] + self.thresholds_mutate(rest)

    def delete_real(self):
        service, ipv6 = self.service()
        real = self.option_with_value(self.pick(["-r", "--real-server"]), self.real_server(ipv6))
        return [self.command_with_service(self.pick(["-d", "--delete-server"]), service) + real] + \
            self.thresholds_mutate([])

    def listing(self):
        command = self.pick(["-L", "-l", "--list"])
        flags = []
        if self.chance(0.85):
            flags.append("-n")
        for _ in range(self.rng.randint(0, 2)):
            flags.append(self.pick(LIST_FLAGS))
        words = []
        if command != "--list" and flags and self.chance(0.3):
            # Clustered: -Ln, -nL, -lnc, ...
            shorts = [f[1] for f in flags if len(f) == 2]
            longs = [f for f in flags if len(f) > 2]
            cluster = [command[1]] + shorts
            if self.chance(0.5):
                self.rng.shuffle(cluster)
            words.append(["-" + "".join(cluster)])
            words += [[f] for f in longs]
        else:
            words.append([command])
            words += [[f] for f in flags]
        if self.chance(0.25):
            service, _ = self.service()
            if len(words[0]) == 1 and words[0][0].startswith("-") and not words[0][0].startswith("--") \
                    and service[0] in ("-t", "-u", "-f") and self.chance(0.3):
                words[0] = [words[0][0] + service[0][1]] + service[1:]  # -Lnt 10.0.0.1:80
            else:
                words.insert(1, service)
        if self.chance(0.05):
            words.append([self.pick(["-6", "--ipv6"])])
        return self.thresholds_mutate(words)

    def save(self):
        words = [[self.pick(["-S", "--save"])]]
        if self.chance(0.7):
            words.append([self.pick(["-n", "--numeric"])])
        if self.chance(0.1):
            service, _ = self.service()
            words.append(service)
        if self.chance(0.05):
            words.append([self.pick(["-c", "--stats", "--exact"])])
        return self.thresholds_mutate(words)

    def zero(self):
        words = [[self.pick(["-Z", "--zero"])]]
        if self.chance(0.4):
            service, _ = self.service()
            words.append(service)
        return self.thresholds_mutate(words)

    def set_timeouts(self):
        values = [self.number([0, 1, 5, 60, 900, 86400]) for _ in range(3)]
        roll = self.rng.random()
        if roll < 0.1:
            values = values[:self.rng.randint(0, 2)]
        elif roll < 0.15:
            values.append("1")
        if values and self.chance(0.1):
            return [["--set=" + values[0]] + values[1:]]
        return [["--set"] + values]

    def daemon(self):
        if self.daemon_starts >= 2 or self.chance(0.4):
            state = self.pick(["master", "backup", "master", "bogus", ""])
            return [self.option_with_value("--stop-daemon", state)]
        self.daemon_starts += 1
        state = self.pick(["master", "backup", "master", "backup", "bogus", ""])
        words = [self.option_with_value("--start-daemon", state)]
        # Only lo exists in the namespace: a sync daemon's multicast stays inside it.
        interface = self.pick(["lo", "lo", "lo", "lo", "eth0", "nosuchif", "", "a" * 16])
        if self.chance(0.9):
            words.append(self.option_with_value("--mcast-interface", interface))
        if self.chance(0.3):
            words.append(self.option_with_value("--syncid", self.number([0, 1, 7, 255])))
        if self.chance(0.2):
            words.append(self.option_with_value("--sync-maxlen", self.number([1400, 1472, 1, 65535])))
        if self.chance(0.2):
            words.append(self.option_with_value(
                "--mcast-group", self.pick(["224.0.0.81", "224.0.0.100", "239.1.1.1", "10.0.0.1",
                                            "ff02::81", "bogus", ""])))
        if self.chance(0.2):
            words.append(self.option_with_value("--mcast-port", self.number([8848, 1, 65535])))
        if self.chance(0.2):
            words.append(self.option_with_value("--mcast-ttl", self.number([1, 255, 0, 256])))
        return self.thresholds_mutate(words)

    def misc(self):
        return [[self.pick(["-h", "--help", "-v", "--version", "-C", "--clear", "-hv", "-vh"])]] + \
            self.thresholds_mutate([])

    def restore_line(self):
        """One -R input line: a command without the program name, oddly spaced at times."""
        maker = self.rng.choices(
            [self.add_or_edit_service, self.add_or_edit_real, self.delete_service, self.delete_real,
             self.listing, self.zero, self.set_timeouts],
            weights=[4, 5, 1, 1, 1, 1, 1])[0]
        # --nosort lists in the kernel's hash order, which differs per namespace.
        words = ["--sort" if w == "--nosort" else w for group in maker() for w in group]
        if self.chance(0.15):
            separators = [" ", "  ", "\t", " \t "]
            line = "".join(w + self.pick(separators) for w in words).rstrip()
        else:
            line = " ".join(words)
        if self.chance(0.1):
            line = self.pick([" ", "\t", "  "]) + line
        if self.chance(0.1):
            line += self.pick([" ", "\t", "  "])
        return line

    def restore(self):
        lines = []
        self.calm = True
        for _ in range(self.rng.randint(1, 15)):
            self.restore_lines += 1
            roll = self.rng.random()
            if roll < 0.06:
                lines.append("")
            elif roll < 0.1:
                lines.append(self.pick(["# a comment", "#", "  # indented comment", "\t"]))
            else:
                lines.append(self.restore_line())
        options = ""
        if self.chance(0.05):
            options = " " + self.pick(["-n", "--numeric", "-t 10.0.0.1:80", "extra"])
        self.calm = False
        command = "ipvsadm " + self.pick(["-R", "--restore"]) + options
        roll = self.rng.random()
        if roll < 0.4:
            return "printf '%s\\n' " + " ".join(shlex.quote(l) for l in lines) + " | " + command
        if roll < 0.7:
            # A here-doc, on one scenario line through eval.
            text = "\n".join(lines).replace("\\", "\\\\").replace("'", "\\'")
            return "eval $'%s <<\\'EOF\\'\\n%s\\nEOF'" % (command, text.replace("\n", "\\n").replace("\t", "\\t"))
        # A here-string: the input's last line may lack its newline too.
        text = "\n".join(lines)
        quoted = "$'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t") + "'"
        if self.chance(0.5):
            return "printf %s " % shlex.quote("%s") + quoted + " | " + command
        return command + " <<< " + quoted

    def command_line(self, building=False):
        makers = [(self.add_or_edit_service, 14), (self.add_or_edit_real, 16), (self.delete_service, 3),
                  (self.delete_real, 3), (self.listing, 12), (self.save, 0 if self.allow_thresholds else 6),
                  (self.zero, 2), (self.set_timeouts, 3), (self.daemon, 2), (self.misc, 2),
                  (self.restore, 16)]
        if building:
            makers = [(self.add_or_edit_service, 3), (self.add_or_edit_real, 2), (self.restore, 1)]
        maker = self.rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
        self.calm = building
        result = maker()
        self.calm = False
        if isinstance(result, str):
            return result
        words = [w for group in result for w in group]
        line = "ipvsadm " + " ".join(shlex.quote(w) for w in words)
        if "--nosort" in words:
            # The kernel's hash order differs per namespace: compare the lines, sorted.
            line += ' | LC_ALL=C sort; echo "ipvsadm status ${PIPESTATUS[0]}"'
        return line


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: generate.py SEED COUNT OUTDIR [COMMANDS_PER_SEQUENCE]")
    seed, count, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    per_sequence = int(sys.argv[4]) if len(sys.argv) == 5 else 30
    rng = random.Random(seed)
    written = index = restore_lines = 0
    while written < count:
        index += 1
        length = min(per_sequence, count - written)
        allow_thresholds = rng.random() < 0.3
        sequence = Sequence(rng, allow_thresholds)
        lines = []
        for number in range(length - 2):
            # The first few mostly add, so that the rest meet a table.
            lines.append(sequence.command_line(building=number < 4))
        # Every sequence ends by showing the state it built (run-scenario.sh also dumps it).
        lines.append("ipvsadm -L -n" if allow_thresholds else "ipvsadm -S -n")
        lines.append("ipvsadm -L -n --thresholds")
        # random/run.sh reads the counts from this first line.
        lines.insert(0, "# random sequence %d of seed %d: %d commands, %d -R input lines (generate.py %d %d DIR %d)"
                     % (index, seed, len(lines), sequence.restore_lines, seed, count, per_sequence))
        with open("%s/r%04d.scenario" % (outdir, index), "w") as out:
            out.write("\n".join(lines) + "\n")
        written += length
        restore_lines += sequence.restore_lines
    print("%d commands in %d sequences (seed %d), %d more as -R input lines" % (written, index, seed, restore_lines))


if __name__ == "__main__":
    main()
