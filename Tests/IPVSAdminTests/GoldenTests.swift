import Foundation
import IPVS
import Testing

@testable import IPVSAdmin

/// Runs a scenario (Golden/NAME.scenario) against the in-memory table and renders a
/// transcript in the differential suite's format; it must equal Golden/NAME.expected,
/// which is what ipvsadm 1.31 prints for the same command lines.
///
/// Scenario lines: `ipvsadm ARGS...` runs one invocation (words split on blanks);
/// `@stdin TEXT` and `@conn TEXT|none` set standard input and /proc/net/ip_vs_conn
/// for the invocations that follow (`\n`, `\t`, `\r`, `\s`, `\\` escapes);
/// `@info VERSION SIZE`, `@svcstats SVC 10xN`, `@dststats SVC DEST 10xN` and
/// `@dstconns SVC DEST ACTIVE INACTIVE PERSISTENT` set what commands cannot
/// (SVC is `tcp|udp|sctp HOST:PORT` or `fwm|fwm6 MARK`); `#` lines are comments.
struct ScenarioRunner {
    let fake = FakeIPVS()
    var standardInput: [UInt8] = []
    var connectionTable: [UInt8]?

    mutating func run(_ scenario: String) -> String {
        var transcript = ""
        for rawLine in scenario.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                apply(directive: line)
                continue
            }
            let words = line.split(separator: " ").map(String.init)
            precondition(words.first == "ipvsadm", "bad scenario line: \(line)")
            let output = TextOutput()
            let errors = TextOutput()
            let input = standardInput
            let connections = connectionTable
            let session = AdminSession(
                control: fake, info: fake.tableInfo, program: "ipvsadm", output: output, errors: errors,
                restoreInput: .bytes(input), readConnections: connectionReader(connections))
            let status = session.run(Array(words.dropFirst()))
            transcript += "$ \(line)\n[exit \(status)]\n"
            if !output.text.isEmpty { transcript += "--- stdout\n" + output.text }
            if !errors.text.isEmpty { transcript += "--- stderr\n" + errors.text }
        }
        return transcript
    }

    private mutating func apply(directive line: String) {
        let (name, rest) = line.dropFirst().split(separator: " ", maxSplits: 1).map(String.init).pair
        var words = rest.split(separator: " ").map(String.init)[...]
        switch name {
        case "stdin":
            standardInput = Array(Self.unescape(rest).utf8)
        case "conn":
            connectionTable = rest == "none" ? nil : Array(Self.unescape(rest).utf8)
        case "info":
            fake.tableInfo = IPVSInfo(
                version: UInt32(Self.number(words.removeFirst())),
                connectionTableSize: UInt32(Self.number(words.removeFirst())))
        case "svcstats":
            let service = Self.serviceKey(&words)
            fake.setStatistics(Self.statistics(words), of: service)
        case "dststats":
            let service = Self.serviceKey(&words)
            let destination = Self.destinationKey(words.removeFirst())
            fake.setStatistics(Self.statistics(words), of: destination, in: service)
        case "dstconns":
            let service = Self.serviceKey(&words)
            let destination = Self.destinationKey(words.removeFirst())
            let counts = words.map { UInt32($0)! }
            fake.setConnections(
                ConnectionCounts(active: counts[0], inactive: counts[1], persistent: counts[2]),
                of: destination, in: service)
        default:
            preconditionFailure("unknown directive \(line)")
        }
    }

    static func unescape(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "s": result.append(" ")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func number(_ text: String) -> UInt64 {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16)! : UInt64(text)!
    }

    private static func statistics(_ words: ArraySlice<String>) -> Statistics {
        let values = words.map { number($0) }
        precondition(values.count == 10)
        var s = Statistics()
        s.connections = values[0]
        s.incomingPackets = values[1]
        s.outgoingPackets = values[2]
        s.incomingBytes = values[3]
        s.outgoingBytes = values[4]
        s.connectionsPerSecond = values[5]
        s.incomingPacketsPerSecond = values[6]
        s.outgoingPacketsPerSecond = values[7]
        s.incomingBytesPerSecond = values[8]
        s.outgoingBytesPerSecond = values[9]
        return s
    }

    private static func serviceKey(_ words: inout ArraySlice<String>) -> ServiceKey {
        let kind = words.removeFirst()
        let value = words.removeFirst()
        switch kind {
        case "fwm": return .firewallMark(UInt32(value)!, family: .inet)
        case "fwm6": return .firewallMark(UInt32(value)!, family: .inet6)
        default:
            let proto: IPProtocol = kind == "tcp" ? .tcp : kind == "udp" ? .udp : .sctp
            let destination = destinationKey(value)
            return .address(proto, destination.address, port: destination.port)
        }
    }

    private static func destinationKey(_ text: String) -> DestinationKey {
        var host = Substring(text)
        let port: Substring
        if host.hasPrefix("[") {
            let close = host.firstIndex(of: "]")!
            port = host[host.index(close, offsetBy: 2)...]
            host = host[host.index(after: host.startIndex)..<close]
        } else {
            let colon = host.lastIndex(of: ":")!
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        return DestinationKey(address: IPAddress(presentation: String(host))!, port: UInt16(port)!)
    }
}

extension Array where Element == String {
    fileprivate var pair: (String, String) { (self[0], count > 1 ? self[1] : "") }
}

enum Golden {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Golden")
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}

@Suite("Golden transcripts against ipvsadm 1.31's output")
struct GoldenTests {
    static let scenarios = [
        "list-numeric",
        "list-names",
        "list-stats",
        "list-rate",
        "list-exact",
        "list-thresholds",
        "list-persistent-conn",
        "list-tun-info",
        "list-service",
        "save",
        "fwmark-ipv6",
        "sort-order",
        "connections",
        "timeout-daemon",
        "help-version",
        "kernel-errors",
        "zero",
        "version-warning",
        "restore",
        "restore-usage-error",
        "restore-nested",
        "command-line-errors",
    ]

    @Test(arguments: scenarios)
    func transcript(_ name: String) throws {
        let scenario = try Golden.text("\(name).scenario")
        let expected = try Golden.text("\(name).expected")
        var runner = ScenarioRunner()
        let actual = runner.run(scenario)
        #expect(actual == expected, "\(name): first difference \(firstDifference(actual, expected))")
    }

    /// The same transcripts when the table also offers its cheap text listing of real
    /// servers (what the default view may use instead of one request per service).
    @Test(arguments: scenarios)
    func transcriptWithTheTextListing(_ name: String) throws {
        let scenario = try Golden.text("\(name).scenario")
        let expected = try Golden.text("\(name).expected")
        var runner = ScenarioRunner()
        runner.fake.offersSummaries = true
        let actual = runner.run(scenario)
        #expect(actual == expected, "\(name): first difference \(firstDifference(actual, expected))")
    }

    /// Every scenario in the folder is listed above, so none is silently skipped.
    @Test func everyScenarioIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Golden.directory.path)
        let names = Set(files.filter { $0.hasSuffix(".scenario") }.map { String($0.dropLast(".scenario".count)) })
        #expect(names == Set(Self.scenarios))
        let expected = Set(files.filter { $0.hasSuffix(".expected") }.map { String($0.dropLast(".expected".count)) })
        #expect(expected == Set(Self.scenarios))
    }
}

/// The line where two transcripts first differ, for readable failures.
func firstDifference(_ actual: String, _ expected: String) -> String {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(a.count, e.count) {
        let left = index < a.count ? String(a[index]) : "<end>"
        let right = index < e.count ? String(e[index]) : "<end>"
        if left != right { return "line \(index + 1): got \(left.debugDescription), want \(right.debugDescription)" }
    }
    return "none"
}
