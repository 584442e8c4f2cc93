import Testing

@testable import IPVS

/// /proc/net/ip_vs as the kernel writes it (ip_vs_info_seq_show): hex IPv4 addresses and
/// ports, full-form IPv6 in brackets, a trailing blank after the scheduler, "FWM" lines
/// without the family.
@Suite("TableListing")
struct TableListingTests {
    static let text = """
        IP Virtual Server version 1.2.1 (size=4096)
        Prot LocalAddress:Port Scheduler Flags
          -> RemoteAddress:Port Forward Weight ActiveConn InActConn
        TCP  0A000001:0050 rr \u{20}
          -> C0A80102:1F90      Masq    5      12         345       
          -> C0A80103:0050      Route   0      0          1         
        UDP  0A000003:0035 sh ops \u{20}
        TCP  0A000002:01BB wlc  persistent 600 FFFFFF00
        TCP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0050 wlc persistent 100 00000040
          -> [2001:0db8:0000:0000:0000:0000:0000:0010]:0050      Masq    1      0          0         
          -> C0A80114:0050      Tunnel  1      0          0         
        FWM  00000007 dh \u{20}
          -> C0A8011E:0019      Masq    1      0          0         
        FWM  00000008 wlc persistent 360 FFFFFFFF
        FWM  00000008 rr \u{20}
          -> 0A000001:0000      Local   1      2          3         
        SCTP 0A000007:0F1C lc \u{20}
          -> C0A80109:0F1C      Route   4294967 7          8         

        """

    static func destination(
        _ address: IPAddress, _ port: UInt16, _ forwarding: ForwardingMethod, _ weight: Int32, _ active: UInt32,
        _ inactive: UInt32
    ) -> Destination {
        Destination(
            key: DestinationKey(address: address, port: port),
            configuration: DestinationConfiguration(forwarding: forwarding, weight: weight),
            connections: ConnectionCounts(active: active, inactive: inactive))
    }

    @Test func parsesEveryKindOfService() {
        let table = TableListing.parse(Array(Self.text.utf8))
        let v6 = IPAddress.parse("2001:db8::1", family: .inet6)!
        #expect(table[.address(.tcp, .v4(0x0A00_0001), port: 80)] == [
            Self.destination(.v4(0xC0A8_0102), 8080, .masquerading, 5, 12, 345),
            Self.destination(.v4(0xC0A8_0103), 80, .directRouting, 0, 0, 1),
        ])
        #expect(table[.address(.udp, .v4(0x0A00_0003), port: 53)] == [])
        #expect(table[.address(.tcp, .v4(0x0A00_0002), port: 443)] == [])
        #expect(table[.address(.tcp, v6, port: 80)] == [
            Self.destination(IPAddress.parse("2001:db8::10", family: .inet6)!, 80, .masquerading, 1, 0, 0),
            Self.destination(.v4(0xC0A8_0114), 80, .tunneling, 1, 0, 0),
        ])
        #expect(table[.firewallMark(7, family: .inet)] == [Self.destination(.v4(0xC0A8_011E), 25, .masquerading, 1, 0, 0)])
        #expect(table[.address(.sctp, .v4(0x0A00_0007), port: 3868)] == [
            Self.destination(.v4(0xC0A8_0109), 3868, .directRouting, 4_294_967, 7, 8),
        ])
        // Two services with mark 8 (one per family): which is which is unknown, so neither is given.
        #expect(table[.firewallMark(8, family: .inet)] == nil)
        #expect(table[.firewallMark(8, family: .inet6)] == nil)
        #expect(table.count == 6)
    }

    @Test func emptyTables() {
        #expect(TableListing.parse([]).isEmpty)
        let headings = """
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port Forward Weight ActiveConn InActConn

            """
        #expect(TableListing.parse(Array(headings.utf8)).isEmpty)
    }

    @Test func aMissingFileIsNil() {
        #expect(TableListing.read(path: "/nonexistent/ip_vs") == nil)
    }
}
