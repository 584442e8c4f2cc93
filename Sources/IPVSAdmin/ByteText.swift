import IPVS

/// Text built directly as bytes. Listings of tens of thousands of lines spend most of
/// their time formatting: appending bytes, with printf's padding and truncation done in
/// place, costs a fraction of building and joining `String`s.
struct ByteText {
    private(set) var bytes: [UInt8] = []

    init() {}

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var count: Int { bytes.count }
    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ other: ByteText) {
        bytes.append(contentsOf: other.bytes)
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    mutating func appendSpaces(_ count: Int) {
        var left = count
        while left > 0 {
            let chunk = min(left, Self.spaces.count)
            bytes.append(contentsOf: Self.spaces[..<chunk])
            left -= chunk
        }
    }

    mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    /// `%llu`.
    mutating func append(decimal value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        let digits = Self.decimalDigits(value)
        let end = bytes.count + digits
        bytes.append(contentsOf: repeatElement(0, count: digits))
        var remaining = value
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = end
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining != 0
        }
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
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        append(decimal: value.magnitude)
    }

    mutating func append(decimal value: UInt32) { append(decimal: UInt64(value)) }
    mutating func append(decimal value: Int32) { append(decimal: Int64(value)) }
    mutating func append(decimal value: UInt16) { append(decimal: UInt64(value)) }

    /// printf's `%-Ns` (positive `width`) or `%Ns` (negative) around what `body` appends;
    /// never truncates.
    mutating func padded(_ width: Int, _ body: (inout ByteText) -> Void) {
        let start = bytes.count
        body(&self)
        let missing = abs(width) - (bytes.count - start)
        guard missing > 0 else { return }
        appendSpaces(missing)
        guard width < 0 else { return }
        // Right-aligned: move what `body` wrote to the end of the field, spaces in front.
        bytes[start...].withUnsafeMutableBufferPointer { field in
            var index = field.count - missing - 1
            while index >= 0 {
                field[index + missing] = field[index]
                index -= 1
            }
            for position in 0..<missing { field[position] = UInt8(ascii: " ") }
        }
    }

    /// Cuts what was appended since `start` to at most `limit` bytes, as a bounded
    /// snprintf does.
    mutating func truncate(from start: Int, to limit: Int) {
        let excess = bytes.count - start - limit
        if excess > 0 { bytes.removeLast(excess) }
    }

    /// The address as inet_ntop writes it.
    mutating func append(address: IPAddress) {
        switch address {
        case .v4(let value):
            append(decimal: value >> 24)
            bytes.append(UInt8(ascii: "."))
            append(decimal: (value >> 16) & 0xff)
            bytes.append(UInt8(ascii: "."))
            append(decimal: (value >> 8) & 0xff)
            bytes.append(UInt8(ascii: "."))
            append(decimal: value & 0xff)
        case .v6:
            append(address.description)
        }
    }
}
