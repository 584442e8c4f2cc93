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

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) throws(CommandLineError) -> AdminCommand {
        var parser = CommandLineParser(arguments)
        return try parser.run()
    }

    private var scanner: ArgumentScanner
    private var command: CommandKind = .flush
    private var options = TrackedOptions()
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

    private init(_ arguments: [String]) {
        scanner = ArgumentScanner(arguments)
    }

    private mutating func run() throws(CommandLineError) -> AdminCommand {
        // The first option must name the command.
        guard case .option(let first, let firstArgument) = scanner.nextEvent() else { throw .tryHelp }
        switch first {
        case .addService: command = .add
        case .editService: command = .edit
        case .deleteService: command = .delete
        case .addServer: command = .addServer
        case .editServer: command = .editServer
        case .deleteServer: command = .deleteServer
        case .clear: command = .flush
        case .list: command = .list
        case .zero: command = .zero
        case .set: command = .timeout
        case .restore: command = .restore
        case .save: command = .save
        case .startDaemon:
            command = .startDaemon
            daemon.role = try daemonRole(firstArgument, failure: "illegal start-daemon parameter specified")
        case .stopDaemon:
            command = .stopDaemon
            daemon.role = try daemonRole(firstArgument, failure: "illegal start_daemon specified")
        case .help: return .help
        case .version: return .version
        default: throw .tryHelp
        }

        scanning: while true {
            switch scanner.nextEvent() {
            case .end: break scanning
            case .failure(let failure): throw .optionSyntax(word: scanner.lastWord, reason: failure.message)
            case .option(let tag, let argument): try apply(tag, argument)
            }
        }

        if let text = serverArgument, serverAddress == nil { try readServer(text) }
        if let (text, readAs) = netmaskArgument, readAs != (serviceFamily ?? .inet) {
            try readNetmask(text, as: serviceFamily ?? .inet)
        }

        var operands = scanner.operands[...]
        var timeouts = Timeouts(tcp: 0, tcpFin: 0, udp: 0)
        if command == .timeout {
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

        try checkOptionsAgainstCommand()
        return try buildCommand(timeouts: timeouts)
    }

    // MARK: Options

    private mutating func apply(_ tag: OptionTag, _ argument: String?) throws(CommandLineError) {
        let value = argument ?? ""
        switch tag {
        case .tcpService, .udpService, .sctpService:
            try track(.service)
            serviceProtocol = tag == .tcpService ? .tcp : tag == .udpService ? .udp : .sctp
            guard let (address, port) = Self.parseHostPort(value, protocol: serviceProtocol) else {
                throw fatal("illegal virtual server address[:port] specified")
            }
            serviceAddress = address
            serviceFamily = address.family
            servicePort = port ?? 0
            if address.family == .inet6 { netmask = .exactV6 }
        case .fwmarkService:
            try track(.service)
            serviceFamily = .inet
            serviceProtocol = .tcp
            firewallMark = try Self.parseFirewallMark(value)
        case .scheduler:
            try track(.scheduler)
            scheduler = String(decoding: value.utf8.prefix(15), as: UTF8.self)
        case .persistent:
            try track(.persistent)
            serviceFlags.insert(.persistent)
            persistenceTimeout = argument == nil ? 360 : try timeout(value, minimum: 1)
        case .netmask:
            try track(.netmask)
            try readNetmask(value, as: serviceFamily ?? .inet)
        case .realServer:
            try track(.server)
            serverArgument = value
            // Read now, as ipvsadm does, once the service is known; else once it is.
            if options.contains(.service) { try readServer(value) }
        case .ipip:
            try track(.forward)
            destination.forwarding = .tunneling
        case .gatewaying:
            try track(.forward)
            destination.forwarding = .directRouting
        case .masquerading:
            try track(.forward)
            destination.forwarding = .masquerading
        case .weight:
            try track(.weight)
            // Debian's ipvsadm 1.31 takes any non-negative int (upstream's limit was 65535).
            guard let weight = NameService.integer(value, in: 0...Int(Int32.max)) else {
                throw fatal("illegal weight specified")
            }
            destination.weight = Int32(weight)
        case .upperThreshold:
            try track(.upperThreshold)
            guard let threshold = NameService.integer(value, in: 0...Int(Int32.max)) else {
                throw fatal("illegal u_threshold specified")
            }
            destination.upperThreshold = UInt32(threshold)
        case .lowerThreshold:
            try track(.lowerThreshold)
            guard let threshold = NameService.integer(value, in: 0...Int(Int32.max)) else {
                throw fatal("illegal l_threshold specified")
            }
            destination.lowerThreshold = UInt32(threshold)
        case .connection: try track(.connection)
        case .numeric: try track(.numeric, format: .numeric)
        case .mcastInterface:
            try track(.mcastInterface)
            daemon.interface = String(decoding: value.utf8.prefix(15), as: UTF8.self)
        case .syncID:
            try track(.syncID)
            guard let id = NameService.integer(value, in: 0...255) else { throw fatal("illegal syncid specified") }
            daemon.syncID = UInt32(id)
        case .timeout: try track(.timeout)
        case .daemon: try track(.daemon)
        case .stats: try track(.stats, format: .stats)
        case .rate: try track(.rate, format: .rate)
        case .thresholds: try track(.thresholds, format: .thresholds)
        case .persistentConnections: try track(.persistentConnections, format: .persistentConnections)
        case .noSort: try track(.noSort, format: .noSort)
        case .sort: break  // the default order; accepted for compatibility
        case .exact: try track(.exact, format: .exact)
        case .ipv6:
            guard firewallMark != 0 else { throw fatal("-6 used before -f\n") }
            serviceFamily = .inet6
            netmask = .exactV6
        case .onePacket:
            try track(.onePacket)
            serviceFlags.insert(.onePacket)
        case .persistenceEngine:
            try track(.persistenceEngine)
            persistenceEngine = String(decoding: value.utf8.prefix(16), as: UTF8.self)
        case .schedulerFlags:
            try track(.schedulerFlags)
            schedulerFlagsArgument = value
        case .mcastGroup:
            try track(.mcastGroup)
            daemon.group = try Self.parseMulticastGroup(value)
        case .mcastPort:
            try track(.mcastPort)
            guard let port = NameService.integer(value, in: 1...65535) else { throw fatal("illegal mcast-port specified") }
            daemon.port = UInt16(port)
        case .mcastTTL:
            try track(.mcastTTL)
            guard let ttl = NameService.integer(value, in: 1...255) else { throw fatal("illegal mcast-ttl specified") }
            daemon.ttl = UInt8(ttl)
        case .syncMaxLength:
            try track(.syncMaxLength)
            guard let length = NameService.integer(value, in: 1...(65535 - 20 - 8)) else {
                throw fatal("illegal sync-maxlen specified")
            }
            daemon.maximumLength = UInt16(length)
        case .tunnelInfo: try track(.tunnelInfo, format: .tunnelInfo)
        case .tunnelType:
            try track(.tunnelType)
            guard let index = tunnelOptionRules.firstIndex(where: { $0.name == value }) else {
                throw fatal("illegal tunnel type specified")
            }
            destination.tunnel.type = TunnelType(rawValue: UInt8(index))
        case .tunnelPort:
            try track(.tunnelPort)
            guard let port = NameService.integer(value, in: 1...65535) else { throw fatal("illegal tunnel port specified") }
            destination.tunnel.port = UInt16(port)
        case .tunnelNoChecksum:
            try track(.tunnelNoChecksum)
        case .tunnelChecksum:
            try track(.tunnelChecksum)
            destination.tunnel.checksum.rawValue |= TunnelChecksum.checksum.rawValue
        case .tunnelRemoteChecksum:
            try track(.tunnelRemoteChecksum)
            destination.tunnel.checksum.rawValue |= TunnelChecksum.remoteChecksum.rawValue
        case .addService, .editService, .deleteService, .clear, .list, .zero, .addServer, .editServer,
            .deleteServer, .set, .help, .version, .restore, .save, .startDaemon, .stopDaemon:
            // A second command (or -h/-v after one) is just an option ipvsadm doesn't take here.
            throw fatal("invalid option `\(scanner.lastWord)'")
        }
    }

    private mutating func track(_ option: TrackedOption, format flag: ListOptions = []) throws(CommandLineError) {
        guard options.insert(option) else { throw fatal("multiple '\(option.name)' options specified") }
        format.formUnion(flag)
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
            switch name {
            case "flag-1": flags.insert(.schedulerFlag1)
            case "flag-2": flags.insert(.schedulerFlag2)
            case "flag-3": flags.insert(.schedulerFlag3)
            case "sh-fallback", "sh-port", "mh-fallback", "mh-port":
                flags.insert(name.hasSuffix("fallback") ? .schedulerFlag1 : .schedulerFlag2)
                guard scheduler == name.prefix(2) else { throw fatal("incompatible scheduler flag `\(name)'") }
            default:
                throw fatal("invalid scheduler flag `\(name)'")
            }
        }
        return flags
    }

    // MARK: Checks

    /// ipvsadm's table check: required, illegal and mutually exclusive options, in column order.
    private func checkOptionsAgainstCommand() throws(CommandLineError) {
        let rule = commandOptionRules[command.rawValue]
        var firstExclusive: TrackedOption?
        for option in TrackedOption.allCases {
            let mark = rule[option.rawValue]
            if !options.contains(option) {
                if mark == UInt8(ascii: "+") {
                    throw fatal("You need to supply the '\(option.name)' option for the '\(command.name)' command")
                }
                continue
            }
            if mark == UInt8(ascii: "x") { throw fatal("Illegal '\(option.name)' option with the '\(command.name)' command") }
            if mark == UInt8(ascii: "1") {
                if let first = firstExclusive {
                    throw fatal(
                        "The option '\(option.name)' conflicts with the '\(first.name)' option in the '\(command.name)' command")
                }
                firstExclusive = option
            }
        }
    }

    private func checkTunnelOptions() throws(CommandLineError) {
        let index = Int(destination.tunnel.type.rawValue)
        let (typeName, rule) = tunnelOptionRules[index]
        var firstExclusive: TrackedOption?
        for (column, option) in tunnelOptionColumns.enumerated() {
            let mark = rule[column]
            if !options.contains(option) {
                if mark == "+" {
                    throw fatal("You need to supply the '\(option.name)' option for the '\(typeName)' tunnel type")
                }
                continue
            }
            if mark == "x" { throw fatal("Illegal '\(option.name)' option with the '\(typeName)' tunnel type") }
            if mark == "1" {
                if let first = firstExclusive {
                    throw fatal(
                        "The option '\(option.name)' conflicts with the '\(first.name)' option in the '\(typeName)' tunnel type")
                }
                firstExclusive = option
            }
        }
    }

    private var serviceKey: ServiceKey {
        if firewallMark != 0 { return .firewallMark(firewallMark, family: serviceFamily ?? .inet) }
        return .address(serviceProtocol, serviceAddress ?? .v4(0), port: servicePort)
    }

    private mutating func buildCommand(timeouts: Timeouts) throws(CommandLineError) -> AdminCommand {
        switch command {
        case .add, .edit:
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
            return .request(command == .add ? .addService(serviceKey, configuration) : .editService(serviceKey, configuration))
        case .delete:
            return .request(.deleteService(serviceKey))
        case .flush:
            return .request(.flush)
        case .addServer, .editServer, .deleteServer:
            guard let serverAddress else { throw fatal("illegal real server address[:port] specified") }
            if command == .deleteServer {
                return .request(.deleteDestination(DestinationKey(address: serverAddress, port: serverPort), service: serviceKey))
            }
            // Direct routing and tunneling cannot change the port: the real server's is the service's.
            var port = serverPort
            let tunnels = destination.forwarding == .tunneling
            if firewallMark == 0 && (tunnels || destination.forwarding == .directRouting) { port = servicePort }
            let key = DestinationKey(address: serverAddress, port: port)
            if serverAddress.family != serviceKey.family && !tunnels {
                throw fatal("Different address family is allowed only for tunneling servers")
            }
            let tunnelOptions: [TrackedOption] = [
                .tunnelType, .tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum,
            ]
            if !tunnels && options.containsAny(tunnelOptions) {
                throw fatal("Tunnel options conflict with forward method")
            }
            try checkTunnelOptions()
            return .request(
                command == .addServer
                    ? .addDestination(key, destination, service: serviceKey)
                    : .editDestination(key, destination, service: serviceKey))
        case .list:
            let detail: [TrackedOption] = [.stats, .rate, .thresholds]
            if (options.containsAny([.connection, .timeout, .daemon]) && options.containsAny(detail))
                || (options.containsAny([.timeout, .daemon]) && options.contains(.persistentConnections))
            {
                throw fatal("options conflicts in the list command")
            }
            if options.contains(.connection) { return .list(.connections, format) }
            if options.contains(.service) { return .list(.service(serviceKey), format) }
            if options.contains(.timeout) { return .list(.timeouts, format) }
            if options.contains(.daemon) { return .list(.daemons, format) }
            return .list(.table, format)
        case .timeout:
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
            guard options.contains(.service) else { return .request(.zero(nil)) }
            // ipvsadm zeroes everything when the service given is all zeros.
            if firewallMark == 0 && servicePort == 0 && (serviceAddress == nil || serviceAddress == .v4(0) || serviceAddress == .v6(high: 0, low: 0)) {
                return .request(.zero(nil))
            }
            return .request(.zero(serviceKey))
        }
    }
}
