import Foundation
import IPVS
import Testing

@testable import IPVSAdmin

// Short spellings for the expected values of the parser tables.

func ip(_ text: String) -> IPAddress {
    guard let address = IPAddress(presentation: text) else { fatalError("bad address \(text)") }
    return address
}

func tcp(_ address: String, _ port: UInt16) -> ServiceKey { .address(.tcp, ip(address), port: port) }
func udp(_ address: String, _ port: UInt16) -> ServiceKey { .address(.udp, ip(address), port: port) }
func sctp(_ address: String, _ port: UInt16) -> ServiceKey { .address(.sctp, ip(address), port: port) }
func fwmark(_ mark: UInt32, _ family: AddressFamily = .inet) -> ServiceKey { .firewallMark(mark, family: family) }

func server(_ address: String, _ port: UInt16) -> DestinationKey { DestinationKey(address: ip(address), port: port) }

/// A service configuration with ipvsadm's defaults for whatever is not given.
func config(
    _ scheduler: SchedulerName = "wlc", flags: ServiceFlags = [], timeout: UInt32 = 0,
    netmask: PersistenceNetmask = .exactV4, pe: String? = nil
) -> ServiceConfiguration {
    ServiceConfiguration(scheduler: scheduler, flags: flags, timeout: timeout, netmask: netmask, persistenceEngine: pe)
}

/// A persistent service configuration (`-p [timeout]`).
func persistent(
    _ timeout: UInt32 = 360, _ scheduler: SchedulerName = "wlc", netmask: PersistenceNetmask = .exactV4,
    flags: ServiceFlags = [], pe: String? = nil
) -> ServiceConfiguration {
    config(scheduler, flags: flags.union(.persistent), timeout: timeout, netmask: netmask, pe: pe)
}

/// A real server configuration with ipvsadm's defaults (direct routing, weight 1).
func dest(
    _ forwarding: ForwardingMethod = .directRouting, weight: Int32 = 1, upper: UInt32 = 0, lower: UInt32 = 0,
    tunnel: TunnelSettings = TunnelSettings()
) -> DestinationConfiguration {
    DestinationConfiguration(
        forwarding: forwarding, weight: weight, upperThreshold: upper, lowerThreshold: lower, tunnel: tunnel)
}

/// Splits a command line on blanks (no quoting: no test needs a word with a blank).
func words(_ line: String) -> [String] {
    line.split(separator: " ").map(String.init)
}

/// One argv and what the parser must make of it.
struct ParseCase: Sendable, CustomTestStringConvertible {
    let argv: [String]
    let expected: Result<AdminCommand, CommandLineError>

    init(_ line: String, _ command: AdminCommand) {
        argv = words(line)
        expected = .success(command)
    }

    init(_ argv: [String], _ command: AdminCommand) {
        self.argv = argv
        expected = .success(command)
    }

    init(_ line: String, _ request: IPVSRequest) {
        self.init(line, .request(request))
    }

    init(_ argv: [String], _ request: IPVSRequest) {
        self.init(argv, .request(request))
    }

    init(_ line: String, error: CommandLineError) {
        argv = words(line)
        expected = .failure(error)
    }

    init(_ argv: [String], error: CommandLineError) {
        self.argv = argv
        expected = .failure(error)
    }

    var testDescription: String { "ipvsadm " + argv.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
}

func parse(_ argv: [String]) -> Result<AdminCommand, CommandLineError> {
    do {
        return .success(try CommandLineParser.parse(argv))
    } catch {
        return .failure(error)
    }
}

/// ipvsadm's usage error: the message, exit status 2.
func usage(_ message: String) -> CommandLineError { .fatal(message, status: 2) }

/// What `ConnectionTable.read` answers for a listing holding `text`, or for none (nil).
func connectionReader(_ text: [UInt8]?) -> () throws(IPVSError) -> [Connection] {
    { () throws(IPVSError) in
        guard let text else { throw IPVSError(.listConnections, code: ENOENT) }
        return try ConnectionTable.parse(text)
    }
}
