import CIPVSShim
import CNetlink
import Glibc
import Testing

@testable import IPVS

/// How a batch chunk goes into one datagram: every request that fits, numbered one after
/// another, and exactly one ack asked for, by the last message written, so that the
/// reader always has an answer to wait for.
@Suite("Batch chunks")
struct BatchChunkTests {
    private static let fits = IPVSRequest.addService(
        .address(.tcp, .v4(0x0a00_0001), port: 80), ServiceConfiguration(scheduler: .roundRobin))
    /// A scheduler name longer than an attribute's 16-bit length allows.
    private static let overflows = IPVSRequest.addService(
        .address(.tcp, .v4(0x0a00_0001), port: 81),
        ServiceConfiguration(scheduler: SchedulerName(rawValue: String(repeating: "x", count: 70_000))))

    @Test(arguments: [
        [false, false, true],
        [false, true],
        [true, false, false, true, true],
        [false],
        [false, false, false],
        [true, false],
        [true, true],
    ])
    func theLastRequestWrittenAsksForTheAck(_ overflowing: [Bool]) throws {
        let requests = overflowing.map { $0 ? Self.overflows : Self.fits }
        var results = [IPVSError?](repeating: nil, count: requests.count + 2)
        var buffer = MessageBuffer()
        var next: UInt32 = 40
        let range = 1..<(requests.count + 1)
        let padded = [Self.fits] + requests + [Self.fits]  // a chunk from the middle of a batch
        let chunk = RequestEncoding.encodeChunk(
            padded, range, family: testFamily, port: testPort, into: &buffer, results: &results,
            nextSequence: { next += 1; return next })

        let written = range.filter { !overflowing[$0 - 1] }
        #expect(chunk.indices == written)
        for index in results.indices {
            let expected = range.contains(index) && overflowing[index - 1] ? IPVSError(.addService, code: ENOMEM) : nil
            #expect(results[index] == expected, "request \(index)")
        }
        let messages = try splitMessages(contents(of: buffer)).map(parseMessage)
        #expect(messages.count == written.count)
        #expect(messages.map(\.header.nlmsg_seq) == written.indices.map { UInt32(41 + $0) })
        if !written.isEmpty {
            #expect(chunk.firstSequence == 41)
            #expect(chunk.lastSequence == UInt32(40 + written.count))
        }
        let acked = messages.indices.filter { Int32(messages[$0].header.nlmsg_flags) & NLM_F_ACK != 0 }
        #expect(acked == (written.isEmpty ? [] : [written.count - 1]))
        for message in messages { #expect(Int32(message.header.nlmsg_flags) & NLM_F_REQUEST != 0) }
    }
}

/// The constants the code takes from the kernel's headers agree with the model.
@Suite("Kernel constants")
struct KernelConstantTests {
    @Test func attributeTablesHaveASlotPerAttribute() {
        #expect(Int(CIPVS_CMD_ATTR_COUNT) == Int(__IPVS_CMD_ATTR_MAX))
        #expect(Int(CIPVS_SVC_ATTR_COUNT) == Int(__IPVS_SVC_ATTR_MAX))
        #expect(Int(CIPVS_DEST_ATTR_COUNT) == Int(__IPVS_DEST_ATTR_MAX))
        #expect(Int(CIPVS_DAEMON_ATTR_COUNT) == Int(__IPVS_DAEMON_ATTR_MAX))
        #expect(Int(CIPVS_STATS_ATTR_COUNT) == Int(__IPVS_STATS_ATTR_MAX))
        #expect(Int(CIPVS_INFO_ATTR_COUNT) == Int(__IPVS_INFO_ATTR_MAX))
    }

    @Test func forwardingMethodsAndTheirMask() {
        #expect(ForwardingMethod.mask == UInt32(IP_VS_CONN_F_FWD_MASK))
        #expect(ForwardingMethod.masquerading.rawValue == UInt32(IP_VS_CONN_F_MASQ))
        #expect(ForwardingMethod.localNode.rawValue == UInt32(IP_VS_CONN_F_LOCALNODE))
        #expect(ForwardingMethod.tunneling.rawValue == UInt32(IP_VS_CONN_F_TUNNEL))
        #expect(ForwardingMethod.directRouting.rawValue == UInt32(IP_VS_CONN_F_DROUTE))
        #expect(ForwardingMethod.bypass.rawValue == UInt32(IP_VS_CONN_F_BYPASS))
    }

    /// The number ipvsadm's fallback has always used (IP_VS_BASE_CTL + 1), which Swift
    /// cannot import from the header itself.
    @Test func legacyGetInfoOption() {
        #expect(Int(CIPVS_SO_GET_INFO) == 64 + 1024 + 64 + 1)
    }
}
