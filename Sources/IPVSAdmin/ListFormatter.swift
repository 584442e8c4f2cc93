import IPVS

/// A view of the table written one service at a time: `-L`'s (`ListFormatter`) or
/// `-S`'s (`RuleFormatter`).
protocol TableFormatter {
    var options: ListOptions { get }
    /// The column headings.
    var title: String { get }
    /// True when the view shows of a real server only what `DestinationSummary` holds.
    var needsOnlyDestinationSummaries: Bool { get }
    /// The service's own line.
    func writeServiceLine(_ service: Service, to out: inout ByteText)
    /// The lines of a service's real servers, in ipvsadm's order.
    func writeDestinations(_ destinations: [Destination], of service: ServiceKey, to out: inout ByteText)
}

extension TableFormatter {
    /// One service and its real servers.
    func write(_ service: Service, _ destinations: [Destination], to out: inout ByteText) {
        writeServiceLine(service, to: &out)
        writeDestinations(destinations, of: service.key, to: &out)
    }
}

/// `-L` and its modifiers: the table the way ipvsadm 1.31 prints it, byte for byte.
/// Deliberate differences: fwmarks print unsigned, and destination counters keep all
/// 64 bits.
struct ListFormatter: TableFormatter {
    let options: ListOptions
    private let endpoints: EndpointText

    init(options: ListOptions) {
        self.options = options
        endpoints = EndpointText(numeric: options.contains(.numeric))
    }

    /// True for the views that show of a real server only its address, port, forwarding
    /// method, weight and connection counts.
    var needsOnlyDestinationSummaries: Bool {
        options.isDisjoint(with: [.stats, .rate, .thresholds, .persistentConnections, .tunnelInfo])
    }

    static func versionLine(_ info: IPVSInfo) -> String {
        "IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))\n"
    }

    /// The column headings, or nothing for rules.
    var title: String {
        let heading = "Prot LocalAddress:Port".leftAligned(33)
        if options.contains(.stats) {
            return heading + ["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"].map { " " + $0.rightAligned(8) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.rate) {
            return heading + ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"].map { " " + $0.rightAligned(8) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.thresholds) {
            return heading + ["Uthreshold", "Lthreshold", "ActiveConn", "InActConn"].map { " " + $0.leftAligned(10) }.joined()
                + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.persistentConnections) {
            return heading + " " + "Weight".leftAligned(9) + " " + "PersistConn".leftAligned(11) + " " + "ActiveConn".leftAligned(10)
                + " " + "InActConn".leftAligned(10) + "\n  -> RemoteAddress:Port\n"
        }
        if options.contains(.tunnelInfo) {
            return "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
        }
        return "Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    }

    /// The service's own line.
    func writeServiceLine(_ service: Service, to out: inout ByteText) {
        var name = ByteText()
        appendServiceName(service.key, to: &name)
        let configuration = service.configuration
        if options.contains(.stats) || options.contains(.rate) {
            out.leftAligned(33) { $0.append(name) }
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
            if configuration.hasSchedulerFlags {
                out.append(" (")
                out.append(string: configuration.schedulerFlagNames)
                out.append(")")
            }
            if configuration.flags.contains(.persistent) {
                out.append(" persistent ")
                out.append(decimal: configuration.timeout)
                if !configuration.netmask.isExact {
                    out.append(" mask ")
                    out.append(mask: configuration.netmask)
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
        let ordered = options.contains(.noSort) ? destinations : ReferenceOrder.sorted(destinations)
        for destination in ordered {
            write(destination, protocol: service.portProtocol, to: &out)
        }
    }

    private func write(_ destination: Destination, protocol proto: IPProtocol, to out: inout ByteText) {
        let configuration = destination.configuration
        let counts = destination.connections
        let s = destination.statistics
        out.append("  -> ")
        out.leftAligned(28) { text in
            let start = text.count
            endpoints.append(destination.key.address, destination.key.port, protocol: proto, to: &text)
            if destination.key.address.family != .inet6 { text.truncate(from: start, to: 28) }
        }
        if options.contains(.stats) {
            for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
                appendLargeNumber(value, to: &out)
            }
        } else if options.contains(.rate) {
            for value in [s.connectionsPerSecond, s.incomingPacketsPerSecond, s.outgoingPacketsPerSecond] {
                out.append(" ")
                out.rightAligned(8) { $0.append(decimal: value) }
            }
            appendLargeNumber(s.incomingBytesPerSecond, to: &out)
            appendLargeNumber(s.outgoingBytesPerSecond, to: &out)
        } else if options.contains(.thresholds) {
            for value in [configuration.upperThreshold, configuration.lowerThreshold, counts.active, counts.inactive] {
                out.append(" ")
                out.leftAligned(10) { $0.append(decimal: value) }
            }
        } else if options.contains(.persistentConnections) {
            out.append(" ")
            out.leftAligned(9) { $0.append(decimal: UInt32(bitPattern: configuration.weight)) }
            for (value, width) in [(counts.persistent, 11), (counts.active, 10), (counts.inactive, 10)] {
                out.append(" ")
                out.leftAligned(width) { $0.append(decimal: value) }
            }
        } else {
            out.append(" ")
            out.leftAligned(7) { $0.append(forwardingName(configuration.forwarding)) }
            if options.contains(.tunnelInfo) {
                out.append(" ")
                out.leftAligned(13) { $0.append(string: tunnelInfo(configuration)) }
            }
            out.append(" ")
            out.leftAligned(6) { $0.append(decimal: configuration.weight) }
            out.append(" ")
            out.leftAligned(10) { $0.append(decimal: counts.active) }
            out.append(" ")
            out.leftAligned(10) { $0.append(decimal: counts.inactive) }
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
            out.append("FWM  ")
            out.append(decimal: mark)
            if family == .inet6 { out.append(" IPv6") }
        case .address(let proto, let address, let port):
            let start = out.count
            switch proto {
            case .tcp: out.append("TCP  ")
            case .udp: out.append("UDP  ")
            case .sctp: out.append("SCTP ")
            default: out.append("?    ")
            }
            endpoints.append(address, port, protocol: proto, to: &out)
            if address.family != .inet6 { out.truncate(from: start, to: 33) }
        }
    }

    private func forwardingName(_ method: ForwardingMethod) -> StaticString {
        switch method.rawValue & ForwardingMethod.mask {
        case ForwardingMethod.masquerading.rawValue: return "Masq"
        case ForwardingMethod.localNode.rawValue: return "Local"
        case ForwardingMethod.tunneling.rawValue: return "Tunnel"
        case ForwardingMethod.directRouting.rawValue: return "Route"
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
            out.rightAligned(digits <= 8 ? 9 : digits + 1) { $0.append(decimal: value) }
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
            out.rightAligned(9) { $0.append(decimal: scaled) }
            return
        }
        out.rightAligned(8) { $0.append(decimal: scaled) }
        out.append(unit)
    }
}
