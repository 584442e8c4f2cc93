import CIPVSShim
import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's replies read into the model, attributes checked against the shim's
/// policies. Each decoder returns nil for a malformed message: one that does not
/// parse, lacks an attribute the kernel always sends, or holds a family or address
/// this code cannot read. The read calls turn that nil into EBADMSG.
enum ReplyDecoding {
    /// A GET_INFO reply.
    static func info(_ header: UnsafeMutablePointer<nlmsghdr>) -> IPVSInfo? {
        withAttributeTable(count: CIPVS_INFO_ATTR_COUNT) { table -> IPVSInfo? in
            guard cipvs_parse_info_reply(header, table) == 0,
                let version = table[Int(IPVS_INFO_ATTR_VERSION)],
                let size = table[Int(IPVS_INFO_ATTR_CONN_TAB_SIZE)]
            else { return nil }
            return IPVSInfo(version: nla_get_u32(version), connectionTableSize: nla_get_u32(size))
        }
    }

    /// A GET_CONFIG reply. A timeout left out reads 0, as in ipvsadm: the kernel leaves
    /// out those of protocols it was built without.
    static func timeouts(_ header: UnsafeMutablePointer<nlmsghdr>) -> Timeouts? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { table -> Timeouts? in
            guard cipvs_parse_command_reply(header, table) == 0 else { return nil }
            func value(_ index: Int) -> UInt32 { table[index].map { nla_get_u32($0) } ?? 0 }
            return Timeouts(
                tcp: value(Int(IPVS_CMD_ATTR_TIMEOUT_TCP)), tcpFin: value(Int(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)),
                udp: value(Int(IPVS_CMD_ATTR_TIMEOUT_UDP)))
        }
    }

    /// A NEW_SERVICE message, as GET_SERVICE answers and dumps.
    static func service(_ header: UnsafeMutablePointer<nlmsghdr>) -> Service? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> Service? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_SERVICE)]
            else { return nil }
            return withAttributeTable(count: CIPVS_SVC_ATTR_COUNT) { table -> Service? in
                guard cipvs_parse_service(nested, table) == 0,
                    let familyAttribute = table[Int(IPVS_SVC_ATTR_AF)],
                    let family = AddressFamily(rawValue: nla_get_u16(familyAttribute)),
                    let scheduler = table[Int(IPVS_SVC_ATTR_SCHED_NAME)],
                    let flagsAttribute = table[Int(IPVS_SVC_ATTR_FLAGS)],
                    let timeout = table[Int(IPVS_SVC_ATTR_TIMEOUT)],
                    let netmask = table[Int(IPVS_SVC_ATTR_NETMASK)],
                    let statistics = statistics(table[Int(IPVS_SVC_ATTR_STATS64)] ?? table[Int(IPVS_SVC_ATTR_STATS)])
                else { return nil }
                let key: ServiceKey
                if let mark = table[Int(IPVS_SVC_ATTR_FWMARK)] {
                    key = .firewallMark(nla_get_u32(mark), family: family)
                } else if let proto = table[Int(IPVS_SVC_ATTR_PROTOCOL)], let addressAttribute = table[Int(IPVS_SVC_ATTR_ADDR)],
                    let port = table[Int(IPVS_SVC_ATTR_PORT)],
                    let address = IPAddress(family: family, bytes: attributeBytes(addressAttribute))
                {
                    key = .address(IPProtocol(rawValue: nla_get_u16(proto)), address, port: UInt16(bigEndian: nla_get_u16(port)))
                } else {
                    return nil
                }
                var flags = ip_vs_flags()
                _ = nla_memcpy(&flags, flagsAttribute, Int32(MemoryLayout<ip_vs_flags>.size))
                let engine = table[Int(IPVS_SVC_ATTR_PE_NAME)].map { String(cString: nla_get_string($0)) }
                let configuration = ServiceConfiguration(
                    scheduler: SchedulerName(rawValue: String(cString: nla_get_string(scheduler))),
                    flags: ServiceFlags(rawValue: flags.flags & flags.mask),
                    timeout: nla_get_u32(timeout),
                    netmask: PersistenceNetmask(kernelValue: nla_get_u32(netmask), family: family),
                    persistenceEngine: engine)
                return Service(key: key, configuration: configuration, statistics: statistics)
            }
        }
    }

    /// A NEW_DEST message of a GET_DEST dump. Older kernels send no address family
    /// for a destination: it then has its service's.
    static func destination(_ header: UnsafeMutablePointer<nlmsghdr>, serviceFamily: AddressFamily) -> Destination? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> Destination? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_DEST)]
            else { return nil }
            return withAttributeTable(count: CIPVS_DEST_ATTR_COUNT) { table -> Destination? in
                guard cipvs_parse_destination(nested, table) == 0,
                    let addressAttribute = table[Int(IPVS_DEST_ATTR_ADDR)],
                    let port = table[Int(IPVS_DEST_ATTR_PORT)],
                    let forwarding = table[Int(IPVS_DEST_ATTR_FWD_METHOD)],
                    let weight = table[Int(IPVS_DEST_ATTR_WEIGHT)],
                    let upper = table[Int(IPVS_DEST_ATTR_U_THRESH)],
                    let lower = table[Int(IPVS_DEST_ATTR_L_THRESH)],
                    let active = table[Int(IPVS_DEST_ATTR_ACTIVE_CONNS)],
                    let inactive = table[Int(IPVS_DEST_ATTR_INACT_CONNS)],
                    let persistent = table[Int(IPVS_DEST_ATTR_PERSIST_CONNS)],
                    let statistics = statistics(table[Int(IPVS_DEST_ATTR_STATS64)] ?? table[Int(IPVS_DEST_ATTR_STATS)])
                else { return nil }
                let family: AddressFamily
                if let familyAttribute = table[Int(IPVS_DEST_ATTR_ADDR_FAMILY)] {
                    guard let given = AddressFamily(rawValue: nla_get_u16(familyAttribute)) else { return nil }
                    family = given
                } else {
                    family = serviceFamily
                }
                guard let address = IPAddress(family: family, bytes: attributeBytes(addressAttribute)) else { return nil }
                let tunnel = TunnelSettings(
                    type: TunnelType(rawValue: table[Int(IPVS_DEST_ATTR_TUN_TYPE)].map { nla_get_u8($0) } ?? 0),
                    port: UInt16(bigEndian: table[Int(IPVS_DEST_ATTR_TUN_PORT)].map { nla_get_u16($0) } ?? 0),
                    checksum: TunnelChecksum(rawValue: table[Int(IPVS_DEST_ATTR_TUN_FLAGS)].map { nla_get_u16($0) } ?? 0))
                let configuration = DestinationConfiguration(
                    forwarding: ForwardingMethod(rawValue: nla_get_u32(forwarding)),
                    weight: Int32(bitPattern: nla_get_u32(weight)),
                    upperThreshold: nla_get_u32(upper), lowerThreshold: nla_get_u32(lower), tunnel: tunnel)
                return Destination(
                    key: DestinationKey(address: address, port: UInt16(bigEndian: nla_get_u16(port))),
                    configuration: configuration,
                    connections: ConnectionCounts(
                        active: nla_get_u32(active), inactive: nla_get_u32(inactive), persistent: nla_get_u32(persistent)),
                    statistics: statistics)
            }
        }
    }

    /// A NEW_DAEMON message of a GET_DAEMON dump.
    static func daemon(_ header: UnsafeMutablePointer<nlmsghdr>) -> SyncDaemon? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> SyncDaemon? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_DAEMON)]
            else { return nil }
            return withAttributeTable(count: CIPVS_DAEMON_ATTR_COUNT) { table -> SyncDaemon? in
                guard cipvs_parse_daemon(nested, table) == 0,
                    let state = table[Int(IPVS_DAEMON_ATTR_STATE)],
                    let role = SyncDaemonRole(rawValue: nla_get_u32(state) & Self.roleMask),
                    let interface = table[Int(IPVS_DAEMON_ATTR_MCAST_IFN)],
                    let syncID = table[Int(IPVS_DAEMON_ATTR_SYNC_ID)]
                else { return nil }
                var daemon = SyncDaemon(
                    role: role, interface: String(cString: nla_get_string(interface)), syncID: nla_get_u32(syncID))
                daemon.maximumLength = table[Int(IPVS_DAEMON_ATTR_SYNC_MAXLEN)].map { nla_get_u16($0) }
                daemon.port = table[Int(IPVS_DAEMON_ATTR_MCAST_PORT)].map { nla_get_u16($0) }
                daemon.ttl = table[Int(IPVS_DAEMON_ATTR_MCAST_TTL)].map { nla_get_u8($0) }
                if let group = table[Int(IPVS_DAEMON_ATTR_MCAST_GROUP)] {
                    daemon.group = .v4(UInt32(bigEndian: nla_get_u32(group)))
                } else if let group = table[Int(IPVS_DAEMON_ATTR_MCAST_GROUP6)] {
                    guard let address = IPAddress(family: .inet6, bytes: attributeBytes(group)) else { return nil }
                    daemon.group = address
                }
                return daemon
            }
        }
    }

    /// The state bits that name a daemon's role.
    private static let roleMask = UInt32(IP_VS_STATE_MASTER | IP_VS_STATE_BACKUP)

    /// A statistics nest, u32 (STATS) or u64 (STATS64) counters alike; zeros when the
    /// message has none, nil when it does not parse.
    private static func statistics(_ nested: UnsafeMutablePointer<nlattr>?) -> Statistics? {
        guard let nested else { return Statistics() }
        return withAttributeTable(count: CIPVS_STATS_ATTR_COUNT) { table -> Statistics? in
            guard cipvs_parse_stats(nested, table) == 0 else { return nil }
            func value(_ index: Int) -> UInt64 { table[index].map { cipvs_attribute_unsigned($0) } ?? 0 }
            var statistics = Statistics()
            statistics.connections = value(Int(IPVS_STATS_ATTR_CONNS))
            statistics.incomingPackets = value(Int(IPVS_STATS_ATTR_INPKTS))
            statistics.outgoingPackets = value(Int(IPVS_STATS_ATTR_OUTPKTS))
            statistics.incomingBytes = value(Int(IPVS_STATS_ATTR_INBYTES))
            statistics.outgoingBytes = value(Int(IPVS_STATS_ATTR_OUTBYTES))
            statistics.connectionsPerSecond = value(Int(IPVS_STATS_ATTR_CPS))
            statistics.incomingPacketsPerSecond = value(Int(IPVS_STATS_ATTR_INPPS))
            statistics.outgoingPacketsPerSecond = value(Int(IPVS_STATS_ATTR_OUTPPS))
            statistics.incomingBytesPerSecond = value(Int(IPVS_STATS_ATTR_INBPS))
            statistics.outgoingBytesPerSecond = value(Int(IPVS_STATS_ATTR_OUTBPS))
            return statistics
        }
    }
}

/// The data messages of one answer, decoded as they arrive. A message the decoder
/// rejected (nil) makes the whole answer fail with EBADMSG, once it has been read to
/// its end, so that none of it is left to be taken for the next request's: the one
/// way every read treats a malformed reply.
struct DecodedReplies<Element> {
    private var elements: [Element] = []
    private var malformed = false

    /// Takes the next message's decoding, nil for a message the decoder rejected.
    mutating func add(_ element: Element?) {
        if let element { elements.append(element) } else { malformed = true }
    }

    /// Every message's decoding, in order.
    func all(_ operation: IPVSOperation) throws(IPVSError) -> [Element] {
        if malformed { throw IPVSError(operation, code: EBADMSG) }
        return elements
    }

    /// The decoding of an answer that must be one message.
    func single(_ operation: IPVSOperation) throws(IPVSError) -> Element {
        guard !malformed, elements.count == 1 else { throw IPVSError(operation, code: EBADMSG) }
        return elements[0]
    }
}

/// Runs `body` with a zeroed table of `count` attribute slots, for libnl's parsers.
private func withAttributeTable<Count: BinaryInteger, Result>(
    count: Count, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<nlattr>?>) -> Result
) -> Result {
    withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<nlattr>?.self, capacity: Int(count)) { table in
        table.initialize(repeating: nil)
        return body(table.baseAddress!)
    }
}

private func attributeBytes(_ attribute: UnsafeMutablePointer<nlattr>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute)))
}
