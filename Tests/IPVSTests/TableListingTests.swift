import Foundation
import Testing
import TestSupport

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
    ) -> DestinationSummary {
        DestinationSummary(
            key: DestinationKey(address: address, port: port), forwarding: forwarding, weight: weight,
            activeConnections: active, inactiveConnections: inactive)
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

    /// atomic_t counters print signed there; a line that cannot be read whole must not
    /// vanish from a listing, so its service is left to netlink.
    @Test func aServiceWithAnUnreadableRealServerIsLeftOut() {
        let text = """
            TCP  0A000001:0050 rr \u{20}
              -> C0A80102:1F90      Masq    5      -1         345       
              -> C0A80103:0050      Route   0      0          1         
            TCP  0A000002:0050 rr \u{20}
              -> C0A80104:0050      Route   0      0          1         

            """
        let table = TableListing.parse(Array(text.utf8))
        #expect(table[.address(.tcp, .v4(0x0A00_0001), port: 80)] == nil)
        #expect(table[.address(.tcp, .v4(0x0A00_0002), port: 80)] == [
            Self.destination(.v4(0xC0A8_0104), 80, .directRouting, 0, 0, 1),
        ])
    }

    /// Read through a small buffer: lines cross its edges, one is longer than it, and
    /// the last has no newline.
    @Test func aFileLargerThanOneReadIsReadWhole() throws {
        var text = "IP Virtual Server" + String(repeating: " x", count: 100_000) + "\nTCP  0A000001:0050 rr \n"
        for server in 0..<20_000 { text += "  -> AC10\(String(server, radix: 16).leftPadded(4)):1F90      Masq    1      0          0         \n" }
        text += "TCP  0A000002:0050 rr \n  -> AC100001:1F90      Route   7      0          0"
        let table = try #require(try withTemporaryFile(holding: text) { TableListing.read(path: $0) })
        let destinations = try #require(table[.address(.tcp, .v4(0x0A00_0001), port: 80)])
        #expect(destinations.count == 20_000)
        #expect(destinations.last?.key.address == .v4(0xAC10_0000 + 19_999))
        #expect(table[.address(.tcp, .v4(0x0A00_0002), port: 80)] == [
            Self.destination(.v4(0xAC10_0001), 8080, .directRouting, 7, 0, 0),
        ])
    }

    /// The reader on its own thread hands over the same entries as the one-go read,
    /// each once: address services as they end, fwmark ones at the end.
    @Test func theThreadedReaderGivesWhatTheReadGives() throws {
        var text = Self.text
        for service in 0..<3_000 {
            text += "UDP  0B00\(String(service, radix: 16).leftPadded(4)):0035 rr \n"
            text += "  -> AC100001:0035      Route   1      0          \(service)         \n"
        }
        var streamed: [ServiceKey: [DestinationSummary]] = [:]
        var deliveries = 0
        let readInOneGo = try withTemporaryFile(holding: text) { path -> [ServiceKey: [DestinationSummary]]? in
            guard let reader = TableListing.Reader.start(path: path) else {
                Issue.record("the reader did not start")
                return nil
            }
            while let entries = reader.next() {
                for entry in entries {
                    deliveries += 1
                    streamed[entry.service] = entry.destinations
                }
            }
            #expect(reader.next() == nil)
            return TableListing.read(path: path)
        }
        #expect(streamed == readInOneGo)
        #expect(streamed == TableListing.parse(Array(text.utf8)))
        #expect(deliveries == 3_006)
        var started = false
        if TableListing.Reader.start(path: "/nonexistent/ip_vs") != nil { started = true }
        #expect(!started)
    }

    /// Stopped early or simply dropped, the reader's thread ends and is joined.
    @Test(.timeLimit(.minutes(1)))
    func aReaderStoppedOrDroppedEarlyEnds() throws {
        try withTemporaryFile(holding: Self.text) { path in
            if let reader = TableListing.Reader.start(path: path) { reader.stop() } else { Issue.record("no reader") }
            for _ in 0..<100 {
                guard let reader = TableListing.Reader.start(path: path) else { Issue.record("no reader"); return }
                _ = reader
            }
        }
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

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
