import Glibc
import IPVS
import Testing

@testable import IPVSAdmin

@Suite("ListFormatter pieces")
struct FormatterTests {
    /// print_largenum: `%9llu` below 100 million, else `%8llu` of thousands, millions,
    /// billions or trillions and the unit letter.
    @Test(arguments: [
        (UInt64(0), "        0"),
        (7, "        7"),
        (99_999_999, " 99999999"),
        (100_000_000, "  100000K"),
        (999_999_999, "  999999K"),
        (1_000_000_000, "    1000M"),
        (99_999_999_999, "   99999M"),
        (100_000_000_000, "     100G"),
        (99_999_999_999_999, "   99999G"),
        (100_000_000_000_000, "     100T"),
        (123_456_789_012_345_678, "  123456T"),
        (UInt64.max, "18446744T"),
    ])
    func scaledNumbers(_ value: UInt64, _ text: String) {
        #expect(ListFormatter(options: []).largeNumber(value) == text)
        #expect(ListFormatter(options: [.numeric, .stats]).largeNumber(value) == text)
    }

    /// With --exact: at least nine columns, else the digits and one blank.
    @Test(arguments: [
        (UInt64(0), "        0"),
        (12_345_678, " 12345678"),
        (99_999_999, " 99999999"),
        (123_456_789, " 123456789"),
        (1_000_000_000, " 1000000000"),
        (UInt64.max, " 18446744073709551615"),
    ])
    func exactNumbers(_ value: UInt64, _ text: String) {
        #expect(ListFormatter(options: .exact).largeNumber(value) == text)
    }

    @Test func paddingIsPrintfsAndNeverTruncates() {
        #expect("ab".leftAligned(5) == "ab   ")
        #expect("ab".rightAligned(5) == "   ab")
        #expect("abcdef".leftAligned(3) == "abcdef")
        #expect("abcdef".rightAligned(3) == "abcdef")
        #expect("".leftAligned(2) == "  ")
        #expect("ab".leftAligned(0) == "ab")
        var text = ByteText()
        text.leftAligned(4) { $0.append("ab") }
        text.append("|")
        text.rightAligned(4) { $0.append("cd") }
        text.append("|")
        text.rightAligned(1) { $0.append("efg") }
        #expect(text.string == "ab  |  cd|efg")
    }

    @Test func versionLine() {
        #expect(ListFormatter.versionLine(IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096))
                == "IP Virtual Server version 1.2.1 (size=4096)\n")
        #expect(ListFormatter.versionLine(IPVSInfo(version: 0x01_01_00, connectionTableSize: 1 << 20))
                == "IP Virtual Server version 1.1.0 (size=1048576)\n")
    }

    @Test func titles() {
        let plain = "Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        #expect(ListFormatter(options: []).title == plain)
        #expect(ListFormatter(options: [.numeric, .exact, .noSort]).title == plain)
        #expect(RuleFormatter(options: .numeric).title == "")
        #expect(ListFormatter(options: .stats).title
                == "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n")
        #expect(ListFormatter(options: .rate).title
                == "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n")
        #expect(ListFormatter(options: .thresholds).title
                == "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n")
        #expect(ListFormatter(options: .persistentConnections).title
                == "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n  -> RemoteAddress:Port\n")
        #expect(ListFormatter(options: .tunnelInfo).title
                == "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n")
        // Precedence when several views are asked for.
        #expect(ListFormatter(options: [.rate, .stats, .tunnelInfo]).title == ListFormatter(options: .stats).title)
        #expect(ListFormatter(options: [.thresholds, .rate]).title == ListFormatter(options: .rate).title)
        #expect(ListFormatter(options: [.persistentConnections, .thresholds]).title
                == ListFormatter(options: .thresholds).title)
        #expect(ListFormatter(options: [.tunnelInfo, .persistentConnections]).title
                == ListFormatter(options: .persistentConnections).title)
    }

    @Test func serviceNames() {
        let numeric = ListFormatter(options: .numeric)
        let ruleFormatter = RuleFormatter(options: .numeric)
        func rules(_ key: ServiceKey) -> String {
            var text = ByteText()
            ruleFormatter.appendServiceOption(key, to: &text)
            return text.string
        }
        #expect(numeric.serviceName(tcp("10.0.0.1", 80)) == "TCP  10.0.0.1:80")
        #expect(numeric.serviceName(udp("2001:db8::1", 53)) == "UDP  [2001:db8::1]:53")
        #expect(numeric.serviceName(sctp("10.0.0.1", 3868)) == "SCTP 10.0.0.1:3868")
        #expect(numeric.serviceName(.address(IPProtocol(rawValue: 99), ip("10.0.0.1"), port: 1)) == "?    10.0.0.1:1")
        #expect(numeric.serviceName(fwmark(5)) == "FWM  5")
        #expect(numeric.serviceName(fwmark(5, .inet6)) == "FWM  5 IPv6")
        #expect(rules(tcp("10.0.0.1", 80)) == "-t 10.0.0.1:80")
        #expect(rules(udp("2001:db8::1", 53)) == "-u [2001:db8::1]:53")
        #expect(rules(sctp("10.0.0.1", 3868)) == "--sctp-service 10.0.0.1:3868")
        #expect(rules(.address(IPProtocol(rawValue: 99), ip("10.0.0.1"), port: 1)) == "--xxx-service 10.0.0.1:1")
        #expect(rules(fwmark(5)) == "-f 5")
        #expect(rules(fwmark(5, .inet6)) == "-f 5 -6")
    }

    @Test func addressesAndPortsByNameUnlessNumeric() {
        #expect(EndpointText(numeric: true).text(ip("127.0.0.1"), 80, protocol: .tcp) == "127.0.0.1:80")
        #expect(EndpointText(numeric: false).text(ip("127.0.0.1"), 80, protocol: .tcp) == "localhost:http")
        // A port without a name for the protocol stays a number.
        #expect(EndpointText(numeric: false).text(ip("127.0.0.1"), 80, protocol: .udp) == "localhost:80")
        #expect(EndpointText(numeric: false).text(ip("127.0.0.1"), 80, protocol: IPProtocol(rawValue: 0))
                == "localhost:80")
        #expect(EndpointText(numeric: true).text(ip("::1"), 65535, protocol: .tcp) == "[::1]:65535")
        #expect(EndpointText(numeric: true).text(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535,
                                                             protocol: .tcp)
                == "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")
    }

    @Test func daemonLines() {
        #expect(DaemonFormatter.lines([]) == "")
        let daemons = [
            SyncDaemon(role: .master, interface: "eth0", syncID: 0, maximumLength: 1472, group: ip("224.0.0.81"),
                       port: 8848, ttl: 1),
            SyncDaemon(role: .backup, interface: "bond0", syncID: 255, maximumLength: 0, group: nil, port: 0, ttl: 0),
            SyncDaemon(role: .backup, interface: "lo", syncID: 9, group: ip("ff02::1")),
        ]
        #expect(DaemonFormatter.lines(daemons) == """
            master sync daemon (mcast=eth0, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
            backup sync daemon (mcast=bond0, syncid=255)
            backup sync daemon (mcast=lo, syncid=9, group=ff02::1)

            """)
    }

    @Test func connectionTable() throws {
        let table = """
            Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
            TCP 0A000001 1F90 0A000002 0050 C0A80102 0050 ESTABLISHED     899
            UDP C0A80001 D431 0A000003 0035 C0A80105 14E9 UDP               0
            TCP 0A000001 0001 0A000002 0050 C0A80102 0050 NONE           3601 sip 3a3138

            """
        let connections = try ConnectionTable.parse(Array(table.utf8))
        let plain = ConnectionFormatter(options: .numeric).format(connections)
        #expect(plain == """
            IPVS connection entries
            pro expire state       source             virtual            destination
            TCP 14:59  ESTABLISHED 10.0.0.1:8080      10.0.0.2:80        192.168.1.2:80
            UDP 00:00  UDP         192.168.0.1:54321  10.0.0.3:53        192.168.1.5:5353
            TCP 60:01  NONE        10.0.0.1:1         10.0.0.2:80        192.168.1.2:80

            """)
        let engines = ConnectionFormatter(options: [.numeric, .persistentConnections]).format(connections)
        #expect(engines == """
            IPVS connection entries
            pro expire state       source             virtual            destination        pe name          pe_data
            TCP 14:59  ESTABLISHED 10.0.0.1:8080      10.0.0.2:80        192.168.1.2:80
            UDP 00:00  UDP         192.168.0.1:54321  10.0.0.3:53        192.168.1.5:5353
            TCP 60:01  NONE        10.0.0.1:1         10.0.0.2:80        192.168.1.2:80   sip                3a3138

            """)
        // Only the heading: the titles and nothing else; not even that: nil.
        #expect(ConnectionFormatter(options: .numeric).format(try ConnectionTable.parse(Array("Pro FromIP\n".utf8)))
                == "IPVS connection entries\npro expire state       source             virtual            destination\n")
        #expect(throws: IPVSError(.listConnections, code: EBADMSG)) { try ConnectionTable.parse([]) }
    }
}
