import Glibc
import Testing

@testable import IPVS

@Suite("IPAddress")
struct AddressTests {
    @Test(arguments: [
        ("10.0.0.1", IPAddress.v4(0x0A00_0001)),
        ("0.0.0.0", .v4(0)),
        ("255.255.255.255", .v4(0xFFFF_FFFF)),
        ("192.168.1.2", .v4(0xC0A8_0102)),
        ("::", .v6(high: 0, low: 0)),
        ("::1", .v6(high: 0, low: 1)),
        ("2001:db8::1", .v6(high: 0x2001_0DB8_0000_0000, low: 1)),
        ("2001:DB8:0:0:0:0:0:1", .v6(high: 0x2001_0DB8_0000_0000, low: 1)),
        ("fe80::1234:5678:9abc:def0", .v6(high: 0xFE80_0000_0000_0000, low: 0x1234_5678_9ABC_DEF0)),
        ("::ffff:10.0.0.1", .v6(high: 0, low: 0x0000_FFFF_0A00_0001)),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .v6(high: .max, low: .max)),
    ])
    func parsesNumericAddresses(_ text: String, _ address: IPAddress) {
        #expect(IPAddress(presentation: text) == address)
    }

    @Test(arguments: ["", "10.0.0", "127.1", "10.0.0.256", "0x0a.0.0.1", "10.0.0.1 ", " 10.0.0.1", "[::1]",
                      "::1::2", "2001:db8::1%eth0", "localhost", "1.2.3.4.5", "gggg::1"])
    func refusesWhatInetPtonRefuses(_ text: String) {
        #expect(IPAddress(presentation: text) == nil)
    }

    @Test func parsesOneFamilyOnly() {
        #expect(IPAddress.parse("10.0.0.1", family: .inet) == .v4(0x0A00_0001))
        #expect(IPAddress.parse("10.0.0.1", family: .inet6) == nil)
        #expect(IPAddress.parse("::1", family: .inet) == nil)
        #expect(IPAddress.parse("::1", family: .inet6) == .v6(high: 0, low: 1))
    }

    @Test(arguments: [
        (IPAddress.v4(0x0A00_0001), "10.0.0.1"),
        (.v4(0), "0.0.0.0"),
        (.v4(0xFFFF_FFFF), "255.255.255.255"),
        (.v6(high: 0, low: 0), "::"),
        (.v6(high: 0, low: 1), "::1"),
        (.v6(high: 0x2001_0DB8_0000_0000, low: 1), "2001:db8::1"),
        (.v6(high: 0x2001_0DB8_0000_0001, low: 0), "2001:db8:0:1::"),
        (.v6(high: 0x2001_0DB8_0001_0000, low: 0x0000_0000_0001_0000), "2001:db8:1::1:0"),
        (.v6(high: 0, low: 0x0000_FFFF_0A00_0001), "::ffff:10.0.0.1"),
        (.v6(high: 0x0001_0002_0003_0004, low: 0x0005_0006_0007_0008), "1:2:3:4:5:6:7:8"),
        (.v6(high: .max, low: .max), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ])
    func printsAsInetNtop(_ address: IPAddress, _ text: String) {
        #expect(address.description == text)
        #expect("\(address)" == text)
    }

    @Test func familyOfEachKind() {
        #expect(IPAddress.v4(1).family == .inet)
        #expect(IPAddress.v6(high: 0, low: 1).family == .inet6)
        #expect(AddressFamily.inet.rawValue == 2)
        #expect(AddressFamily.inet6.rawValue == 10)
        #expect(AddressFamily.inet < .inet6)
        #expect(AddressFamily.inet.description == "IPv4")
        #expect(AddressFamily.inet6.description == "IPv6")
    }

    @Test func kernelBytesAreNetworkOrderInA16ByteUnion() {
        #expect(IPAddress.v4(0x0A00_0102).kernelBytes == [10, 0, 1, 2] + Array(repeating: 0, count: 12))
        #expect(ip("2001:db8::1:2").kernelBytes
                == [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2])
    }

    @Test func readsKernelBytesBack() {
        for text in ["10.0.0.1", "255.0.0.7", "::", "2001:db8::1:2", "fe80::1"] {
            let address = ip(text)
            let back = address.kernelBytes.withUnsafeBytes { IPAddress(family: address.family, bytes: $0) }
            #expect(back == address, "\(text)")
        }
        // An IPv4 attribute may be just 4 bytes; shorter ones are refused.
        #expect([UInt8]([1, 2, 3, 4]).withUnsafeBytes { IPAddress(family: .inet, bytes: $0) } == .v4(0x0102_0304))
        #expect([UInt8]([1, 2, 3]).withUnsafeBytes { IPAddress(family: .inet, bytes: $0) } == nil)
        #expect([UInt8](repeating: 1, count: 15).withUnsafeBytes { IPAddress(family: .inet6, bytes: $0) } == nil)
    }

    @Test func ordersNumericallyWithIPv4First() {
        let sorted = ["2001:db8::1", "10.0.0.1", "9.255.255.255", "::1", "200.0.0.1", "::", "2001:db8::", "1.0.0.1",
                      "ffff::"].map(ip).sorted()
        #expect(sorted.map(\.description) == [
            "1.0.0.1", "9.255.255.255", "10.0.0.1", "200.0.0.1", "::", "::1", "2001:db8::", "2001:db8::1", "ffff::",
        ])
        #expect(ip("255.255.255.255") < ip("::"))
        #expect(!(ip("::") < ip("0.0.0.0")))
        #expect(ip("::1:0:0:0:0") > ip("::ffff:ffff:ffff:ffff"))
    }

    @Test func destinationKeysOrderByAddressThenPort() {
        let keys = [
            DestinationKey(address: ip("10.0.0.2"), port: 1), DestinationKey(address: ip("10.0.0.1"), port: 80),
            DestinationKey(address: ip("10.0.0.1"), port: 8), DestinationKey(address: ip("::1"), port: 0),
        ].sorted()
        #expect(keys.map { "\($0.address):\($0.port)" } == ["10.0.0.1:8", "10.0.0.1:80", "10.0.0.2:1", "::1:0"])
    }

    func ip(_ text: String) -> IPAddress { IPAddress(presentation: text)! }
}

@Test(arguments: ["10.1.2.3", "255.0.0.1", "2001:db8::1", "::", "fe80::1:2:3:4"])
func withKernelBytesMatchesKernelBytes(_ text: String) throws {
    let address = try #require(IPAddress(presentation: text))
    #expect(address.withKernelBytes { Array($0) } == address.kernelBytes)
}
