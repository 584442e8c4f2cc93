#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A descriptor's text read a block at a time and used a run of whole lines at a time:
/// a large input is never held whole, and what has arrived is used before the rest has.
package enum LineBlocks {
    /// Reads `descriptor` to its end (or until `stopping()`), calling `body` with each
    /// run of whole lines read, newlines included, and last with what follows the last
    /// newline (possibly nothing) and `atEnd` true. A line longer than a block grows it.
    /// With `cancellation`, each read first waits until the descriptor is readable or
    /// the read is cancelled; a cancelled read ends as the input's end would.
    package static func read(
        _ descriptor: Int32, stopping: () -> Bool = { false }, cancellation: ReadCancellation? = nil,
        _ body: (_ lines: UnsafeBufferPointer<UInt8>, _ atEnd: Bool) -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var used = 0
        while !stopping() {
            if let cancellation, !cancellation.waitUntilReadable(descriptor) { break }
            if used == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + used, $0.count - used) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let unread = used  // no newline before here: the search starts at the new bytes
            used += count
            guard let lastNewline = buffer[unread..<used].lastIndex(of: UInt8(ascii: "\n")) else { continue }
            let whole = lastNewline + 1
            buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<whole]), false) }
            buffer.withUnsafeMutableBytes { bytes in
                bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + whole, byteCount: used - whole)
            }
            used -= whole
        }
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<used]), true) }
    }
}
