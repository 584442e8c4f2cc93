import IPVS

/// Modifiers of the list and save views.
public struct ListOptions: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let numeric = ListOptions(rawValue: 1 << 0)
    public static let stats = ListOptions(rawValue: 1 << 1)
    public static let rate = ListOptions(rawValue: 1 << 2)
    public static let thresholds = ListOptions(rawValue: 1 << 3)
    public static let persistentConnections = ListOptions(rawValue: 1 << 4)
    public static let noSort = ListOptions(rawValue: 1 << 5)
    public static let exact = ListOptions(rawValue: 1 << 6)
    public static let tunnelInfo = ListOptions(rawValue: 1 << 7)
    /// `--json` (an extension): one JSON document instead of text.
    public static let json = ListOptions(rawValue: 1 << 8)
}

/// What `-L` shows.
public enum ListTarget: Sendable, Hashable {
    case table
    case service(ServiceKey)
    case connections
    case timeouts
    case daemons
}

/// One ipvsadm command line, parsed and validated.
public enum AdminCommand: Sendable, Hashable {
    /// A command that is one request to the IPVS table.
    case request(IPVSRequest)
    case list(ListTarget, ListOptions)
    case save(ListOptions)
    case restore
    /// `--apply FILE` (an extension): make the table equal to the file, draining real
    /// servers that go away for up to `drainSeconds`.
    case apply(file: String, drainSeconds: Int?)
    /// `--diff FILE` (an extension): print the requests `--apply` would send.
    case diff(file: String)
    case help
    case version
}

/// Why a command line was refused, and how ipvsadm reacts to it.
public enum CommandLineError: Error, Sendable, Hashable {
    /// A usage or validation error: the message, then exit with the status (2),
    /// even in the middle of a restore.
    case fatal(String, status: Int32)
    /// Nothing that names a command came first: print the "Try ... -h" hint, exit 255.
    case tryHelp
    /// popt rejected an option's syntax: "WORD: reason"; the line fails with 255,
    /// and a restore carries on with its next line.
    case optionSyntax(word: String, reason: String)
}
