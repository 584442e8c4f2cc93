#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An address family as the kernel numbers it.
public enum AddressFamily: UInt16, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// IPv4 (`AF_INET`).
    case inet = 2
    /// IPv6 (`AF_INET6`).
    case inet6 = 10

    /// Orders by number: IPv4 first.
    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { lhs.rawValue < rhs.rawValue }

    /// "IPv4" or "IPv6".
    public var description: String { self == .inet ? "IPv4" : "IPv6" }
}

/// An IPv4 or IPv6 address, held in host byte order so that comparison is numeric.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// An IPv4 address as a number.
    case v4(UInt32)
    /// An IPv6 address as two numbers, the first 64 bits in `high`.
    case v6(high: UInt64, low: UInt64)

    /// IPv4 or IPv6.
    public var family: AddressFamily {
        switch self {
        case .v4: return .inet
        case .v6: return .inet6
        }
    }

    /// The 16 bytes the kernel's `union nf_inet_addr` carries (IPv4 in the first four).
    public var kernelBytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        switch self {
        case .v4(let value):
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        case .v6(let high, let low):
            withUnsafeBytes(of: high.bigEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            withUnsafeBytes(of: low.bigEndian) { bytes.replaceSubrange(8..<16, with: $0) }
        }
        return bytes
    }

    /// Calls `body` with the same 16 bytes as `kernelBytes`, without allocating.
    public func withKernelBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let words: (UInt64, UInt64)
        switch self {
        case .v4(let value): words = (UInt64(value.bigEndian), 0)  // first 4 bytes in memory, little-endian host
        case .v6(let high, let low): words = (high.bigEndian, low.bigEndian)
        }
        return try withUnsafeBytes(of: words) { (bytes) throws(Failure) in try body(bytes) }
    }

    /// Reads an address of `family` from the bytes of a kernel address attribute.
    public init?(family: AddressFamily, bytes: UnsafeRawBufferPointer) {
        switch family {
        case .inet:
            guard bytes.count >= 4 else { return nil }
            self = .v4(UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
        case .inet6:
            guard bytes.count >= 16 else { return nil }
            self = .v6(
                high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// Parses a numeric address the way inet_pton does (IPv4 dotted quad or IPv6).
    public init?(presentation text: String) {
        if let v6 = IPAddress.parse(text, family: .inet6) {
            self = v6
        } else if let v4 = IPAddress.parse(text, family: .inet) {
            self = v4
        } else {
            return nil
        }
    }

    /// inet_pton for one family.
    public static func parse(_ text: String, family: AddressFamily) -> IPAddress? {
        var storage = in6_addr()
        let ok = withUnsafeMutableBytes(of: &storage) { buffer in
            inet_pton(Int32(family.rawValue), text, buffer.baseAddress) == 1
        }
        guard ok else { return nil }
        return withUnsafeBytes(of: storage) { IPAddress(family: family, bytes: $0) }
    }

    /// The address as inet_ntop writes it.
    public var description: String {
        let bytes = kernelBytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(Int32(family.rawValue), raw.baseAddress, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Orders numerically, every IPv4 address before every IPv6 one.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v6(let ah, let al), .v6(let bh, let bl)): return (ah, al) < (bh, bl)
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}

/// An address is written as text, the way `inet_ntop` writes it and `inet_pton` reads it.
extension IPAddress: Codable {
    /// Reads the address from its text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPAddress(presentation: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IP address: \(text)")
        }
        self = address
    }

    /// Writes the address as text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
