import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns one ipvsadm command line into an `AdminCommand`, with ipvsadm 1.31's checks,
/// messages and their order. One deliberate difference: the meaning of `-M` and `-r`
/// never depends on whether they come before or after the virtual service option.
public struct CommandLineParser {
    /// The longest persistence timeout ipvsadm accepts: 31 days.
    static let maximumTimeout = 86400 * 31

    /// Parses `arguments` (without the program name). `inputLine`: they are a line of
    /// `-R` input or of a rules file, where options of the whole process (`--netns`) have
    /// no place.
    public static func parse(_ arguments: [String], inputLine: Bool = false) throws(CommandLineError) -> AdminCommand {
        var parser = CommandLineParser(arguments)
        parser.inputLine = inputLine
        return try parser.run()
    }

    private var inputLine = false

    private var scanner: ArgumentScanner
    private var command: Command = .flush
    /// The legality columns the options have filled.
    private var given = OptionColumns()
    private var format: ListOptions = []

    // The virtual service, as far as the options have described it.
    private var serviceProtocol = IPProtocol(rawValue: 0)
    private var serviceFamily: AddressFamily?
    private var serviceAddress: IPAddress?
    private var servicePort: UInt16 = 0
    private var firewallMark: UInt32 = 0
    private var scheduler = ""
    private var serviceFlags: ServiceFlags = []
    private var persistenceTimeout: UInt32 = 0
    private var persistenceEngine: String?
    private var schedulerFlagsArgument: String?
    /// The -M value, and the family it was read for (nil: before any service option).
    private var netmaskArgument: (text: String, readAs: AddressFamily)?
    private var netmask: PersistenceNetmask?

    // The real server.
    private var serverArgument: String?
    private var serverAddress: IPAddress?
    private var serverPort: UInt16 = 0
    private var destination = DestinationConfiguration()

    private var daemon = SyncDaemon(role: .master)

    // Extensions.
    /// The extension settings given, in order.
    private var extensions: [Option] = []
    private var configurationFile = ""
    private var drainSeconds: Int?

    private init(_ arguments: [String]) {
        scanner = ArgumentScanner(arguments)
    }

    private mutating func run() throws(CommandLineError) -> AdminCommand {
        // The first option must name the command; extension settings may come before it.
        guard case .option(var first, var firstArgument) = scanner.nextEvent() else { throw .tryHelp }
        while case .extensionSetting = first.meaning {
            try applyExtension(first, firstArgument)
            guard case .option(let next, let nextArgument) = scanner.nextEvent() else { throw .tryHelp }
            (first, firstArgument) = (next, nextArgument)
        }
        switch first.meaning {
        case .command(let named, _):
            command = named
            try apply(first.effect, firstArgument)
        case .extensionCommand(let named):
            try apply(first.effect, firstArgument)
            return try runExtension(named, first)
        case .help: return .help
        case .version: return .version
        case .setting, .extensionSetting: throw .tryHelp
        }

        scanning: while true {
            switch scanner.nextEvent() {
            case .end: break scanning
            case .failure(let failure): throw .optionSyntax(word: scanner.lastWord, reason: failure.message)
            case .option(let option, let argument): try apply(option, argument)
            }
        }

        if let text = serverArgument, serverAddress == nil { try readServer(text) }
        if let (text, readAs) = netmaskArgument, readAs != (serviceFamily ?? .inet) {
            try readNetmask(text, as: serviceFamily ?? .inet)
        }

        var operands = scanner.operands[...]
        var timeouts = Timeouts(tcp: 0, tcpFin: 0, udp: 0)
        if command == .setTimeouts {
            guard operands.count >= 3 else { throw fatal("--set option requires 3 timeout values") }
            timeouts.tcp = try timeout(operands.removeFirst(), minimum: 0)
            timeouts.tcpFin = try timeout(operands.removeFirst(), minimum: 0)
            timeouts.udp = try timeout(operands.removeFirst(), minimum: 0)
        }
        if let unexpected = operands.first { throw fatal("unexpected argument \(unexpected)") }
        if let flags = schedulerFlagsArgument, !flags.isEmpty {  // ipvsadm ignores an empty -b
            serviceFlags.subtract(.schedulerFlags)
            serviceFlags.formUnion(try parseSchedulerFlags(flags))
        }

        let rule = command.rule
        try checkLegality(of: given, columns: legalityColumns, marks: rule.marks, subject: rule.name, kind: "command")
        try checkExtensions(with: .ipvsadm(command), named: "--" + rule.name)
        return try buildCommand(timeouts: timeouts)
    }

    /// `--apply FILE` and `--diff FILE`: only extension settings may follow.
    private mutating func runExtension(_ named: ExtensionCommand, _ option: Option) throws(CommandLineError)
        -> AdminCommand
    {
        scanning: while true {
            switch scanner.nextEvent() {
            case .end: break scanning
            case .failure(let failure): throw .optionSyntax(word: scanner.lastWord, reason: failure.message)
            case .option(let next, let argument):
                guard case .extensionSetting = next.meaning else {
                    throw fatal("\(next) is not valid with \(option)")
                }
                try applyExtension(next, argument)
            }
        }
        if let unexpected = scanner.operands.first { throw fatal("unexpected argument \(unexpected)") }
        try checkExtensions(with: .extensionCommand(named), named: option.description)
        switch named {
        case .apply: return .apply(file: configurationFile, drainSeconds: drainSeconds)
        case .diff: return .diff(file: configurationFile)
        }
    }

    private mutating func applyExtension(_ option: Option, _ argument: String?) throws(CommandLineError) {
        guard !extensions.contains(option) else { throw fatal("\(option) given twice") }
        extensions.append(option)
        format.formUnion(option.listing)
        try apply(option.effect, argument)
    }

    /// Refuses an extension setting given with a command it does not go with.
    private func checkExtensions(with invocation: InvocationKind, named name: String) throws(CommandLineError) {
        for option in extensions {
            if case .extensionSetting(let legal?) = option.meaning, !legal.contains(invocation) {
                throw fatal("\(option) is not valid with \(name)")
            }
        }
    }

    // MARK: Options

    /// An option after the command: counted in its legality column, then read.
    private mutating func apply(_ option: Option, _ argument: String?) throws(CommandLineError) {
        if case .extensionSetting = option.meaning { return try applyExtension(option, argument) }
        guard case .setting(let column, _) = option.meaning else {
            // A second command (or -h/-v after one) is just an option ipvsadm doesn't take here.
            throw fatal("invalid option `\(scanner.lastWord)'")
        }
        if let column {
            guard given.insert(column) else { throw fatal("multiple '\(column.name)' options specified") }
        }
        format.formUnion(option.listing)
        try apply(option.effect, argument)
    }

    private mutating func apply(_ effect: OptionEffect, _ argument: String?) throws(CommandLineError) {
        switch effect {
        case .nothing: break
        case .flag(let change): try change(&self)
        case .value(let read): try read(&self, argument ?? "")  // the scanner always supplies one
        case .optionalValue(let read): try read(&self, argument)
        }
    }

    private mutating func readServer(_ text: String) throws(CommandLineError) {
        guard let (address, port) = Self.parseHostPort(text, protocol: serviceProtocol) else {
            throw fatal("illegal real server address[:port] specified")
        }
        serverAddress = address
        serverPort = port ?? servicePort
    }

    private mutating func readNetmask(_ text: String, as family: AddressFamily) throws(CommandLineError) {
        netmaskArgument = (text, family)
        if family == .inet6 {
            let prefix = NameService.atoi(text)
            guard (1...128).contains(prefix) else { throw fatal("illegal ipv6 netmask specified") }
            netmask = .v6(prefixLength: UInt32(prefix))
        } else {
            guard let mask = NameService.ipv4(liberal: text) ?? NameService.ipv4(host: text) else {
                throw fatal("illegal virtual server persistent mask specified")
            }
            netmask = .v4(mask: mask)
        }
    }

    private func timeout(_ text: String, minimum: Int) throws(CommandLineError) -> UInt32 {
        guard let seconds = NameService.integer(text, in: minimum...Self.maximumTimeout) else {
            throw fatal("invalid timeout value `\(text)' specified")
        }
        return UInt32(seconds)
    }

    private func daemonRole(_ text: String?, failure: String) throws(CommandLineError) -> SyncDaemonRole {
        switch text {
        case "master": return .master
        case "backup": return .backup
        default: throw fatal(failure)
        }
    }

    private func fatal(_ message: String) -> CommandLineError { .fatal(message, status: 2) }

    // MARK: Values

    /// ipvsadm's host[:port] reading: "[v6]:port", a bare IPv6 address, or an IPv4
    /// address or host name with an optional numeric or named port.
    /// Returns nil where ipvsadm finds no address; the port is nil when none was given.
    static func parseHostPort(_ text: String, protocol proto: IPProtocol) -> (IPAddress, UInt16?)? {
        if text.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) { return nil }
        var host = Substring(text)
        var portText: Substring?
        if host.first == "[" {
            host = host.dropFirst()
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            guard after.first == ":" else { return nil }
            portText = after.dropFirst()
            host = host[..<close]
        }
        let address: IPAddress
        // An IPv6 address has at least two colons; "10.0.0.1:80" needs no inet_pton try.
        if host.utf8.lazy.filter({ $0 == UInt8(ascii: ":") }).count >= 2,
            let v6 = IPAddress.parse(String(host), family: .inet6)
        {
            address = v6
        } else {
            if let colon = host.lastIndex(of: ":") {
                portText = host[host.index(after: colon)...]
                host = host[..<colon]
            } else {
                // As in ipvsadm, a bracketed IPv4 address loses its port.
                portText = nil
            }
            guard let v4 = NameService.ipv4(liberal: String(host)) ?? NameService.ipv4(host: String(host)) else {
                return nil
            }
            address = .v4(v4)
        }
        guard let portText else { return (address, nil) }
        if let number = NameService.integer(String(portText), in: 0...65535) { return (address, UInt16(number)) }
        if let named = NameService.port(service: String(portText), protocol: proto) { return (address, named) }
        return nil
    }

    static func parseFirewallMark(_ text: String) throws(CommandLineError) -> UInt32 {
        guard let mark = NameService.strictLong(text), mark > 0, mark <= Int(UInt32.max) else {
            throw .fatal("invalid fwmark value `\(text)' specified", status: 2)
        }
        return UInt32(mark)
    }

    static func parseMulticastGroup(_ text: String) throws(CommandLineError) -> IPAddress {
        if text.contains(":") {
            guard let group = IPAddress.parse(text, family: .inet6), case .v6(let high, _) = group, high >> 56 == 0xff
            else { throw .fatal("invalid IPv6 mcast-group `\(text)'", status: 2) }
            return group
        }
        guard let group = IPAddress.parse(text, family: .inet), case .v4(let value) = group, value >> 28 == 0xe else {
            throw .fatal("invalid IPv4 mcast-group `\(text)'", status: 2)
        }
        return group
    }

    private func parseSchedulerFlags(_ text: String) throws(CommandLineError) -> ServiceFlags {
        let scheduler = self.scheduler.isEmpty ? "wlc" : self.scheduler
        var flags: ServiceFlags = []
        let names = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !names.isEmpty else { throw fatal("invalid scheduler flag `\(text)'") }
        for name in names {
            guard let (flag, only) = ServiceConfiguration.schedulerFlag(named: name) else {
                throw fatal("invalid scheduler flag `\(name)'")
            }
            flags.insert(flag)
            if let only, scheduler != only { throw fatal("incompatible scheduler flag `\(name)'") }
        }
        return flags
    }

    // MARK: The command

    private var serviceKey: ServiceKey {
        if firewallMark != 0 { return .firewallMark(firewallMark, family: serviceFamily ?? .inet) }
        return .address(serviceProtocol, serviceAddress ?? .v4(0), port: servicePort)
    }

    private static let tunnelOptions = OptionColumns(
        [.tunnelType, .tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum])
    private static let listDetails = OptionColumns([.stats, .rate, .thresholds])
    private static let listViews = OptionColumns([.connection, .timeout, .daemon])
    private static let tableStateViews = OptionColumns([.timeout, .daemon])

    private mutating func buildCommand(timeouts: Timeouts) throws(CommandLineError) -> AdminCommand {
        switch command {
        case .addService, .editService:
            if firewallMark == 0 && servicePort == 0 && !serviceFlags.contains(.persistent) {
                throw fatal("Zero port specified for non-persistent service")
            }
            if serviceFlags.contains(.onePacket) && firewallMark == 0 && serviceProtocol != .udp {
                throw fatal("One-Packet Scheduling is only for UDP virtual services")
            }
            let configuration = ServiceConfiguration(
                scheduler: SchedulerName(rawValue: scheduler.isEmpty ? "wlc" : scheduler),
                flags: serviceFlags, timeout: persistenceTimeout,
                netmask: netmask ?? .exact(for: serviceKey.family),
                persistenceEngine: persistenceEngine)
            return .request(
                command == .addService
                    ? .addService(serviceKey, configuration) : .editService(serviceKey, configuration))
        case .deleteService:
            return .request(.deleteService(serviceKey))
        case .flush:
            return .request(.flush)
        case .addDestination, .editDestination, .deleteDestination:
            guard let serverAddress else { throw fatal("illegal real server address[:port] specified") }
            if command == .deleteDestination {
                return .request(
                    .deleteDestination(DestinationKey(address: serverAddress, port: serverPort), service: serviceKey))
            }
            // Direct routing and tunneling cannot change the port: the real server's is the service's.
            var port = serverPort
            let tunnels = destination.forwarding == .tunneling
            if firewallMark == 0 && (tunnels || destination.forwarding == .directRouting) { port = servicePort }
            let key = DestinationKey(address: serverAddress, port: port)
            if serverAddress.family != serviceKey.family && !tunnels {
                throw fatal("Different address family is allowed only for tunneling servers")
            }
            if !tunnels && given.containsAny(Self.tunnelOptions) {
                throw fatal("Tunnel options conflict with forward method")
            }
            let tunnelType = tunnelTypeRules[Int(destination.tunnel.type.rawValue)]
            try checkLegality(
                of: given, columns: tunnelTypeColumns, marks: tunnelType.marks, subject: tunnelType.name,
                kind: "tunnel type")
            return .request(
                command == .addDestination
                    ? .addDestination(key, destination, service: serviceKey)
                    : .editDestination(key, destination, service: serviceKey))
        case .list:
            if (given.containsAny(Self.listViews) && given.containsAny(Self.listDetails))
                || (given.containsAny(Self.tableStateViews) && given.contains(.persistentConnections))
            {
                throw fatal("options conflicts in the list command")
            }
            if given.contains(.connection) { return .list(.connections, format) }
            if given.contains(.serviceAddress) { return .list(.service(serviceKey), format) }
            if given.contains(.timeout) { return .list(.timeouts, format) }
            if given.contains(.daemon) { return .list(.daemons, format) }
            return .list(.table, format)
        case .setTimeouts:
            return .request(.setTimeouts(timeouts))
        case .startDaemon:
            if daemon.interface.isEmpty { daemon.interface = "eth0" }
            return .request(.startDaemon(daemon))
        case .stopDaemon:
            return .request(.stopDaemon(daemon))
        case .restore:
            return .restore
        case .save:
            return .save(format)
        case .zero:
            guard given.contains(.serviceAddress) else { return .request(.zero(nil)) }
            // ipvsadm zeroes everything when the service given is all zeros.
            if firewallMark == 0 && servicePort == 0
                && (serviceAddress == nil || serviceAddress == .v4(0) || serviceAddress == .v6(high: 0, low: 0))
            {
                return .request(.zero(nil))
            }
            return .request(.zero(serviceKey))
        }
    }
}

// MARK: What each option reads

/// The `effect`s of `CommandLineParser.options`' rows, by concern. The legality column is
/// counted before these run, so "multiple" comes before a value's error, as in ipvsadm.
extension CommandLineParser {
    /// An int option's value through strtol, with the option's message for anything else.
    private func integer(_ text: String, in range: ClosedRange<Int>, else message: String) throws(CommandLineError)
        -> Int
    {
        guard let value = NameService.integer(text, in: range) else { throw fatal(message) }
        return value
    }

    // The commands' own values.

    static func readStartDaemon(_ parser: inout Self, _ role: String) throws(CommandLineError) {
        parser.daemon.role = try parser.daemonRole(role, failure: "illegal start-daemon parameter specified")
    }

    static func readStopDaemon(_ parser: inout Self, _ role: String) throws(CommandLineError) {
        parser.daemon.role = try parser.daemonRole(role, failure: "illegal start_daemon specified")
    }

    // The virtual service.

    static func readTCPService(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        try parser.readService(text, protocol: .tcp)
    }

    static func readUDPService(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        try parser.readService(text, protocol: .udp)
    }

    static func readSCTPService(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        try parser.readService(text, protocol: .sctp)
    }

    private mutating func readService(_ text: String, protocol proto: IPProtocol) throws(CommandLineError) {
        serviceProtocol = proto
        guard let (address, port) = Self.parseHostPort(text, protocol: proto) else {
            throw fatal("illegal virtual server address[:port] specified")
        }
        serviceAddress = address
        serviceFamily = address.family
        servicePort = port ?? 0
        if address.family == .inet6 { netmask = .exactV6 }
    }

    static func readFirewallMark(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.serviceFamily = .inet
        parser.serviceProtocol = .tcp
        parser.firewallMark = try parseFirewallMark(text)
    }

    static func useIPv6(_ parser: inout Self) throws(CommandLineError) {
        guard parser.firewallMark != 0 else { throw parser.fatal("-6 used before -f\n") }
        parser.serviceFamily = .inet6
        parser.netmask = .exactV6
    }

    static func readScheduler(_ parser: inout Self, _ name: String) {
        parser.scheduler = ArgumentText.kernelName(name, maximumBytes: 15)
    }

    static func readSchedulerFlags(_ parser: inout Self, _ text: String) {
        parser.schedulerFlagsArgument = schedulerFlagsText(text)  // read once the scheduler is known
    }

    /// The most bytes of a `-b` argument ipvsadm keeps (it copies the argument into a
    /// buffer of 128 bytes): flags past them are not read, and a refused flag is echoed cut.
    static let schedulerFlagsLimit = 127

    /// `text` cut to its first `schedulerFlagsLimit` bytes, as ipvsadm cuts it.
    static func schedulerFlagsText(_ text: String) -> String {
        guard text.utf8.count > schedulerFlagsLimit else { return text }
        return ArgumentText.string(ArgumentText.bytes(text).prefix(schedulerFlagsLimit))
    }

    static func readPersistence(_ parser: inout Self, _ text: String?) throws(CommandLineError) {
        parser.serviceFlags.insert(.persistent)
        if let text {
            parser.persistenceTimeout = try parser.timeout(text, minimum: 1)
        } else {
            parser.persistenceTimeout = 360
        }
    }

    static func readNetmask(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        try parser.readNetmask(text, as: parser.serviceFamily ?? .inet)
    }

    static func readPersistenceEngine(_ parser: inout Self, _ name: String) {
        parser.persistenceEngine = ArgumentText.kernelName(name, maximumBytes: 16)
    }

    static func useOnePacketScheduling(_ parser: inout Self) {
        parser.serviceFlags.insert(.onePacket)
    }

    // The real server.

    static func readRealServer(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.serverArgument = text
        // Read now, as ipvsadm does, once the service is known; else once it is.
        if parser.given.contains(.serviceAddress) { try parser.readServer(text) }
    }

    static func useDirectRouting(_ parser: inout Self) { parser.destination.forwarding = .directRouting }
    static func useTunneling(_ parser: inout Self) { parser.destination.forwarding = .tunneling }
    static func useMasquerading(_ parser: inout Self) { parser.destination.forwarding = .masquerading }

    static func readWeight(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        // Debian's ipvsadm 1.31 takes any non-negative int (upstream's limit was 65535).
        parser.destination.weight = Int32(
            try parser.integer(text, in: 0...Int(Int32.max), else: "illegal weight specified"))
    }

    static func readUpperThreshold(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.destination.upperThreshold = UInt32(
            try parser.integer(text, in: 0...Int(Int32.max), else: "illegal u_threshold specified"))
    }

    static func readLowerThreshold(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.destination.lowerThreshold = UInt32(
            try parser.integer(text, in: 0...Int(Int32.max), else: "illegal l_threshold specified"))
    }

    static func readTunnelType(_ parser: inout Self, _ name: String) throws(CommandLineError) {
        guard let index = tunnelTypeRules.firstIndex(where: { $0.name == name }) else {
            throw parser.fatal("illegal tunnel type specified")
        }
        parser.destination.tunnel.type = TunnelType(rawValue: UInt8(index))
    }

    static func readTunnelPort(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.destination.tunnel.port = UInt16(
            try parser.integer(text, in: 1...65535, else: "illegal tunnel port specified"))
    }

    static func useTunnelChecksum(_ parser: inout Self) {
        parser.destination.tunnel.checksum.rawValue |= TunnelChecksum.checksum.rawValue
    }

    static func useTunnelRemoteChecksum(_ parser: inout Self) {
        parser.destination.tunnel.checksum.rawValue |= TunnelChecksum.remoteChecksum.rawValue
    }

    // The sync daemon.

    // Extensions.

    static func readConfigurationFile(_ parser: inout Self, _ path: String) throws(CommandLineError) {
        guard !path.isEmpty else { throw parser.fatal("--apply and --diff need a file, or - for standard input") }
        parser.configurationFile = path
    }

    static func readDrainSeconds(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.drainSeconds = try parser.integer(text, in: 0...Self.maximumTimeout, else: "invalid --drain seconds `\(text)'")
    }

    static func readNamespace(_ parser: inout Self, _ name: String) throws(CommandLineError) {
        guard !parser.inputLine else { throw parser.fatal("--netns is for the command line, not for a line of input") }
        guard !name.isEmpty else { throw parser.fatal("--netns needs a name or a path") }
    }

    static func readMulticastInterface(_ parser: inout Self, _ name: String) {
        parser.daemon.interface = ArgumentText.kernelName(name, maximumBytes: 15)
    }

    static func readSyncID(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.daemon.syncID = UInt32(try parser.integer(text, in: 0...255, else: "illegal syncid specified"))
    }

    static func readMulticastGroup(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.daemon.group = try parseMulticastGroup(text)
    }

    static func readMulticastPort(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.daemon.port = UInt16(try parser.integer(text, in: 1...65535, else: "illegal mcast-port specified"))
    }

    static func readMulticastTTL(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.daemon.ttl = UInt8(try parser.integer(text, in: 1...255, else: "illegal mcast-ttl specified"))
    }

    static func readSyncMaxLength(_ parser: inout Self, _ text: String) throws(CommandLineError) {
        parser.daemon.maximumLength = UInt16(
            try parser.integer(text, in: 1...(65535 - 20 - 8), else: "illegal sync-maxlen specified"))
    }
}
