import Foundation
import Testing

@testable import IPVS

/// The model as JSON: whole tables go out and come back equal, addresses as text.
@Suite("Codable model")
struct CodableTests {
    static let snapshot = IPVSSnapshot(
        services: [
            IPVSSnapshot.Entry(
                service: Service(
                    key: .address(.tcp, .v4(0x0a00_0001), port: 80),
                    configuration: ServiceConfiguration(
                        scheduler: .sourceHashing, flags: [.persistent, .schedulerFlag2], timeout: 300,
                        netmask: .v4(mask: 0xffff_ff00), persistenceEngine: "sip")),
                destinations: [
                    Destination(
                        key: DestinationKey(address: .v4(0xc0a8_0102), port: 8080),
                        configuration: DestinationConfiguration(
                            forwarding: .tunneling, weight: 3, upperThreshold: 10, lowerThreshold: 2,
                            tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .remoteChecksum)),
                        connections: ConnectionCounts(active: 1, inactive: 2, persistent: 3)),
                ]),
            IPVSSnapshot.Entry(
                service: Service(
                    key: .firewallMark(0xffff_ffff, family: .inet6),
                    configuration: ServiceConfiguration(netmask: .v6(prefixLength: 64))),
                destinations: []),
        ],
        timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300),
        daemons: [SyncDaemon(role: .backup, interface: "eth0", syncID: 9, group: .v6(high: 0xff02 << 48, low: 0x81))])

    @Test func aSnapshotRoundTrips() throws {
        var statistics = Statistics()
        statistics.incomingBytes = UInt64.max  // 64-bit counters stay exact
        var snapshot = Self.snapshot
        snapshot.services[0].service.statistics = statistics
        let json = try JSONEncoder().encode(snapshot)
        #expect(try JSONDecoder().decode(IPVSSnapshot.self, from: json) == snapshot)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"10.0.0.1\""))
        #expect(text.contains("\"ff02::81\""))
        #expect(text.contains("18446744073709551615"))
    }

    @Test(arguments: ["10.0.0.1", "::1", "2001:db8::8:800:200c:417a"])
    func addressesAreText(_ text: String) throws {
        let address = try #require(IPAddress(presentation: text))
        #expect(try JSONEncoder().encode([address]) == Data("[\"\(text)\"]".utf8))
        #expect(try JSONDecoder().decode([IPAddress].self, from: Data("[\"\(text)\"]".utf8)) == [address])
    }

    @Test func anAddressThatIsNotOneIsRefused() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([IPAddress].self, from: Data("[\"10.0.0\"]".utf8)) }
    }

    @Test func errorsAndRequestsRoundTrip() throws {
        let requests: [IPVSRequest] = [.flush, .zero(nil), .deleteService(.firewallMark(5, family: .inet))]
        #expect(try JSONDecoder().decode([IPVSRequest].self, from: JSONEncoder().encode(requests)) == requests)
        let error = IPVSError(.addService, code: EEXIST)
        #expect(try JSONDecoder().decode(IPVSError.self, from: JSONEncoder().encode(error)) == error)
    }
}
