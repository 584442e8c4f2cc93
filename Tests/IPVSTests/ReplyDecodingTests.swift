import CIPVSShim
import CNetlink
import Glibc
import Testing

@testable import IPVS

/// An attribute of a reply as the kernel would put it: a value, or a nest of attributes.
indirect enum ReplyAttribute: Sendable {
    case value(Int, [UInt8])
    case nest(Int, [ReplyAttribute])
}

/// A generic-netlink reply of `command` built with libnl (nlmsg_alloc, genlmsg_put,
/// nla_put, nla_nest_start), handed to `body` as the header the decoders read.
func withReply<Result>(
    command: Int, _ attributes: [ReplyAttribute], _ body: (UnsafeMutablePointer<nlmsghdr>) throws -> Result
) throws -> Result {
    let message = try #require(nlmsg_alloc())
    defer { nlmsg_free(message) }
    try #require(genlmsg_put(message, 0, 0, Int32(testFamily), 0, 0, UInt8(command), UInt8(IPVS_GENL_VERSION)) != nil)
    func put(_ attributes: [ReplyAttribute]) throws {
        for attribute in attributes {
            switch attribute {
            case .value(let type, let bytes):
                try #require(nla_put(message, Int32(type), Int32(bytes.count), bytes) == 0)
            case .nest(let type, let contents):
                let nest = try #require(nla_nest_start(message, Int32(type)))
                try put(contents)
                try #require(nla_nest_end(message, nest) == 0)
            }
        }
    }
    try put(attributes)
    return try body(nlmsg_hdr(message))
}

private func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

/// Everything a kernel sends of a service but its key.
private func serviceBody(scheduler: String = "wlc", flags: UInt32 = 0, timeout: UInt32 = 0, netmask: [UInt8]) -> [ReplyAttribute] {
    [
        .value(IPVS_SVC_ATTR_SCHED_NAME, cString(scheduler)), .value(IPVS_SVC_ATTR_FLAGS, u32(flags) + u32(~0)),
        .value(IPVS_SVC_ATTR_TIMEOUT, u32(timeout)), .value(IPVS_SVC_ATTR_NETMASK, netmask),
    ]
}

private let webV4Key: [ReplyAttribute] = [
    .value(IPVS_SVC_ATTR_AF, u16(2)), .value(IPVS_SVC_ATTR_PROTOCOL, u16(6)),
    .value(IPVS_SVC_ATTR_ADDR, inetAddress([10, 0, 0, 1])), .value(IPVS_SVC_ATTR_PORT, be16(80)),
]
private let exactV4: [UInt8] = [255, 255, 255, 255]

private let serviceCases: [(String, [ReplyAttribute], Service?)] = [
    ("IPv4 address, persistence engine, STATS64 beyond 32 bits",
     webV4Key + serviceBody(flags: 1, timeout: 300, netmask: [255, 255, 255, 0]) + [
        .value(IPVS_SVC_ATTR_PE_NAME, cString("sip")),
        .nest(IPVS_SVC_ATTR_STATS64, [
            .value(IPVS_STATS_ATTR_CONNS, u64(5_000_000_000)), .value(IPVS_STATS_ATTR_INBYTES, u64(1 << 40)),
            .value(IPVS_STATS_ATTR_OUTBPS, u64(7)),
        ]),
     ],
     Service(
        key: .address(.tcp, .v4(0x0a00_0001), port: 80),
        configuration: ServiceConfiguration(
            scheduler: "wlc", flags: .persistent, timeout: 300, netmask: .v4(mask: 0xffff_ff00),
            persistenceEngine: "sip"),
        statistics: {
            var statistics = Statistics()
            statistics.connections = 5_000_000_000
            statistics.incomingBytes = 1 << 40
            statistics.outgoingBytesPerSecond = 7
            return statistics
        }())),
    ("IPv6 fwmark, 32-bit STATS",
     [.value(IPVS_SVC_ATTR_AF, u16(10)), .value(IPVS_SVC_ATTR_FWMARK, u32(7))]
        + serviceBody(scheduler: "rr", flags: 0x24, netmask: u32(128))
        + [.nest(IPVS_SVC_ATTR_STATS, [.value(IPVS_STATS_ATTR_CONNS, u32(12)), .value(IPVS_STATS_ATTR_OUTPKTS, u32(34))])],
     Service(
        key: .firewallMark(7, family: .inet6),
        configuration: ServiceConfiguration(
            scheduler: "rr", flags: [.onePacket, .schedulerFlag3], netmask: .exactV6),
        statistics: {
            var statistics = Statistics()
            statistics.connections = 12
            statistics.outgoingPackets = 34
            return statistics
        }())),
    ("missing scheduler", webV4Key + serviceBody(netmask: exactV4).filter {
        if case .value(IPVS_SVC_ATTR_SCHED_NAME, _) = $0 { return false } else { return true }
     }, nil),
    ("unknown family",
     [.value(IPVS_SVC_ATTR_AF, u16(7)), .value(IPVS_SVC_ATTR_FWMARK, u32(1))] + serviceBody(netmask: exactV4), nil),
    ("IPv6 family with a 4-byte address",
     [.value(IPVS_SVC_ATTR_AF, u16(10)), .value(IPVS_SVC_ATTR_PROTOCOL, u16(6)),
      .value(IPVS_SVC_ATTR_ADDR, [10, 0, 0, 1]), .value(IPVS_SVC_ATTR_PORT, be16(80))] + serviceBody(netmask: u32(128)),
     nil),
    ("short address", [.value(IPVS_SVC_ATTR_AF, u16(2)), .value(IPVS_SVC_ATTR_PROTOCOL, u16(6)),
      .value(IPVS_SVC_ATTR_ADDR, [10, 0]), .value(IPVS_SVC_ATTR_PORT, be16(80))] + serviceBody(netmask: exactV4), nil),
    ("neither fwmark nor address", [.value(IPVS_SVC_ATTR_AF, u16(2))] + serviceBody(netmask: exactV4), nil),
]

/// A destination's attributes but family and tunnel: 10.0.0.2 unless `address` says otherwise.
private func destinationBody(address: [UInt8] = inetAddress([10, 0, 0, 2]), weight: UInt32? = 3) -> [ReplyAttribute] {
    var attributes: [ReplyAttribute] = [
        .value(IPVS_DEST_ATTR_ADDR, address), .value(IPVS_DEST_ATTR_PORT, be16(8080)),
        .value(IPVS_DEST_ATTR_FWD_METHOD, u32(2)), .value(IPVS_DEST_ATTR_U_THRESH, u32(100)),
        .value(IPVS_DEST_ATTR_L_THRESH, u32(10)), .value(IPVS_DEST_ATTR_ACTIVE_CONNS, u32(4)),
        .value(IPVS_DEST_ATTR_INACT_CONNS, u32(5)), .value(IPVS_DEST_ATTR_PERSIST_CONNS, u32(6)),
    ]
    if let weight { attributes.append(.value(IPVS_DEST_ATTR_WEIGHT, u32(weight))) }
    return attributes
}

private let fd00Two: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]

private let destinationCases: [(String, [ReplyAttribute], AddressFamily, Destination?)] = [
    ("own IPv6 family under an IPv4 service, GUE tunnel",
     destinationBody(address: fd00Two) + [
        .value(IPVS_DEST_ATTR_ADDR_FAMILY, u16(10)), .value(IPVS_DEST_ATTR_TUN_TYPE, u8(1)),
        .value(IPVS_DEST_ATTR_TUN_PORT, be16(6080)), .value(IPVS_DEST_ATTR_TUN_FLAGS, u16(1)),
        .nest(IPVS_DEST_ATTR_STATS64, [.value(IPVS_STATS_ATTR_INPKTS, u64(99))]),
     ], .inet,
     Destination(
        key: DestinationKey(address: .v6(high: 0xfd00_0000_0000_0000, low: 2), port: 8080),
        configuration: DestinationConfiguration(
            forwarding: .tunneling, weight: 3, upperThreshold: 100, lowerThreshold: 10,
            tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .checksum)),
        connections: ConnectionCounts(active: 4, inactive: 5, persistent: 6),
        statistics: {
            var statistics = Statistics()
            statistics.incomingPackets = 99
            return statistics
        }())),
    ("no family of its own: the service's", destinationBody(address: fd00Two), .inet6,
     Destination(
        key: DestinationKey(address: .v6(high: 0xfd00_0000_0000_0000, low: 2), port: 8080),
        configuration: DestinationConfiguration(
            forwarding: .tunneling, weight: 3, upperThreshold: 100, lowerThreshold: 10),
        connections: ConnectionCounts(active: 4, inactive: 5, persistent: 6))),
    ("IPv4, no family of its own", destinationBody(), .inet,
     Destination(
        key: DestinationKey(address: .v4(0x0a00_0002), port: 8080),
        configuration: DestinationConfiguration(
            forwarding: .tunneling, weight: 3, upperThreshold: 100, lowerThreshold: 10),
        connections: ConnectionCounts(active: 4, inactive: 5, persistent: 6))),
    ("unknown family of its own", destinationBody() + [.value(IPVS_DEST_ATTR_ADDR_FAMILY, u16(3))], .inet, nil),
    ("IPv6 with a 4-byte address", destinationBody(address: [10, 0, 0, 2]), .inet6, nil),
    ("short IPv4 address", destinationBody(address: [10, 0]), .inet, nil),
    ("missing weight", destinationBody(weight: nil), .inet, nil),
]

private let daemonCases: [(String, [ReplyAttribute], SyncDaemon?)] = [
    ("master with IPv4 group",
     [.value(IPVS_DAEMON_ATTR_STATE, u32(1)), .value(IPVS_DAEMON_ATTR_MCAST_IFN, cString("eth0")),
      .value(IPVS_DAEMON_ATTR_SYNC_ID, u32(5)), .value(IPVS_DAEMON_ATTR_SYNC_MAXLEN, u16(1472)),
      .value(IPVS_DAEMON_ATTR_MCAST_GROUP, [224, 0, 0, 81]), .value(IPVS_DAEMON_ATTR_MCAST_PORT, u16(8848)),
      .value(IPVS_DAEMON_ATTR_MCAST_TTL, u8(1))],
     SyncDaemon(role: .master, interface: "eth0", syncID: 5, maximumLength: 1472, group: .v4(0xe000_0051),
                port: 8848, ttl: 1)),
    ("backup with IPv6 group",
     [.value(IPVS_DAEMON_ATTR_STATE, u32(2)), .value(IPVS_DAEMON_ATTR_MCAST_IFN, cString("eth1")),
      .value(IPVS_DAEMON_ATTR_SYNC_ID, u32(0)),
      .value(IPVS_DAEMON_ATTR_MCAST_GROUP6, [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x51])],
     SyncDaemon(role: .backup, interface: "eth1", group: .v6(high: 0xff02_0000_0000_0000, low: 0x51))),
    ("missing sync ID",
     [.value(IPVS_DAEMON_ATTR_STATE, u32(1)), .value(IPVS_DAEMON_ATTR_MCAST_IFN, cString("eth0"))], nil),
    ("no role",
     [.value(IPVS_DAEMON_ATTR_STATE, u32(0)), .value(IPVS_DAEMON_ATTR_MCAST_IFN, cString("eth0")),
      .value(IPVS_DAEMON_ATTR_SYNC_ID, u32(5))], nil),
]

private let timeoutCases: [(String, [ReplyAttribute], Timeouts?)] = [
    ("all three",
     [.value(IPVS_CMD_ATTR_TIMEOUT_TCP, u32(900)), .value(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, u32(120)),
      .value(IPVS_CMD_ATTR_TIMEOUT_UDP, u32(300))],
     Timeouts(tcp: 900, tcpFin: 120, udp: 300)),
    ("a kernel without UDP: 0, as in ipvsadm",
     [.value(IPVS_CMD_ATTR_TIMEOUT_TCP, u32(900)), .value(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, u32(120))],
     Timeouts(tcp: 900, tcpFin: 120, udp: 0)),
    ("a timeout of 2 bytes", [.value(IPVS_CMD_ATTR_TIMEOUT_TCP, u16(900))], nil),
]

private let infoCases: [(String, [ReplyAttribute], IPVSInfo?)] = [
    ("version and table size",
     [.value(IPVS_INFO_ATTR_VERSION, u32(0x01_02_03)), .value(IPVS_INFO_ATTR_CONN_TAB_SIZE, u32(4096))],
     IPVSInfo(version: 0x01_02_03, connectionTableSize: 4096)),
    ("missing table size", [.value(IPVS_INFO_ATTR_VERSION, u32(0x01_02_03))], nil),
    ("a version of 2 bytes",
     [.value(IPVS_INFO_ATTR_VERSION, u16(1)), .value(IPVS_INFO_ATTR_CONN_TAB_SIZE, u32(4096))], nil),
]

/// Replies built the way the kernel builds them, decoded into the model; malformed ones
/// must be rejected (nil), never read as zeros or dropped.
@Suite("Reply decoding")
struct ReplyDecodingTests {
    @Test(arguments: serviceCases)
    func service(_ name: String, _ attributes: [ReplyAttribute], _ expected: Service?) throws {
        let decoded = try withReply(command: IPVS_CMD_NEW_SERVICE, [.nest(IPVS_CMD_ATTR_SERVICE, attributes)]) {
            ReplyDecoding.service($0)
        }
        #expect(decoded == expected, "\(name)")
    }

    @Test(arguments: destinationCases)
    func destination(
        _ name: String, _ attributes: [ReplyAttribute], _ serviceFamily: AddressFamily, _ expected: Destination?
    ) throws {
        let decoded = try withReply(command: IPVS_CMD_NEW_DEST, [.nest(IPVS_CMD_ATTR_DEST, attributes)]) {
            ReplyDecoding.destination($0, serviceFamily: serviceFamily)
        }
        #expect(decoded == expected, "\(name)")
    }

    @Test(arguments: daemonCases)
    func daemon(_ name: String, _ attributes: [ReplyAttribute], _ expected: SyncDaemon?) throws {
        let decoded = try withReply(command: IPVS_CMD_NEW_DAEMON, [.nest(IPVS_CMD_ATTR_DAEMON, attributes)]) {
            ReplyDecoding.daemon($0)
        }
        #expect(decoded == expected, "\(name)")
    }

    @Test(arguments: timeoutCases)
    func timeouts(_ name: String, _ attributes: [ReplyAttribute], _ expected: Timeouts?) throws {
        let decoded = try withReply(command: IPVS_CMD_SET_CONFIG, attributes) { ReplyDecoding.timeouts($0) }
        #expect(decoded == expected, "\(name)")
    }

    @Test(arguments: infoCases)
    func info(_ name: String, _ attributes: [ReplyAttribute], _ expected: IPVSInfo?) throws {
        let decoded = try withReply(command: IPVS_CMD_SET_INFO, attributes) { ReplyDecoding.info($0) }
        #expect(decoded == expected, "\(name)")
    }

    /// A reply without the nest its decoder reads is malformed too.
    @Test func missingNest() throws {
        try withReply(command: IPVS_CMD_NEW_SERVICE, [.value(IPVS_CMD_ATTR_TIMEOUT_TCP, u32(1))]) { header in
            #expect(ReplyDecoding.service(header) == nil)
            #expect(ReplyDecoding.destination(header, serviceFamily: .inet) == nil)
            #expect(ReplyDecoding.daemon(header) == nil)
        }
    }
}

/// One rule for every read: a rejected message fails the whole answer with EBADMSG.
@Suite("Malformed answers")
struct DecodedRepliesTests {
    @Test(arguments: [IPVSOperation.listServices, .listDestinations, .getDaemons])
    func oneMalformedMessageFailsADump(_ operation: IPVSOperation) {
        var replies = DecodedReplies<Int>()
        replies.add(1)
        replies.add(nil)
        replies.add(3)
        #expect(throws: IPVSError(operation, code: EBADMSG)) { try replies.all(operation) }
    }

    @Test func aWellFormedDumpKeepsItsOrder() throws {
        var replies = DecodedReplies<Int>()
        for value in [3, 1, 2] { replies.add(value) }
        #expect(try replies.all(.listServices) == [3, 1, 2])
    }

    @Test(arguments: [[Int?](), [nil], [1, 2], [1, nil]])
    func aSingleAnswerMustBeOneWellFormedMessage(_ messages: [Int?]) {
        var replies = DecodedReplies<Int>()
        for message in messages { replies.add(message) }
        #expect(throws: IPVSError(.getTimeouts, code: EBADMSG)) { try replies.single(.getTimeouts) }
    }

    @Test func aSingleAnswer() throws {
        var replies = DecodedReplies<Int>()
        replies.add(7)
        #expect(try replies.single(.getInfo) == 7)
    }
}
