/// What an option spelled on the command line means to the scanner.
enum OptionTag: Hashable, Sendable {
    // Commands.
    case addService, editService, deleteService, clear, list, zero
    case addServer, editServer, deleteServer, set, help, version, restore, save
    case startDaemon, stopDaemon
    // Options.
    case tcpService, udpService, sctpService, fwmarkService
    case scheduler, persistent, netmask, realServer
    case masquerading, ipip, gatewaying, weight, upperThreshold, lowerThreshold
    case numeric, connection, mcastInterface, syncID, timeout, daemon
    case stats, rate, thresholds, persistentConnections, noSort, sort, exact, ipv6, onePacket
    case persistenceEngine, schedulerFlags, mcastGroup, mcastPort, mcastTTL, syncMaxLength
    case tunnelInfo, tunnelType, tunnelPort, tunnelNoChecksum, tunnelChecksum, tunnelRemoteChecksum
}

enum ArgumentKind: Sendable {
    case none, required, optional
}

/// One row of the option table: how ipvsadm 1.31 spells an option and whether it takes a value.
struct OptionSpec: Sendable {
    let long: String
    let short: Character?
    let argument: ArgumentKind
    let tag: OptionTag
}

/// ipvsadm 1.31's options, in its order (the order matters only for duplicate long names).
let optionTable: [OptionSpec] = [
    OptionSpec(long: "add-service", short: "A", argument: .none, tag: .addService),
    OptionSpec(long: "edit-service", short: "E", argument: .none, tag: .editService),
    OptionSpec(long: "delete-service", short: "D", argument: .none, tag: .deleteService),
    OptionSpec(long: "clear", short: "C", argument: .none, tag: .clear),
    OptionSpec(long: "list", short: "L", argument: .none, tag: .list),
    OptionSpec(long: "list", short: "l", argument: .none, tag: .list),
    OptionSpec(long: "zero", short: "Z", argument: .none, tag: .zero),
    OptionSpec(long: "add-server", short: "a", argument: .none, tag: .addServer),
    OptionSpec(long: "edit-server", short: "e", argument: .none, tag: .editServer),
    OptionSpec(long: "delete-server", short: "d", argument: .none, tag: .deleteServer),
    OptionSpec(long: "set", short: nil, argument: .none, tag: .set),
    OptionSpec(long: "help", short: "h", argument: .none, tag: .help),
    OptionSpec(long: "version", short: "v", argument: .none, tag: .version),
    OptionSpec(long: "restore", short: "R", argument: .none, tag: .restore),
    OptionSpec(long: "save", short: "S", argument: .none, tag: .save),
    OptionSpec(long: "start-daemon", short: nil, argument: .required, tag: .startDaemon),
    OptionSpec(long: "stop-daemon", short: nil, argument: .required, tag: .stopDaemon),
    OptionSpec(long: "tcp-service", short: "t", argument: .required, tag: .tcpService),
    OptionSpec(long: "udp-service", short: "u", argument: .required, tag: .udpService),
    OptionSpec(long: "sctp-service", short: nil, argument: .required, tag: .sctpService),
    OptionSpec(long: "fwmark-service", short: "f", argument: .required, tag: .fwmarkService),
    OptionSpec(long: "scheduler", short: "s", argument: .required, tag: .scheduler),
    OptionSpec(long: "persistent", short: "p", argument: .optional, tag: .persistent),
    OptionSpec(long: "netmask", short: "M", argument: .required, tag: .netmask),
    OptionSpec(long: "real-server", short: "r", argument: .required, tag: .realServer),
    OptionSpec(long: "masquerading", short: "m", argument: .none, tag: .masquerading),
    OptionSpec(long: "ipip", short: "i", argument: .none, tag: .ipip),
    OptionSpec(long: "gatewaying", short: "g", argument: .none, tag: .gatewaying),
    OptionSpec(long: "weight", short: "w", argument: .required, tag: .weight),
    OptionSpec(long: "u-threshold", short: "x", argument: .required, tag: .upperThreshold),
    OptionSpec(long: "l-threshold", short: "y", argument: .required, tag: .lowerThreshold),
    OptionSpec(long: "numeric", short: "n", argument: .none, tag: .numeric),
    OptionSpec(long: "connection", short: "c", argument: .none, tag: .connection),
    OptionSpec(long: "mcast-interface", short: nil, argument: .required, tag: .mcastInterface),
    OptionSpec(long: "syncid", short: nil, argument: .required, tag: .syncID),
    OptionSpec(long: "timeout", short: nil, argument: .none, tag: .timeout),
    OptionSpec(long: "daemon", short: nil, argument: .none, tag: .daemon),
    OptionSpec(long: "stats", short: nil, argument: .none, tag: .stats),
    OptionSpec(long: "rate", short: nil, argument: .none, tag: .rate),
    OptionSpec(long: "thresholds", short: nil, argument: .none, tag: .thresholds),
    OptionSpec(long: "persistent-conn", short: nil, argument: .none, tag: .persistentConnections),
    OptionSpec(long: "nosort", short: nil, argument: .none, tag: .noSort),
    OptionSpec(long: "sort", short: nil, argument: .none, tag: .sort),
    OptionSpec(long: "exact", short: "X", argument: .none, tag: .exact),
    OptionSpec(long: "ipv6", short: "6", argument: .none, tag: .ipv6),
    OptionSpec(long: "ops", short: "o", argument: .none, tag: .onePacket),
    OptionSpec(long: "pe", short: nil, argument: .required, tag: .persistenceEngine),
    OptionSpec(long: "sched-flags", short: "b", argument: .required, tag: .schedulerFlags),
    OptionSpec(long: "mcast-group", short: nil, argument: .required, tag: .mcastGroup),
    OptionSpec(long: "mcast-port", short: nil, argument: .required, tag: .mcastPort),
    OptionSpec(long: "mcast-ttl", short: nil, argument: .required, tag: .mcastTTL),
    OptionSpec(long: "sync-maxlen", short: nil, argument: .required, tag: .syncMaxLength),
    OptionSpec(long: "tun-info", short: nil, argument: .none, tag: .tunnelInfo),
    OptionSpec(long: "tun-type", short: nil, argument: .required, tag: .tunnelType),
    OptionSpec(long: "tun-port", short: nil, argument: .required, tag: .tunnelPort),
    OptionSpec(long: "tun-nocsum", short: nil, argument: .none, tag: .tunnelNoChecksum),
    OptionSpec(long: "tun-csum", short: nil, argument: .none, tag: .tunnelChecksum),
    OptionSpec(long: "tun-remcsum", short: nil, argument: .none, tag: .tunnelRemoteChecksum),
]

/// Lookups into `optionTable`; a restore parses tens of thousands of lines.
let optionsByLongName: [Substring: OptionSpec] = {
    var table: [Substring: OptionSpec] = [:]
    for spec in optionTable where table[Substring(spec.long)] == nil { table[Substring(spec.long)] = spec }
    return table
}()

let optionsByShortName: [UInt8: OptionSpec] = {
    var table: [UInt8: OptionSpec] = [:]
    for spec in optionTable {
        if let short = spec.short?.asciiValue { table[short] = spec }
    }
    return table
}()

/// The commands, in the order of ipvsadm's legality table.
enum CommandKind: Int, CaseIterable, Sendable {
    case add, edit, delete, flush, list, addServer, deleteServer, editServer
    case timeout, startDaemon, stopDaemon, restore, save, zero

    /// The name ipvsadm's messages use.
    var name: String {
        ["add-service", "edit-service", "delete-service", "flush", "list", "add-server", "delete-server",
         "edit-server", "set", "start-daemon", "stop-daemon", "restore", "save", "zero"][rawValue]
    }
}

/// Options that the legality table tracks, in ipvsadm's order (its message order follows it).
enum TrackedOption: Int, CaseIterable, Sendable {
    case numeric, connection, service, scheduler, persistent, netmask, server, forward, weight
    case upperThreshold, lowerThreshold, mcastInterface, timeout, daemon, stats, rate, thresholds
    case persistentConnections, noSort, syncID, exact, onePacket, persistenceEngine, schedulerFlags
    case mcastGroup, mcastPort, mcastTTL, syncMaxLength, tunnelInfo, tunnelType, tunnelPort
    case tunnelNoChecksum, tunnelChecksum, tunnelRemoteChecksum

    var name: String {
        ["numeric", "connection", "service-address", "scheduler", "persistent", "netmask", "real-server",
         "forwarding-method", "weight", "u-threshold", "l-threshold", "mcast-interface", "timeout", "daemon",
         "stats", "rate", "thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
         "sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen", "tun-info", "tun-type",
         "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum"][rawValue]
    }
}

/// Which options each command takes: '+' required, 'x' illegal, '1' at most one of
/// the '1's, ' ' optional. One column per `TrackedOption`, one row per `CommandKind`.
let commandOptionRules: [[UInt8]] = {
    let rows: [(CommandKind, String)] = [
        //            n  c  svc s  p  M  r  fwd w  x  y  mc to dm st rt th pc ns si ex op pe b  gp pt tl ml ti tt tp tn tc tr
        (.add,          "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx"),
        (.edit,         "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx"),
        (.delete,       "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.flush,        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.list,         " 11xxxxxxxxx11       xxxxxxx xxxxx"),
        (.addServer,    "xx+xxx+    xxxxxxxxxxxxxxxxxx     "),
        (.deleteServer, "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.editServer,   "xx+xxx+    xxxxxxxxxxxxxxxxxx     "),
        (.timeout,      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.startDaemon,  "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx"),
        (.stopDaemon,   "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx"),
        (.restore,      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.save,         " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (.zero,         "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ]
    var table = [[UInt8]](repeating: [], count: CommandKind.allCases.count)
    for (command, row) in rows {
        precondition(row.count == TrackedOption.allCases.count, "rule row for \(command) has \(row.count) columns")
        table[command.rawValue] = Array(row.utf8)
    }
    return table
}()

/// A set of `TrackedOption`s as one word: the legality check runs once per parsed line.
struct TrackedOptions: Equatable {
    private(set) var bits: UInt64 = 0

    func contains(_ option: TrackedOption) -> Bool { bits & (1 << UInt64(option.rawValue)) != 0 }

    /// Inserts `option`; false if it was already there.
    mutating func insert(_ option: TrackedOption) -> Bool {
        let bit: UInt64 = 1 << UInt64(option.rawValue)
        defer { bits |= bit }
        return bits & bit == 0
    }

    func containsAny(_ options: [TrackedOption]) -> Bool { options.contains(where: contains) }
}

/// Tunnel options checked per tunnel type, in the same notation.
let tunnelOptionColumns: [TrackedOption] = [.tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum]
let tunnelOptionRules: [(name: String, rule: [Character])] = [
    ("ipip", Array("xxxx")),
    ("gue", Array("+111")),
    ("gre", Array("x11x")),
]
