import CNetlink

/// An IP protocol number as IPVS uses it for virtual services.
public struct IPProtocol: RawRepresentable, Sendable, Hashable, Codable, Comparable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    public static let sctp = IPProtocol(rawValue: 132)

    public static func < (lhs: IPProtocol, rhs: IPProtocol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What identifies a virtual service: protocol, address and port, or a firewall mark and family.
public enum ServiceKey: Sendable, Hashable, Codable {
    case address(IPProtocol, IPAddress, port: UInt16)
    case firewallMark(UInt32, family: AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .address(_, let address, _): return address.family
        case .firewallMark(_, let family): return family
        }
    }
}

/// A scheduler name. Open-ended: the kernel may offer schedulers this code has never heard of.
public struct SchedulerName: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let roundRobin: SchedulerName = "rr"
    public static let weightedRoundRobin: SchedulerName = "wrr"
    public static let leastConnection: SchedulerName = "lc"
    public static let weightedLeastConnection: SchedulerName = "wlc"
    public static let localityBasedLeastConnection: SchedulerName = "lblc"
    public static let localityBasedLeastConnectionWithReplication: SchedulerName = "lblcr"
    public static let destinationHashing: SchedulerName = "dh"
    public static let sourceHashing: SchedulerName = "sh"
    public static let shortestExpectedDelay: SchedulerName = "sed"
    public static let neverQueue: SchedulerName = "nq"
    public static let weightedFailover: SchedulerName = "fo"
    public static let weightedOverflow: SchedulerName = "ovf"
    public static let maglevHashing: SchedulerName = "mh"
    public static let twoRandomChoices: SchedulerName = "twos"
}

/// Virtual service flags (IP_VS_SVC_F_*).
public struct ServiceFlags: OptionSet, Sendable, Hashable, Codable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let persistent = ServiceFlags(rawValue: 0x0001)
    public static let hashed = ServiceFlags(rawValue: 0x0002)
    public static let onePacket = ServiceFlags(rawValue: 0x0004)
    public static let schedulerFlag1 = ServiceFlags(rawValue: 0x0008)
    public static let schedulerFlag2 = ServiceFlags(rawValue: 0x0010)
    public static let schedulerFlag3 = ServiceFlags(rawValue: 0x0020)

    public static let schedulerFlags: ServiceFlags = [.schedulerFlag1, .schedulerFlag2, .schedulerFlag3]
}

/// Persistence granularity: an IPv4 mask (host byte order) or an IPv6 prefix length.
/// The kernel carries both in one 32-bit attribute.
public enum PersistenceNetmask: Sendable, Hashable, Codable {
    case v4(mask: UInt32)
    case v6(prefixLength: UInt32)

    public static let exactV4 = PersistenceNetmask.v4(mask: 0xffff_ffff)
    public static let exactV6 = PersistenceNetmask.v6(prefixLength: 128)

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
    public var scheduler: SchedulerName
    public var flags: ServiceFlags
    /// Persistence timeout in seconds (meaningful with `.persistent`).
    public var timeout: UInt32
    public var netmask: PersistenceNetmask
    /// Persistence engine name (for example "sip"), or nil.
    public var persistenceEngine: String?

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
    public var connections: UInt64 = 0
    public var incomingPackets: UInt64 = 0
    public var outgoingPackets: UInt64 = 0
    public var incomingBytes: UInt64 = 0
    public var outgoingBytes: UInt64 = 0
    public var connectionsPerSecond: UInt64 = 0
    public var incomingPacketsPerSecond: UInt64 = 0
    public var outgoingPacketsPerSecond: UInt64 = 0
    public var incomingBytesPerSecond: UInt64 = 0
    public var outgoingBytesPerSecond: UInt64 = 0
    public init() {}
}

/// A virtual service as the kernel reports it: identity, configuration and live counters.
public struct Service: Sendable, Hashable, Codable {
    public var key: ServiceKey
    public var configuration: ServiceConfiguration
    public var statistics: Statistics

    public init(key: ServiceKey, configuration: ServiceConfiguration, statistics: Statistics = Statistics()) {
        self.key = key
        self.configuration = configuration
        self.statistics = statistics
    }
}

/// Forwarding method of a real server (IP_VS_CONN_F_FWD_MASK values).
public struct ForwardingMethod: RawRepresentable, Sendable, Hashable, Codable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let masquerading = ForwardingMethod(rawValue: 0)
    public static let localNode = ForwardingMethod(rawValue: 1)
    public static let tunneling = ForwardingMethod(rawValue: 2)
    public static let directRouting = ForwardingMethod(rawValue: 3)
    public static let bypass = ForwardingMethod(rawValue: 4)

    /// The bits of a raw value that name the method (IP_VS_CONN_F_FWD_MASK); the kernel
    /// keeps other connection flags in the same word.
    public static let mask = UInt32(IP_VS_CONN_F_FWD_MASK)
}

/// Tunnel encapsulation of a tunneling real server.
public struct TunnelType: RawRepresentable, Sendable, Hashable, Codable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ipip = TunnelType(rawValue: 0)
    public static let gue = TunnelType(rawValue: 1)
    public static let gre = TunnelType(rawValue: 2)
}

/// Tunnel checksum mode (IP_VS_TUNNEL_ENCAP_FLAG_*): one value, not a set.
public struct TunnelChecksum: RawRepresentable, Sendable, Hashable, Codable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let none = TunnelChecksum(rawValue: 0)
    public static let checksum = TunnelChecksum(rawValue: 1)
    public static let remoteChecksum = TunnelChecksum(rawValue: 2)
}

/// Encapsulation settings; the kernel uses them only with `.tunneling`.
public struct TunnelSettings: Sendable, Hashable, Codable {
    public var type: TunnelType
    /// Destination port of the encapsulating UDP (GUE), 0 when not applicable.
    public var port: UInt16
    public var checksum: TunnelChecksum

    public init(type: TunnelType = .ipip, port: UInt16 = 0, checksum: TunnelChecksum = .none) {
        self.type = type
        self.port = port
        self.checksum = checksum
    }
}

/// What identifies a real server within its service.
public struct DestinationKey: Sendable, Hashable, Codable, Comparable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: DestinationKey, rhs: DestinationKey) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}

/// How a real server is used: what -a/-e set.
public struct DestinationConfiguration: Sendable, Hashable, Codable {
    public var forwarding: ForwardingMethod
    public var weight: Int32
    public var upperThreshold: UInt32
    public var lowerThreshold: UInt32
    public var tunnel: TunnelSettings

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
    public var active: UInt32 = 0
    public var inactive: UInt32 = 0
    public var persistent: UInt32 = 0
    public init(active: UInt32 = 0, inactive: UInt32 = 0, persistent: UInt32 = 0) {
        self.active = active
        self.inactive = inactive
        self.persistent = persistent
    }
}

/// A real server as the kernel reports it.
public struct Destination: Sendable, Hashable, Codable {
    public var key: DestinationKey
    public var configuration: DestinationConfiguration
    public var connections: ConnectionCounts
    public var statistics: Statistics

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
    public var key: DestinationKey
    public var forwarding: ForwardingMethod
    public var weight: Int32
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32

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
    public var tcp: UInt32
    public var tcpFin: UInt32
    public var udp: UInt32
    public init(tcp: UInt32, tcpFin: UInt32, udp: UInt32) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}

/// Role of a connection-sync daemon.
public enum SyncDaemonRole: UInt32, Sendable, Hashable, Codable {
    case master = 1
    case backup = 2
}

/// A connection-sync daemon's settings; optional fields are left to the kernel's defaults.
public struct SyncDaemon: Sendable, Hashable, Codable {
    public var role: SyncDaemonRole
    public var interface: String
    public var syncID: UInt32
    public var maximumLength: UInt16?
    public var group: IPAddress?
    public var port: UInt16?
    public var ttl: UInt8?

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
    public var connectionTableSize: UInt32

    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    public var versionString: String {
        "\((version >> 16) & 0xff).\((version >> 8) & 0xff).\(version & 0xff)"
    }
}
