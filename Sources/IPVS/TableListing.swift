#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's one-pass text listing of the table, /proc/net/ip_vs, read in one go.
/// It has each real server's address, port, forwarding method, weight and connection
/// counts, but no thresholds, tunnel settings or statistics, and it does not tell an
/// IPv4 fwmark service from an IPv6 one. Listing from it costs one read instead of one
/// netlink dump per service.
public enum TableListing {
    /// Real servers per service, in the kernel's order. Fields the listing lacks are
    /// zero. Services it cannot name unambiguously (two fwmark services with one mark)
    /// are left out, so callers fall back to netlink for them. nil if unreadable.
    public static func read(path: String = "/proc/net/ip_vs") -> [ServiceKey: [Destination]]? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            text.append(contentsOf: chunk[0..<count])
        }
        return parse(text)
    }

    /// Parses the listing's text (its two heading lines included).
    public static func parse(_ text: [UInt8]) -> [ServiceKey: [Destination]] {
        var table: [ServiceKey: [Destination]] = [:]
        var ambiguous: Set<ServiceKey> = []
        var current: ServiceKey?
        text.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
                let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<index])
                lineStart = index + 1
                let fields = split(line)
                guard fields.count >= 2 else { continue }
                if fields[0] == "->" {
                    guard let service = current, fields.count >= 6,
                        let (address, port) = endpoint(fields[1]),
                        let weight = Int32(fields[3]), let active = UInt32(fields[4]), let inactive = UInt32(fields[5])
                    else { continue }
                    let destination = Destination(
                        key: DestinationKey(address: address, port: port),
                        configuration: DestinationConfiguration(forwarding: forwarding(fields[2]), weight: weight),
                        connections: ConnectionCounts(active: active, inactive: inactive))
                    table[service, default: []].append(destination)
                    continue
                }
                current = nil
                let key: ServiceKey
                switch fields[0] {
                case "FWM":
                    guard let mark = UInt32(fields[1], radix: 16) else { continue }
                    key = .firewallMark(mark, family: .inet)
                case "TCP", "UDP", "SCTP":
                    guard let (address, port) = endpoint(fields[1]) else { continue }
                    let proto: IPProtocol = fields[0] == "TCP" ? .tcp : fields[0] == "UDP" ? .udp : .sctp
                    key = .address(proto, address, port: port)
                default:
                    continue  // the heading lines
                }
                if table[key] != nil { ambiguous.insert(key) }
                table[key] = []
                current = key
            }
        }
        for key in ambiguous { table[key] = nil }
        return table
    }

    private static func split(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
        var fields: [String] = []
        var start: Int?
        for index in 0...line.count {
            let isSpace = index == line.count || line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")
            if isSpace {
                if let first = start {
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: line[first..<index]), as: UTF8.self))
                    start = nil
                }
            } else if start == nil {
                start = index
            }
        }
        return fields
    }

    /// "0A000001:0050" or "[2001:0db8:...:0001]:0050".
    private static func endpoint(_ text: String) -> (IPAddress, UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...], radix: 16)
        else { return nil }
        let host = text[..<colon]
        if host.first == "[" {
            guard host.last == "]", let address = IPAddress.parse(String(host.dropFirst().dropLast()), family: .inet6)
            else { return nil }
            return (address, port)
        }
        guard let value = UInt32(host, radix: 16) else { return nil }
        return (.v4(value), port)
    }

    private static func forwarding(_ name: String) -> ForwardingMethod {
        switch name {
        case "Local": return .localNode
        case "Tunnel": return .tunneling
        case "Route": return .directRouting
        default: return .masquerading
        }
    }
}
