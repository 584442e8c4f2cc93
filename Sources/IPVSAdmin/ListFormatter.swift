import IPVS

/// Writes the table the way ipvsadm 1.31 prints it, byte for byte: the list views
/// (`-L` and its modifiers) and the rule view of `-S`. Deliberate differences:
/// fwmarks print unsigned, destination counters keep all 64 bits, and `-S` keeps
/// non-zero thresholds as ` -x U -y L`.
struct ListFormatter {
    let options: ListOptions
    /// `-S`: rules that `-R` reads back, instead of the table.
    let rules: Bool

    /// Reverse lookups repeat for every real server on the same host: ask once per run.
    private let names = NameCache()

    init(options: ListOptions, rules: Bool = false) {
        self.options = options
        self.rules = rules
    }

    private var numeric: Bool { options.contains(.numeric) }

    /// True for the views that show of a real server only its address, port, forwarding
    /// method, weight and connection counts.
    var needsOnlyDestinationSummaries: Bool {
        !rules && options.isDisjoint(with: [.stats, .rate, .thresholds, .persistentConnections, .tunnelInfo])
    }

    static func versionLine(_ info: IPVSInfo) -> String {
        "IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))\n"
    }

    /// The column headings, or nothing for rules.
    var title: String {
        let heading = "Prot LocalAddress:Port".padded(33)
        if options.contains(.stats) {
            return heading + ["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"].map { " " + $0.padded(-8) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.rate) {
            return heading + ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"].map { " " + $0.padded(-8) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.thresholds) {
            return heading + ["Uthreshold", "Lthreshold", "ActiveConn", "InActConn"].map { " " + $0.padded(10) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.persistentConnections) {
            return heading + " " + "Weight".padded(9) + " " + "PersistConn".padded(11) + " " + "ActiveConn".padded(10)
                + " " + "InActConn".padded(10) + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.tunnelInfo) {
            return "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
        }
        if rules { return "" }
        return "Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    }

    /// One service and its real servers.
    func write(_ service: Service, _ destinations: [Destination], to out: inout ByteText) {
        writeServiceLine(service, to: &out)
        writeDestinations(destinations, of: service.key, to: &out)
    }

    /// The service's own line.
    func writeServiceLine(_ service: Service, to out: inout ByteText) {
        var name = ByteText()
        appendServiceName(service.key, to: &name)
        let configuration = service.configuration
        if rules {
            out.append("-A ")
            out.append(name)
            out.append(" -s ")
            out.append(string: configuration.scheduler.rawValue)
            if configuration.flags.contains(.persistent) {
                out.append(" -p ")
                out.append(decimal: configuration.timeout)
                if appendsMask(configuration.netmask) {
                    out.append(" -M ")
                    appendMask(configuration.netmask, to: &out)
                }
            }
            if let engine = configuration.persistenceEngine, !engine.isEmpty {
                out.append(" --pe ")
                out.append(string: engine)
            }
            if configuration.flags.contains(.onePacket) { out.append(" -o") }
            if !configuration.flags.isDisjoint(with: .schedulerFlags) {
                out.append(" -b ")
                out.append(string: schedulerFlagNames(configuration))
            }
        } else if options.contains(.stats) || options.contains(.rate) {
            out.padded(33) { $0.append(name) }
            let s = service.statistics
            if options.contains(.stats) {
                for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
                    appendLargeNumber(value, to: &out)
                }
            } else {
                for value in [s.connectionsPerSecond, s.incomingPacketsPerSecond, s.outgoingPacketsPerSecond,
                              s.incomingBytesPerSecond, s.outgoingBytesPerSecond] {
                    appendLargeNumber(value, to: &out)
                }
            }
        } else {
            out.append(name)
            out.append(" ")
            out.append(string: configuration.scheduler.rawValue)
            if !configuration.flags.isDisjoint(with: .schedulerFlags) {
                out.append(" (")
                out.append(string: schedulerFlagNames(configuration))
                out.append(")")
            }
            if configuration.flags.contains(.persistent) {
                out.append(" persistent ")
                out.append(decimal: configuration.timeout)
                if appendsMask(configuration.netmask) {
                    out.append(" mask ")
                    appendMask(configuration.netmask, to: &out)
                }
                if let engine = configuration.persistenceEngine, !engine.isEmpty {
                    out.append(" pe ")
                    out.append(string: engine)
                }
            }
            if configuration.flags.contains(.onePacket) { out.append(" ops") }
        }
        out.append("\n")
    }

    /// The lines of a service's real servers, in ipvsadm's order.
    func writeDestinations(_ destinations: [Destination], of service: ServiceKey, to out: inout ByteText) {
        var name = ByteText()
        if rules { appendServiceName(service, to: &name) }
        let proto: IPProtocol
        if case .address(let p, _, _) = service { proto = p } else { proto = IPProtocol(rawValue: 0) }
        let ordered = options.contains(.noSort) ? destinations : ReferenceOrder.sorted(destinations)
        for destination in ordered {
            write(destination, protocol: proto, serviceName: name, to: &out)
        }
    }

    private func write(_ destination: Destination, protocol proto: IPProtocol, serviceName: borrowing ByteText, to out: inout ByteText) {
        let configuration = destination.configuration
        let counts = destination.connections
        let s = destination.statistics
        if rules {
            out.append("-a ")
            out.append(serviceName)
            out.append(" -r ")
            appendAddressPort(destination.key.address, destination.key.port, protocol: proto, to: &out)
            out.append(" ")
            out.append(forwardingSwitch(configuration.forwarding))
            out.append(" -w ")
            out.append(decimal: configuration.weight)
            if configuration.forwarding == .tunneling {
                let tunnel = configuration.tunnel
                switch tunnel.type {
                case .ipip:
                    out.append(" --tun-type ipip")
                case .gue:
                    out.append(" --tun-type gue --tun-port ")
                    out.append(decimal: tunnel.port)
                    out.append(" ")
                    out.append(checksumOption(tunnel.checksum))
                case .gre:
                    out.append(" --tun-type gre ")
                    out.append(checksumOption(tunnel.checksum))
                default: break
                }
            }
            if configuration.upperThreshold != 0 || configuration.lowerThreshold != 0 {
                out.append(" -x ")
                out.append(decimal: configuration.upperThreshold)
                out.append(" -y ")
                out.append(decimal: configuration.lowerThreshold)
            }
            out.append("\n")
            return
        }

        out.append("  -> ")
        out.padded(28) { text in
            let start = text.count
            appendAddressPort(destination.key.address, destination.key.port, protocol: proto, to: &text)
            if destination.key.address.family != .inet6 { text.truncate(from: start, to: 28) }
        }
        if options.contains(.stats) {
            for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
                appendLargeNumber(value, to: &out)
            }
        } else if options.contains(.rate) {
            for value in [s.connectionsPerSecond, s.incomingPacketsPerSecond, s.outgoingPacketsPerSecond] {
                out.append(" ")
                out.padded(-8) { $0.append(decimal: value) }
            }
            appendLargeNumber(s.incomingBytesPerSecond, to: &out)
            appendLargeNumber(s.outgoingBytesPerSecond, to: &out)
        } else if options.contains(.thresholds) {
            for value in [configuration.upperThreshold, configuration.lowerThreshold, counts.active, counts.inactive] {
                out.append(" ")
                out.padded(10) { $0.append(decimal: value) }
            }
        } else if options.contains(.persistentConnections) {
            out.append(" ")
            out.padded(9) { $0.append(decimal: UInt32(bitPattern: configuration.weight)) }
            for (value, width) in [(counts.persistent, 11), (counts.active, 10), (counts.inactive, 10)] {
                out.append(" ")
                out.padded(width) { $0.append(decimal: value) }
            }
        } else {
            out.append(" ")
            out.padded(7) { $0.append(forwardingName(configuration.forwarding)) }
            if options.contains(.tunnelInfo) {
                out.append(" ")
                out.padded(13) { $0.append(string: tunnelInfo(configuration)) }
            }
            out.append(" ")
            out.padded(6) { $0.append(decimal: configuration.weight) }
            out.append(" ")
            out.padded(10) { $0.append(decimal: counts.active) }
            out.append(" ")
            out.padded(10) { $0.append(decimal: counts.inactive) }
        }
        out.append("\n")
    }

    // MARK: Pieces

    func serviceName(_ key: ServiceKey) -> String {
        var text = ByteText()
        appendServiceName(key, to: &text)
        return text.string
    }

    private func appendServiceName(_ key: ServiceKey, to out: inout ByteText) {
        switch key {
        case .firewallMark(let mark, let family):
            out.append(rules ? "-f " : "FWM  ")
            out.append(decimal: mark)
            if family == .inet6 { out.append(rules ? " -6" : " IPv6") }
        case .address(let proto, let address, let port):
            if rules {
                switch proto {
                case .tcp: out.append("-t ")
                case .udp: out.append("-u ")
                case .sctp: out.append("--sctp-service ")
                default: out.append("--xxx-service ")
                }
                appendAddressPort(address, port, protocol: proto, to: &out)
                return
            }
            let start = out.count
            switch proto {
            case .tcp: out.append("TCP  ")
            case .udp: out.append("UDP  ")
            case .sctp: out.append("SCTP ")
            default: out.append("?    ")
            }
            appendAddressPort(address, port, protocol: proto, to: &out)
            if address.family != .inet6 { out.truncate(from: start, to: 33) }
        }
    }

    /// "host:port", names resolved unless numeric; IPv6 in brackets. ipvsadm caps it at 59 bytes.
    func addressPort(_ address: IPAddress, _ port: UInt16, protocol proto: IPProtocol) -> String {
        var text = ByteText()
        appendAddressPort(address, port, protocol: proto, to: &text)
        return text.string
    }

    private func appendAddressPort(_ address: IPAddress, _ port: UInt16, protocol proto: IPProtocol, to out: inout ByteText) {
        let start = out.count
        let bracketed = address.family == .inet6
        if bracketed { out.append("[") }
        if numeric { out.append(address: address) } else { out.append(string: names.host(address)) }
        out.append(bracketed ? "]:" : ":")
        if numeric { out.append(decimal: port) } else { out.append(string: names.service(port, proto)) }
        out.truncate(from: start, to: 59)
    }

    private func appendsMask(_ netmask: PersistenceNetmask) -> Bool {
        switch netmask {
        case .v4(let mask): return mask != 0xffff_ffff
        case .v6(let prefixLength): return prefixLength != 128
        }
    }

    private func appendMask(_ netmask: PersistenceNetmask, to out: inout ByteText) {
        switch netmask {
        case .v4(let mask): out.append(address: .v4(mask))
        case .v6(let prefixLength): out.append(decimal: Int32(bitPattern: prefixLength))
        }
    }

    private func schedulerFlagNames(_ configuration: ServiceConfiguration) -> String {
        let flags = configuration.flags
        let names: [(ServiceFlags, String)]
        switch configuration.scheduler {
        case .sourceHashing: names = [(.schedulerFlag1, "sh-fallback"), (.schedulerFlag2, "sh-port")]
        case .maglevHashing: names = [(.schedulerFlag1, "mh-fallback"), (.schedulerFlag2, "mh-port")]
        default: names = [(.schedulerFlag1, "flag-1"), (.schedulerFlag2, "flag-2"), (.schedulerFlag3, "flag-3")]
        }
        return names.filter { flags.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    private func forwardingName(_ method: ForwardingMethod) -> StaticString {
        switch method.rawValue & 0x7 {
        case ForwardingMethod.masquerading.rawValue: return "Masq"
        case ForwardingMethod.localNode.rawValue: return "Local"
        case ForwardingMethod.tunneling.rawValue: return "Tunnel"
        case ForwardingMethod.directRouting.rawValue: return "Route"
        default: return "(null)"
        }
    }

    private func forwardingSwitch(_ method: ForwardingMethod) -> StaticString {
        switch method.rawValue & 0x7 {
        case ForwardingMethod.masquerading.rawValue: return "-m"
        case ForwardingMethod.tunneling.rawValue: return "-i"
        case ForwardingMethod.localNode.rawValue, ForwardingMethod.directRouting.rawValue: return "-g"
        default: return "(null)"
        }
    }

    private func checksumOption(_ checksum: TunnelChecksum) -> StaticString {
        switch checksum {
        case .none: return "--tun-nocsum"
        case .checksum: return "--tun-csum"
        case .remoteChecksum: return "--tun-remcsum"
        default: return "(null)"
        }
    }

    private func tunnelInfo(_ configuration: DestinationConfiguration) -> String {
        guard configuration.forwarding == .tunneling else { return "n/a" }
        let tunnel = configuration.tunnel
        let flag: String
        switch tunnel.checksum {
        case .none: flag = "-c"
        case .checksum: flag = "+c"
        case .remoteChecksum: flag = "r+c"
        default: flag = "(null)"
        }
        switch tunnel.type {
        case .ipip: return "ipip"
        case .gue: return "gue:\(tunnel.port):\(flag)"
        case .gre: return "gre:\(flag)"
        default: return "n/a"
        }
    }

    /// Nine columns: exact with --exact, else scaled to K, M, G or T past 100 million.
    func largeNumber(_ value: UInt64) -> String {
        var text = ByteText()
        appendLargeNumber(value, to: &text)
        return text.string
    }

    private func appendLargeNumber(_ value: UInt64, to out: inout ByteText) {
        if options.contains(.exact) {
            let digits = ByteText.decimalDigits(value)
            out.padded(-(digits <= 8 ? 9 : digits + 1)) { $0.append(decimal: value) }
            return
        }
        let (scaled, unit): (UInt64, StaticString?)
        switch value {
        case ..<100_000_000: (scaled, unit) = (value, nil)
        case ..<1_000_000_000: (scaled, unit) = (value / 1_000, "K")
        case ..<100_000_000_000: (scaled, unit) = (value / 1_000_000, "M")
        case ..<100_000_000_000_000: (scaled, unit) = (value / 1_000_000_000, "G")
        default: (scaled, unit) = (value / 1_000_000_000_000, "T")
        }
        guard let unit else {
            out.padded(-9) { $0.append(decimal: scaled) }
            return
        }
        out.padded(-8) { $0.append(decimal: scaled) }
        out.append(unit)
    }
}

/// Names of addresses and ports, each looked up once.
private final class NameCache {
    private var hosts: [IPAddress: String] = [:]
    private var services: [UInt32: String] = [:]

    func host(_ address: IPAddress) -> String {
        if let known = hosts[address] { return known }
        let name = NameService.hostName(address) ?? address.description
        hosts[address] = name
        return name
    }

    func service(_ port: UInt16, _ proto: IPProtocol) -> String {
        let key = UInt32(proto.rawValue) << 16 | UInt32(port)
        if let known = services[key] { return known }
        let name = NameService.serviceName(port: port, protocol: proto) ?? String(port)
        services[key] = name
        return name
    }
}

extension String {
    /// printf's `%-Ns` for positive `width`, `%Ns` for negative; never truncates.
    func padded(_ width: Int) -> String {
        let length = utf8.count
        let target = abs(width)
        guard length < target else { return self }
        let fill = String(repeating: " ", count: target - length)
        return width > 0 ? self + fill : fill + self
    }
}
