import IPVS

/// Restore input split as ipvsadm splits it: lines of words separated by spaces, tabs or
/// carriage returns; a word "ipvsadm" anywhere is dropped; lines left empty are skipped.
/// Like ipvsadm's reader, a last line without a newline is lost if it ends in two or
/// more blanks (the reader meets the end of input while skipping them). Its reader also
/// takes a word at most `maximumWordLength` bytes at a time (the rest of a longer run is
/// the next word), and a word is a C string: it ends at a NUL, and the bytes after one
/// up to the next blank are dropped (a word that starts with NUL is empty, not absent).
///
/// Words stay byte ranges of the input until a line needs the general parser: lines in
/// the form `-S -n` writes are recognised directly (`canonicalCommand`), which is what
/// makes restoring tens of thousands of rules cheap.
struct RestoreInput {
    let bytes: [UInt8]
    /// Where the next line starts.
    private var position = 0
    /// The words of the line read last, as byte ranges of `bytes`.
    private(set) var words: [Range<Int>] = []
    /// The 1-based number of the line read last.
    private(set) var lineNumber = 0

    /// The most bytes ipvsadm's reader takes as one word.
    static let maximumWordLength = 4096
    /// The word dropped wherever it stands.
    static var droppedWord: StaticString { "ipvsadm" }

    init(_ input: [UInt8]) {
        bytes = input
        words.reserveCapacity(16)
    }

    /// Moves to the next line that has words; false at the end of the input.
    mutating func nextLine() -> Bool {
        words.removeAll(keepingCapacity: true)
        return bytes.withUnsafeBufferPointer { input in
            let end = input.count
            while position < end {
                lineNumber += 1
                var index = position
                while true {
                    while index < end && Self.isBlank(input[index]) { index += 1 }
                    guard index < end && input[index] != UInt8(ascii: "\n") else { break }
                    let start = index
                    let limit = min(end, start + Self.maximumWordLength)
                    var wordEnd = -1  // where a NUL cuts the word
                    while index < limit {
                        let byte = input[index]
                        if byte <= UInt8(ascii: " ") {
                            if Self.endsWord(byte) { break }
                            if byte == 0 && wordEnd < 0 { wordEnd = index }
                        }
                        index += 1
                    }
                    let word = start..<(wordEnd < 0 ? index : wordEnd)
                    // The length first, here: the call to another module costs more, per word.
                    if word.count != Self.droppedWord.utf8CodeUnitCount
                        || !ASCIIBytes.range(word, of: input, is: Self.droppedWord) {
                        words.append(word)
                    }
                }
                let terminated = index < end
                position = index + 1
                if !terminated && Self.endsInSeveralBlanks(input) {
                    words.removeAll(keepingCapacity: true)
                }
                if !words.isEmpty { return true }
            }
            return false
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static func endsWord(_ byte: UInt8) -> Bool {
        byte <= UInt8(ascii: " ") && (isBlank(byte) || byte == UInt8(ascii: "\n"))
    }

    private static func endsInSeveralBlanks(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        input.reversed().prefix {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r")
        }.count >= 2
    }

    /// The current line's words, for the general parser.
    var strings: [String] {
        words.map { ArgumentText.string(bytes[$0]) }
    }

    /// All lines' words.
    static func lines(_ input: [UInt8]) -> [[String]] {
        var reader = RestoreInput(input)
        var lines: [[String]] = []
        while reader.nextLine() { lines.append(reader.strings) }
        return lines
    }

    /// The command of a line in one of the forms `-S -n` writes for IPv4 services:
    /// `-A -t|-u|--sctp-service A.B.C.D:PORT -s SCHEDULER` and
    /// `-a -t|-u|--sctp-service A.B.C.D:PORT -r A.B.C.D:PORT -g|-i|-m -w WEIGHT`,
    /// with numbers in plain decimal. nil for anything else, which the general parser
    /// then reads; where this answers, it answers what the general parser would.
    func canonicalCommand() -> AdminCommand? {
        let words = self.words[...]
        guard words.count == 5 || words.count == 8 else { return nil }
        return bytes.withUnsafeBufferPointer { bytes -> AdminCommand? in
            var reader = CanonicalWords(bytes: bytes, words: words)
            let adds: Bool
            if reader.next(is: "-A") {
                adds = false
            } else if reader.next(is: "-a") {
                adds = true
            } else {
                return nil
            }
            let proto: IPProtocol
            if reader.next(is: "-t") {
                proto = .tcp
            } else if reader.next(is: "-u") {
                proto = .udp
            } else if reader.next(is: "--sctp-service") {
                proto = .sctp
            } else {
                return nil
            }
            // A zero service port is an error (or needs -p): leave it to the general parser.
            guard let (serviceAddress, servicePort) = reader.nextEndpoint(), servicePort != 0 else { return nil }
            let service = ServiceKey.address(proto, .v4(serviceAddress), port: servicePort)
            if !adds {
                guard words.count == 5, reader.next(is: "-s"), let scheduler = reader.nextName(maximumLength: 15)
                else { return nil }
                return .request(.addService(service, ServiceConfiguration(
                    scheduler: SchedulerName(rawValue: scheduler), flags: [], timeout: 0,
                    netmask: .exact(for: .inet), persistenceEngine: nil)))
            }
            guard words.count == 8, reader.next(is: "-r"), let (serverAddress, serverPort) = reader.nextEndpoint()
            else { return nil }
            let forwarding: ForwardingMethod
            if reader.next(is: "-m") {
                forwarding = .masquerading
            } else if reader.next(is: "-g") {
                forwarding = .directRouting
            } else if reader.next(is: "-i") {
                forwarding = .tunneling
            } else {
                return nil
            }
            guard reader.next(is: "-w"), let weight = reader.nextDecimal(), weight <= Int32.max else { return nil }
            // Direct routing and tunneling keep the service's port, as the general parser does.
            let port = forwarding == .masquerading ? serverPort : servicePort
            return .request(.addDestination(
                DestinationKey(address: .v4(serverAddress), port: port),
                DestinationConfiguration(forwarding: forwarding, weight: Int32(weight)), service: service))
        }
    }
}

/// Reads a line's words in order, each only in its plainest spelling.
private struct CanonicalWords {
    let bytes: UnsafeBufferPointer<UInt8>
    let words: ArraySlice<Range<Int>>
    private var index: Int

    init(bytes: UnsafeBufferPointer<UInt8>, words: ArraySlice<Range<Int>>) {
        self.bytes = bytes
        self.words = words
        index = words.startIndex
    }

    /// Consumes the next word if it is exactly `text`.
    mutating func next(is text: StaticString) -> Bool {
        guard index < words.endIndex, ASCIIBytes.range(words[index], of: bytes, is: text) else { return false }
        index += 1
        return true
    }

    /// One to `maximumLength` letters, digits, '_' or '-' (not first): a scheduler's name.
    mutating func nextName(maximumLength: Int) -> String? {
        guard index < words.endIndex else { return nil }
        let word = words[index]
        guard (1...maximumLength).contains(word.count), bytes[word.lowerBound] != UInt8(ascii: "-") else { return nil }
        for position in word {
            switch bytes[position] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return nil
            }
        }
        index += 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[word]), as: UTF8.self)
    }

    /// Plain decimal digits, without a leading zero, up to 10 of them.
    mutating func nextDecimal() -> UInt64? {
        guard index < words.endIndex, let value = decimal(words[index]) else { return nil }
        index += 1
        return value
    }

    /// `A.B.C.D:PORT`: four parts of 0...255 and a port of 0...65535, all plain decimal.
    mutating func nextEndpoint() -> (UInt32, UInt16)? {
        guard index < words.endIndex else { return nil }
        let word = words[index]
        guard let (address, end) = NameService.dottedQuadPrefix(of: bytes[word]),
            end < word.upperBound, bytes[end] == UInt8(ascii: ":"),
            let port = decimal(end + 1..<word.upperBound), port <= 65535
        else { return nil }
        index += 1
        return (address, UInt16(port))
    }

    /// Up to 10 digits without a leading zero: inet_aton reads such an address part as octal,
    /// so lines with one go to the general parser.
    private func decimal(_ range: Range<Int>) -> UInt64? {
        if range.count > 1 && bytes[range.lowerBound] == UInt8(ascii: "0") { return nil }
        return ASCIIBytes.decimal(range, of: bytes, maximumDigits: 10)
    }
}
