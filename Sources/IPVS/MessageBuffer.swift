import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Generic-netlink requests written straight into one byte buffer, many to a buffer,
/// ready for a single sendmsg. libnl's message objects cost an allocation, a zeroed
/// buffer and a copy per request; a restore sends tens of thousands of requests.
/// Layout and alignment are netlink's: a header, the generic header, then attributes
/// (type, length, value, padded to 4 bytes), nests closed with their final length.
/// Not copyable: it owns its memory, and is written through `inout` with no checks
/// beyond the room left.
struct MessageBuffer: ~Copyable {
    private var bytes: GrowableBytes
    /// Bytes written.
    var count: Int { bytes.count }
    private var storage: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bytes.base) }
    /// Where the message begun last starts.
    private var messageStart = 0
    /// Where the message ended last starts; -1 before the first.
    private var endedMessageStart = -1
    /// Set when an attribute or nest did not fit netlink's 16-bit lengths.
    private(set) var overflowed = false

    init(capacity: Int = 1024) {
        bytes = GrowableBytes(capacity: max(capacity, 256))
    }

    /// Calls `body` with the written bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// Starts a message: netlink header (length and sequence number written by
    /// `endMessage`) and the generic-netlink header with `command` and IPVS's version.
    mutating func beginMessage(family: UInt16, flags: Int32, port: UInt32, command: Int) {
        messageStart = bytes.count
        overflowed = false
        append(nlmsghdr(
            nlmsg_len: 0, nlmsg_type: family, nlmsg_flags: UInt16(truncatingIfNeeded: flags | NLM_F_REQUEST),
            nlmsg_seq: 0, nlmsg_pid: port))
        append(genlmsghdr(cmd: UInt8(truncatingIfNeeded: command), version: UInt8(IPVS_GENL_VERSION), reserved: 0))
    }

    /// Writes the finished message's length and sequence number into its header. A
    /// message is numbered only once it is complete, so that a discarded one leaves no
    /// gap in the numbers of a batch.
    mutating func endMessage(sequence: UInt32) {
        store(UInt32(count - messageStart), at: messageStart + Self.lengthOffset)
        store(sequence, at: messageStart + Self.sequenceOffset)
        endedMessageStart = messageStart
    }

    /// Adds `flags` to those of the message ended last: for a flag that depends on
    /// what follows the message, such as the ack only a batch's last request asks for.
    mutating func addFlagsToLastMessage(_ flags: Int32) {
        precondition(endedMessageStart >= 0, "no message ended yet")
        let offset = endedMessageStart + Self.flagsOffset
        let current = storage.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        store(current | UInt16(truncatingIfNeeded: flags), at: offset)
    }

    /// Drops the message begun last, as if it had never been started.
    mutating func discardMessage() {
        bytes.count = messageStart
    }

    // Where nlmsghdr's fields lie, from the header's own layout.
    private static let lengthOffset = MemoryLayout<nlmsghdr>.offset(of: \nlmsghdr.nlmsg_len)!
    private static let flagsOffset = MemoryLayout<nlmsghdr>.offset(of: \nlmsghdr.nlmsg_flags)!
    private static let sequenceOffset = MemoryLayout<nlmsghdr>.offset(of: \nlmsghdr.nlmsg_seq)!

    /// Appends one attribute holding `value`'s bytes.
    mutating func put(_ type: Int, _ value: UnsafeRawBufferPointer) {
        let length = 4 + value.count
        guard length <= Int(UInt16.max) else {
            overflowed = true
            return
        }
        append(nlattr(nla_len: UInt16(length), nla_type: UInt16(truncatingIfNeeded: type)))
        append(value)
    }

    /// Appends one attribute holding a fixed-size value (an integer, a C struct).
    mutating func put<Value: BitwiseCopyable>(_ type: Int, value: Value) {
        let size = MemoryLayout<Value>.size
        let padded = (size + 3) & ~3
        reserve(4 + padded)
        let attribute = storage + count
        attribute.storeBytes(
            of: nlattr(nla_len: UInt16(4 + size), nla_type: UInt16(truncatingIfNeeded: type)), as: nlattr.self)
        if padded > size { attribute.storeBytes(of: 0, toByteOffset: padded, as: UInt32.self) }
        attribute.storeBytes(of: value, toByteOffset: 4, as: Value.self)
        bytes.count += 4 + padded
    }

    /// Appends a nested attribute whose contents `body` writes.
    mutating func nest(_ type: Int, _ body: (inout MessageBuffer) -> Void) {
        let start = count
        append(nlattr(nla_len: 4, nla_type: UInt16(truncatingIfNeeded: type | Int(NLA_F_NESTED))))
        body(&self)
        let length = count - start
        guard length <= Int(UInt16.max) else {
            overflowed = true
            return
        }
        store(UInt16(length), at: start)
    }

    /// Stores a fixed-size value in place and pads it to 4 bytes with zeros: the common
    /// case of every request, without a copy loop.
    private mutating func append<Value: BitwiseCopyable>(_ value: Value) {
        let size = MemoryLayout<Value>.size
        let padded = (size + 3) & ~3
        reserve(padded)
        if padded > size { storage.storeBytes(of: 0, toByteOffset: count + padded - 4, as: UInt32.self) }
        storage.storeBytes(of: value, toByteOffset: count, as: Value.self)
        bytes.count += padded
    }

    /// Copies `value` in and pads to 4 bytes with zeros.
    private mutating func append(_ value: UnsafeRawBufferPointer) {
        let padded = (value.count + 3) & ~3
        reserve(padded)
        if let source = value.baseAddress, !value.isEmpty {
            (storage + count).copyMemory(from: source, byteCount: value.count)
        }
        (storage + count + value.count).initializeMemory(as: UInt8.self, repeating: 0, count: padded - value.count)
        bytes.count += padded
    }

    private mutating func reserve(_ length: Int) {
        bytes.reserve(length)
    }

    private mutating func store<Value: FixedWidthInteger>(_ value: Value, at offset: Int) {
        storage.storeBytes(of: value, toByteOffset: offset, as: Value.self)
    }
}
