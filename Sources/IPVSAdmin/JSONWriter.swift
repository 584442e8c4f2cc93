import IPVS

/// Writes JSON (RFC 8259) indented by two spaces, member by member, into a `ByteText`.
/// Integers are written exactly as the 64-bit values they are.
struct JSONWriter: ~Copyable {
    private(set) var text = ByteText(capacity: 1 << 12)
    /// Text past this size is taken by `takeText(ifLarger:)`.
    static let flushSize = 1 << 16
    /// For each open container: whether it has an element yet.
    private var hasElements: [Bool] = []

    mutating func beginObject(_ key: StaticString? = nil) {
        element(key)
        text.append("{")
        hasElements.append(false)
    }

    mutating func endObject() { close("}") }

    mutating func beginArray(_ key: StaticString? = nil) {
        element(key)
        text.append("[")
        hasElements.append(false)
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
        precondition(hasElements.isEmpty, "unclosed JSON container")
        text.append("\n")
    }

    private mutating func element(_ key: StaticString?) {
        if let last = hasElements.last {
            if last { text.append(",") }
            hasElements[hasElements.count - 1] = true
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
        let had = hasElements.removeLast()
        if had { newline() }
        text.append(bracket)
    }

    private mutating func newline() {
        text.append("\n")
        text.appendSpaces(2 * hasElements.count)
    }

    private mutating func appendString(_ string: String) {
        text.append("\"")
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
