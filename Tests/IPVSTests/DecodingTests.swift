import CNetlink
import Testing

@testable import IPVS

/// Replies decoded from netlink messages built the way the kernel builds them.
struct DecodingTests {
    /// A GET_DEST reply for 10.0.0.2:80 whose STATS64 counters exceed 32 bits.
    private func destinationReply(connections: UInt64, incomingBytes: UInt64) throws -> OpaquePointer {
        let message = try #require(nlmsg_alloc())
        #expect(genlmsg_put(message, 0, 0, 30, 0, 0, UInt8(IPVS_CMD_NEW_DEST), 1) != nil)
        let destination = try #require(nla_nest_start(message, Int32(IPVS_CMD_ATTR_DEST)))
        var address = [UInt8](repeating: 0, count: 16)
        address[0] = 10
        address[3] = 2
        #expect(nla_put(message, Int32(IPVS_DEST_ATTR_ADDR), 16, address) == 0)
        #expect(nla_put_u16(message, Int32(IPVS_DEST_ATTR_PORT), UInt16(80).bigEndian) == 0)
        for attribute in [IPVS_DEST_ATTR_FWD_METHOD, IPVS_DEST_ATTR_WEIGHT, IPVS_DEST_ATTR_U_THRESH,
                          IPVS_DEST_ATTR_L_THRESH, IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_INACT_CONNS,
                          IPVS_DEST_ATTR_PERSIST_CONNS] {
            #expect(nla_put_u32(message, Int32(attribute), attribute == IPVS_DEST_ATTR_WEIGHT ? 1 : 0) == 0)
        }
        #expect(nla_put_u16(message, Int32(IPVS_DEST_ATTR_ADDR_FAMILY), 2) == 0)
        let stats = try #require(nla_nest_start(message, Int32(IPVS_DEST_ATTR_STATS64)))
        #expect(nla_put_u64(message, Int32(IPVS_STATS_ATTR_CONNS), connections) == 0)
        #expect(nla_put_u64(message, Int32(IPVS_STATS_ATTR_INBYTES), incomingBytes) == 0)
        #expect(nla_nest_end(message, stats) == 0)
        #expect(nla_nest_end(message, destination) == 0)
        return message
    }

    @Test func destinationCountersKeepAll64Bits() throws {
        let message = try destinationReply(connections: 5_000_000_000, incomingBytes: 1 << 40)
        defer { nlmsg_free(message) }
        let destination = try #require(ReplyDecoding.destination(nlmsg_hdr(message), serviceFamily: .inet))
        #expect(destination.key == DestinationKey(address: .v4(0x0a00_0002), port: 80))
        #expect(destination.configuration.weight == 1)
        #expect(destination.statistics.connections == 5_000_000_000)
        #expect(destination.statistics.incomingBytes == 1 << 40)
    }
}
