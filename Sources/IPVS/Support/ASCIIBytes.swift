#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reading words of text held as bytes, without making strings of them.
package enum ASCIIBytes {
    /// Whether `range` of `bytes` is exactly `text`.
    package static func range(_ range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, is text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            for offset in 0..<range.count where bytes[range.lowerBound + offset] != expected[offset] { return false }
            return true
        }
    }

    /// The index of the first newline at or after `start`, or the end of `bytes`.
    package static func endOfLine(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < bytes.count, let base = bytes.baseAddress,
            let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        else { return bytes.count }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(newline))
    }

    /// The value of `range` of `bytes` when it is one to `maximumDigits` ASCII digits
    /// and nothing else (no sign, no blanks); nil otherwise.
    package static func decimal(_ range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, maximumDigits: Int) -> UInt64? {
        guard !range.isEmpty, range.count <= min(maximumDigits, 19) else { return nil }
        var value: UInt64 = 0
        for position in range {
            let digit = bytes[position] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        return value
    }
}
