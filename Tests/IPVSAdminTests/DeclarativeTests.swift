import Glibc
import IPVS
import Testing

@testable import IPVSAdmin

/// `--apply`, `--diff` and `--json` against the test double: the plans, their order, the
/// undoing of a refused plan, and the checks of the input.
@Suite struct DeclarativeTests {
    static let rules = """
        -A -t 10.0.0.1:80 -s rr
        -a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1
        -a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2
        -A -u 10.0.0.2:53 -s wrr -p 300 -M 255.255.255.0
        -a -u 10.0.0.2:53 -r 10.1.0.3:53 -g -w 5 -x 100 -y 50
        -A -f 7 -6 -s sh -b sh-fallback,sh-port
        -a -f 7 -6 -r [2001:db8::1]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum

        """

    /// A table loaded by restoring `rules`.
    static func table(_ text: String = rules) -> FakeIPVS {
        let fake = FakeIPVS()
        let restored = invoke(fake, ["-R"], stdin: text)
        precondition(restored.status == 0, restored.errors)
        return fake
    }

    static func save(_ fake: FakeIPVS) -> String { invoke(fake, ["-S", "-n"]).output }

    @Test func applyingIntoAnEmptyTableGivesWhatRestoreGives() {
        let fake = FakeIPVS()
        let applied = invoke(fake, ["--apply", "-"], stdin: Self.rules)
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(Self.save(fake) == Self.save(Self.table()))
    }

    @Test func aFileThatMatchesSendsNothing() {
        let fake = Self.table()
        let before = fake.requests.count
        let diff = invoke(fake, ["--diff", "-"], stdin: Self.rules)
        #expect(diff.status == 0)
        #expect(diff.output == "")
        #expect(invoke(fake, ["--apply", "-"], stdin: Self.rules).status == 0)
        #expect(fake.requests.count == before)
    }

    struct Change: Sendable, CustomTestStringConvertible {
        let name: String
        let from: String
        let to: String
        let plan: String
        var testDescription: String { name }
    }

    static let changes: [Change] = [
        Change(name: "one weight", from: rules,
               to: rules.replacingOccurrences("-r 10.1.0.2:80 -m -w 2", "-r 10.1.0.2:80 -m -w 9"),
               plan: "-e -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 9\n"),
        Change(name: "a scheduler", from: rules,
               to: rules.replacingOccurrences("-t 10.0.0.1:80 -s rr", "-t 10.0.0.1:80 -s wlc"),
               plan: "-E -t 10.0.0.1:80 -s wlc\n"),
        Change(name: "persistence dropped", from: rules,
               to: rules.replacingOccurrences("-s wrr -p 300 -M 255.255.255.0", "-s wrr"),
               plan: "-E -u 10.0.0.2:53 -s wrr\n"),
        Change(name: "a real server replaced: added before the old one goes", from: rules,
               to: rules.replacingOccurrences("-r 10.1.0.1:80 -m -w 1", "-r 10.1.0.9:80 -m -w 1"),
               plan: "-a -t 10.0.0.1:80 -r 10.1.0.9:80 -m -w 1\n-d -t 10.0.0.1:80 -r 10.1.0.1:80\n"),
        Change(name: "a service's key changed", from: "-A -t 10.0.0.1:80 -s rr\n",
               to: "-A -t 10.0.0.1:81 -s rr\n",
               plan: "-A -t 10.0.0.1:81 -s rr\n-D -t 10.0.0.1:80\n"),
        Change(name: "tunnel settings", from: rules,
               to: rules.replacingOccurrences("--tun-csum", "--tun-remcsum"),
               plan: "-e -f 7 -6 -r [2001:db8::1]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum\n"),
        Change(name: "everything removed", from: "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n",
               to: "", plan: "-D -t 10.0.0.1:80\n"),
        Change(name: "timeouts only when given", from: rules, to: rules + "--set 100 0 0\n", plan: "--set 100 0 0\n"),
    ]

    @Test(arguments: changes) func thePlanIsTheFewestRequests(_ change: Change) {
        let fake = Self.table(change.from)
        let diff = invoke(fake, ["--diff", "-"], stdin: change.to)
        #expect(diff.output == change.plan)
        #expect(diff.status == (change.plan.isEmpty ? 0 : 1))

        // Applied, the table is what restoring the file into an empty table gives, in as
        // many requests as the plan has lines; the plan through -R gives the same.
        let before = fake.requests.count
        let applied = invoke(fake, ["--apply", "-"], stdin: change.to)
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(fake.requests.count - before == change.plan.split(separator: "\n").count)
        let wanted = FakeIPVS()
        _ = invoke(wanted, ["-R"], stdin: change.to)
        #expect(Self.save(fake) == Self.save(wanted))

        let replayed = Self.table(change.from)
        #expect(invoke(replayed, ["-R"], stdin: change.plan).status == 0)
        #expect(Self.save(replayed) == Self.save(wanted))
    }

    @Test func countersOfUntouchedEntriesStay() throws {
        let fake = Self.table()
        var statistics = Statistics()
        statistics.connections = 42
        fake.setStatistics(statistics, of: tcp("10.0.0.1", 80))
        let changed = Self.rules.replacingOccurrences("-r 10.1.0.2:80 -m -w 2", "-r 10.1.0.2:80 -m -w 3")
        #expect(invoke(fake, ["--apply", "-"], stdin: changed).status == 0)
        #expect(try fake.service(tcp("10.0.0.1", 80)).statistics.connections == 42)
    }

    @Test func aRefusedRequestIsUndoneAndNamed() {
        let fake = Self.table()
        let before = Self.save(fake)
        // The second new service names a scheduler the kernel does not have.
        let wanted = Self.rules.replacingOccurrences("-m -w 2", "-m -w 7")
            + "-A -t 10.0.0.5:80 -s rr\n-a -t 10.0.0.5:80 -r 10.1.0.5:80 -m -w 1\n-A -t 10.0.0.6:80 -s nosuch\n"
        let applied = invoke(fake, ["--apply", "-"], stdin: wanted)
        #expect(applied.status == 1)
        #expect(applied.errors == """
            line 10: -A -t 10.0.0.6:80 -s nosuch: Scheduler or persistence engine not found
            every change was undone: the table is as it was

            """)
        #expect(Self.save(fake) == before)
    }

    @Test func aFailedUndoingIsSaidWithWhatDiffers() {
        let fake = Self.table()
        let wanted = "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n"
        // The removal of the second service is refused, and so is putting back a real server.
        fake.refuse = { request in
            switch request {
            case .deleteService(.address(.udp, _, _)): return EPERM
            case .addDestination(_, _, service: .address(.tcp, _, _)): return EPERM
            default: return nil
            }
        }
        let applied = invoke(fake, ["--apply", "-"], stdin: wanted)
        #expect(applied.status == 3)
        #expect(applied.errors.hasPrefix("-D -u 10.0.0.2:53: Permission denied (you must be root)\n"))
        #expect(applied.errors.contains("undoing failed: -a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2: Permission denied"))
        #expect(applied.errors.contains("these lines would put it back:\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2\n"))
    }

    /// Another writer adds a service while the apply runs (or a second dump skips one
    /// while another namespace changes): that is not the apply's to report or put back.
    @Test(arguments: [false, true])
    func aConcurrentChangeIsNotTakenForAFailedUndoing(undoingFails: Bool) {
        let fake = Self.table()
        let wanted = "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n"
        var wrote = false
        // Unowned: the fake holds this closure, which must not hold the fake in turn.
        fake.refuse = { [unowned fake] request in
            switch request {
            case .deleteService(.address(.udp, _, _)):
                if !wrote {
                    wrote = true
                    try? fake.perform(.addService(tcp("10.0.0.9", 80), ServiceConfiguration()))
                }
                return EPERM
            case .addDestination(_, _, service: .address(.tcp, _, _)): return undoingFails ? EPERM : nil
            default: return nil
            }
        }
        let applied = invoke(fake, ["--apply", "-"], stdin: wanted)
        if undoingFails {
            #expect(applied.status == 3)
            #expect(applied.errors.hasSuffix("these lines would put it back:\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2\n"))
        } else {
            #expect(applied.status == 1)
            #expect(applied.errors.hasSuffix("every change was undone: the table is as it was\n"))
        }
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        let input: String
        let message: String
        var testDescription: String { message }
    }

    static let badInputs: [BadInput] = [
        BadInput(input: "{\"services\": [}", message: "standard input: line 1, column 15: unexpected character '}', a value expected"),
        BadInput(input: "{\"services\": [], \"bogus\": 1}", message: "standard input: bogus: unknown member"),
        BadInput(input: "{}", message: "standard input: services: missing"),
        BadInput(input: "{\"services\": [{\"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 70000}]}",
                 message: "standard input: services[0].port: an integer from 0 to 65535 expected, not 70000"),
        BadInput(input: "{\"services\": [{\"fwmark\": 1, \"destinations\": [{\"address\": \"10.1.0.1\", \"weight\": \"5\"}]}]}",
                 message: "standard input: services[0].destinations[0].weight: an integer expected, not a string"),
        BadInput(input: "{\"services\": [{\"fwmark\": 1}, {\"fwmark\": 1}]}",
                 message: "standard input: the same virtual service twice (services[0] and services[1])"),
        BadInput(input: "{\"services\": [{\"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 0}]}",
                 message: "standard input: services[0].port: Zero port specified for non-persistent service"),
        BadInput(input: "{\"services\": [{\"protocol\": \"tcp\", \"address\": \"10.0.0.1\", \"port\": 80, \"one_packet\": true}]}",
                 message: "standard input: services[0].one_packet: One-Packet Scheduling is only for UDP virtual services"),
        BadInput(input: "{\"services\": [{\"fwmark\": 1, \"scheduler\": \"rr\", \"scheduler_flags\": [\"flag-1\", \"sh-port\"]}]}",
                 message: "standard input: services[0].scheduler_flags[1]: \"sh-port\" is a flag of the sh scheduler only"),
        BadInput(input: "{\"services\": [{\"fwmark\": 1, \"scheduler_flags\": [\"flag-4\"]}]}",
                 message: "standard input: services[0].scheduler_flags[0]: unknown scheduler flag \"flag-4\""),
        BadInput(input: "-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n", message: "standard input: the same virtual service twice (line 1 and line 2)"),
        BadInput(input: "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.1.0.1\n-a -t 10.0.0.1:80 -r 10.1.0.1\n",
                 message: "standard input: the same real server twice in one virtual service (line 2 and line 3)"),
        BadInput(input: "# a comment\n-a -t 10.0.0.9:80 -r 10.1.0.1\n",
                 message: "standard input: line 2: a real server of a virtual service no earlier line adds"),
        BadInput(input: "-D -t 10.0.0.1:80\n", message: "standard input: line 1: a line must be -A, -a, --set or --start-daemon"),
        BadInput(input: "-A -t 10.0.0.1:80 -w 3\n", message: "standard input: line 1: Illegal 'weight' option with the 'add-service' command"),
    ]

    @Test(arguments: badInputs) func badInputChangesNothing(_ bad: BadInput) {
        let fake = Self.table()
        let before = fake.requests.count
        for command in ["--apply", "--diff"] {
            let result = invoke(fake, [command, "-"], stdin: bad.input)
            #expect(result.status == 2)
            #expect(result.errors == bad.message + "\n")
        }
        #expect(fake.requests.count == before)
    }

    @Test func missingFilesAndDirectoriesAreBadInput() {
        let fake = Self.table()
        #expect(invoke(fake, ["--apply", "/nonexistent/rules"]).errors == "/nonexistent/rules: No such file or directory\n")
        let directory = invoke(fake, ["--diff", "/"])
        #expect(directory.status == 2)
        #expect(directory.errors == "/: Is a directory\n")
    }

    @Test func anEmptyFileIsAnEmptyTable() {
        let fake = Self.table()
        #expect(invoke(fake, ["--apply", "-"], stdin: "\n# nothing\n").status == 0)
        #expect(Self.save(fake) == "")
    }

    @Test func savedJSONAppliesToTheSameTable() {
        let source = Self.table()
        let json = invoke(source, ["-S", "--json"])
        #expect(json.status == 0)
        let copy = FakeIPVS()
        let applied = invoke(copy, ["--apply", "-"], stdin: json.output)
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(Self.save(copy) == Self.save(source))
        #expect(invoke(copy, ["--diff", "-"], stdin: json.output).output == "")
        // A -L --json document (with counters) applies too.
        #expect(invoke(copy, ["--diff", "-"], stdin: invoke(source, ["-L", "--json"]).output).status == 0)
    }

    @Test func jsonCountersAreExact() {
        let fake = Self.table()
        var statistics = Statistics()
        statistics.incomingBytes = UInt64.max
        statistics.outgoingBytesPerSecond = 1 << 53 + 1
        fake.setStatistics(statistics, of: server("10.1.0.1", 80), in: tcp("10.0.0.1", 80))
        fake.setConnections(ConnectionCounts(active: 3, inactive: 4, persistent: 5), of: server("10.1.0.1", 80),
                            in: tcp("10.0.0.1", 80))
        let listed = invoke(fake, ["-L", "--json", "-t", "10.0.0.1:80"]).output
        #expect(listed.contains("\"bytes_in\": 18446744073709551615"))
        #expect(listed.contains("\"bytes_out\": 9007199254740993"))
        #expect(listed.contains("\"active_connections\": 3,\n"))
        #expect(listed.contains("\"persistent_connections\": 5,\n"))
        #expect(!invoke(fake, ["-S", "--json"]).output.contains("stats"))
    }

    @Test func jsonDocumentShape() {
        let fake = Self.table("-A -u 10.0.0.2:53 -s wrr -p 300 -M 255.255.255.0\n-a -u 10.0.0.2:53 -r 10.1.0.3:53 -g -w 5\n")
        #expect(invoke(fake, ["-S", "--json"]).output == """
            {
              "services": [
                {
                  "family": "ipv4",
                  "protocol": "udp",
                  "address": "10.0.0.2",
                  "port": 53,
                  "scheduler": "wrr",
                  "scheduler_flags": [],
                  "persistent": 300,
                  "netmask": "255.255.255.0",
                  "pe": null,
                  "one_packet": false,
                  "destinations": [
                    {
                      "address": "10.1.0.3",
                      "port": 53,
                      "forward": "route",
                      "weight": 5,
                      "upper_threshold": 0,
                      "lower_threshold": 0
                    }
                  ]
                }
              ],
              "timeouts": {
                "tcp": 900,
                "tcp_fin": 120,
                "udp": 300
              },
              "daemons": []
            }

            """)
        #expect(invoke(fake, ["-L", "--timeout", "--json"]).output == """
            {
              "timeouts": {
                "tcp": 900,
                "tcp_fin": 120,
                "udp": 300
              }
            }

            """)
    }

    @Test func drainingLowersTheWeightFirstAndCutsAfterTheTime() {
        let fake = Self.table()
        fake.setConnections(ConnectionCounts(active: 2, inactive: 1), of: server("10.1.0.1", 80), in: tcp("10.0.0.1", 80))
        let wanted = Self.rules.replacingOccurrences("-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n", "")
        let before = fake.requests.count
        let applied = invoke(fake, ["--apply", "-", "--drain", "0"], stdin: wanted)
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(Array(fake.requests[before...]) == [
            .editDestination(server("10.1.0.1", 80), dest(.masquerading, weight: 0), service: tcp("10.0.0.1", 80)),
            .deleteDestination(server("10.1.0.1", 80), service: tcp("10.0.0.1", 80)),
        ])
        #expect(applied.output == "-d -t 10.0.0.1:80 -r 10.1.0.1:80   (drained, 3 connections cut)\n")
    }

    @Test func aDrainedServerGoesAtOnce() {
        let fake = Self.table()
        let wanted = "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2\n"
        let before = fake.requests.count
        let applied = invoke(fake, ["--apply", "-", "--drain", "60"], stdin: wanted)
        #expect(applied.status == 0)
        // A service that goes away: weight 0, then its real server, then the service.
        let sent = Array(fake.requests[before...])
        let dns = udp("10.0.0.2", 53)
        let order = [
            IPVSRequest.editDestination(server("10.1.0.3", 53), dest(weight: 0, upper: 100, lower: 50), service: dns),
            .deleteDestination(server("10.1.0.3", 53), service: dns), .deleteService(dns),
        ].map { sent.firstIndex(of: $0) }
        #expect(order.allSatisfy { $0 != nil } && order == order.sorted { ($0 ?? 0) < ($1 ?? 0) }, "\(sent)")
        #expect(applied.output.split(separator: "\n").sorted() == [
            "-D -f 7 -6", "-D -u 10.0.0.2:53",
            "-d -t 10.0.0.1:80 -r 10.1.0.1:80   (drained)",
            "-d -u 10.0.0.2:53 -r 10.1.0.3:53   (drained)",
            "-d -f 7 -6 -r [2001:db8::1]:0   (drained)",
        ].sorted())
        #expect(Self.save(fake) == "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2\n")
    }

    @Test(arguments: [
        (["-A", "-t", "10.0.0.1:80", "--json"], "--json is not valid with --add-service"),
        (["--apply", "x", "-n"], "--numeric is not valid with --apply"),
        (["--diff", "x", "--drain", "5"], "--drain is not valid with --diff"),
        (["--apply", "x", "y"], "unexpected argument y"),
        (["--apply", "x", "--drain", "-1"], "invalid --drain seconds `-1'"),
    ])
    func extensionOptionsGoWhereTheyBelong(_ argv: [String], _ message: String) {
        let result = invoke(FakeIPVS(), argv)
        #expect(result.status == 2)
        #expect(result.errors == message + "\n")
    }

    @Test func netnsMayComeFirst() {
        #expect(parse(["--netns", "blue", "-L", "-n"]) == .success(.list(.table, [.numeric])))
        #expect(parse(["-S", "--netns=/proc/1/ns/net", "--json"]) == .success(.save([.numeric, .json])))
        #expect(namespaceArgument(["-L", "--netns", "blue"]) == "blue")
        #expect(namespaceArgument(["-L", "--netns=/run/netns/x"]) == "/run/netns/x")
        #expect(namespaceArgument(["-L", "-n"]) == nil)
        // A line of input cannot move the whole process.
        let restored = invoke(FakeIPVS(), ["-R"], stdin: "-A -t 10.0.0.1:80 --netns blue\n")
        #expect(restored.status == 2)
        #expect(restored.errors == "--netns is for the command line, not for a line of input\n")
        #expect(invoke(FakeIPVS(), ["--apply", "-"], stdin: "-A -t 10.0.0.1:80 --netns blue\n").errors
            == "standard input: line 1: --netns is for the command line, not for a line of input\n")
    }
}

extension String {
    /// The string with every `target` replaced (Foundation-free).
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
