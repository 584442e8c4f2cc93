/// The command an invocation names with its first option. Declared in the order of
/// ipvsadm's legality table, which each option's `accepts` marks follow.
enum Command: Int, CaseIterable, Sendable {
    case addService, editService, deleteService, flush, list
    case addDestination, deleteDestination, editDestination
    case setTimeouts, startDaemon, stopDaemon, restore, save, zero
}

/// A column of ipvsadm's legality table: one option, or several that are one choice
/// (`-t/-u/--sctp-service/-f`, `-m/-i/-g`). Both fields are ipvsadm's: `position` is the
/// column's place, which decides which of several messages comes first, and `name` is
/// what its messages call the option.
struct OptionColumn: Hashable, Sendable {
    let position: Int
    let name: String

    private init(_ position: Int, _ name: String) {
        self.position = position
        self.name = name
    }

    static let numeric = Self(0, "numeric")
    static let connection = Self(1, "connection")
    static let serviceAddress = Self(2, "service-address")
    static let scheduler = Self(3, "scheduler")
    static let persistent = Self(4, "persistent")
    static let netmask = Self(5, "netmask")
    static let realServer = Self(6, "real-server")
    static let forwardingMethod = Self(7, "forwarding-method")
    static let weight = Self(8, "weight")
    static let upperThreshold = Self(9, "u-threshold")
    static let lowerThreshold = Self(10, "l-threshold")
    static let mcastInterface = Self(11, "mcast-interface")
    static let timeout = Self(12, "timeout")
    static let daemon = Self(13, "daemon")
    static let stats = Self(14, "stats")
    static let rate = Self(15, "rate")
    static let thresholds = Self(16, "thresholds")
    static let persistentConnections = Self(17, "persistent-conn")
    static let noSort = Self(18, "nosort")
    static let syncID = Self(19, "syncid")
    static let exact = Self(20, "exact")
    static let onePacket = Self(21, "ops")
    static let persistenceEngine = Self(22, "pe")
    static let schedulerFlags = Self(23, "sched-flags")
    static let mcastGroup = Self(24, "mcast-group")
    static let mcastPort = Self(25, "mcast-port")
    static let mcastTTL = Self(26, "mcast-ttl")
    static let syncMaxLength = Self(27, "sync-maxlen")
    static let tunnelInfo = Self(28, "tun-info")
    static let tunnelType = Self(29, "tun-type")
    static let tunnelPort = Self(30, "tun-port")
    static let tunnelNoChecksum = Self(31, "tun-nocsum")
    static let tunnelChecksum = Self(32, "tun-csum")
    static let tunnelRemoteChecksum = Self(33, "tun-remcsum")
}

/// A set of `OptionColumn`s as one word: the legality check runs once per parsed line.
struct OptionColumns: Equatable {
    private(set) var bits: UInt64 = 0

    init() {}

    init(_ columns: [OptionColumn]) {
        for column in columns { _ = insert(column) }
    }

    func contains(_ column: OptionColumn) -> Bool { bits & (1 << UInt64(column.position)) != 0 }

    /// Inserts `column`; false if it was already there.
    mutating func insert(_ column: OptionColumn) -> Bool {
        let bit: UInt64 = 1 << UInt64(column.position)
        defer { bits |= bit }
        return bits & bit == 0
    }

    func containsAny(_ columns: OptionColumns) -> Bool { bits & columns.bits != 0 }
}

enum ArgumentKind: Sendable {
    case none, required, optional
}

/// What an option does to the parser, and so whether it takes a value.
enum OptionEffect: Sendable {
    /// Nothing beyond its legality column and list flags.
    case nothing
    case flag(@Sendable (inout CommandLineParser) throws(CommandLineError) -> Void)
    case value(@Sendable (inout CommandLineParser, String) throws(CommandLineError) -> Void)
    /// A value that may be left out (`-p`): nil then.
    case optionalValue(@Sendable (inout CommandLineParser, String?) throws(CommandLineError) -> Void)

    var argument: ArgumentKind {
        switch self {
        case .nothing, .flag: return .none
        case .value: return .required
        case .optionalValue: return .optional
        }
    }
}

/// What an option is to ipvsadm.
enum OptionMeaning: Sendable {
    /// Names the command; only the first option may. `messageName` is what messages call it.
    case command(Command, messageName: String)
    case help
    case version
    /// Describes the command. Counted in `column` of the legality table (none for `-6`
    /// and `--sort`, which ipvsadm does not check), with one mark per `Command`.
    case setting(OptionColumn?, accepts: [UInt8])
    /// An extension (not in ipvsadm) that names a command of its own; only the first option may.
    case extensionCommand(ExtensionCommand)
    /// An extension setting, legal with the commands listed (nil: with every command);
    /// it may also come before the command.
    case extensionSetting(legalWith: Set<InvocationKind>?)
}

/// The commands of the extensions: no ipvsadm command line names them.
enum ExtensionCommand: Sendable, Hashable {
    case apply, diff
}

/// What an invocation does: one of ipvsadm's commands or an extension's.
enum InvocationKind: Sendable, Hashable {
    case ipvsadm(Command)
    case extensionCommand(ExtensionCommand)
}

/// The sections of the `-h` text.
enum HelpSection: Sendable {
    case commands, virtualService, options, daemonOptions

    var heading: String {
        switch self {
        case .commands: return "\nCommands:\nEither long or short options are allowed.\n"
        case .virtualService: return "\nvirtual-service:\n"
        case .options: return "\nOptions:\n"
        case .daemonOptions: return "Daemon Options:\n"
        }
    }

    /// Where descriptions start, after the two-blank indent.
    var descriptionColumn: Int { self == .commands ? 28 : 36 }
}

/// An option's lines in the `-h` text: its synopsis and a description, whose further
/// lines ("\n"-separated) line up under the first.
struct HelpLine: Sendable {
    let section: HelpSection
    let synopsis: String
    let description: String

    static func command(_ synopsis: String, _ description: String) -> Self {
        Self(section: .commands, synopsis: synopsis, description: description)
    }

    static func virtualService(_ synopsis: String, _ description: String) -> Self {
        Self(section: .virtualService, synopsis: synopsis, description: description)
    }

    static func option(_ synopsis: String, _ description: String) -> Self {
        Self(section: .options, synopsis: synopsis, description: description)
    }

    static func daemon(_ synopsis: String, _ description: String) -> Self {
        Self(section: .daemonOptions, synopsis: synopsis, description: description)
    }
}

/// One option of ipvsadm 1.31: everything the scanner, the parser, the legality check
/// and `-h` need to know about it. A class: the scanner hands out rows from dictionaries
/// for every word of every restore line, and a reference is cheaper to copy.
final class Option: Sendable, Equatable, CustomStringConvertible {
    let long: String
    /// Short spellings, e.g. "Ll" for `-L` and `-l`.
    let shorts: String
    let meaning: OptionMeaning
    /// List flags (`ListOptions`) the option turns on.
    let listing: ListOptions
    let effect: OptionEffect
    /// nil for the one option `-h` does not show (`--version`).
    let help: HelpLine?

    init(
        long: String, shorts: String, meaning: OptionMeaning, listing: ListOptions, effect: OptionEffect,
        help: HelpLine?
    ) {
        self.long = long
        self.shorts = shorts
        self.meaning = meaning
        self.listing = listing
        self.effect = effect
        self.help = help
    }

    var argument: ArgumentKind { effect.argument }

    static func == (lhs: Option, rhs: Option) -> Bool { lhs === rhs }

    var description: String { "--" + long }

    static func command(
        _ command: Command, _ long: String, _ shorts: String = "", messageName: String? = nil,
        effect: OptionEffect = .nothing, help: HelpLine
    ) -> Option {
        Option(long: long, shorts: shorts, meaning: .command(command, messageName: messageName ?? long), listing: [],
               effect: effect, help: help)
    }

    /// `accepts`: one mark per `Command`: '+' required, 'x' illegal, '1' at most one of the
    /// command's '1' options, ' ' optional.
    static func setting(
        _ long: String, _ shorts: String = "", column: OptionColumn?, accepts: String = "", listing: ListOptions = [],
        _ effect: OptionEffect = .nothing, help: HelpLine
    ) -> Option {
        precondition(
            column == nil ? accepts.isEmpty : accepts.utf8.count == Command.allCases.count,
            "--\(long): one legality mark per command, with a column")
        return Option(long: long, shorts: shorts, meaning: .setting(column, accepts: Array(accepts.utf8)),
                      listing: listing, effect: effect, help: help)
    }
}

extension CommandLineParser {
    /// ipvsadm 1.31's options, in the order of its `-h` text.
    static let options: [Option] = [
        .command(.addService, "add-service", "A",
                 help: .command("--add-service     -A", "add virtual service with options")),
        .command(.editService, "edit-service", "E",
                 help: .command("--edit-service    -E", "edit virtual service with options")),
        .command(.deleteService, "delete-service", "D",
                 help: .command("--delete-service  -D", "delete virtual service")),
        .command(.flush, "clear", "C", messageName: "flush",
                 help: .command("--clear           -C", "clear the whole table")),
        .command(.restore, "restore", "R", help: .command("--restore         -R", "restore rules from stdin")),
        .command(.save, "save", "S", help: .command("--save            -S", "save rules to stdout")),
        .command(.addDestination, "add-server", "a",
                 help: .command("--add-server      -a", "add real server with options")),
        .command(.editDestination, "edit-server", "e",
                 help: .command("--edit-server     -e", "edit real server with options")),
        .command(.deleteDestination, "delete-server", "d",
                 help: .command("--delete-server   -d", "delete real server")),
        .command(.list, "list", "Ll", help: .command("--list            -L|-l", "list the table")),
        .command(.zero, "zero", "Z",
                 help: .command("--zero            -Z", "zero counters in a service or all services")),
        .command(.setTimeouts, "set", help: .command("--set tcp tcpfin udp", "set connection timeout values")),
        .command(.startDaemon, "start-daemon", effect: .value(readStartDaemon),
                 help: .command("--start-daemon", "start connection sync daemon")),
        .command(.stopDaemon, "stop-daemon", effect: .value(readStopDaemon),
                 help: .command("--stop-daemon", "stop connection sync daemon")),
        Option(long: "help", shorts: "h", meaning: .help, listing: [], effect: .nothing,
               help: .command("--help            -h", "display this help message")),
        Option(long: "version", shorts: "v", meaning: .version, listing: [], effect: .nothing, help: nil),

        // accepts: one mark per command, in `Command`'s order: -A -E -D -C -L -a -d -e --set
        // --start-daemon --stop-daemon -R -S -Z.
        .setting("tcp-service", "t", column: .serviceAddress, accepts: "+++x1+++xxxxx ", .value(readTCPService),
                 help: .virtualService("--tcp-service|-t  service-address", "service-address is host[:port]")),
        .setting("udp-service", "u", column: .serviceAddress, accepts: "+++x1+++xxxxx ", .value(readUDPService),
                 help: .virtualService("--udp-service|-u  service-address", "service-address is host[:port]")),
        .setting("sctp-service", column: .serviceAddress, accepts: "+++x1+++xxxxx ", .value(readSCTPService),
                 help: .virtualService("--sctp-service    service-address", "service-address is host[:port]")),
        .setting("fwmark-service", "f", column: .serviceAddress, accepts: "+++x1+++xxxxx ", .value(readFirewallMark),
                 help: .virtualService("--fwmark-service|-f fwmark", "fwmark is an integer greater than zero")),

        .setting("ipv6", "6", column: nil, .flag(useIPv6),
                 help: .option("--ipv6         -6", "fwmark entry uses IPv6")),
        .setting("scheduler", "s", column: .scheduler, accepts: "  xxxxxxxxxxxx", .value(readScheduler),
                 help: .option("--scheduler    -s scheduler",
                               "one of \(Usage.schedulers),\nthe default scheduler is wlc.")),
        .setting("pe", column: .persistenceEngine, accepts: "  xxxxxxxxxxxx", .value(readPersistenceEngine),
                 help: .option("--pe            engine",
                               "alternate persistence engine may be \(Usage.persistenceEngines),\n"
                                   + "not set by default.")),
        .setting("persistent", "p", column: .persistent, accepts: "  xxxxxxxxxxxx", .optionalValue(readPersistence),
                 help: .option("--persistent   -p [timeout]", "persistent service")),
        .setting("netmask", "M", column: .netmask, accepts: "  xxxxxxxxxxxx", .value(readNetmask),
                 help: .option("--netmask      -M netmask", "persistent granularity mask")),
        .setting("real-server", "r", column: .realServer, accepts: "xxxxx+++xxxxxx", .value(readRealServer),
                 help: .option("--real-server  -r server-address", "server-address is host (and port)")),
        .setting("gatewaying", "g", column: .forwardingMethod, accepts: "xxxxx x xxxxxx", .flag(useDirectRouting),
                 help: .option("--gatewaying   -g", "gatewaying (direct routing) (default)")),
        .setting("ipip", "i", column: .forwardingMethod, accepts: "xxxxx x xxxxxx", .flag(useTunneling),
                 help: .option("--ipip         -i", "ipip encapsulation (tunneling)")),
        .setting("masquerading", "m", column: .forwardingMethod, accepts: "xxxxx x xxxxxx", .flag(useMasquerading),
                 help: .option("--masquerading -m", "masquerading (NAT)")),
        .setting("tun-type", column: .tunnelType, accepts: "xxxxx x xxxxxx", .value(readTunnelType),
                 help: .option("--tun-type      type", "one of ipip|gue|gre,\nthe default tunnel type is ipip.")),
        .setting("tun-port", column: .tunnelPort, accepts: "xxxxx x xxxxxx", .value(readTunnelPort),
                 help: .option("--tun-port      port", "tunnel destination port")),
        .setting("tun-nocsum", column: .tunnelNoChecksum, accepts: "xxxxx x xxxxxx",
                 help: .option("--tun-nocsum", "tunnel encapsulation without checksum")),
        .setting("tun-csum", column: .tunnelChecksum, accepts: "xxxxx x xxxxxx", .flag(useTunnelChecksum),
                 help: .option("--tun-csum", "tunnel encapsulation with checksum")),
        .setting("tun-remcsum", column: .tunnelRemoteChecksum, accepts: "xxxxx x xxxxxx",
                 .flag(useTunnelRemoteChecksum),
                 help: .option("--tun-remcsum", "tunnel encapsulation with remote checksum")),
        .setting("weight", "w", column: .weight, accepts: "xxxxx x xxxxxx", .value(readWeight),
                 help: .option("--weight       -w weight", "capacity of real server")),
        .setting("u-threshold", "x", column: .upperThreshold, accepts: "xxxxx x xxxxxx", .value(readUpperThreshold),
                 help: .option("--u-threshold  -x uthreshold", "upper threshold of connections")),
        .setting("l-threshold", "y", column: .lowerThreshold, accepts: "xxxxx x xxxxxx", .value(readLowerThreshold),
                 help: .option("--l-threshold  -y lthreshold", "lower threshold of connections")),
        .setting("connection", "c", column: .connection, accepts: "xxxx1xxxxxxxxx",
                 help: .option("--connection   -c", "output of current IPVS connections")),
        .setting("timeout", column: .timeout, accepts: "xxxx1xxxxxxxxx",
                 help: .option("--timeout", "output of timeout (tcp tcpfin udp)")),
        .setting("daemon", column: .daemon, accepts: "xxxx1xxxxxxxxx",
                 help: .option("--daemon", "output of daemon information")),
        .setting("stats", column: .stats, accepts: "xxxx xxxxxxxxx", listing: .stats,
                 help: .option("--stats", "output of statistics information")),
        .setting("rate", column: .rate, accepts: "xxxx xxxxxxxxx", listing: .rate,
                 help: .option("--rate", "output of rate information")),
        .setting("exact", "X", column: .exact, accepts: "xxxx xxxxxxxxx", listing: .exact,
                 help: .option("--exact", "expand numbers (display exact values)")),
        .setting("thresholds", column: .thresholds, accepts: "xxxx xxxxxxxxx", listing: .thresholds,
                 help: .option("--thresholds", "output of thresholds information")),
        .setting("persistent-conn", column: .persistentConnections, accepts: "xxxx xxxxxxxxx",
                 listing: .persistentConnections,
                 help: .option("--persistent-conn", "output of persistent connection info")),
        .setting("tun-info", column: .tunnelInfo, accepts: "xxxx xxxxxxxxx", listing: .tunnelInfo,
                 help: .option("--tun-info", "output of tunnel information")),
        .setting("nosort", column: .noSort, accepts: "xxxx xxxxxxxxx", listing: .noSort,
                 help: .option("--nosort", "disable sorting output of service/server entries")),
        .setting("sort", column: nil, help: .option("--sort", "does nothing, for backwards compatibility")),
        .setting("ops", "o", column: .onePacket, accepts: "  xxxxxxxxxxxx", .flag(useOnePacketScheduling),
                 help: .option("--ops          -o", "one-packet scheduling")),
        .setting("numeric", "n", column: .numeric, accepts: "xxxx xxxxxxx x", listing: .numeric,
                 help: .option("--numeric      -n", "numeric output of addresses and ports")),
        .setting("sched-flags", "b", column: .schedulerFlags, accepts: "  xxxxxxxxxxxx", .value(readSchedulerFlags),
                 help: .option("--sched-flags  -b flags", "scheduler flags (comma-separated)")),

        .setting("syncid", column: .syncID, accepts: "xxxx xxxx  xxx", .value(readSyncID),
                 help: .daemon("--syncid sid", "syncid for connection sync (default=255)")),
        .setting("sync-maxlen", column: .syncMaxLength, accepts: "xxxxxxxxx xxxx", .value(readSyncMaxLength),
                 help: .daemon("--sync-maxlen length", "Max sync message length (default=1472)")),
        .setting("mcast-interface", column: .mcastInterface, accepts: "xxxxxxxxx xxxx", .value(readMulticastInterface),
                 help: .daemon("--mcast-interface interface", "multicast interface for connection sync")),
        .setting("mcast-group", column: .mcastGroup, accepts: "xxxxxxxxx xxxx", .value(readMulticastGroup),
                 help: .daemon("--mcast-group address", "IPv4/IPv6 group (default=224.0.0.81)")),
        .setting("mcast-port", column: .mcastPort, accepts: "xxxxxxxxx xxxx", .value(readMulticastPort),
                 help: .daemon("--mcast-port port", "UDP port (default=8848)")),
        .setting("mcast-ttl", column: .mcastTTL, accepts: "xxxxxxxxx xxxx", .value(readMulticastTTL),
                 help: .daemon("--mcast-ttl ttl", "Multicast TTL (default=1)")),

        // Extensions: long options ipvsadm does not have. `-h` shows ipvsadm's text only;
        // the manual page and the README describe these.
        Option(long: "json", shorts: "", meaning: .extensionSetting(legalWith: [.ipvsadm(.list), .ipvsadm(.save)]),
               listing: [.json, .numeric], effect: .nothing, help: nil),
        Option(long: "apply", shorts: "", meaning: .extensionCommand(.apply), listing: [],
               effect: .value(readConfigurationFile), help: nil),
        Option(long: "diff", shorts: "", meaning: .extensionCommand(.diff), listing: [],
               effect: .value(readConfigurationFile), help: nil),
        Option(long: "dry-run", shorts: "", meaning: .extensionCommand(.diff), listing: [],
               effect: .value(readConfigurationFile), help: nil),
        Option(long: "drain", shorts: "", meaning: .extensionSetting(legalWith: [.extensionCommand(.apply)]),
               listing: [], effect: .value(readDrainSeconds), help: nil),
        // Entered before the command line is parsed (see `NamespaceArgument`); here only checked.
        Option(long: "netns", shorts: "", meaning: .extensionSetting(legalWith: nil), listing: [],
               effect: .value(readNamespace), help: nil),
    ]
}

// MARK: Derived from the table

/// The scanner's lookups; a restore parses tens of thousands of lines.
let optionsByLongName: [Substring: Option] = {
    var table: [Substring: Option] = [:]
    for option in CommandLineParser.options {
        precondition(table.updateValue(option, forKey: Substring(option.long)) == nil, "--\(option.long) twice")
    }
    return table
}()

let optionsByShortName: [UInt8: Option] = {
    var table: [UInt8: Option] = [:]
    for option in CommandLineParser.options {
        for short in option.shorts.utf8 {
            precondition(table.updateValue(option, forKey: short) == nil, "-\(UnicodeScalar(short)) twice")
        }
    }
    return table
}()

/// The legality table's columns, in order: every column some option names.
let legalityColumns: [OptionColumn] = {
    var columns: [OptionColumn] = []
    for option in CommandLineParser.options {
        if case .setting(let column?, _) = option.meaning, !columns.contains(column) { columns.append(column) }
    }
    columns.sort { $0.position < $1.position }
    precondition(columns.map(\.position) == Array(0..<columns.count), "legality columns must be 0, 1, 2, ...")
    return columns
}()

/// A command's name in messages, and its row of the legality table: one mark per column.
struct CommandRule: Sendable {
    let name: String
    let marks: [UInt8]
}

/// Indexed by `Command.rawValue`.
let commandRules: [CommandRule] = {
    var names = [String?](repeating: nil, count: Command.allCases.count)
    var marks = [[UInt8]](repeating: [UInt8](repeating: 0, count: legalityColumns.count), count: Command.allCases.count)
    var marksOfColumn: [OptionColumn: [UInt8]] = [:]
    for option in CommandLineParser.options {
        switch option.meaning {
        case .command(let command, let messageName):
            names[command.rawValue] = messageName
        case .setting(let column?, let accepts):
            // Options that share a column are one choice: they must agree on where it is legal.
            precondition(marksOfColumn.updateValue(accepts, forKey: column) ?? accepts == accepts,
                         "--\(option.long) disagrees with its column's other options")
            for command in Command.allCases { marks[command.rawValue][column.position] = accepts[command.rawValue] }
        case .setting(nil, _), .help, .version, .extensionCommand, .extensionSetting:
            continue
        }
    }
    return Command.allCases.map { CommandRule(name: names[$0.rawValue]!, marks: marks[$0.rawValue]) }
}()

extension Command {
    var rule: CommandRule { commandRules[rawValue] }
}

/// ipvsadm's second legality table, in the same notation: the tunnel options each tunnel
/// type takes. Indexed by `TunnelType.rawValue`.
let tunnelTypeRules: [(name: String, marks: [UInt8])] = [
    ("ipip", Array("xxxx".utf8)),
    ("gue", Array("+111".utf8)),
    ("gre", Array("x11x".utf8)),
]
let tunnelTypeColumns: [OptionColumn] = [.tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum]

/// ipvsadm's legality check, for either table: in column order, a required option
/// missing, an illegal one given, or a second of the exclusive ('1') ones is an error.
/// `subject` and `kind` name the row in messages ("'list' command", "'gue' tunnel type").
func checkLegality(
    of given: OptionColumns, columns: [OptionColumn], marks: [UInt8], subject: String, kind: String
) throws(CommandLineError) {
    // By index, touching a column's name only for a message: this runs for every parsed line.
    var firstExclusive: Int?
    for index in marks.indices {
        let mark = marks[index]
        if mark == UInt8(ascii: " ") { continue }
        if !given.contains(columns[index]) {
            if mark == UInt8(ascii: "+") {
                throw .fatal(
                    "You need to supply the '\(columns[index].name)' option for the '\(subject)' \(kind)", status: 2)
            }
            continue
        }
        if mark == UInt8(ascii: "x") {
            throw .fatal("Illegal '\(columns[index].name)' option with the '\(subject)' \(kind)", status: 2)
        }
        if mark == UInt8(ascii: "1") {
            if let first = firstExclusive {
                let (option, earlier) = (columns[index].name, columns[first].name)
                throw .fatal(
                    "The option '\(option)' conflicts with the '\(earlier)' option in the '\(subject)' \(kind)", status: 2)
            }
            firstExclusive = index
        }
    }
}
