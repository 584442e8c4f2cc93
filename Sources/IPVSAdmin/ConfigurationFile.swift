import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `--apply` and `--diff` read: a JSON document as `-S --json` writes it, or rules
/// text as `-S` writes it (`-A`/`-a` lines, `--set` and `--start-daemon` lines, blank
/// lines and `#` comments). The whole file is read and checked before anything is sent.
enum ConfigurationFile {
    /// Why a file cannot be applied: where (a line, a line and column, or a JSON path) and what.
    struct Problem: Error, Equatable, CustomStringConvertible {
        var place: String?
        var message: String

        var description: String { (place.map { $0 + ": " } ?? "") + message }
    }

    /// Reads a configuration; JSON when the first thing in it is `{`.
    static func read(_ bytes: [UInt8]) throws(Problem) -> IPVSConfiguration {
        let configuration = startsJSON(bytes) == true ? try readJSON(bytes) : try readRules(bytes)
        return try validated(configuration)
    }

    /// Reads a configuration from a file or standard input, up to `limit` bytes. Rules
    /// text is taken a block of lines at a time as it is read, so a large table's text
    /// is never held beside the table it describes; a JSON document is held whole.
    static func read(descriptor: Int32, limit: Int) throws(Problem) -> IPVSConfiguration {
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            throw Problem(place: nil, message: String(cString: strerror(EISDIR)))
        }
        var isJSON: Bool?
        var rules = RulesReader()
        var held: [UInt8] = []  // the JSON document, or rules text after the last whole line
        var total = 0
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = block.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw Problem(place: nil, message: String(cString: strerror(errno))) }
            if count == 0 { break }
            total += count
            guard total <= limit else {
                throw Problem(place: nil, message: "larger than \(limit >> 20) MiB, more than any IPVS table needs")
            }
            held.append(contentsOf: block[..<count])
            if isJSON == nil { isJSON = startsJSON(held) }
            if isJSON == false, let lastNewline = held.lastIndex(of: UInt8(ascii: "\n")) {
                try rules.take(Array(held[...lastNewline]))
                held.removeSubrange(...lastNewline)
            }
        }
        if isJSON == true { return try validated(try readJSON(held)) }
        try rules.take(held)
        return try validated(rules.configuration)
    }

    /// Whether the text is JSON (its first non-blank byte is `{`); nil while it is all blank.
    private static func startsJSON(_ bytes: [UInt8]) -> Bool? {
        let blanks: [UInt8] = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        return bytes.first { !blanks.contains($0) }.map { $0 == UInt8(ascii: "{") }
    }

    private static func validated(_ configuration: IPVSConfiguration) throws(Problem) -> IPVSConfiguration {
        do {
            try configuration.validate()
        } catch {
            throw Problem(place: nil, message: error.description)
        }
        return configuration
    }

    // MARK: Rules text

    static func readRules(_ bytes: [UInt8]) throws(Problem) -> IPVSConfiguration {
        var rules = RulesReader()
        try rules.take(bytes)
        return rules.configuration
    }

    /// Rules text taken a run of whole lines at a time (the last run may end without a newline).
    /// A service named twice is left to `validate()`, which names both lines.
    struct RulesReader {
        private(set) var configuration = IPVSConfiguration()
        /// The services by key, made only when a real server's line names a service other
        /// than the last one added (`-S` writes each service's real servers right after it).
        private var serviceIndex: [ServiceKey: Int]?
        /// Lines in the runs taken so far.
        private var linesBefore = 0

        mutating func take(_ lines: [UInt8]) throws(Problem) {
            var input = RestoreInput(lines)
            while input.nextLine() {
                if let first = input.words.first, input.bytes[first.lowerBound] == UInt8(ascii: "#") { continue }
                let place = Self.lineName(linesBefore + input.lineNumber)
                try take(try readLine(input, place: place), place: place)
            }
            // Runs are whole lines (but the last): the reader has counted each.
            linesBefore += input.lineNumber
        }

        /// "line N", written directly: one per line of a large table, where interpolation
        /// costs more than reading the line.
        private static func lineName(_ number: Int) -> String {
            guard number >= 0 && number < 1_000_000_000 else { return "line \(number)" }
            let digits = ByteText.decimalDigits(UInt64(number))
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
                buffer[0] = UInt8(ascii: "l")
                buffer[1] = UInt8(ascii: "i")
                buffer[2] = UInt8(ascii: "n")
                buffer[3] = UInt8(ascii: "e")
                buffer[4] = UInt8(ascii: " ")
                var rest = number
                for index in stride(from: 4 + digits, to: 4, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<(5 + digits)]), as: UTF8.self)
            }
        }

        private mutating func take(_ command: AdminCommand, place: String) throws(Problem) {
            switch command {
            case .request(.addService(let key, let service)):
                if serviceIndex != nil, serviceIndex?[key] == nil { serviceIndex?[key] = configuration.services.count }
                configuration.services.append(
                    IPVSConfiguration.Service(key: key, configuration: service, origin: place))
            case .request(.addDestination(let key, let destination, let service)):
                guard let index = position(of: service) else {
                    throw Problem(place: place, message: "a real server of a virtual service no earlier line adds")
                }
                configuration.services[index].destinations.append(
                    IPVSConfiguration.Destination(key: key, configuration: destination, origin: place))
            case .request(.setTimeouts(let timeouts)):
                guard configuration.timeouts == nil else { throw Problem(place: place, message: "timeouts set twice") }
                configuration.timeouts = timeouts
            case .request(.startDaemon(let daemon)):
                configuration.daemons = (configuration.daemons ?? []) + [daemon]
            default:
                throw Problem(place: place, message: "a line must be -A, -a, --set or --start-daemon")
            }
        }

        /// Where the service a real server's line names was added (the first time), if it was.
        private mutating func position(of service: ServiceKey) -> Int? {
            if serviceIndex == nil {
                // A service added twice is refused by `validate()` whichever copy this is.
                if let last = configuration.services.indices.last, configuration.services[last].key == service {
                    return last
                }
                var index: [ServiceKey: Int] = [:]
                for (position, added) in configuration.services.enumerated() where index[added.key] == nil {
                    index[added.key] = position
                }
                serviceIndex = index
            }
            return serviceIndex?[service]
        }
    }

    /// A rules line's command: lines as `-S -n` writes them without the general parser.
    private static func readLine(_ input: RestoreInput, place: String) throws(Problem) -> AdminCommand {
        if let command = input.canonicalCommand() { return command }
        do {
            return try CommandLineParser.parse(input.strings, inputLine: true)
        } catch {
            switch error {
            case .fatal(let message, _):
                throw Problem(place: place, message: message)
            case .tryHelp:
                throw Problem(place: place, message: "a line must be -A, -a, --set or --start-daemon")
            case .optionSyntax(let word, let reason):
                throw Problem(place: place, message: "\(word): \(reason)")
            }
        }
    }

    // MARK: JSON

    static func readJSON(_ bytes: [UInt8]) throws(Problem) -> IPVSConfiguration {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw Problem(place: "line \(error.line), column \(error.column)", message: error.message)
        }
        let reader = JSONFields(document, path: "")
        var configuration = IPVSConfiguration()
        try reader.allow(["services", "timeouts", "daemons"])
        for (index, service) in try reader.required("services").elements().enumerated() {
            configuration.services.append(try readService(service.value, path: "services[\(index)]"))
        }
        if let timeouts = try reader.optional("timeouts") {
            let fields = JSONFields(timeouts, path: timeouts.place)
            try fields.allow(["tcp", "tcp_fin", "udp"])
            let limit = UInt64(CommandLineParser.maximumTimeout)
            configuration.timeouts = Timeouts(
                tcp: UInt32(try fields.required("tcp").integer(in: 0...limit)),
                tcpFin: UInt32(try fields.required("tcp_fin").integer(in: 0...limit)),
                udp: UInt32(try fields.required("udp").integer(in: 0...limit)))
        }
        if let daemons = try reader.optional("daemons") {
            configuration.daemons = []
            for (index, daemon) in try daemons.elements().enumerated() {
                configuration.daemons?.append(try readDaemon(daemon.value, path: "daemons[\(index)]"))
            }
        }
        return configuration
    }

    private static func readService(_ value: JSONValue, path: String) throws(Problem) -> IPVSConfiguration.Service {
        let fields = JSONFields(value, path: path)
        try fields.allow([
            "family", "protocol", "address", "port", "fwmark", "scheduler", "scheduler_flags", "persistent", "netmask",
            "pe", "one_packet", "destinations", "stats", "rates",
        ])
        let family: AddressFamily?
        switch try fields.optional("family")?.string() {
        case nil: family = nil
        case "ipv4": family = .inet
        case "ipv6": family = .inet6
        case let other?: throw fields.problem("family", "\"ipv4\" or \"ipv6\" expected, not \"\(other)\"")
        }
        let key: ServiceKey
        if let mark = try fields.optional("fwmark") {
            for conflicting in ["protocol", "address", "port"] where fields.has(conflicting) {
                throw fields.problem(conflicting, "a fwmark service has no \(conflicting)")
            }
            key = .firewallMark(UInt32(try mark.integer(in: 1...UInt64(UInt32.max))), family: family ?? .inet)
        } else {
            let proto: IPProtocol
            switch try fields.required("protocol").string() {
            case "tcp": proto = .tcp
            case "udp": proto = .udp
            case "sctp": proto = .sctp
            case let other: throw fields.problem("protocol", "\"tcp\", \"udp\" or \"sctp\" expected, not \"\(other)\"")
            }
            let address = try fields.required("address").address()
            if let family, family != address.family {
                throw fields.problem("address", "not an \(TableDocument.familyName(family)) address")
            }
            key = .address(proto, address, port: UInt16(try fields.required("port").integer(in: 0...65535)))
        }

        var configuration = ServiceConfiguration(netmask: .exact(for: key.family))
        if let scheduler = try fields.optional("scheduler") {
            let name = try scheduler.string()
            guard (1...15).contains(name.utf8.count) else {
                throw fields.problem("scheduler", "a scheduler name has 1 to 15 characters")
            }
            configuration.scheduler = SchedulerName(rawValue: name)
        }
        if let flags = try fields.optional("scheduler_flags") {
            for (index, element) in try flags.elements().enumerated() {
                let name = try element.string()
                let place = "\(path).scheduler_flags[\(index)]"
                guard let (flag, only) = ServiceConfiguration.schedulerFlag(named: name) else {
                    throw Problem(place: place, message: "unknown scheduler flag \"\(name)\"")
                }
                if let only, configuration.scheduler.rawValue != only {
                    throw Problem(place: place, message: "\"\(name)\" is a flag of the \(only) scheduler only")
                }
                configuration.flags.insert(flag)
            }
        }
        if let persistent = try fields.optional("persistent") {
            configuration.flags.insert(.persistent)
            configuration.timeout = UInt32(try persistent.integer(in: 1...UInt64(CommandLineParser.maximumTimeout)))
        }
        if let netmask = try fields.optional("netmask") {
            if key.family == .inet6 {
                configuration.netmask = .v6(prefixLength: UInt32(try netmask.integer(in: 1...128)))
            } else {
                guard case .v4(let mask) = try netmask.address(family: .inet) else {
                    throw fields.problem("netmask", "an IPv4 mask expected")
                }
                configuration.netmask = .v4(mask: mask)
            }
        }
        if let engine = try fields.optional("pe"), engine.value != .null {
            let name = try engine.string()
            if !name.isEmpty { configuration.persistenceEngine = name }
        }
        if try fields.optional("one_packet")?.bool() == true { configuration.flags.insert(.onePacket) }
        // The checks ipvsadm makes of -A, in its words.
        if case .address(let proto, _, let port) = key {
            if port == 0 && !configuration.flags.contains(.persistent) {
                throw fields.problem("port", "Zero port specified for non-persistent service")
            }
            if configuration.flags.contains(.onePacket) && proto != .udp {
                throw fields.problem("one_packet", "One-Packet Scheduling is only for UDP virtual services")
            }
        }

        var service = IPVSConfiguration.Service(key: key, configuration: configuration, origin: path)
        if let destinations = try fields.optional("destinations") {
            for (index, destination) in try destinations.elements().enumerated() {
                service.destinations.append(
                    try readDestination(destination.value, of: key, path: "\(path).destinations[\(index)]"))
            }
        }
        return service
    }

    private static func readDestination(
        _ value: JSONValue, of service: ServiceKey, path: String
    ) throws(Problem) -> IPVSConfiguration.Destination {
        let fields = JSONFields(value, path: path)
        try fields.allow([
            "address", "port", "forward", "weight", "upper_threshold", "lower_threshold", "tunnel",
            "active_connections", "inactive_connections", "persistent_connections", "stats", "rates",
        ])
        let address = try fields.required("address").address()
        var port: UInt16 = 0
        if case .address(_, _, let servicePort) = service { port = servicePort }
        if let given = try fields.optional("port") { port = UInt16(try given.integer(in: 0...65535)) }
        var configuration = DestinationConfiguration(forwarding: .directRouting, weight: 1)
        if let forward = try fields.optional("forward") {
            let name = try forward.string()
            guard let method = TableDocument.forwardingNames.first(where: { $0.1 == name })?.0 else {
                throw fields.problem("forward", "one of masq, route, tunnel, local, bypass expected, not \"\(name)\"")
            }
            configuration.forwarding = method
        }
        let intLimit = UInt64(Int32.max)
        if let weight = try fields.optional("weight") { configuration.weight = Int32(try weight.integer(in: 0...intLimit)) }
        if let upper = try fields.optional("upper_threshold") {
            configuration.upperThreshold = UInt32(try upper.integer(in: 0...intLimit))
        }
        if let lower = try fields.optional("lower_threshold") {
            configuration.lowerThreshold = UInt32(try lower.integer(in: 0...intLimit))
        }
        if let tunnel = try fields.optional("tunnel") {
            guard configuration.forwarding == .tunneling else {
                throw fields.problem("tunnel", "only a tunnel (\"forward\": \"tunnel\") has tunnel settings")
            }
            let settings = JSONFields(tunnel, path: path + ".tunnel")
            try settings.allow(["type", "port", "checksum"])
            if let type = try settings.optional("type") {
                let name = try type.string()
                guard let known = TableDocument.tunnelTypeNames.first(where: { $0.1 == name })?.0 else {
                    throw settings.problem("type", "one of ipip, gue, gre expected, not \"\(name)\"")
                }
                configuration.tunnel.type = known
            }
            if let tunnelPort = try settings.optional("port") {
                configuration.tunnel.port = UInt16(try tunnelPort.integer(in: 0...65535))
            }
            if let checksum = try settings.optional("checksum") {
                let name = try checksum.string()
                guard let known = TableDocument.checksumNames.first(where: { $0.1 == name })?.0 else {
                    throw settings.problem("checksum", "one of none, csum, remcsum expected, not \"\(name)\"")
                }
                configuration.tunnel.checksum = known
            }
            if configuration.tunnel.type == .gue && configuration.tunnel.port == 0 {
                throw settings.problem("port", "a gue tunnel needs a port")
            }
        }
        return IPVSConfiguration.Destination(
            key: DestinationKey(address: address, port: port), configuration: configuration, origin: path)
    }

    private static func readDaemon(_ value: JSONValue, path: String) throws(Problem) -> SyncDaemon {
        let fields = JSONFields(value, path: path)
        try fields.allow(["state", "interface", "syncid", "sync_maxlen", "mcast_group", "mcast_port", "mcast_ttl"])
        var daemon: SyncDaemon
        switch try fields.required("state").string() {
        case "master": daemon = SyncDaemon(role: .master)
        case "backup": daemon = SyncDaemon(role: .backup)
        case let other: throw fields.problem("state", "\"master\" or \"backup\" expected, not \"\(other)\"")
        }
        daemon.interface = try fields.required("interface").string()
        guard (1...15).contains(daemon.interface.utf8.count) else {
            throw fields.problem("interface", "an interface name has 1 to 15 characters")
        }
        daemon.syncID = UInt32(try fields.optional("syncid")?.integer(in: 0...255) ?? 0)
        if let length = try fields.optional("sync_maxlen") {
            daemon.maximumLength = UInt16(try length.integer(in: 1...(65535 - 20 - 8)))
        }
        if let group = try fields.optional("mcast_group") {
            do {
                daemon.group = try CommandLineParser.parseMulticastGroup(try group.string())
            } catch {
                throw fields.problem("mcast_group", "not a multicast group")
            }
        }
        if let port = try fields.optional("mcast_port") { daemon.port = UInt16(try port.integer(in: 1...65535)) }
        if let ttl = try fields.optional("mcast_ttl") { daemon.ttl = UInt8(try ttl.integer(in: 1...255)) }
        return daemon
    }

}

/// An object's members, read one by one with the JSON path of each in its messages.
private struct JSONFields {
    let object: JSONObject
    let path: String
    let valueError: ConfigurationFile.Problem?

    init(_ value: JSONValue, path: String) {
        self.path = path
        if case .object(let object) = value {
            self.object = object
            valueError = nil
        } else {
            object = JSONObject()
            valueError = ConfigurationFile.Problem(
                place: path.isEmpty ? "the document" : path, message: "an object expected, not \(value.kindName)")
        }
    }

    func place(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func problem(_ key: String, _ message: String) -> ConfigurationFile.Problem {
        ConfigurationFile.Problem(place: place(key), message: message)
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// Refuses members with other names.
    func allow(_ keys: Set<String>) throws(ConfigurationFile.Problem) {
        if let valueError { throw valueError }
        if let unknown = object.members.first(where: { !keys.contains($0.key) }) {
            throw problem(unknown.key, "unknown member")
        }
    }

    func required(_ key: String) throws(ConfigurationFile.Problem) -> JSONField {
        guard let value = object[key] else { throw problem(key, "missing") }
        return JSONField(value: value, place: place(key))
    }

    func optional(_ key: String) throws(ConfigurationFile.Problem) -> JSONField? {
        object[key].map { JSONField(value: $0, place: place(key)) }
    }
}

/// One member's value, with its path.
private struct JSONField {
    let value: JSONValue
    let place: String

    private func problem(_ expected: String) -> ConfigurationFile.Problem {
        ConfigurationFile.Problem(place: place, message: "\(expected) expected, not \(value.kindName)")
    }

    func string() throws(ConfigurationFile.Problem) -> String {
        guard case .string(let text) = value else { throw problem("a string") }
        return text
    }

    func bool() throws(ConfigurationFile.Problem) -> Bool {
        guard case .bool(let flag) = value else { throw problem("true or false") }
        return flag
    }

    /// A whole number in `range`, exactly: no fraction, no exponent.
    func integer(in range: ClosedRange<UInt64>) throws(ConfigurationFile.Problem) -> UInt64 {
        guard case .number(let text) = value else { throw problem("an integer") }
        guard let number = UInt64(text), range.contains(number) else {
            throw ConfigurationFile.Problem(
                place: place, message: "an integer from \(range.lowerBound) to \(range.upperBound) expected, not \(text)")
        }
        return number
    }

    func address(family: AddressFamily? = nil) throws(ConfigurationFile.Problem) -> IPAddress {
        let text = try string()
        let parsed = family.map { IPAddress.parse(text, family: $0) } ?? IPAddress(presentation: text)
        guard let address = parsed else {
            throw ConfigurationFile.Problem(place: place, message: "\"\(text)\" is not an IP address")
        }
        return address
    }

    func elements() throws(ConfigurationFile.Problem) -> [JSONField] {
        guard case .array(let elements) = value else { throw problem("an array") }
        return elements.enumerated().map { JSONField(value: $1, place: "\(place)[\($0)]") }
    }
}

extension JSONFields {
    init(_ field: JSONField, path: String) {
        self.init(field.value, path: path)
    }
}
