#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's one-pass text listing of the table, /proc/net/ip_vs, read in one go.
/// It has each real server's address, port, forwarding method, weight and connection
/// counts, but no thresholds, tunnel settings or statistics, and it does not tell an
/// IPv4 fwmark service from an IPv6 one. Listing from it costs one read instead of one
/// netlink dump per service.
public enum TableListing {
    /// Real servers per service, in the kernel's order. Fields the listing lacks are
    /// zero. Services it cannot name unambiguously (two fwmark services with one mark)
    /// are left out, so callers fall back to netlink for them. nil if unreadable.
    public static func read(path: String = "/proc/net/ip_vs") -> [ServiceKey: [Destination]]? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            text.append(contentsOf: chunk[0..<count])
        }
        return parse(text)
    }

    /// Parses the listing's text (its two heading lines included). Works on the bytes in
    /// place: a large table has one line per real server, and this runs on every listing.
    public static func parse(_ text: [UInt8]) -> [ServiceKey: [Destination]] {
        var table: [ServiceKey: [Destination]] = [:]
        var ambiguous: Set<ServiceKey> = []
        var current: ServiceKey?
        var currentDestinations: [Destination] = []
        func finishService() {
            if let current { table[current] = currentDestinations }
            current = nil
            currentDestinations = []
        }
        text.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                let line = Line(bytes, lineStart..<lineEnd)
                lineStart = lineEnd + 1
                guard line.fieldCount >= 2 else { continue }
                if line.field(0, is: "->") {
                    guard current != nil, line.fieldCount >= 6,
                        let (address, port) = line.endpoint(1),
                        let weight = line.decimal(3).flatMap({ Int32(exactly: $0) }),
                        let active = line.decimal(4).flatMap({ UInt32(exactly: $0) }),
                        let inactive = line.decimal(5).flatMap({ UInt32(exactly: $0) })
                    else { continue }
                    currentDestinations.append(Destination(
                        key: DestinationKey(address: address, port: port),
                        configuration: DestinationConfiguration(forwarding: line.forwarding(2), weight: weight),
                        connections: ConnectionCounts(active: active, inactive: inactive)))
                    continue
                }
                finishService()
                let key: ServiceKey
                if line.field(0, is: "FWM") {
                    guard let mark = line.hexadecimal(line.fields[1]).flatMap({ UInt32(exactly: $0) }) else { continue }
                    key = .firewallMark(mark, family: .inet)
                } else {
                    let proto: IPProtocol
                    if line.field(0, is: "TCP") {
                        proto = .tcp
                    } else if line.field(0, is: "UDP") {
                        proto = .udp
                    } else if line.field(0, is: "SCTP") {
                        proto = .sctp
                    } else {
                        continue  // the heading lines
                    }
                    guard let (address, port) = line.endpoint(1) else { continue }
                    key = .address(proto, address, port: port)
                }
                if table[key] != nil { ambiguous.insert(key) }
                current = key
            }
            finishService()
        }
        for key in ambiguous { table[key] = nil }
        return table
    }

    /// One line of the listing, split at blanks into at most eight fields.
    private struct Line {
        let bytes: UnsafeBufferPointer<UInt8>
        private(set) var fields: [Range<Int>] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            self.bytes = bytes
            fields.reserveCapacity(8)
            var index = range.lowerBound
            while index < range.upperBound && fields.count < 8 {
                while index < range.upperBound && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")) {
                    index += 1
                }
                let start = index
                while index < range.upperBound && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\t") {
                    index += 1
                }
                if index > start { fields.append(start..<index) }
            }
        }

        var fieldCount: Int { fields.count }

        func field(_ index: Int, is text: StaticString) -> Bool {
            ASCIIBytes.range(fields[index], of: bytes, is: text)
        }

        func decimal(_ index: Int) -> UInt64? {
            ASCIIBytes.decimal(fields[index], of: bytes, maximumDigits: 19)
        }

        func hexadecimal(_ range: Range<Int>) -> UInt64? {
            guard !range.isEmpty, range.count <= 16 else { return nil }
            var value: UInt64 = 0
            for position in range {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                value = value << 4 | UInt64(digit)
            }
            return value
        }

        /// "0A000001:0050" or "[2001:0db8:...:0001]:0050".
        func endpoint(_ index: Int) -> (IPAddress, UInt16)? {
            let range = fields[index]
            guard let colon = range.last(where: { bytes[$0] == UInt8(ascii: ":") }),
                let port = hexadecimal(colon + 1..<range.upperBound).flatMap({ UInt16(exactly: $0) })
            else { return nil }
            let host = range.lowerBound..<colon
            if bytes[range.lowerBound] == UInt8(ascii: "[") {
                guard host.count >= 2, bytes[colon - 1] == UInt8(ascii: "]") else { return nil }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[host.lowerBound + 1..<colon - 1]), as: UTF8.self)
                guard let address = IPAddress.parse(text, family: .inet6) else { return nil }
                return (address, port)
            }
            guard let value = hexadecimal(host).flatMap({ UInt32(exactly: $0) }) else { return nil }
            return (.v4(value), port)
        }

        func forwarding(_ index: Int) -> ForwardingMethod {
            if field(index, is: "Local") { return .localNode }
            if field(index, is: "Tunnel") { return .tunneling }
            if field(index, is: "Route") { return .directRouting }
            return .masquerading
        }
    }
}

/// Reading words of text held as bytes, without making strings of them.
public enum ASCIIBytes {
    /// Whether `range` of `bytes` is exactly `text`.
    public static func range(_ range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, is text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            for offset in 0..<range.count where bytes[range.lowerBound + offset] != expected[offset] { return false }
            return true
        }
    }

    /// The value of `range` of `bytes` when it is one to `maximumDigits` ASCII digits
    /// and nothing else (no sign, no blanks); nil otherwise.
    public static func decimal(_ range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, maximumDigits: Int) -> UInt64? {
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
