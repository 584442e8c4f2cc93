import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs ipvsadm command lines against an IPVS table, writing what ipvsadm 1.31 writes
/// and returning its exit status. The table is any `IPVSControl`: the kernel's
/// (`IPVSClient`) or a test double.
public final class AdminSession {
    /// Ends the whole run with a status, as ipvsadm's exit() does (even inside a restore).
    struct Exit: Error {
        let status: Int32
    }

    let control: IPVSControl
    let info: IPVSInfo
    let program: String
    let output: OutputSink
    let errors: OutputSink
    /// What `-R` reads.
    let restoreInput: RestoreSource
    /// The kernel's connection table (`ConnectionTable.read` for the kernel's).
    let readConnections: () throws(IPVSError) -> [Connection]
    /// Requests gathered from restore lines before they go to the kernel as one batch.
    static let restoreBatchSize = 256

    public init(
        control: IPVSControl, info: IPVSInfo, program: String, output: OutputSink, errors: OutputSink,
        restoreInput: RestoreSource, readConnections: @escaping () throws(IPVSError) -> [Connection]
    ) {
        self.control = control
        self.info = info
        self.program = program
        self.output = output
        self.errors = errors
        self.restoreInput = restoreInput
        self.readConnections = readConnections
    }

    /// Runs one invocation's arguments (without the program name); returns the exit status.
    /// The arguments are words in `ArgumentText`'s form (plain strings are).
    public func run(_ arguments: [String]) -> Int32 {
        var status: Int32
        do {
            if info.version < 0x01_01_04 {
                errors.write(
                    "Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version \(info.versionString)\n"
                        + "  ipvsadm v1.31  requires minimum IPVS version 1.1.4\n\n")
            }
            if arguments.isEmpty {
                try listTable(ListFormatter(options: []))
                status = 0
            } else {
                status = try execute(try parse(arguments), restoring: false)
            }
        } catch {
            status = error.status
        }
        output.flush()
        if let code = output.failure {
            // Not ipvsadm's: it ignores failed writes (see README's deviations).
            errors.write(ErrorMessages.writeFailed(program: program, code))
            if status == 0 { status = 1 }
        }
        errors.flush()
        return status & 0xff
    }

    private func parse(_ arguments: [String]) throws(Exit) -> AdminCommand? {
        do {
            return try CommandLineParser.parse(arguments)
        } catch {
            try report(error)
            return nil
        }
    }

    /// Prints a refused command line's message; ends the run where ipvsadm exits.
    private func report(_ error: CommandLineError) throws(Exit) {
        switch error {
        case .fatal(let message, let status):
            errors.write(message + "\n")
            throw Exit(status: status)
        case .tryHelp:
            throw tryHelp()
        case .optionSyntax(let word, let reason):
            errors.write("\(word): \(reason)\n")
        }
    }

    /// Prints a failed IPVS operation in ipvsadm's words.
    private func report(_ error: IPVSError) {
        errors.write(ErrorMessages.message(for: error) + "\n")
    }

    private func tryHelp() -> Exit {
        errors.write("Try `\(program) -h' or '\(program) --help' for more information.\n")
        return Exit(status: -1)
    }

    /// One command line; returns ipvsadm's result for it (0, or -1 for a failure).
    private func execute(_ command: AdminCommand?, restoring: Bool) throws(Exit) -> Int32 {
        switch command {
        case nil:
            return -1  // an option-syntax error, already reported
        case .request(let request)?:
            do {
                try control.perform(request)
                return 0
            } catch {
                report(error)
                return -1
            }
        case .help?:
            output.write(Usage.help(program: program))
            throw Exit(status: 0)
        case .version?:
            output.write(Usage.version())
            throw Exit(status: 0)
        case .restore?:
            if restoring { throw tryHelp() }
            return try restore()
        case .save(let options)? where options.contains(.json):
            do {
                try writeJSONTable(statistics: false)
            } catch {
                report(error)
                throw Exit(status: 1)
            }
            return 0
        case .save(let options)?:
            try listTable(RuleFormatter(options: options))
            return 0
        case .list(let target, let options)? where options.contains(.json):
            try listJSON(target)
            return 0
        case .list(let target, let options)?:
            try list(target, options)
            return 0
        case .apply(let file, let drainSeconds)?:
            if restoring { throw tryHelp() }
            try apply(file, drainSeconds: drainSeconds)
            return 0
        case .diff(let file)?:
            if restoring { throw tryHelp() }
            try diff(file)
            return 0
        }
    }

    // MARK: Listing

    private func list(_ target: ListTarget, _ options: ListOptions) throws(Exit) {
        switch target {
        case .table:
            try listTable(ListFormatter(options: options))
        case .service(let key):
            let formatter = ListFormatter(options: options)
            let service: Service
            do {
                service = try control.service(key)
            } catch {
                report(error)
                throw Exit(status: 1)
            }
            output.write(formatter.title)
            var text = ByteText()
            formatter.write(service, try destinations(of: service.key), to: &text)
            output.write(bytes: text.bytes)
        case .connections:
            try listConnections(options)
        case .timeouts:
            guard let timeouts = try? control.timeouts() else { throw Exit(status: 1) }
            output.write("Timeout (tcp tcpfin udp): \(Int32(bitPattern: timeouts.tcp)) "
                + "\(Int32(bitPattern: timeouts.tcpFin)) \(Int32(bitPattern: timeouts.udp))\n")
        case .daemons:
            guard let daemons = try? control.daemons() else { throw Exit(status: 1) }
            output.write(DaemonFormatter.lines(daemons))
        }
    }

    private func listTable(_ formatter: some TableFormatter) throws(Exit) {
        if formatter is ListFormatter { output.write(ListFormatter.versionLine(info)) }
        var services: [Service]
        // The default view needs nothing the kernel's text listing lacks: one read then
        // replaces a netlink dump per service. Its real servers are kept compactly as the
        // listing arrives (in the kernel's order of services) and written in place below.
        var store = SummaryStore()
        var summarizing = false
        do {
            if formatter.needsOnlyDestinationSummaries, let control = control as? SummarizingControl {
                summarizing = true
                services = try control.services(summarizingDestinations: { store.append($0, $1) })
            } else {
                services = try control.services()
            }
        } catch {
            report(error)
            throw Exit(status: 1)
        }
        services.removeRepeats(by: \.key)
        let positions = summarizing ? store.positions(of: services) : [Int?](repeating: nil, count: services.count)
        let order = formatter.options.contains(.noSort)
            ? Array(services.indices) : ReferenceOrder.sortedIndices(services)
        var text = ByteText(formatter.title)
        // Services in order: those the listing covered from the store, the others as their
        // real servers arrive (several dumps at once from the kernel's client).
        var next = 0
        func write(_ destinations: [Destination]) {
            formatter.write(services[order[next]], Self.firstOfEach(destinations), to: &text)
            next += 1
            flushIfLarge(&text)
        }
        func writeStored() {
            while next < order.count, let position = positions[order[next]] { write(store.destinations(at: position)) }
        }
        let unsummarized = order.filter { positions[$0] == nil }.map { services[$0].key }
        do {
            try control.destinations(ofEach: unsummarized) { _, destinations in
                writeStored()
                write(destinations)
            }
        } catch {
            output.write(bytes: text.bytes)  // ipvsadm has printed everything up to the failing service
            report(error)
            throw Exit(status: 1)
        }
        writeStored()
        output.write(bytes: text.bytes)
    }

    private func flushIfLarge(_ text: inout ByteText) {
        if text.count >= 1 << 16 {
            output.write(bytes: text.bytes)
            text.removeAll()
        }
    }

    private func destinations(of key: ServiceKey) throws(Exit) -> [Destination] {
        do {
            return Self.firstOfEach(try control.destinations(of: key))
        } catch {
            report(error)
            throw Exit(status: 1)
        }
    }

    /// The kernel's dumps come in parts, each resumed by counting entries (for services,
    /// those of every network namespace): an entry added ahead of that point meanwhile
    /// makes one come twice (one deleted, one go missing: see README). A listing shows
    /// each once, as first seen.
    static func firstOfEach(_ destinations: [Destination]) -> [Destination] {
        var destinations = destinations
        destinations.removeRepeats(by: \.key)
        return destinations
    }

    private func listConnections(_ options: ListOptions) throws(Exit) {
        let path = "/proc/net/ip_vs_conn"
        let connections: [Connection]
        do {
            connections = try readConnections()
        } catch {
            errors.write(error.code == EBADMSG ? "unexpected input from \(path)\n" : "cannot open file \(path)\n")
            throw Exit(status: 1)
        }
        output.write(ConnectionFormatter(options: options).format(connections))
    }

    // MARK: JSON views

    private func listJSON(_ target: ListTarget) throws(Exit) {
        if case .connections = target {
            guard let connections = try? readConnections() else {
                errors.write("cannot open file /proc/net/ip_vs_conn\n")
                throw Exit(status: 1)
            }
            output.write(bytes: TableDocument.write(connections: connections))
            return
        }
        do throws(IPVSError) {
            switch target {
            case .table:
                try writeJSONTable(statistics: true)
            case .service(let key):
                let service = try control.service(key)
                output.write(bytes: TableDocument.write(
                    services: [(service, Self.firstOfEach(try control.destinations(of: key)))], timeouts: nil,
                    daemons: nil,
                    statistics: true))
            case .timeouts:
                output.write(bytes: TableDocument.write(timeouts: try control.timeouts(), daemons: nil))
            case .daemons:
                output.write(bytes: TableDocument.write(timeouts: nil, daemons: try control.daemons()))
            case .connections:
                break
            }
        } catch {
            report(error)
            throw Exit(status: 1)
        }
    }

    /// `-S --json` (the configuration) and `-L --json` (with counters): the whole table,
    /// written as each service's real servers arrive, so that no more than a service and
    /// a block of text is held. A read that fails midway leaves the document unclosed:
    /// no reader takes it for a whole table.
    private func writeJSONTable(statistics: Bool) throws(IPVSError) {
        var json = JSONWriter()
        json.beginObject()
        json.beginArray("services")
        try control.readTable { entry in
            TableDocument.write(entry.service, entry.destinations, statistics: statistics, to: &json)
            if let block = json.takeText() { output.write(bytes: block) }
        }
        json.endArray()
        TableDocument.write(try control.timeouts(), to: &json)
        TableDocument.write(try control.daemons(), to: &json)
        json.endObject()
        json.finish()
        if let block = json.takeText(ifLarger: false) { output.write(bytes: block) }
    }

    // MARK: Declarative changes (--apply, --diff)

    /// The largest configuration file read: far beyond any table, short of exhausting memory.
    static let maximumConfigurationSize = 1 << 28

    /// Reads and checks a configuration file ("-": standard input); bad input ends the run with 2.
    private func readConfiguration(_ file: String) throws(Exit) -> IPVSConfiguration {
        let name = file == "-" ? "standard input" : file
        do throws(ConfigurationFile.Problem) {
            switch (file, restoreInput) {
            case ("-", .bytes(let given)):
                return try ConfigurationFile.read(given)
            case ("-", .descriptor(let descriptor)):
                return try ConfigurationFile.read(descriptor: descriptor, limit: Self.maximumConfigurationSize)
            default:
                let descriptor = open(file, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw ConfigurationFile.Problem(place: nil, message: String(cString: strerror(errno)))
                }
                defer { close(descriptor) }
                return try ConfigurationFile.read(descriptor: descriptor, limit: Self.maximumConfigurationSize)
            }
        } catch {
            throw badInput("\(name): \(error)")
        }
    }

    private func badInput(_ message: String) -> Exit {
        errors.write(message + "\n")
        return Exit(status: 2)
    }

    /// `--diff FILE`: the plan as `-R` lines; exits 1 when there is one, 0 when the table matches.
    private func diff(_ file: String) throws(Exit) {
        let wanted = try readConfiguration(file)
        let plan = try readPlan(to: wanted)
        output.write(bytes: planLines(plan.steps.map(\.request)))
        if !plan.isEmpty { throw Exit(status: 1) }
    }

    private func planLines(_ requests: [IPVSRequest]) -> [UInt8] {
        let formatter = RuleFormatter(options: .numeric)
        var text = ByteText()
        for request in requests { formatter.writeRequest(request, to: &text) }
        return text.bytes
    }

    /// `--apply FILE`: under the namespace's lock, the plan from the kernel's table to the
    /// file, undone if the kernel refuses part of it.
    private func apply(_ file: String, drainSeconds: Int?) throws(Exit) {
        let wanted = try readConfiguration(file)
        let lock: IPVSTableLock
        do {
            lock = try IPVSTableLock()
        } catch {
            errors.write("cannot lock the IPVS table: \(String(cString: strerror(error.code)))\n")
            throw Exit(status: 1)
        }
        try apply(wanted, drainSeconds: drainSeconds, holding: lock)
    }

    private func apply(_ wanted: IPVSConfiguration, drainSeconds: Int?, holding lock: borrowing IPVSTableLock)
        throws(Exit)
    {
        let plan = try readPlan(to: wanted)
        guard !plan.isEmpty else { return }
        do {
            if let drainSeconds {
                let progress = DrainProgress(output: output, onTerminal: isatty(STDOUT_FILENO) == 1)
                try control.execute(plan, drainingFor: drainSeconds) { progress.show($0) }
                progress.finish()
            } else {
                try control.execute(plan)
            }
        } catch {
            try reportRefusal(error, of: plan, to: wanted)
        }
    }

    /// The plan from the kernel's table to `wanted`, compared as the table is read.
    private func readPlan(to wanted: IPVSConfiguration) throws(Exit) -> IPVSPlan {
        do {
            return try IPVSPlan(reading: control, to: wanted)
        } catch {
            report(error)
            throw Exit(status: 1)
        }
    }

    private func reportRefusal(_ failure: IPVSApplyError, of plan: IPVSPlan, to wanted: IPVSConfiguration)
        throws(Exit)
    {
        output.flush()
        let request = String(decoding: planLines([failure.step.request]), as: UTF8.self).dropLast()
        let place = failure.step.origin.map { "\($0): " } ?? ""
        errors.write("\(place)\(request): \(ErrorMessages.message(for: failure.error))\n")
        guard failure.rolledBack else {
            errors.write("the real servers drained so far stay removed; nothing was undone\n")
            throw Exit(status: 1)
        }
        // Every undo request done: the table is as it was, whatever a concurrent writer
        // (or a dump that skipped a service while another namespace changed) may make a
        // second read show.
        if failure.rollbackFailures.isEmpty {
            errors.write("every change was undone: the table is as it was\n")
            throw Exit(status: 1)
        }
        // The table as it was, from the wanted one and the plan's undo requests, last
        // first; compared for the services the plan touched only.
        let before = wanted.applying(plan.steps.reversed().lazy.flatMap(\.undo))
        let touched = Set(plan.steps.compactMap { Self.service(of: $0.request) })
        let remaining = (try? IPVSPlan(reading: control, to: before)).map { plan in
            IPVSPlan(steps: plan.steps.filter { Self.service(of: $0.request).map(touched.contains) ?? true })
        }
        for undo in failure.rollbackFailures {
            let line = String(decoding: planLines([undo.request]), as: UTF8.self).dropLast()
            errors.write("undoing failed: \(line): \(ErrorMessages.message(for: undo.error))\n")
        }
        if let remaining {
            errors.write("the table differs from what it was; these lines would put it back:\n")
            errors.write(String(decoding: planLines(remaining.steps.map(\.request)), as: UTF8.self))
        } else {
            errors.write("the table could not be read back to compare it with what it was\n")
        }
        throw Exit(status: 3)
    }

    /// The service a request is about, if one.
    private static func service(of request: IPVSRequest) -> ServiceKey? {
        switch request {
        case .addService(let key, _), .editService(let key, _), .deleteService(let key): return key
        case .addDestination(_, _, let key), .editDestination(_, _, let key), .deleteDestination(_, let key): return key
        case .zero(let key): return key
        case .flush, .setTimeouts, .startDaemon, .stopDaemon: return nil
        }
    }

    // MARK: Restoring

    /// `-R`: each line of standard input is a command line. Lines are read on a thread of
    /// their own (`RestoreParser`) while consecutive kernel requests go to the kernel in
    /// batches; anything that prints, or stops the restore, first waits for the batch
    /// so that messages keep the order of the lines.
    private func restore() throws(Exit) -> Int32 {
        var result: Int32 = 0
        var pending: [IPVSRequest] = []
        func flushPending() {
            guard !pending.isEmpty else { return }
            for failure in control.perform(batch: pending) {
                if let failure { report(failure) }
                result = failure == nil ? 0 : -1
            }
            pending.removeAll(keepingCapacity: true)
        }

        var lines = RestoreParser(restoreInput).start()
        while let line = lines.next() {
            let command: AdminCommand
            switch line {
            case .command(let parsed):
                command = parsed
            case .refused(let error):
                flushPending()
                try report(error)
                result = -1
                continue
            }
            if case .request(let request) = command {
                pending.append(request)
                if pending.count >= Self.restoreBatchSize { flushPending() }
                continue
            }
            flushPending()
            do {
                result = try execute(command, restoring: true)
            } catch {
                output.flush()
                throw error
            }
        }
        flushPending()
        return result
    }
}

/// A table that can also list real-server summaries cheaply, as the kernel's client
/// does from its text listing; the default view uses it where it can.
protocol SummarizingControl: IPVSControl {
    func services(
        summarizingDestinations each: (_ service: ServiceKey, _ destinations: [DestinationSummary]) -> Void
    ) throws(IPVSError) -> [Service]
}

extension IPVSClient: SummarizingControl {}
