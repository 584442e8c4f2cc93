import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Text built directly as bytes. Listings of tens of thousands of lines spend most of
/// their time formatting: writing bytes into one growing buffer, with printf's padding
/// and truncation done in place, costs a fraction of building and joining `String`s
/// (or of `Array.append`'s checks, paid a dozen times per line).
///
/// Not copyable: it owns its buffer, and a listing never needs two copies of its text.
struct ByteText: ~Copyable {
    private var storage: GrowableBytes
    /// Bytes written.
    var count: Int { storage.count }
    private var base: UnsafeMutablePointer<UInt8> { storage.base }

    init(capacity: Int = 128) {
        storage = GrowableBytes(capacity: capacity)
    }

    init(_ text: String) {
        self.init(capacity: text.utf8.count + 128)
        append(string: text)
    }

    var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// A copy of the text, for an `OutputSink`.
    var bytes: [UInt8] { withBytes { Array($0) } }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    // The check here, not only in GrowableBytes: across the module boundary that is a
    // call per append, a quarter of the time of writing a large JSON document.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if storage.count + extra > storage.capacity { storage.reserve(extra) }
    }

    // Inlined, a literal's copy is a few moves rather than a call to memcpy.
    @inline(__always)
    mutating func append(buffer: UnsafeBufferPointer<UInt8>) {
        guard let source = buffer.baseAddress, !buffer.isEmpty else { return }
        reserve(buffer.count)
        (base + count).initialize(from: source, count: buffer.count)
        storage.count += buffer.count
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(buffer: $0) }
    }

    mutating func append(string text: String) {
        var text = text
        text.withUTF8 { append(buffer: $0) }
    }

    mutating func append(_ other: borrowing ByteText) {
        other.withBytes { append(buffer: $0) }
    }

    mutating func append(byte: UInt8) {
        reserve(1)
        base[count] = byte
        storage.count += 1
    }

    mutating func appendSpaces(_ spaces: Int) {
        guard spaces > 0 else { return }
        reserve(spaces)
        (base + count).initialize(repeating: UInt8(ascii: " "), count: spaces)
        storage.count += spaces
    }

    mutating func removeAll() {
        storage.count = 0
    }

    /// `%llu`.
    mutating func append(decimal value: UInt64) {
        if value < 10 {  // most counters and weights
            append(byte: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        let digits = Self.decimalDigits(value)
        reserve(digits)
        var remaining = value
        var index = count + digits
        repeat {
            index -= 1
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        } while remaining != 0
        storage.count += digits
    }

    static func decimalDigits(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value / 10
        while rest != 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// `%lld`.
    mutating func append(decimal value: Int64) {
        if value < 0 { append(byte: UInt8(ascii: "-")) }
        append(decimal: value.magnitude)
    }

    mutating func append(decimal value: UInt32) { append(decimal: UInt64(value)) }
    mutating func append(decimal value: Int32) { append(decimal: Int64(value)) }
    mutating func append(decimal value: UInt16) { append(decimal: UInt64(value)) }

    /// One to three digits, `skip` bytes (already written) further on; room reserved.
    @inline(__always)
    private mutating func appendOctet(_ octet: UInt8, after skip: Int = 0) {
        storage.count += skip
        let zero = UInt8(ascii: "0")
        if octet >= 100 {
            base[count] = zero &+ octet / 100
            base[count + 1] = zero &+ octet / 10 % 10
            base[count + 2] = zero &+ octet % 10
            storage.count += 3
        } else if octet >= 10 {
            base[count] = zero &+ octet / 10
            base[count + 1] = zero &+ octet % 10
            storage.count += 2
        } else {
            base[count] = zero &+ octet
            storage.count += 1
        }
    }

    /// printf's `%-Ns` around what `body` appends: spaces after it up to `width`; never
    /// truncates.
    mutating func leftAligned(_ width: Int, _ body: (inout ByteText) -> Void) {
        let start = count
        body(&self)
        appendSpaces(width - (count - start))
    }

    /// printf's `%Ns` around what `body` appends: spaces before it up to `width`; never
    /// truncates.
    mutating func rightAligned(_ width: Int, _ body: (inout ByteText) -> Void) {
        let start = count
        body(&self)
        let missing = width - (count - start)
        guard missing > 0 else { return }
        appendSpaces(missing)
        // Move what `body` wrote to the end of the field, spaces in front.
        let field = base + start
        let written = count - start - missing
        UnsafeMutableRawPointer(field + missing).copyMemory(from: field, byteCount: written)  // a memmove
        field.update(repeating: UInt8(ascii: " "), count: missing)
    }

    /// Cuts what was appended since `start` to at most `limit` bytes, as a bounded
    /// snprintf does.
    mutating func truncate(from start: Int, to limit: Int) {
        storage.count = min(count, start + limit)
    }

    /// The address as inet_ntop writes it.
    mutating func append(address: IPAddress) {
        switch address {
        case .v4(let value):
            reserve(15)
            appendOctet(UInt8(truncatingIfNeeded: value >> 24))
            base[count] = UInt8(ascii: ".")
            appendOctet(UInt8(truncatingIfNeeded: value >> 16), after: 1)
            base[count] = UInt8(ascii: ".")
            appendOctet(UInt8(truncatingIfNeeded: value >> 8), after: 1)
            base[count] = UInt8(ascii: ".")
            appendOctet(UInt8(truncatingIfNeeded: value), after: 1)
        case .v6:
            // glibc's own formatting, written in place.
            let room = Int(INET6_ADDRSTRLEN)
            reserve(room)
            let start = base + count
            let written = address.withKernelBytes { bytes in
                start.withMemoryRebound(to: CChar.self, capacity: room) { text in
                    inet_ntop(AF_INET6, bytes.baseAddress, text, socklen_t(room)) == nil ? 0 : strlen(text)
                }
            }
            storage.count += written
        }
    }
}

extension String {
    /// printf's `%-Ns`: spaces after the text up to `width`; never truncates.
    func leftAligned(_ width: Int) -> String {
        let missing = width - utf8.count
        return missing > 0 ? self + String(repeating: " ", count: missing) : self
    }

    /// printf's `%Ns`: spaces before the text up to `width`; never truncates.
    func rightAligned(_ width: Int) -> String {
        let missing = width - utf8.count
        return missing > 0 ? String(repeating: " ", count: missing) + self : self
    }
}
