import Testing

@testable import IPVSAdmin

/// The shortcuts for plain numbers and dotted quads answer what the C library answers.
@Suite("NameService")
struct NameServiceTests {
    @Test(arguments: [
        "10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.10", "010.0.0.1", "10.0.0.08", "1.2.3",
        "1.2.3.4.5", "256.0.0.1", "1..2.3", "0x7f.0.0.1", "127.1", "1.2.3.4 ", "", ".1.2.3", "1.2.3.",
        "00.1.2.3", "1.2.3.999",
    ])
    func dottedQuadsReadAsInetAtonReadsThem(_ text: String) {
        #expect(NameService.ipv4(liberal: text) == NameService.cLibraryIPv4(text))
    }

    @Test(arguments: ["0", "7", "080", "65535", "2147483647", "999999999999999999", "-1", "+3", " 4", "4 ", "", "1e3"])
    func integersReadAsStrtolReadsThem(_ text: String) {
        #expect(NameService.strictLong(text) == NameService.cLibraryLong(text))
    }

    /// The oracle itself: inet_aton and strtol as the tests above rely on them.
    @Test func theCLibraryPathsReadWhatCReads() {
        #expect(NameService.cLibraryIPv4("010.0.0.1") == 0x0800_0001)
        #expect(NameService.cLibraryIPv4("127.1") == 0x7f00_0001)
        #expect(NameService.cLibraryIPv4("1.2.3.4.5") == nil)
        #expect(NameService.cLibraryLong("080") == 80)
        #expect(NameService.cLibraryLong(" 4") == 4)
        #expect(NameService.cLibraryLong("4 ") == nil)
        #expect(NameService.cLibraryLong("") == nil)
    }
}
