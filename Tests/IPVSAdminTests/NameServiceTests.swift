import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@testable import IPVSAdmin

/// The shortcuts for plain numbers and dotted quads answer what the C library answers.
@Suite("NameService")
struct NameServiceTests {
    static func cLibraryAddress(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    @Test(arguments: [
        "10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.10", "010.0.0.1", "10.0.0.08", "1.2.3",
        "1.2.3.4.5", "256.0.0.1", "1..2.3", "0x7f.0.0.1", "127.1", "1.2.3.4 ", "", ".1.2.3", "1.2.3.",
        "00.1.2.3", "1.2.3.999",
    ])
    func dottedQuadsReadAsInetAtonReadsThem(_ text: String) {
        #expect(NameService.ipv4(liberal: text) == Self.cLibraryAddress(text))
    }

    @Test(arguments: ["0", "7", "080", "65535", "2147483647", "999999999999999999", "-1", "+3", " 4", "4 ", "", "1e3"])
    func integersReadAsStrtolReadsThem(_ text: String) {
        let expected: Int? = text.withCString { start in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtol(start, &end, 10)
            guard let end, end != UnsafeMutablePointer(mutating: start), end.pointee == 0, errno != ERANGE else {
                return nil
            }
            return value
        }
        #expect(NameService.strictLong(text) == expected)
    }
}
