import IPVS

/// `-L --daemon`: one line per running sync daemon.
enum DaemonFormatter {
    static func lines(_ daemons: [SyncDaemon]) -> String {
        var text = ""
        for daemon in daemons {
            text += "\(daemon.role == .master ? "master" : "backup") sync daemon (mcast=\(daemon.interface), "
                + "syncid=\(Int32(bitPattern: daemon.syncID))"
            if let length = daemon.maximumLength, length != 0 { text += ", maxlen=\(length)" }
            if let group = daemon.group { text += ", group=\(group)" }
            if let port = daemon.port, port != 0 { text += ", port=\(port)" }
            if let ttl = daemon.ttl, ttl != 0 { text += ", ttl=\(ttl)" }
            text += ")\n"
        }
        return text
    }
}

/// `-L -c`: the kernel's connection table (/proc/net/ip_vs_conn) in ipvsadm's columns.
struct ConnectionFormatter {
    let options: ListOptions

    /// nil when the table has not even its heading line.
    func format(_ table: [UInt8]) -> String? {
        var lines = table.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let heading = lines.first, !heading.isEmpty || lines.count > 1 else { return nil }
        lines.removeFirst()
        let withEngine = options.contains(.persistentConnections)
        var text = "IPVS connection entries\n"
        if withEngine {
            text += "pro expire " + "state".padded(11) + " " + "source".padded(18) + " " + "virtual".padded(18) + " "
                + "destination".padded(18) + " " + "pe name".padded(16) + " pe_data\n"
        } else {
            text += "pro expire " + "state".padded(11) + " " + "source".padded(18) + " " + "virtual".padded(18)
                + " destination\n"
        }
        let names = ListFormatter(options: options)
        for line in lines where !line.isEmpty {
            let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
                .map { String(decoding: $0, as: UTF8.self) }
            guard fields.count >= 9 else { continue }
            let protocolName = fields[0]
            let proto: IPProtocol
            switch protocolName {
            case "TCP": proto = .tcp
            case "UDP": proto = .udp
            case "SCTP": proto = .sctp
            default: proto = IPProtocol(rawValue: 0)
            }
            let client = Self.address(fields[1])
            let virtual = Self.address(fields[3])
            let destination = Self.address(fields[5])
            let expires = Int32(fields[8]) ?? 0
            let expire = Self.twoDigits(expires / 60) + ":" + Self.twoDigits(expires % 60)
            let clientName = names.addressPort(client, Self.port(fields[2]), protocol: proto)
            let virtualName = names.addressPort(virtual, Self.port(fields[4]), protocol: proto)
            let destinationName = names.addressPort(destination, Self.port(fields[6]), protocol: proto)
            text += protocolName.padded(3) + " " + expire.padded(6) + " " + fields[7].padded(11) + " "
                + clientName.padded(18) + " " + virtualName.padded(18) + " "
            if withEngine && fields.count >= 11 {
                text += destinationName.padded(16) + " " + fields[9].padded(18) + " " + fields[10] + "\n"
            } else {
                text += destinationName + "\n"
            }
        }
        return text
    }

    /// The kernel writes IPv4 addresses as 8 hex digits and IPv6 ones in full notation.
    private static func address(_ text: String) -> IPAddress {
        if let address = IPAddress(presentation: text) { return address }
        return .v4(UInt32(text, radix: 16) ?? 0)
    }

    private static func port(_ text: String) -> UInt16 { UInt16(text, radix: 16) ?? 0 }

    private static func twoDigits(_ value: Int32) -> String {
        value < 10 && value >= 0 ? "0\(value)" : String(value)
    }
}
