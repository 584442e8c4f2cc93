import CIPVSShim
import CNetlink
import Testing

@testable import IPVS

/// One request and every attribute the kernel must find in it.
struct EncodingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var request: IPVSRequest
    var command: Int
    var attributes: [Int: [UInt8]] = [:]
    var service: [Int: [UInt8]]?
    var destination: [Int: [UInt8]]?
    var daemon: [Int: [UInt8]]?
    var testDescription: String { name }
}

private let webV4 = ServiceKey.address(.tcp, .v4(0x0a00_0001), port: 80)
private let webV4Key: [Int: [UInt8]] = [
    IPVS_SVC_ATTR_AF: u16(2), IPVS_SVC_ATTR_PROTOCOL: u16(6),
    IPVS_SVC_ATTR_ADDR: inetAddress([10, 0, 0, 1]), IPVS_SVC_ATTR_PORT: be16(80),
]
private let dnsV6 = ServiceKey.address(.udp, .v6(high: 0x2001_0db8_0000_0000, low: 1), port: 53)
private let dnsV6Key: [Int: [UInt8]] = [
    IPVS_SVC_ATTR_AF: u16(10), IPVS_SVC_ATTR_PROTOCOL: u16(17),
    IPVS_SVC_ATTR_ADDR: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], IPVS_SVC_ATTR_PORT: be16(53),
]
private let markV6 = ServiceKey.firewallMark(7, family: .inet6)
private let markV6Key: [Int: [UInt8]] = [IPVS_SVC_ATTR_AF: u16(10), IPVS_SVC_ATTR_FWMARK: u32(7)]
private let markV4 = ServiceKey.firewallMark(0xffff_fffe, family: .inet)
private let markV4Key: [Int: [UInt8]] = [IPVS_SVC_ATTR_AF: u16(2), IPVS_SVC_ATTR_FWMARK: u32(0xffff_fffe)]

private let persistentSIP = ServiceConfiguration(
    scheduler: .weightedRoundRobin, flags: [.persistent, .schedulerFlag1], timeout: 300,
    netmask: .v4(mask: 0xffff_ff00), persistenceEngine: "sip")
private let prefix64 = ServiceConfiguration(scheduler: "mh", flags: [.onePacket], netmask: .v6(prefixLength: 64))

/// ip_vs_flags: the flags, then a mask of all ones (every flag set or cleared).
private func serviceFlags(_ flags: UInt32) -> [UInt8] { u32(flags) + u32(~0) }

private let gueServer = DestinationKey(address: .v4(0x0a00_0002), port: 8080)
private let gueConfiguration = DestinationConfiguration(
    forwarding: .tunneling, weight: 5, upperThreshold: 100, lowerThreshold: 10,
    tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .remoteChecksum))
private let v6Server = DestinationKey(address: .v6(high: 0xfd00_0000_0000_0000, low: 0x2), port: 0)

private let encodingCases: [EncodingCase] = [
    EncodingCase(
        name: "add IPv4 service, persistent with a persistence engine",
        request: .addService(webV4, persistentSIP), command: IPVS_CMD_NEW_SERVICE,
        service: webV4Key.merging([
            IPVS_SVC_ATTR_SCHED_NAME: cString("wrr"), IPVS_SVC_ATTR_PE_NAME: cString("sip"),
            IPVS_SVC_ATTR_FLAGS: serviceFlags(0x9), IPVS_SVC_ATTR_TIMEOUT: u32(300),
            IPVS_SVC_ATTR_NETMASK: [255, 255, 255, 0],
        ]) { $1 }),
    EncodingCase(
        name: "add IPv6 service, no persistence engine",
        request: .addService(dnsV6, prefix64), command: IPVS_CMD_NEW_SERVICE,
        service: dnsV6Key.merging([
            IPVS_SVC_ATTR_SCHED_NAME: cString("mh"), IPVS_SVC_ATTR_FLAGS: serviceFlags(0x4),
            IPVS_SVC_ATTR_TIMEOUT: u32(0), IPVS_SVC_ATTR_NETMASK: u32(64),
        ]) { $1 }),
    EncodingCase(
        name: "edit IPv6 fwmark service",
        request: .editService(markV6, prefix64), command: IPVS_CMD_SET_SERVICE,
        service: markV6Key.merging([
            IPVS_SVC_ATTR_SCHED_NAME: cString("mh"), IPVS_SVC_ATTR_FLAGS: serviceFlags(0x4),
            IPVS_SVC_ATTR_TIMEOUT: u32(0), IPVS_SVC_ATTR_NETMASK: u32(64),
        ]) { $1 }),
    EncodingCase(
        name: "edit IPv4 fwmark service, empty persistence engine left out",
        request: .editService(markV4, ServiceConfiguration(scheduler: .roundRobin, persistenceEngine: "")),
        command: IPVS_CMD_SET_SERVICE,
        service: markV4Key.merging([
            IPVS_SVC_ATTR_SCHED_NAME: cString("rr"), IPVS_SVC_ATTR_FLAGS: serviceFlags(0),
            IPVS_SVC_ATTR_TIMEOUT: u32(0), IPVS_SVC_ATTR_NETMASK: [255, 255, 255, 255],
        ]) { $1 }),
    EncodingCase(
        name: "delete IPv4 service", request: .deleteService(webV4), command: IPVS_CMD_DEL_SERVICE,
        service: webV4Key),
    EncodingCase(
        name: "delete IPv6 service", request: .deleteService(dnsV6), command: IPVS_CMD_DEL_SERVICE,
        service: dnsV6Key),
    EncodingCase(
        name: "delete fwmark service", request: .deleteService(markV6), command: IPVS_CMD_DEL_SERVICE,
        service: markV6Key),
    EncodingCase(
        name: "add tunnelled destination with thresholds",
        request: .addDestination(gueServer, gueConfiguration, service: webV4), command: IPVS_CMD_NEW_DEST,
        service: webV4Key,
        destination: [
            IPVS_DEST_ATTR_ADDR_FAMILY: u16(2), IPVS_DEST_ATTR_ADDR: inetAddress([10, 0, 0, 2]),
            IPVS_DEST_ATTR_PORT: be16(8080), IPVS_DEST_ATTR_FWD_METHOD: u32(2), IPVS_DEST_ATTR_WEIGHT: u32(5),
            IPVS_DEST_ATTR_TUN_TYPE: u8(1), IPVS_DEST_ATTR_TUN_PORT: be16(6080), IPVS_DEST_ATTR_TUN_FLAGS: u16(2),
            IPVS_DEST_ATTR_U_THRESH: u32(100), IPVS_DEST_ATTR_L_THRESH: u32(10),
        ]),
    EncodingCase(
        name: "edit IPv6 destination of a fwmark service, flags beyond the method masked off",
        request: .editDestination(
            v6Server, DestinationConfiguration(forwarding: ForwardingMethod(rawValue: 0x100), weight: 0),
            service: markV6),
        command: IPVS_CMD_SET_DEST, service: markV6Key,
        destination: [
            IPVS_DEST_ATTR_ADDR_FAMILY: u16(10),
            IPVS_DEST_ATTR_ADDR: [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            IPVS_DEST_ATTR_PORT: be16(0), IPVS_DEST_ATTR_FWD_METHOD: u32(0), IPVS_DEST_ATTR_WEIGHT: u32(0),
            IPVS_DEST_ATTR_TUN_TYPE: u8(0), IPVS_DEST_ATTR_TUN_PORT: be16(0), IPVS_DEST_ATTR_TUN_FLAGS: u16(0),
            IPVS_DEST_ATTR_U_THRESH: u32(0), IPVS_DEST_ATTR_L_THRESH: u32(0),
        ]),
    EncodingCase(
        name: "delete destination: the key and the defaults",
        request: .deleteDestination(gueServer, service: dnsV6), command: IPVS_CMD_DEL_DEST, service: dnsV6Key,
        destination: [
            IPVS_DEST_ATTR_ADDR_FAMILY: u16(2), IPVS_DEST_ATTR_ADDR: inetAddress([10, 0, 0, 2]),
            IPVS_DEST_ATTR_PORT: be16(8080), IPVS_DEST_ATTR_FWD_METHOD: u32(3), IPVS_DEST_ATTR_WEIGHT: u32(1),
            IPVS_DEST_ATTR_TUN_TYPE: u8(0), IPVS_DEST_ATTR_TUN_PORT: be16(0), IPVS_DEST_ATTR_TUN_FLAGS: u16(0),
            IPVS_DEST_ATTR_U_THRESH: u32(0), IPVS_DEST_ATTR_L_THRESH: u32(0),
        ]),
    EncodingCase(name: "zero everything", request: .zero(nil), command: IPVS_CMD_ZERO),
    EncodingCase(name: "zero one service", request: .zero(webV4), command: IPVS_CMD_ZERO, service: webV4Key),
    EncodingCase(name: "flush", request: .flush, command: IPVS_CMD_FLUSH),
    EncodingCase(
        name: "set timeouts", request: .setTimeouts(Timeouts(tcp: 900, tcpFin: 120, udp: 0)),
        command: IPVS_CMD_SET_CONFIG,
        attributes: [IPVS_CMD_ATTR_TIMEOUT_TCP: u32(900), IPVS_CMD_ATTR_TIMEOUT_TCP_FIN: u32(120),
                     IPVS_CMD_ATTR_TIMEOUT_UDP: u32(0)]),
    EncodingCase(
        name: "start master daemon, optional fields absent",
        request: .startDaemon(SyncDaemon(role: .master, interface: "eth0", syncID: 5)), command: IPVS_CMD_NEW_DAEMON,
        daemon: [IPVS_DAEMON_ATTR_STATE: u32(1), IPVS_DAEMON_ATTR_MCAST_IFN: cString("eth0"),
                 IPVS_DAEMON_ATTR_SYNC_ID: u32(5)]),
    EncodingCase(
        name: "start backup daemon, IPv4 group and every optional field",
        request: .startDaemon(SyncDaemon(
            role: .backup, interface: "eth1", syncID: 9, maximumLength: 1400, group: .v4(0xe000_0051), port: 8848,
            ttl: 2)),
        command: IPVS_CMD_NEW_DAEMON,
        daemon: [
            IPVS_DAEMON_ATTR_STATE: u32(2), IPVS_DAEMON_ATTR_MCAST_IFN: cString("eth1"),
            IPVS_DAEMON_ATTR_SYNC_ID: u32(9), IPVS_DAEMON_ATTR_SYNC_MAXLEN: u16(1400),
            IPVS_DAEMON_ATTR_MCAST_GROUP: [224, 0, 0, 81], IPVS_DAEMON_ATTR_MCAST_PORT: u16(8848),
            IPVS_DAEMON_ATTR_MCAST_TTL: u8(2),
        ]),
    EncodingCase(
        name: "start master daemon, IPv6 group",
        request: .startDaemon(SyncDaemon(role: .master, interface: "lo", group: .v6(high: 0xff02_0000_0000_0000, low: 0x1_0002))),
        command: IPVS_CMD_NEW_DAEMON,
        daemon: [
            IPVS_DAEMON_ATTR_STATE: u32(1), IPVS_DAEMON_ATTR_MCAST_IFN: cString("lo"), IPVS_DAEMON_ATTR_SYNC_ID: u32(0),
            IPVS_DAEMON_ATTR_MCAST_GROUP6: [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x02],
        ]),
    EncodingCase(
        name: "stop daemon: state, interface and sync ID only",
        request: .stopDaemon(SyncDaemon(
            role: .backup, interface: "eth1", syncID: 9, maximumLength: 1400, group: .v4(0xe000_0051), port: 8848,
            ttl: 2)),
        command: IPVS_CMD_DEL_DAEMON,
        daemon: [IPVS_DAEMON_ATTR_STATE: u32(2), IPVS_DAEMON_ATTR_MCAST_IFN: cString("eth1"),
                 IPVS_DAEMON_ATTR_SYNC_ID: u32(9)]),
]

/// Requests encoded as the client encodes them, read back by libnl with the shim's policies.
@Suite("Request encoding")
struct RequestEncodingTests {
    @Test(arguments: encodingCases)
    func roundTrip(_ expected: EncodingCase) throws {
        var buffer = MessageBuffer()
        var results: [IPVSError?] = [nil]
        let chunk = RequestEncoding.encodeChunk(
            [expected.request], 0..<1, family: testFamily, port: testPort, into: &buffer, results: &results,
            nextSequence: { 77 })
        #expect(chunk.indices == [0])
        #expect(results == [nil])
        let messages = try splitMessages(contents(of: buffer))
        try #require(messages.count == 1)
        let parsed = try parseMessage(messages[0])
        #expect(Int(parsed.header.nlmsg_len) == messages[0].count)
        #expect(parsed.header.nlmsg_type == testFamily)
        #expect(Int32(parsed.header.nlmsg_flags) == NLM_F_REQUEST | NLM_F_ACK)
        #expect(parsed.header.nlmsg_seq == 77)
        #expect(parsed.header.nlmsg_pid == testPort)
        #expect(Int(parsed.command) == expected.command)
        #expect(Int32(parsed.version) == IPVS_GENL_VERSION)
        #expect(parsed.attributes == expected.attributes)
        #expect(parsed.service == expected.service)
        #expect(parsed.destination == expected.destination)
        #expect(parsed.daemon == expected.daemon)
    }
}
