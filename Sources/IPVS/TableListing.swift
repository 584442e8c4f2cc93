#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's one-pass text listing of the table, /proc/net/ip_vs. It has each real
/// server's address, port, forwarding method, weight and connection counts, but no
/// thresholds, tunnel settings or statistics, and it does not tell an IPv4 fwmark
/// service from an IPv6 one. Listing from it costs one read instead of one netlink dump
/// per service.
///
/// Services it cannot name unambiguously (two fwmark services with one mark) or with a
/// real-server line it cannot read are left out, so callers fall back to netlink for them.
package enum TableListing {
    /// The listing of the calling thread's network namespace: a client's socket works on
    /// its creator thread's namespace, which `/proc/net` (the process's) need not be.
    package static let path = "/proc/thread-self/net/ip_vs"

    /// One service's real servers, in the kernel's order.
    package typealias Entry = (service: ServiceKey, destinations: [DestinationSummary])

    /// Every service's real servers; nil if the listing cannot be opened.
    package static func read(path: String = TableListing.path) -> [ServiceKey: [DestinationSummary]]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var table: [ServiceKey: [DestinationSummary]] = [:]
        readEntries(descriptor, stopping: { false }) { entries in
            for entry in entries { table[entry.service] = entry.destinations }
        }
        return table
    }

    /// Parses the listing's text (its heading lines included).
    package static func parse(_ text: [UInt8]) -> [ServiceKey: [DestinationSummary]] {
        var parser = Parser()
        text.withUnsafeBufferPointer { parser.consumeLines($0) }
        var table: [ServiceKey: [DestinationSummary]] = [:]
        for entry in parser.finish() { table[entry.service] = entry.destinations }
        return table
    }

    /// Reads `descriptor` to its end (or until `stopping()`), parsing as it goes, a block
    /// at a time: holding a large table's text whole would cost megabytes of fresh pages,
    /// which are slow to fault in. Hands entries to `deliver` as they are finished.
    private static func readEntries(_ descriptor: Int32, stopping: () -> Bool, deliver: ([Entry]) -> Void) {
        var parser = Parser()
        LineBlocks.read(descriptor, stopping: stopping) { lines, atEnd in
            parser.consumeLines(lines)
            let entries = atEnd ? parser.finish() : parser.takeFinished()
            if atEnd || !entries.isEmpty { deliver(entries) }
        }
    }

    /// Reads the listing on a thread of its own, so that the kernel's work of writing it
    /// overlaps whatever the caller does meanwhile (a netlink dump, formatting what has
    /// arrived); `next()` hands the entries over as they are read. The thread is stopped
    /// and joined when the reader goes away.
    struct Reader: ~Copyable {
        private let entries: HandoffReceiver<Entry>
        private let thread: ThreadHandle

        private init(entries: consuming HandoffReceiver<Entry>, thread: consuming ThreadHandle) {
            self.entries = entries
            self.thread = thread
        }

        /// nil if the listing cannot be opened, or no thread can be had for it.
        static func start(path: String = TableListing.path) -> Reader? {
            // The reader never waits for room: a listing is as large as the table.
            let receiver = HandoffReceiver<Entry>(capacity: Int.max)
            let sender = receiver.sender
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            guard let thread = ThreadHandle.start({
                readEntries(descriptor, stopping: { sender.isStopped }) { sender.put($0) }
                close(descriptor)
                sender.finish()
            }) else {
                close(descriptor)
                return nil
            }
            return Reader(entries: receiver, thread: thread)
        }

        /// The entries read since the last call, waiting while none are; nil once all
        /// have been handed over.
        func next() -> [Entry]? {
            guard let batches = entries.take() else { return nil }
            return batches.count == 1 ? batches[0] : Array(batches.joined())
        }

        /// The entries read since the last call, without waiting (none if none are).
        func ready() -> [Entry] {
            let batches = entries.takeReady()
            return batches.count == 1 ? batches[0] : Array(batches.joined())
        }

        /// Stops reading early; the thread ends at its next block.
        func stop() {
            entries.stop()
        }

        // Stop before the thread is joined (the members go after this body has run).
        deinit { entries.stop() }
    }

    /// Takes the listing a run of whole lines at a time, one field at a time: a large
    /// table has one line per real server, and this runs on every listing.
    private struct Parser {
        /// Entries finished and not yet taken. An address service's entry is final when
        /// the next service begins; fwmark entries wait for the end, where a mark seen
        /// twice (once per family, which the listing does not tell) drops both.
        private var finished: [Entry] = []
        private var marked: [ServiceKey: [DestinationSummary]] = [:]
        private var ambiguousMarks: Set<ServiceKey> = []
        private var current: ServiceKey?
        private var currentDestinations: [DestinationSummary] = []
        private var currentIsWhole = true

        /// Parses every line of `bytes`, the last one with or without its newline.
        mutating func consumeLines(_ bytes: UnsafeBufferPointer<UInt8>) {
            var lineStart = 0
            while lineStart < bytes.count {
                let lineEnd = ASCIIBytes.endOfLine(in: bytes, from: lineStart)
                var line = Fields(bytes, lineStart..<lineEnd)
                lineStart = lineEnd + 1
                take(&line)
            }
        }

        mutating func takeFinished() -> [Entry] {
            defer { finished.removeAll(keepingCapacity: true) }
            return finished
        }

        /// Everything not yet taken, the last service and the fwmark ones included.
        mutating func finish() -> [Entry] {
            finishService()
            for (key, destinations) in marked where !ambiguousMarks.contains(key) {
                finished.append((key, destinations))
            }
            marked = [:]
            return takeFinished()
        }

        private mutating func take(_ line: inout Fields) {
            guard let first = line.next() else { return }
            if line.range(first, is: "->") {
                guard current != nil else { return }
                guard let (address, port) = line.next().flatMap({ line.endpoint($0) }),
                    let forwarding = line.next().map({ line.forwarding($0) }),
                    let weight = line.nextDecimal().flatMap({ Int32(exactly: $0) }),
                    let active = line.nextDecimal().flatMap({ UInt32(exactly: $0) }),
                    let inactive = line.nextDecimal().flatMap({ UInt32(exactly: $0) })
                else {
                    // A line this reading cannot take whole (a negative counter, say): the
                    // service is left to netlink rather than listed without it.
                    currentIsWhole = false
                    return
                }
                currentDestinations.append(DestinationSummary(
                    key: DestinationKey(address: address, port: port), forwarding: forwarding, weight: weight,
                    activeConnections: active, inactiveConnections: inactive))
                return
            }
            finishService()
            let key: ServiceKey
            if line.range(first, is: "FWM") {
                guard let mark = line.next().flatMap({ line.hexadecimal($0) }).flatMap({ UInt32(exactly: $0) })
                else { return }
                key = .firewallMark(mark, family: .inet)
            } else {
                let proto: IPProtocol
                if line.range(first, is: "TCP") {
                    proto = .tcp
                } else if line.range(first, is: "UDP") {
                    proto = .udp
                } else if line.range(first, is: "SCTP") {
                    proto = .sctp
                } else {
                    return  // the heading lines
                }
                guard let (address, port) = line.next().flatMap({ line.endpoint($0) }) else { return }
                key = .address(proto, address, port: port)
            }
            current = key
        }

        private mutating func finishService() {
            defer {
                current = nil
                currentDestinations = []
                currentIsWhole = true
            }
            guard let current else { return }
            if case .firewallMark = current {
                if marked[current] != nil || !currentIsWhole { ambiguousMarks.insert(current) }
                marked[current] = currentDestinations
            } else if currentIsWhole {
                finished.append((current, currentDestinations))
            }
        }
    }

    /// The blank-separated fields of one line, taken one after the other.
    private struct Fields {
        let bytes: UnsafeBufferPointer<UInt8>
        private var position: Int
        private let end: Int

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            self.bytes = bytes
            position = range.lowerBound
            end = range.upperBound
        }

        private func isBlank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
        }

        mutating func next() -> Range<Int>? {
            while position < end && isBlank(bytes[position]) { position += 1 }
            let start = position
            while position < end && !isBlank(bytes[position]) { position += 1 }
            return position > start ? start..<position : nil
        }

        func range(_ range: Range<Int>, is text: StaticString) -> Bool {
            ASCIIBytes.range(range, of: bytes, is: text)
        }

        mutating func nextDecimal() -> UInt64? {
            next().flatMap { ASCIIBytes.decimal($0, of: bytes, maximumDigits: 19) }
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
        func endpoint(_ range: Range<Int>) -> (IPAddress, UInt16)? {
            guard let colon = range.last(where: { bytes[$0] == UInt8(ascii: ":") }),
                let port = hexadecimal(colon + 1..<range.upperBound).flatMap({ UInt16(exactly: $0) })
            else { return nil }
            let host = range.lowerBound..<colon
            if bytes[range.lowerBound] == UInt8(ascii: "[") {
                guard host.count >= 2, bytes[colon - 1] == UInt8(ascii: "]") else { return nil }
                guard let address = ipv6(host.lowerBound + 1..<colon - 1) else { return nil }
                return (address, port)
            }
            guard let value = hexadecimal(host).flatMap({ UInt32(exactly: $0) }) else { return nil }
            return (.v4(value), port)
        }

        /// inet_pton on the bytes, copied with a terminating NUL onto the stack.
        private func ipv6(_ range: Range<Int>) -> IPAddress? {
            guard range.count < Int(INET6_ADDRSTRLEN), let source = bytes.baseAddress else { return nil }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { text in
                UnsafeMutableRawPointer(text.baseAddress!).copyMemory(from: source + range.lowerBound, byteCount: range.count)
                text[range.count] = 0
                var storage = in6_addr()
                guard inet_pton(AF_INET6, text.baseAddress, &storage) == 1 else { return nil }
                return withUnsafeBytes(of: storage) { IPAddress(family: .inet6, bytes: $0) }
            }
        }

        func forwarding(_ range: Range<Int>) -> ForwardingMethod {
            if self.range(range, is: "Local") { return .localNode }
            if self.range(range, is: "Tunnel") { return .tunneling }
            if self.range(range, is: "Route") { return .directRouting }
            return .masquerading
        }
    }
}
