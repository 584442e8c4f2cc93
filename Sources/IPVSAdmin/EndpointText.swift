import IPVS

/// Addresses and ports as ipvsadm writes them in every view: "host:port", names looked
/// up unless numeric, IPv6 in brackets, capped at 59 bytes. Shared by the list, rule and
/// connection views; each name is looked up once per run.
final class EndpointText {
    let numeric: Bool
    private var hosts: [IPAddress: String] = [:]
    private var services: [UInt32: String] = [:]

    init(numeric: Bool) {
        self.numeric = numeric
    }

    func append(_ address: IPAddress, _ port: UInt16, protocol proto: IPProtocol, to out: inout ByteText) {
        let start = out.count
        let bracketed = address.family == .inet6
        if bracketed { out.append("[") }
        if numeric { out.append(address: address) } else { out.append(string: host(address)) }
        out.append(bracketed ? "]:" : ":")
        if numeric { out.append(decimal: port) } else { out.append(string: service(port, proto)) }
        out.truncate(from: start, to: 59)
    }

    func text(_ address: IPAddress, _ port: UInt16, protocol proto: IPProtocol) -> String {
        var text = ByteText()
        append(address, port, protocol: proto, to: &text)
        return text.string
    }

    private func host(_ address: IPAddress) -> String {
        if let known = hosts[address] { return known }
        let name = NameService.hostName(address) ?? address.description
        hosts[address] = name
        return name
    }

    private func service(_ port: UInt16, _ proto: IPProtocol) -> String {
        let key = UInt32(proto.rawValue) << 16 | UInt32(port)
        if let known = services[key] { return known }
        let name = NameService.serviceName(port: port, protocol: proto) ?? String(port)
        services[key] = name
        return name
    }
}

/// What the list and rule views write alike about a service's configuration.
extension ServiceConfiguration {
    /// The names `-b` takes, comma-separated, for the flags set; sh and mh name their own.
    var schedulerFlagNames: String {
        let names: [(ServiceFlags, String)]
        switch scheduler {
        case .sourceHashing: names = [(.schedulerFlag1, "sh-fallback"), (.schedulerFlag2, "sh-port")]
        case .maglevHashing: names = [(.schedulerFlag1, "mh-fallback"), (.schedulerFlag2, "mh-port")]
        default: names = [(.schedulerFlag1, "flag-1"), (.schedulerFlag2, "flag-2"), (.schedulerFlag3, "flag-3")]
        }
        return names.filter { flags.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    var hasSchedulerFlags: Bool { !flags.isDisjoint(with: .schedulerFlags) }

    /// What a name `-b` takes stands for: its flag, and the one scheduler it belongs to
    /// (nil: any). nil for a name `-b` does not take.
    static func schedulerFlag(named name: some StringProtocol) -> (flag: ServiceFlags, scheduler: String?)? {
        switch name {
        case "flag-1": return (.schedulerFlag1, nil)
        case "flag-2": return (.schedulerFlag2, nil)
        case "flag-3": return (.schedulerFlag3, nil)
        case "sh-fallback", "mh-fallback": return (.schedulerFlag1, String(name.prefix(2)))
        case "sh-port", "mh-port": return (.schedulerFlag2, String(name.prefix(2)))
        default: return nil
        }
    }
}

extension PersistenceNetmask {
    /// Whether persistence is per client address (no mask is then written).
    var isExact: Bool {
        switch self {
        case .v4(let mask): return mask == 0xffff_ffff
        case .v6(let prefixLength): return prefixLength == 128
        }
    }
}

extension ByteText {
    /// A dotted-quad mask, or an IPv6 prefix length.
    mutating func append(mask netmask: PersistenceNetmask) {
        switch netmask {
        case .v4(let mask): append(address: .v4(mask))
        case .v6(let prefixLength): append(decimal: Int32(bitPattern: prefixLength))
        }
    }
}

extension ServiceKey {
    /// The protocol whose service names apply to the ports (none for a fwmark service).
    var portProtocol: IPProtocol {
        if case .address(let proto, _, _) = self { return proto }
        return IPProtocol(rawValue: 0)
    }
}

