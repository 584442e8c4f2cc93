import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Number and name conversions done exactly as ipvsadm does them, through the C library
/// (strtol, inet_aton, the hosts and services databases), so that inputs like "0x1f",
/// "127.1" or "http" and outputs without `-n` match the reference. The lookups use the
/// reentrant (_r) calls, which answer the same and are safe on any thread.
enum NameService {
    /// strtol in base 10 accepting the whole string, then a range check; nil otherwise.
    static func integer(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = strictLong(text), range.contains(value) else { return nil }
        return value
    }

    /// strtol in base 10 that must consume the whole, non-empty string without overflow.
    static func strictLong(_ text: String) -> Int? {
        // Plain digits, the form nearly every rule uses, read without the C library.
        plainDecimal(text.utf8) ?? cLibraryLong(text)
    }

    /// The same through strtol itself, for every other spelling.
    static func cLibraryLong(_ text: String) -> Int? {
        text.withCString { start -> Int? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtol(start, &end, 10)
            guard let end, end != UnsafeMutablePointer(mutating: start), end.pointee == 0, errno != ERANGE else {
                return nil
            }
            return value
        }
    }

    /// One to eighteen ASCII digits and nothing else (no sign, no blanks: those go to strtol).
    private static func plainDecimal(_ bytes: String.UTF8View) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// C's atoi: leading digits, 0 when there are none.
    static func atoi(_ text: String) -> Int { Int(Glibc.atoi(text)) }

    /// inet_aton's liberal IPv4 forms ("10.1", "0x7f.1", "127.0.0.1").
    static func ipv4(liberal text: String) -> UInt32? {
        dottedQuad(text.utf8) ?? cLibraryIPv4(text)
    }

    /// The same through inet_aton itself, for every other spelling.
    static func cLibraryIPv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// Four decimal parts of 0...255 without leading zeros: the form that means the same to
    /// inet_aton and to anyone reading it (a leading zero would make a part octal).
    private static func dottedQuad(_ bytes: String.UTF8View) -> UInt32? {
        guard let (address, end) = dottedQuadPrefix(of: bytes), end == bytes.endIndex else { return nil }
        return address
    }

    /// The `A.B.C.D` that `bytes` starts with, in the plainest spelling only: four parts of
    /// 0...255 in decimal without leading zeros. Returns the address and where it ends (the
    /// first byte after the fourth part's digits); nil if `bytes` does not start so.
    /// Restore's shortcut (`RestoreInput`) reads its addresses with it too.
    static func dottedQuadPrefix<Bytes: Collection<UInt8>>(of bytes: Bytes) -> (UInt32, Bytes.Index)? {
        var address: UInt32 = 0
        var index = bytes.startIndex
        for part in 0..<4 {
            if part > 0 {
                guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") else { return nil }
                bytes.formIndex(after: &index)
            }
            let partStart = index
            var value: UInt32 = 0
            while index < bytes.endIndex {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                // A second digit after a leading zero: octal to inet_aton.
                if value == 0 && index != partStart { return nil }
                value = value * 10 + UInt32(digit)
                guard value <= 255 else { return nil }
                bytes.formIndex(after: &index)
            }
            guard index != partStart else { return nil }
            address = address << 8 | value
        }
        return (address, index)
    }

    /// IPv4 address of a host name (gethostbyname: hosts file, then DNS), first address only.
    static func ipv4(host name: String) -> UInt32? {
        withHostEntry({ entry, buffer, result, error in
            gethostbyname_r(name, &entry, buffer.baseAddress, buffer.count, &result, &error)
        }) { entry in
            guard entry.h_addrtype == AF_INET, entry.h_length == 4, let list = entry.h_addr_list, let first = list[0]
            else { return nil }
            return UInt32(bigEndian: UnsafeRawPointer(first).loadUnaligned(as: UInt32.self))
        }
    }

    /// Port of a service name for a protocol (getservbyname).
    static func port(service name: String, protocol proto: IPProtocol) -> UInt16? {
        guard let protocolName = protocolDatabaseName(proto) else { return nil }
        return withServiceEntry({ entry, buffer, result in
            getservbyname_r(name, protocolName, &entry, buffer.baseAddress, buffer.count, &result)
        }) { entry in UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.s_port)) }
    }

    /// Service name of a port (getservbyport), nil when unnamed.
    static func serviceName(port: UInt16, protocol proto: IPProtocol) -> String? {
        guard let protocolName = protocolDatabaseName(proto) else { return nil }
        return withServiceEntry({ entry, buffer, result in
            getservbyport_r(Int32(port.bigEndian), protocolName, &entry, buffer.baseAddress, buffer.count, &result)
        }) { entry in String(cString: entry.s_name) }
    }

    /// Host name of an address (gethostbyaddr), nil when unknown.
    static func hostName(_ address: IPAddress) -> String? {
        let bytes = address.kernelBytes
        let length = socklen_t(address.family == .inet ? 4 : 16)
        return withHostEntry({ entry, buffer, result, error in
            bytes.withUnsafeBytes {
                gethostbyaddr_r($0.baseAddress, length, Int32(address.family.rawValue), &entry,
                                buffer.baseAddress, buffer.count, &result, &error)
            }
        }) { entry in entry.h_name.map { String(cString: $0) } }
    }

    // The reentrant lookups: thread-safe, and they fail with ERANGE when the buffer is small.
    private static func withHostEntry<T>(
        _ lookup: (inout hostent, UnsafeMutableBufferPointer<CChar>, inout UnsafeMutablePointer<hostent>?, inout Int32) -> Int32,
        _ read: (hostent) -> T?
    ) -> T? {
        withGrowingBuffer { buffer in
            var entry = hostent()
            var result: UnsafeMutablePointer<hostent>?
            var error: Int32 = 0
            let status = lookup(&entry, buffer, &result, &error)
            return (status, result == nil ? nil : read(entry))
        }
    }

    private static func withServiceEntry<T>(
        _ lookup: (inout servent, UnsafeMutableBufferPointer<CChar>, inout UnsafeMutablePointer<servent>?) -> Int32,
        _ read: (servent) -> T?
    ) -> T? {
        withGrowingBuffer { buffer in
            var entry = servent()
            var result: UnsafeMutablePointer<servent>?
            let status = lookup(&entry, buffer, &result)
            return (status, result == nil ? nil : read(entry))
        }
    }

    /// Runs a lookup with a scratch buffer, growing it while the lookup says ERANGE.
    /// `attempt` returns the lookup's status and what it found.
    private static func withGrowingBuffer<T>(_ attempt: (UnsafeMutableBufferPointer<CChar>) -> (Int32, T?)) -> T? {
        var size = 1024
        while size <= 1 << 20 {
            let (status, found) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size, attempt)
            if status != ERANGE { return status == 0 ? found : nil }
            size *= 4
        }
        return nil
    }

    private static func protocolDatabaseName(_ proto: IPProtocol) -> String? {
        switch proto {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        default: return nil
        }
    }
}
