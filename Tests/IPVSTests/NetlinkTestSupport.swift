import CIPVSShim
import CNetlink
import Testing

@testable import IPVS

/// The family number and port the tests write into requests; any will do without a kernel.
let testFamily: UInt16 = 30
let testPort: UInt32 = 4242

/// One netlink message copied out of a buffer, parsed back with libnl's parsers and the
/// shim's policies: each attribute as its raw value bytes, keyed by type.
struct ParsedMessage {
    var header: nlmsghdr
    var command: UInt8
    var version: UInt8
    var attributes: [Int: [UInt8]] = [:]
    var service: [Int: [UInt8]]?
    var destination: [Int: [UInt8]]?
    var daemon: [Int: [UInt8]]?
}

/// The messages in `bytes`, one after another as netlink lays them out.
func splitMessages(_ bytes: [UInt8]) throws -> [[UInt8]] {
    var messages: [[UInt8]] = []
    var offset = 0
    while offset < bytes.count {
        let length = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        try #require(length >= MemoryLayout<nlmsghdr>.size && offset + length <= bytes.count)
        messages.append(Array(bytes[offset..<offset + length]))
        offset += (length + 3) & ~3
    }
    return messages
}

/// The written bytes of `buffer`.
func contents(of buffer: borrowing MessageBuffer) -> [UInt8] {
    buffer.withBytes { Array($0) }
}

/// Parses one message with genlmsg_parse and the nests with nla_parse_nested.
func parseMessage(_ message: [UInt8]) throws -> ParsedMessage {
    var message = message
    return try message.withUnsafeMutableBytes { bytes throws -> ParsedMessage in
        let header = bytes.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
        let generic = genlmsg_hdr(header)!.pointee
        var parsed = ParsedMessage(header: header.pointee, command: generic.cmd, version: generic.version)
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: Int(CIPVS_CMD_ATTR_COUNT))
        try #require(table.withUnsafeMutableBufferPointer { cipvs_parse_command_reply(header, $0.baseAddress!) } == 0)
        for type in 1..<table.count {
            guard let attribute = table[type] else { continue }
            switch type {
            case Int(IPVS_CMD_ATTR_SERVICE):
                parsed.service = try parseNest(attribute, count: Int(CIPVS_SVC_ATTR_COUNT), cipvs_parse_service)
            case Int(IPVS_CMD_ATTR_DEST):
                parsed.destination = try parseNest(attribute, count: Int(CIPVS_DEST_ATTR_COUNT), cipvs_parse_destination)
            case Int(IPVS_CMD_ATTR_DAEMON):
                parsed.daemon = try parseNest(attribute, count: Int(CIPVS_DAEMON_ATTR_COUNT), cipvs_parse_daemon)
            default:
                parsed.attributes[type] = value(of: attribute)
            }
        }
        return parsed
    }
}

private func parseNest(
    _ nest: UnsafeMutablePointer<nlattr>, count: Int,
    _ parse: (UnsafeMutablePointer<nlattr>, UnsafeMutablePointer<UnsafeMutablePointer<nlattr>?>) -> Int32
) throws -> [Int: [UInt8]] {
    var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: count)
    try #require(table.withUnsafeMutableBufferPointer { parse(nest, $0.baseAddress!) } == 0)
    var values: [Int: [UInt8]] = [:]
    for type in 1..<count { if let attribute = table[type] { values[type] = value(of: attribute) } }
    return values
}

private func value(of attribute: UnsafeMutablePointer<nlattr>) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute))))
}

// Attribute values as the kernel reads them.
func u8(_ value: UInt8) -> [UInt8] { [value] }
func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
func be16(_ value: UInt16) -> [UInt8] { u16(value.bigEndian) }
func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
/// A `union nf_inet_addr`: the address's bytes, then zeros up to 16.
func inetAddress(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: 16 - bytes.count) }
