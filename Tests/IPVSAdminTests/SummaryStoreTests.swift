import IPVS
import Testing

@testable import IPVSAdmin

/// The compact store of the kernel's text listing that `-L -n` keeps until its services are sorted.
@Suite struct SummaryStoreTests {
    static func key(_ last: UInt32) -> ServiceKey { .address(.tcp, .v4(0x0a00_0000 | last), port: 80) }
    static func service(_ last: UInt32) -> Service { Service(key: key(last), configuration: ServiceConfiguration()) }
    static let servers = [
        DestinationSummary(key: DestinationKey(address: .v4(0xac10_0001), port: 8080), forwarding: .masquerading,
                           weight: 0, activeConnections: 0, inactiveConnections: 0),
        DestinationSummary(key: DestinationKey(address: .v6(high: 0x2001_0db8_0000_0000, low: 0xffff_0000_0000_0001),
                                               port: 65535), forwarding: .tunneling, weight: Int32.max,
                           activeConnections: UInt32.max, inactiveConnections: 1),
        DestinationSummary(key: DestinationKey(address: .v4(0xffff_ffff), port: 0), forwarding: .directRouting,
                           weight: -1, activeConnections: 7, inactiveConnections: UInt32.max),
    ]

    @Test func realServersComeBackAsTheyWereKept() {
        var store = SummaryStore()
        store.append(Self.key(1), Self.servers)
        store.append(Self.key(2), [])
        store.append(Self.key(3), [Self.servers[1]])
        #expect(store.destinations(at: 0) == Self.servers.map(Destination.init))
        #expect(store.destinations(at: 1) == [])
        #expect(store.destinations(at: 2) == [Destination(Self.servers[1])])
    }

    /// (services the listing gave, in its order; services the dump gave; the position of each)
    @Test(arguments: [
        ([1, 2, 3], [1, 2, 3], [0, 1, 2]),
        // The listing left a service out (an ambiguous fwmark, or skipped while the table changed).
        ([1, 3], [1, 2, 3], [0, nil, 1]),
        // It repeated one: the first counts, and the walk goes on after it.
        ([1, 2, 2, 3], [1, 2, 3], [0, 1, 3]),
        // The two disagree on order: looked up, then in step again.
        ([3, 1, 2, 4], [1, 2, 3, 4], [1, 2, 0, 3]),
        ([], [1], [nil]),
    ] as [([UInt32], [UInt32], [Int?])])
    func eachServiceFindsItsRealServers(listed: [UInt32], dumped: [UInt32], positions: [Int?]) {
        var store = SummaryStore()
        for last in listed { store.append(Self.key(last), []) }
        #expect(store.positions(of: dumped.map(Self.service)) == positions)
    }
}
