import IPVS
import Testing

@testable import IPVSAdmin

/// ipvsadm's order: libipvs's comparisons (unsigned differences read as signed ints)
/// under glibc's merge sort. Expected orders are worked out by hand from those.
@Suite("ReferenceOrder")
struct ReferenceOrderTests {
    static func services(_ keys: [ServiceKey]) -> [ServiceKey] {
        ReferenceOrder.sorted(keys.map { Service(key: $0, configuration: ServiceConfiguration()) }).map(\.key)
    }

    static func destinations(_ keys: [DestinationKey]) -> [DestinationKey] {
        ReferenceOrder.sorted(keys.map { Destination(key: $0, configuration: DestinationConfiguration()) }).map(\.key)
    }

    @Test func ordinaryOrder() {
        #expect(Self.services([tcp("10.0.0.2", 80), tcp("10.0.0.1", 81), tcp("10.0.0.1", 80)])
                == [tcp("10.0.0.1", 80), tcp("10.0.0.1", 81), tcp("10.0.0.2", 80)])
        // Protocol before address: TCP 6 < UDP 17 < SCTP 132.
        #expect(Self.services([sctp("10.0.0.1", 1), udp("10.0.0.1", 1), tcp("10.0.0.9", 1)])
                == [tcp("10.0.0.9", 1), udp("10.0.0.1", 1), sctp("10.0.0.1", 1)])
        // Family before protocol: IPv4 (2) before IPv6 (10).
        #expect(Self.services([tcp("::1", 1), udp("10.0.0.1", 1)]) == [udp("10.0.0.1", 1), tcp("::1", 1)])
        // Firewall marks after addresses (mark 0), by mark, then family.
        #expect(Self.services([fwmark(2), fwmark(1, .inet6), tcp("10.0.0.1", 80), fwmark(1)])
                == [tcp("10.0.0.1", 80), fwmark(1), fwmark(1, .inet6), fwmark(2)])
        // Ports compare as ints: no wrap.
        #expect(Self.services([tcp("10.0.0.1", 65535), tcp("10.0.0.1", 0)]) == [tcp("10.0.0.1", 0), tcp("10.0.0.1", 65535)])
    }

    @Test func addressesMoreThanHalfTheSpaceApartCompareBackwards() {
        // 0x01000001 - 0xC8000001 wraps to a positive int: 1.0.0.1 sorts after 200.0.0.1.
        #expect(Self.services([tcp("1.0.0.1", 80), tcp("200.0.0.1", 80)]) == [tcp("200.0.0.1", 80), tcp("1.0.0.1", 80)])
        // Not a total order: the result depends on where the merge sort starts.
        // [1, 200, 100]: halves [1] and [200, 100]→[100, 200]; 1 < 100 → 1, 100, 200.
        #expect(Self.services([tcp("1.0.0.1", 80), tcp("200.0.0.1", 80), tcp("100.0.0.1", 80)])
                == [tcp("1.0.0.1", 80), tcp("100.0.0.1", 80), tcp("200.0.0.1", 80)])
        // [200, 1, 100]: halves [200] and [1, 100]; 200 - 1 is "negative" → 200 first, then 1, 100.
        #expect(Self.services([tcp("200.0.0.1", 80), tcp("1.0.0.1", 80), tcp("100.0.0.1", 80)])
                == [tcp("200.0.0.1", 80), tcp("1.0.0.1", 80), tcp("100.0.0.1", 80)])
        // IPv6 compares 32-bit words the same way: ffff:: - 2001:db8:: is "negative".
        #expect(Self.services([tcp("2001:db8::1", 80), tcp("::1", 80), tcp("ffff::1", 80)])
                == [tcp("ffff::1", 80), tcp("::1", 80), tcp("2001:db8::1", 80)])
        // Marks too: 3 - 0x80000001 and 0x80000001 - 3 both put 3 first, but 0x80000003 - 3
        // and 3 - 0x80000003 are both INT_MIN: each keeps whatever came first.
        #expect(Self.services([fwmark(3), fwmark(2_147_483_649), fwmark(1)])
                == [fwmark(3), fwmark(2_147_483_649), fwmark(1)])
        #expect(Self.services([fwmark(2_147_483_649), fwmark(3)]) == [fwmark(3), fwmark(2_147_483_649)])
        #expect(Self.services([fwmark(3), fwmark(2_147_483_651)]) == [fwmark(3), fwmark(2_147_483_651)])
        #expect(Self.services([fwmark(2_147_483_651), fwmark(3)]) == [fwmark(2_147_483_651), fwmark(3)])
    }

    @Test func equalElementsKeepTheirOrder() {
        let a = Service(key: tcp("10.0.0.1", 80), configuration: ServiceConfiguration(scheduler: "rr"))
        let b = Service(key: tcp("10.0.0.1", 80), configuration: ServiceConfiguration(scheduler: "wrr"))
        #expect(ReferenceOrder.sorted([b, a]).map(\.configuration.scheduler) == ["wrr", "rr"])
        #expect(ReferenceOrder.sorted([a, b]).map(\.configuration.scheduler) == ["rr", "wrr"])
    }

    @Test func destinations() {
        #expect(Self.destinations([server("10.0.0.1", 81), server("9.255.255.255", 80), server("10.0.0.1", 79)])
                == [server("9.255.255.255", 80), server("10.0.0.1", 79), server("10.0.0.1", 81)])
        #expect(Self.destinations([server("10.0.0.1", 80), server("250.0.0.1", 80), server("128.0.0.1", 80)])
                == [server("10.0.0.1", 80), server("128.0.0.1", 80), server("250.0.0.1", 80)])
        #expect(Self.destinations([server("250.0.0.1", 80), server("10.0.0.1", 80)])
                == [server("250.0.0.1", 80), server("10.0.0.1", 80)])
        #expect(Self.destinations([]) == [])
        #expect(Self.destinations([server("10.0.0.1", 80)]) == [server("10.0.0.1", 80)])
    }

    @Test func longerListsFollowTheMergeSortExactly() {
        // Six services, all x.0.0.1:80, in the order 200, 1, 100, 150, 2, 50. glibc splits 3 + 3:
        // [200 | 1, 100]: 1 - 100 < 0 → 1, 100; 200 - 1 = 0xC7000000 < 0 → 200, 1, 100.
        // [150 | 2, 50]:  2 - 50 < 0 → 2, 50; 150 - 2 = 0x94000000 < 0 → 150, 2, 50.
        // Merge: 200-150 > 0 → 150; 200-2 < 0 → 200; 1-2 < 0 → 1; 100-2 > 0 → 2; 100-50 > 0 → 50; then 100.
        let input = [200, 1, 100, 150, 2, 50].map { tcp("\($0).0.0.1", 80) }
        let expected = [150, 200, 1, 2, 50, 100].map { tcp("\($0).0.0.1", 80) }
        #expect(Self.services(input) == expected)
    }

    /// `sorted` returns lists it finds already in order untouched, and reverses those in
    /// reverse order; the merge sort must agree on every such list, including ones whose
    /// addresses lie more than 2^31 apart, where the wrapping comparison reorders them.
    @Test func theShortcutForOrderedListsAgreesWithTheMergeSort() {
        #expect(Self.destinations([server("1.0.0.1", 80), server("100.0.0.1", 80), server("200.0.0.1", 80),
                                   server("250.0.0.1", 80)])
                == [server("200.0.0.1", 80), server("250.0.0.1", 80), server("1.0.0.1", 80), server("100.0.0.1", 80)])
        #expect(Self.destinations([server("250.0.0.1", 80), server("200.0.0.1", 80), server("100.0.0.1", 80),
                                   server("1.0.0.1", 80)])
                == [server("200.0.0.1", 80), server("250.0.0.1", 80), server("1.0.0.1", 80), server("100.0.0.1", 80)])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 2...40, using: &generator)
            let base = UInt32.random(in: 0...UInt32.max, using: &generator)
            let spread = UInt32.random(in: 1...UInt32.max, using: &generator) / UInt32(count)
            var address = base
            var servers: [Destination] = []
            for _ in 0..<count {
                servers.append(Destination(
                    key: DestinationKey(address: .v4(address), port: UInt16.random(in: 79...81, using: &generator)),
                    configuration: DestinationConfiguration()))
                address &+= UInt32.random(in: 0...spread, using: &generator)
            }
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: servers.sort { $0.key.port < $1.key.port }
            case 1: servers.reverse()
            default: break
            }
            #expect(ReferenceOrder.sorted(servers).map(\.key) == ReferenceOrder.mergeSorted(servers).map(\.key))
        }
    }

    /// libipvs compares real servers by the first one's family: an IPv6 server compares all
    /// four words, reading an IPv4 server's address as the first word followed by zeros.
    /// Mixed families occur in a service with IPv4 and IPv6 tunneling servers.
    @Test func mixedFamilyServersCompareByTheFirstOnesFamily() {
        // [a00:1::1] vs 10.0.0.1: words 0x0a000001 equal, then 0, 0, then 1 - 0 > 0.
        #expect(Self.destinations([server("a00:1::1", 80), server("10.0.0.1", 80)])
                == [server("10.0.0.1", 80), server("a00:1::1", 80)])
        // IPv4 first: only the first word counts; equal, then the ports.
        #expect(Self.destinations([server("10.0.0.1", 80), server("a00:1::1", 80)])
                == [server("10.0.0.1", 80), server("a00:1::1", 80)])
        #expect(Self.destinations([server("10.0.0.1", 81), server("a00:1::1", 80)])
                == [server("a00:1::1", 80), server("10.0.0.1", 81)])
    }
}
