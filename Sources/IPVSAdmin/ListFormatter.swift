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
    func write(_ service: Service, _ destinations: [Destination], to out: inout String) {
        let name = serviceName(service.key)
        let configuration = service.configuration
        if rules {
            out += "-A \(name) -s \(configuration.scheduler.rawValue)"
            if configuration.flags.contains(.persistent) {
                out += " -p \(configuration.timeout)"
                if let mask = maskText(configuration.netmask) { out += " -M \(mask)" }
            }
            if let engine = configuration.persistenceEngine, !engine.isEmpty { out += " --pe \(engine)" }
            if configuration.flags.contains(.onePacket) { out += " -o" }
            if !configuration.flags.isDisjoint(with: .schedulerFlags) {
                out += " -b " + schedulerFlagNames(configuration)
            }
        } else if options.contains(.stats) {
            out += name.padded(33)
            let s = service.statistics
            for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
                out += largeNumber(value)
            }
        } else if options.contains(.rate) {
            out += name.padded(33)
            let s = service.statistics
            for value in [s.connectionsPerSecond, s.incomingPacketsPerSecond, s.outgoingPacketsPerSecond,
                          s.incomingBytesPerSecond, s.outgoingBytesPerSecond] {
                out += largeNumber(value)
            }
        } else {
            out += "\(name) \(configuration.scheduler.rawValue)"
            if !configuration.flags.isDisjoint(with: .schedulerFlags) {
                out += " (" + schedulerFlagNames(configuration) + ")"
            }
            if configuration.flags.contains(.persistent) {
                out += " persistent \(configuration.timeout)"
                if let mask = maskText(configuration.netmask) { out += " mask \(mask)" }
                if let engine = configuration.persistenceEngine, !engine.isEmpty { out += " pe \(engine)" }
            }
            if configuration.flags.contains(.onePacket) { out += " ops" }
        }
        out += "\n"

        let proto: IPProtocol
        if case .address(let p, _, _) = service.key { proto = p } else { proto = IPProtocol(rawValue: 0) }
        let ordered = options.contains(.noSort) ? destinations : ReferenceOrder.sorted(destinations)
        for destination in ordered {
            write(destination, protocol: proto, serviceName: name, to: &out)
        }
    }

    private func write(_ destination: Destination, protocol proto: IPProtocol, serviceName: String, to out: inout String) {
        var name = addressPort(destination.key.address, destination.key.port, protocol: proto)
        if !rules && destination.key.address.family != .inet6 { name = String(name.prefix(28)) }
        let configuration = destination.configuration
        let counts = destination.connections
        let s = destination.statistics
        if rules {
            out += "-a \(serviceName) -r \(name) \(forwardingSwitch(configuration.forwarding)) -w \(configuration.weight)"
            if configuration.forwarding == .tunneling {
                let tunnel = configuration.tunnel
                switch tunnel.type {
                case .ipip: out += " --tun-type ipip"
                case .gue: out += " --tun-type gue --tun-port \(tunnel.port) \(checksumOption(tunnel.checksum))"
                case .gre: out += " --tun-type gre \(checksumOption(tunnel.checksum))"
                default: break
                }
            }
            if configuration.upperThreshold != 0 || configuration.lowerThreshold != 0 {
                out += " -x \(configuration.upperThreshold) -y \(configuration.lowerThreshold)"
            }
            out += "\n"
        } else if options.contains(.stats) {
            out += "  -> " + name.padded(28)
            for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
                out += largeNumber(value)
            }
            out += "\n"
        } else if options.contains(.rate) {
            out += "  -> " + name.padded(28)
            for value in [s.connectionsPerSecond, s.incomingPacketsPerSecond, s.outgoingPacketsPerSecond] {
                out += " " + String(value).padded(-8)
            }
            out += largeNumber(s.incomingBytesPerSecond) + largeNumber(s.outgoingBytesPerSecond) + "\n"
        } else if options.contains(.thresholds) {
            out += "  -> " + name.padded(28)
            for value in [configuration.upperThreshold, configuration.lowerThreshold, counts.active, counts.inactive] {
                out += " " + String(value).padded(10)
            }
            out += "\n"
        } else if options.contains(.persistentConnections) {
            out += "  -> " + name.padded(28) + " " + String(UInt32(bitPattern: configuration.weight)).padded(9)
                + " " + String(counts.persistent).padded(11) + " " + String(counts.active).padded(10)
                + " " + String(counts.inactive).padded(10) + "\n"
        } else {
            out += "  -> " + name.padded(28) + " " + forwardingName(configuration.forwarding).padded(7)
            if options.contains(.tunnelInfo) {
                out += " " + tunnelInfo(configuration).padded(13)
            }
            out += " " + String(configuration.weight).padded(6) + " " + String(counts.active).padded(10)
                + " " + String(counts.inactive).padded(10) + "\n"
        }
    }

    // MARK: Pieces

    func serviceName(_ key: ServiceKey) -> String {
        switch key {
        case .firewallMark(let mark, let family):
            if rules { return family == .inet6 ? "-f \(mark) -6" : "-f \(mark)" }
            return family == .inet6 ? "FWM  \(mark) IPv6" : "FWM  \(mark)"
        case .address(let proto, let address, let port):
            let endpoint = addressPort(address, port, protocol: proto)
            if rules {
                let option: String
                switch proto {
                case .tcp: option = "-t"
                case .udp: option = "-u"
                case .sctp: option = "--sctp-service"
                default: option = "--xxx-service"
                }
                return "\(option) \(endpoint)"
            }
            let protocolName: String
            switch proto {
            case .tcp: protocolName = "TCP"
            case .udp: protocolName = "UDP"
            case .sctp: protocolName = "SCTP"
            default: protocolName = "?"
            }
            let name = protocolName.padded(4) + " " + endpoint
            return address.family == .inet6 ? name : String(name.prefix(33))
        }
    }

    /// "host:port", names resolved unless numeric; IPv6 in brackets. ipvsadm caps it at 59 bytes.
    func addressPort(_ address: IPAddress, _ port: UInt16, protocol proto: IPProtocol) -> String {
        let host = numeric ? address.description : names.host(address)
        let service = numeric ? String(port) : names.service(port, proto)
        let text = address.family == .inet ? "\(host):\(service)" : "[\(host)]:\(service)"
        return text.utf8.count > 59 ? String(decoding: text.utf8.prefix(59), as: UTF8.self) : text
    }

    private func maskText(_ netmask: PersistenceNetmask) -> String? {
        switch netmask {
        case .v4(let mask):
            guard mask != 0xffff_ffff else { return nil }
            return IPAddress.v4(mask).description
        case .v6(let prefixLength):
            guard prefixLength != 128 else { return nil }
            return String(Int32(bitPattern: prefixLength))
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

    private func forwardingName(_ method: ForwardingMethod) -> String {
        switch method.rawValue & 0x7 {
        case ForwardingMethod.masquerading.rawValue: return "Masq"
        case ForwardingMethod.localNode.rawValue: return "Local"
        case ForwardingMethod.tunneling.rawValue: return "Tunnel"
        case ForwardingMethod.directRouting.rawValue: return "Route"
        default: return "(null)"
        }
    }

    private func forwardingSwitch(_ method: ForwardingMethod) -> String {
        switch method.rawValue & 0x7 {
        case ForwardingMethod.masquerading.rawValue: return "-m"
        case ForwardingMethod.tunneling.rawValue: return "-i"
        case ForwardingMethod.localNode.rawValue, ForwardingMethod.directRouting.rawValue: return "-g"
        default: return "(null)"
        }
    }

    private func checksumOption(_ checksum: TunnelChecksum) -> String {
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
        if options.contains(.exact) {
            let digits = String(value)
            return digits.padded(-(digits.count <= 8 ? 9 : digits.count + 1))
        }
        switch value {
        case ..<100_000_000: return String(value).padded(-9)
        case ..<1_000_000_000: return String(value / 1_000).padded(-8) + "K"
        case ..<100_000_000_000: return String(value / 1_000_000).padded(-8) + "M"
        case ..<100_000_000_000_000: return String(value / 1_000_000_000).padded(-8) + "G"
        default: return String(value / 1_000_000_000_000).padded(-8) + "T"
        }
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
