import CIPVSShim
import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IP protocol number as IPVS uses it for virtual services.
public struct IPProtocol: RawRepresentable, Sendable, Hashable, Codable, Comparable {
    /// The protocol number (`IPPROTO_*`).
    public var rawValue: UInt16
    /// The protocol of that number.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// TCP.
    public static let tcp = IPProtocol(rawValue: UInt16(IPPROTO_TCP))
    /// UDP.
    public static let udp = IPProtocol(rawValue: UInt16(IPPROTO_UDP))
    /// SCTP.
    public static let sctp = IPProtocol(rawValue: UInt16(IPPROTO_SCTP))

    /// Orders by number.
    public static func < (lhs: IPProtocol, rhs: IPProtocol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What identifies a virtual service: protocol, address and port, or a firewall mark and family.
public enum ServiceKey: Sendable, Hashable, Codable {
    /// A service of one protocol on one address and port (port 0: any, for persistent services).
    case address(IPProtocol, IPAddress, port: UInt16)
    /// A service for packets carrying a firewall mark, of one address family.
    case firewallMark(UInt32, family: AddressFamily)

    /// The service's address family.
    public var family: AddressFamily {
        switch self {
        case .address(_, let address, _): return address.family
        case .firewallMark(_, let family): return family
        }
    }
}

/// A scheduler name. Open-ended: the kernel may offer schedulers this code has never heard of.
public struct SchedulerName: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name the kernel knows the scheduler by.
    public var rawValue: String
    /// The scheduler of that name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The scheduler of that name.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The name.
    public var description: String { rawValue }

    // The schedulers of Linux's IPVS, by the names the kernel knows them by.
    /// Round robin.
    public static let roundRobin: SchedulerName = "rr"
    /// Weighted round robin.
    public static let weightedRoundRobin: SchedulerName = "wrr"
    /// Least connections.
    public static let leastConnection: SchedulerName = "lc"
    /// Weighted least connections, the kernel's default.
    public static let weightedLeastConnection: SchedulerName = "wlc"
    /// Locality-based least connections.
    public static let localityBasedLeastConnection: SchedulerName = "lblc"
    /// Locality-based least connections with replication.
    public static let localityBasedLeastConnectionWithReplication: SchedulerName = "lblcr"
    /// Destination hashing.
    public static let destinationHashing: SchedulerName = "dh"
    /// Source hashing.
    public static let sourceHashing: SchedulerName = "sh"
    /// Shortest expected delay.
    public static let shortestExpectedDelay: SchedulerName = "sed"
    /// Never queue.
    public static let neverQueue: SchedulerName = "nq"
    /// Weighted failover.
    public static let weightedFailover: SchedulerName = "fo"
    /// Weighted overflow.
    public static let weightedOverflow: SchedulerName = "ovf"
    /// Maglev hashing.
    public static let maglevHashing: SchedulerName = "mh"
    /// Weighted random twos choice.
    public static let twoRandomChoices: SchedulerName = "twos"
}

/// Virtual service flags (IP_VS_SVC_F_*).
public struct ServiceFlags: OptionSet, Sendable, Hashable, Codable {
    /// The flag bits.
    public var rawValue: UInt32
    /// The flags of those bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Clients stick to one real server for the persistence timeout.
    public static let persistent = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_PERSISTENT))
    /// Set by the kernel on every service it holds.
    public static let hashed = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_HASHED))
    /// One-packet scheduling: each UDP datagram is scheduled on its own.
    public static let onePacket = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_ONEPACKET))
    /// Scheduler flag 1 (sh and mh: fall back to another server when one is unavailable).
    public static let schedulerFlag1 = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_SCHED1))
    /// Scheduler flag 2 (sh and mh: hash the source port too).
    public static let schedulerFlag2 = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_SCHED2))
    /// Scheduler flag 3.
    public static let schedulerFlag3 = ServiceFlags(rawValue: UInt32(IP_VS_SVC_F_SCHED3))

    /// All three scheduler flags.
    public static let schedulerFlags: ServiceFlags = [.schedulerFlag1, .schedulerFlag2, .schedulerFlag3]
}

/// Persistence granularity: an IPv4 mask (host byte order) or an IPv6 prefix length.
/// The kernel carries both in one 32-bit attribute.
public enum PersistenceNetmask: Sendable, Hashable, Codable {
    /// An IPv4 mask.
    case v4(mask: UInt32)
    /// An IPv6 prefix length.
    case v6(prefixLength: UInt32)

    /// Persistence per client address (IPv4).
    public static let exactV4 = PersistenceNetmask.v4(mask: 0xffff_ffff)
    /// Persistence per client address (IPv6).
    public static let exactV6 = PersistenceNetmask.v6(prefixLength: 128)

    /// Persistence per client address, for the family.
    public static func exact(for family: AddressFamily) -> PersistenceNetmask {
        family == .inet ? .exactV4 : .exactV6
    }

    /// The attribute's value as the kernel reads it: IPv4 masks travel in network byte order.
    var kernelValue: UInt32 {
        switch self {
        case .v4(let mask): return mask.bigEndian
        case .v6(let prefixLength): return prefixLength
        }
    }

    init(kernelValue: UInt32, family: AddressFamily) {
        self = family == .inet ? .v4(mask: UInt32(bigEndian: kernelValue)) : .v6(prefixLength: kernelValue)
    }
}

/// How a virtual service schedules: what -A/-E set.
public struct ServiceConfiguration: Sendable, Hashable, Codable {
    /// The scheduler.
    public var scheduler: SchedulerName
    /// Persistence, one-packet scheduling and scheduler flags.
    public var flags: ServiceFlags
    /// Persistence timeout in seconds (meaningful with `.persistent`).
    public var timeout: UInt32
    /// How client addresses are grouped for persistence.
    public var netmask: PersistenceNetmask
    /// Persistence engine name (for example "sip"), or nil.
    public var persistenceEngine: String?

    /// A value of the given parts; the defaults are the kernel's.
    public init(
        scheduler: SchedulerName = .weightedLeastConnection, flags: ServiceFlags = [], timeout: UInt32 = 0,
        netmask: PersistenceNetmask = .exactV4, persistenceEngine: String? = nil
    ) {
        self.scheduler = scheduler
        self.flags = flags
        self.timeout = timeout
        self.netmask = netmask
        self.persistenceEngine = persistenceEngine
    }
}

/// Traffic counters and rates of a service or destination, 64 bits wide.
public struct Statistics: Sendable, Hashable, Codable {
    /// Connections scheduled.
    public var connections: UInt64 = 0
    /// Packets from clients.
    public var incomingPackets: UInt64 = 0
    /// Packets to clients.
    public var outgoingPackets: UInt64 = 0
    /// Bytes from clients.
    public var incomingBytes: UInt64 = 0
    /// Bytes to clients.
    public var outgoingBytes: UInt64 = 0
    /// Connections per second, as the kernel estimates it.
    public var connectionsPerSecond: UInt64 = 0
    /// Incoming packets per second.
    public var incomingPacketsPerSecond: UInt64 = 0
    /// Outgoing packets per second.
    public var outgoingPacketsPerSecond: UInt64 = 0
    /// Incoming bytes per second.
    public var incomingBytesPerSecond: UInt64 = 0
    /// Outgoing bytes per second.
    public var outgoingBytesPerSecond: UInt64 = 0
    /// A value of the given parts; the defaults are the kernel's.
    public init() {}
}

/// A virtual service as the kernel reports it: identity, configuration and live counters.
public struct Service: Sendable, Hashable, Codable {
    /// What identifies it.
    public var key: ServiceKey
    /// How it is set up.
    public var configuration: ServiceConfiguration
    /// Its traffic counters and rates.
    public var statistics: Statistics

    /// A value of the given parts; the defaults are the kernel's.
    public init(key: ServiceKey, configuration: ServiceConfiguration, statistics: Statistics = Statistics()) {
        self.key = key
        self.configuration = configuration
        self.statistics = statistics
    }
}

/// Forwarding method of a real server (IP_VS_CONN_F_FWD_MASK values).
public struct ForwardingMethod: RawRepresentable, Sendable, Hashable, Codable {
    /// The method's number.
    public var rawValue: UInt32
    /// The method of that number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// NAT: the director rewrites the destination (LVS-NAT).
    public static let masquerading = ForwardingMethod(rawValue: UInt32(IP_VS_CONN_F_MASQ))
    /// The director itself serves.
    public static let localNode = ForwardingMethod(rawValue: UInt32(IP_VS_CONN_F_LOCALNODE))
    /// IP-in-IP, GUE or GRE encapsulation (LVS-TUN).
    public static let tunneling = ForwardingMethod(rawValue: UInt32(IP_VS_CONN_F_TUNNEL))
    /// Direct routing: the frame goes to the real server's MAC address (LVS-DR).
    public static let directRouting = ForwardingMethod(rawValue: UInt32(IP_VS_CONN_F_DROUTE))
    /// Cache bypass.
    public static let bypass = ForwardingMethod(rawValue: UInt32(IP_VS_CONN_F_BYPASS))

    /// The bits of a raw value that name the method (IP_VS_CONN_F_FWD_MASK); the kernel
    /// keeps other connection flags in the same word.
    public static let mask = UInt32(IP_VS_CONN_F_FWD_MASK)
}

/// Tunnel encapsulation of a tunneling real server.
public struct TunnelType: RawRepresentable, Sendable, Hashable, Codable {
    /// The type's number.
    public var rawValue: UInt8
    /// The type of that number.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// IP in IP.
    public static let ipip = TunnelType(rawValue: UInt8(IP_VS_CONN_F_TUNNEL_TYPE_IPIP))
    /// Generic UDP encapsulation.
    public static let gue = TunnelType(rawValue: UInt8(IP_VS_CONN_F_TUNNEL_TYPE_GUE))
    /// Generic routing encapsulation.
    public static let gre = TunnelType(rawValue: UInt8(IP_VS_CONN_F_TUNNEL_TYPE_GRE))
}

/// Tunnel checksum mode (IP_VS_TUNNEL_ENCAP_FLAG_*): one value, not a set.
public struct TunnelChecksum: RawRepresentable, Sendable, Hashable, Codable {
    /// The mode's flag bits.
    public var rawValue: UInt16
    /// The mode of those bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No checksum.
    public static let none = TunnelChecksum(rawValue: UInt16(IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM))
    /// A checksum over the encapsulation.
    public static let checksum = TunnelChecksum(rawValue: UInt16(IP_VS_TUNNEL_ENCAP_FLAG_CSUM))
    /// Remote checksum offload.
    public static let remoteChecksum = TunnelChecksum(rawValue: UInt16(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM))
}

/// Encapsulation settings; the kernel uses them only with `.tunneling`.
public struct TunnelSettings: Sendable, Hashable, Codable {
    /// The encapsulation.
    public var type: TunnelType
    /// Destination port of the encapsulating UDP (GUE), 0 when not applicable.
    public var port: UInt16
    /// The checksum mode (GUE and GRE).
    public var checksum: TunnelChecksum

    /// Tunnel settings; the defaults are IP in IP without checksum.
    public init(type: TunnelType = .ipip, port: UInt16 = 0, checksum: TunnelChecksum = .none) {
        self.type = type
        self.port = port
        self.checksum = checksum
    }
}

/// What identifies a real server within its service.
public struct DestinationKey: Sendable, Hashable, Codable, Comparable {
    /// The real server's address.
    public var address: IPAddress
    /// The real server's port.
    public var port: UInt16

    /// A real server's identity.
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Orders by address, then port.
    public static func < (lhs: DestinationKey, rhs: DestinationKey) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}

/// How a real server is used: what -a/-e set.
public struct DestinationConfiguration: Sendable, Hashable, Codable {
    /// How packets reach the real server.
    public var forwarding: ForwardingMethod
    /// Its share of new connections (0: none).
    public var weight: Int32
    /// Connections above which it gets no new ones (0: no limit).
    public var upperThreshold: UInt32
    /// Connections below which it gets new ones again.
    public var lowerThreshold: UInt32
    /// Encapsulation, with `.tunneling`.
    public var tunnel: TunnelSettings

    /// A value of the given parts; the defaults are the kernel's.
    public init(
        forwarding: ForwardingMethod = .directRouting, weight: Int32 = 1, upperThreshold: UInt32 = 0,
        lowerThreshold: UInt32 = 0, tunnel: TunnelSettings = TunnelSettings()
    ) {
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.tunnel = tunnel
    }
}

/// Connection counts the kernel keeps per real server.
public struct ConnectionCounts: Sendable, Hashable, Codable {
    /// Established connections.
    public var active: UInt32 = 0
    /// Other connections (closing, or UDP).
    public var inactive: UInt32 = 0
    /// Persistence templates.
    public var persistent: UInt32 = 0
    /// A value of the given parts; the defaults are the kernel's.
    public init(active: UInt32 = 0, inactive: UInt32 = 0, persistent: UInt32 = 0) {
        self.active = active
        self.inactive = inactive
        self.persistent = persistent
    }
}

/// A real server as the kernel reports it.
public struct Destination: Sendable, Hashable, Codable {
    /// What identifies it.
    public var key: DestinationKey
    /// How it is set up.
    public var configuration: DestinationConfiguration
    /// Connections scheduled.
    public var connections: ConnectionCounts
    /// Its traffic counters and rates.
    public var statistics: Statistics

    /// A value of the given parts; the defaults are the kernel's.
    public init(
        key: DestinationKey, configuration: DestinationConfiguration,
        connections: ConnectionCounts = ConnectionCounts(), statistics: Statistics = Statistics()
    ) {
        self.key = key
        self.configuration = configuration
        self.connections = connections
        self.statistics = statistics
    }
}

/// What the kernel's text listing tells of a real server (see `TableListing`): no
/// thresholds, tunnel settings, persistent-connection count or statistics. A quarter of
/// a `Destination`'s size, which counts when a listing holds tens of thousands.
public struct DestinationSummary: Sendable, Hashable, Codable {
    /// What identifies it.
    public var key: DestinationKey
    /// How packets reach the real server.
    public var forwarding: ForwardingMethod
    /// Its share of new connections (0: none).
    public var weight: Int32
    /// Established connections.
    public var activeConnections: UInt32
    /// Other connections.
    public var inactiveConnections: UInt32

    /// A value of the given parts; the defaults are the kernel's.
    public init(
        key: DestinationKey, forwarding: ForwardingMethod, weight: Int32, activeConnections: UInt32,
        inactiveConnections: UInt32
    ) {
        self.key = key
        self.forwarding = forwarding
        self.weight = weight
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
    }
}

extension Destination {
    /// The real server with what the summary lacks left at zero.
    public init(_ summary: DestinationSummary) {
        self.init(
            key: summary.key,
            configuration: DestinationConfiguration(forwarding: summary.forwarding, weight: summary.weight),
            connections: ConnectionCounts(active: summary.activeConnections, inactive: summary.inactiveConnections))
    }
}

/// Connection timeouts in seconds (`--set tcp tcpfin udp`); 0 leaves a value unchanged when setting.
public struct Timeouts: Sendable, Hashable, Codable {
    /// Established TCP connections.
    public var tcp: UInt32
    /// TCP connections after a FIN.
    public var tcpFin: UInt32
    /// UDP "connections".
    public var udp: UInt32
    /// A value of the given parts; the defaults are the kernel's.
    public init(tcp: UInt32, tcpFin: UInt32, udp: UInt32) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}

/// Role of a connection-sync daemon.
public enum SyncDaemonRole: UInt32, Sendable, Hashable, Codable {
    /// Sends the director's connections.
    case master = 1
    /// Receives a master's connections.
    case backup = 2
}

/// A connection-sync daemon's settings; optional fields are left to the kernel's defaults.
public struct SyncDaemon: Sendable, Hashable, Codable {
    /// Master (sends) or backup (receives).
    public var role: SyncDaemonRole
    /// The multicast interface.
    public var interface: String
    /// The sync ID; a backup takes only messages with its own.
    public var syncID: UInt32
    /// The longest sync message.
    public var maximumLength: UInt16?
    /// The multicast group.
    public var group: IPAddress?
    /// The UDP port.
    public var port: UInt16?
    /// The multicast TTL.
    public var ttl: UInt8?

    /// A value of the given parts; the defaults are the kernel's.
    public init(
        role: SyncDaemonRole, interface: String = "", syncID: UInt32 = 0, maximumLength: UInt16? = nil,
        group: IPAddress? = nil, port: UInt16? = nil, ttl: UInt8? = nil
    ) {
        self.role = role
        self.interface = interface
        self.syncID = syncID
        self.maximumLength = maximumLength
        self.group = group
        self.port = port
        self.ttl = ttl
    }
}

/// IPVS version and connection table size (GET_INFO).
public struct IPVSInfo: Sendable, Hashable, Codable {
    /// Version as 0x00MMmmpp.
    public var version: UInt32
    /// Buckets in the connection hash table.
    public var connectionTableSize: UInt32

    /// A value of the given parts; the defaults are the kernel's.
    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    /// "major.minor.patch".
    public var versionString: String {
        "\((version >> 16) & 0xff).\((version >> 8) & 0xff).\(version & 0xff)"
    }
}
