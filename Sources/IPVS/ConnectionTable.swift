#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One entry of the kernel's IPVS connection table: a client's connection (or a
/// persistence template) scheduled to a real server.
public struct Connection: Sendable, Hashable, Codable {
    /// An address and port.
    public struct Endpoint: Sendable, Hashable, Codable {
        /// The address.
        public var address: IPAddress
        /// The port, in host byte order.
        public var port: UInt16

        /// An endpoint of a connection.
        public init(address: IPAddress, port: UInt16) {
            self.address = address
            self.port = port
        }
    }

    /// The IP protocol.
    public var `protocol`: IPProtocol
    /// Where the connection comes from.
    public var client: Endpoint
    /// The virtual service address it was sent to.
    public var virtual: Endpoint
    /// The real server it was scheduled to.
    public var destination: Endpoint
    /// The protocol state as the kernel names it ("ESTABLISHED", "NONE" for a template).
    public var state: String
    /// Seconds until the entry expires, as the kernel last counted them.
    public var expiresIn: Int32
    /// The persistence engine's name, where one keeps data for the entry ("sip").
    public var persistenceEngine: String?
    /// What that engine keeps (for SIP, the Call-ID).
    public var persistenceEngineData: String?

    /// A connection entry.
    public init(
        protocol: IPProtocol, client: Endpoint, virtual: Endpoint, destination: Endpoint, state: String,
        expiresIn: Int32, persistenceEngine: String? = nil, persistenceEngineData: String? = nil
    ) {
        self.protocol = `protocol`
        self.client = client
        self.virtual = virtual
        self.destination = destination
        self.state = state
        self.expiresIn = expiresIn
        self.persistenceEngine = persistenceEngine
        self.persistenceEngineData = persistenceEngineData
    }
}

extension IPProtocol {
    /// The name the kernel's connection table gives a protocol ("TCP", or "IP_47" for one
    /// it has no name for).
    public var connectionTableName: String {
        switch self {
        case .tcp: return "TCP"
        case .udp: return "UDP"
        case .sctp: return "SCTP"
        case IPProtocol(rawValue: 0): return "IP"
        case IPProtocol(rawValue: 1): return "ICMP"
        case IPProtocol(rawValue: 58): return "ICMPv6"
        default: return "IP_\(rawValue)"
        }
    }

    init?(connectionTableName name: Substring) {
        switch name {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        case "IP": self.init(rawValue: 0)
        case "ICMP": self.init(rawValue: 1)
        case "ICMPv6": self.init(rawValue: 58)
        default:
            guard name.hasPrefix("IP_"), let number = UInt16(name.dropFirst(3)) else { return nil }
            self.init(rawValue: number)
        }
    }
}

/// The kernel's connection table of the calling thread's network namespace, from its
/// text listing (netlink offers no connection dump).
public enum ConnectionTable {
    /// The listing of the calling thread's network namespace (`/proc/net` is the
    /// process's, which a thread that moved to another namespace would not see).
    public static let path = "/proc/thread-self/net/ip_vs_conn"

    /// Every connection entry, in the kernel's order. Throws `.listConnections` with the
    /// errno of `open` when the listing cannot be opened, and EBADMSG when it has not even
    /// its heading line. Lines that are not an entry are skipped.
    public static func read(path: String = ConnectionTable.path) throws(IPVSError) -> [Connection] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IPVSError(.listConnections, code: errno) }
        defer { close(descriptor) }
        var text: [UInt8] = []
        LineBlocks.read(descriptor) { lines, _ in text.append(contentsOf: lines) }
        return try parse(text)
    }

    /// Parses the listing's text, its heading line included.
    package static func parse(_ text: [UInt8]) throws(IPVSError) -> [Connection] {
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        guard let heading = lines.first, !heading.isEmpty || lines.count > 1 else {
            throw IPVSError(.listConnections, code: EBADMSG)
        }
        lines.removeFirst()
        return lines.compactMap { entry(String(decoding: $0, as: UTF8.self)) }
    }

    /// "TCP 0A000001 8D24 0A000064 0050 0A000002 0050 ESTABLISHED 899 [PE-NAME PE-DATA]":
    /// IPv4 addresses as 8 hex digits, IPv6 ones in full notation, ports in hex.
    private static func entry(_ line: String) -> Connection? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 9, let proto = IPProtocol(connectionTableName: fields[0]) else { return nil }
        var connection = Connection(
            protocol: proto,
            client: endpoint(fields[1], fields[2]),
            virtual: endpoint(fields[3], fields[4]),
            destination: endpoint(fields[5], fields[6]),
            state: String(fields[7]),
            expiresIn: Int32(fields[8]) ?? 0)
        if fields.count >= 11 {
            connection.persistenceEngine = String(fields[9])
            connection.persistenceEngineData = String(fields[10])
        }
        return connection
    }

    private static func endpoint(_ address: Substring, _ port: Substring) -> Connection.Endpoint {
        let parsed = IPAddress(presentation: String(address)) ?? .v4(UInt32(address, radix: 16) ?? 0)
        return Connection.Endpoint(address: parsed, port: UInt16(port, radix: 16) ?? 0)
    }
}
