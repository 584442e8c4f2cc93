#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A malloc'd byte buffer that grows with realloc, for text and messages built in place:
/// the formatters' output (`ByteText`) and netlink requests (`MessageBuffer`). Written
/// through its pointer, with no checks beyond `reserve`; inlinable, since it sits on
/// the hottest paths of both modules. Not copyable: it owns its memory.
package struct GrowableBytes: ~Copyable {
    /// The first byte; valid until the next `reserve`.
    @usableFromInline package private(set) var base: UnsafeMutablePointer<UInt8>
    @usableFromInline package private(set) var capacity: Int
    /// How many bytes are written.
    package var count = 0

    @inlinable
    package init(capacity: Int) {
        self.capacity = max(capacity, 16)
        guard let memory = malloc(self.capacity) else { fatalError("out of memory") }
        base = memory.assumingMemoryBound(to: UInt8.self)
    }

    deinit { free(base) }

    /// Makes room for `extra` more bytes after `count`; the buffer at least doubles when it
    /// grows (realloc moves a large buffer by remapping its pages, without copying them).
    @inlinable
    package mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grownCapacity = max(capacity * 2, count + extra)
        guard let grown = realloc(base, grownCapacity) else { fatalError("out of memory") }
        base = grown.assumingMemoryBound(to: UInt8.self)
        capacity = grownCapacity
    }

    /// Where the next byte goes.
    @inlinable
    package var end: UnsafeMutablePointer<UInt8> { base + count }

    /// The written bytes.
    @inlinable
    package var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
