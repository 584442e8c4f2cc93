import IPVS

/// Writes JSON (RFC 8259) indented by two spaces, member by member, into a `ByteText`.
/// Integers are written exactly as the 64-bit values they are.
struct JSONWriter: ~Copyable {
    private(set) var text = ByteText(capacity: 1 << 12)
    /// Text past this size is taken by `takeText(ifLarger:)`.
    static let flushSize = 1 << 16
    /// How many containers are open, and for each (a bit per level, the innermost
    /// lowest): whether it has an element yet. Bits rather than an array: this is
    /// consulted for every member of a document of millions.
    private var depth = 0
    private var hasElements: UInt64 = 0
    /// The deepest nesting a document may have (ours have six levels).
    static let maximumDepth = 64

    mutating func beginObject(_ key: StaticString? = nil) {
        element(key)
        text.append("{")
        open()
    }

    mutating func endObject() { close("}") }

    mutating func beginArray(_ key: StaticString? = nil) {
        element(key)
        text.append("[")
        open()
    }

    mutating func endArray() { close("]") }

    mutating func member(_ key: StaticString?, _ value: UInt64) {
        element(key)
        text.append(decimal: value)
    }

    mutating func member(_ key: StaticString?, _ value: Int64) {
        element(key)
        text.append(decimal: value)
    }

    mutating func member(_ key: StaticString?, _ value: String?) {
        element(key)
        if let value { appendString(value) } else { text.append("null") }
    }

    mutating func member(_ key: StaticString?, _ value: Bool) {
        element(key)
        text.append(value ? "true" : "false")
    }

    /// An address, as inet_ntop writes it, in a string.
    mutating func member(_ key: StaticString?, address: IPAddress) {
        element(key)
        text.append("\"")
        text.append(address: address)
        text.append("\"")
    }

    /// The text written so far, once there is more than `flushSize` of it (nil before):
    /// a document of any size then goes out in pieces.
    mutating func takeText(ifLarger: Bool = true) -> [UInt8]? {
        guard !ifLarger || text.count >= Self.flushSize else { return nil }
        defer { text.removeAll() }
        return text.bytes
    }

    /// Ends the document with a newline.
    mutating func finish() {
        precondition(depth == 0, "unclosed JSON container")
        text.append("\n")
    }

    private mutating func open() {
        precondition(depth < Self.maximumDepth, "JSON nested too deeply")
        depth += 1
        hasElements <<= 1
    }

    private mutating func element(_ key: StaticString?) {
        if depth > 0 {
            if hasElements & 1 != 0 { text.append(",") }
            hasElements |= 1
            newline()
        }
        if let key {
            // Keys are this program's own names: nothing in them needs escaping.
            text.append("\"")
            text.append(key)
            text.append("\": ")
        }
    }

    private mutating func close(_ bracket: StaticString) {
        precondition(depth > 0, "no JSON container to close")
        let had = hasElements & 1 != 0
        hasElements >>= 1
        depth -= 1
        if had { newline() }
        text.append(bracket)
    }

    /// A newline and the indentation of the current depth, copied from one line of text.
    private mutating func newline() {
        Self.indentation.withUnsafeBufferPointer { text.append(buffer: UnsafeBufferPointer(rebasing: $0[...(2 * depth)])) }
    }

    private static let indentation: [UInt8] = [UInt8(ascii: "\n")] + Array(repeating: UInt8(ascii: " "), count: 2 * maximumDepth)

    private mutating func appendString(_ string: String) {
        text.append("\"")
        var string = string
        // Names and schedulers: nearly always nothing to escape, and copied whole then.
        let plain = string.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return false
            }
            text.append(buffer: bytes)
            return true
        }
        if plain {
            text.append("\"")
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): text.append("\\\"")
            case UInt8(ascii: "\\"): text.append("\\\\")
            case 0x0a: text.append("\\n")
            case 0x0d: text.append("\\r")
            case 0x09: text.append("\\t")
            case 0..<0x20:
                text.append("\\u00")
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                text.append(byte: digits[Int(byte >> 4)])
                text.append(byte: digits[Int(byte & 0xf)])
            default: text.append(byte: byte)
            }
        }
        text.append("\"")
    }
}
