import IPVS

/// Shows what a draining `--apply` waits for: one progress line rewritten in place on a
/// terminal, otherwise a line for each change.
final class DrainProgress {
    private let output: OutputSink
    private let onTerminal: Bool
    private let formatter = RuleFormatter(options: .numeric)
    /// The last waiting line written, so that a pipe gets it only when it changes.
    private var lastWaiting = ""
    private var lineOpen = false

    init(output: OutputSink, onTerminal: Bool) {
        self.output = output
        self.onTerminal = onTerminal
    }

    func show(_ event: IPVSDrainEvent) {
        switch event {
        case .waiting(let statuses, let secondsLeft):
            let connections = statuses.reduce(0) { $0 + UInt64($1.active) + UInt64($1.inactive) }
            let line = "draining \(statuses.count) real server\(statuses.count == 1 ? "" : "s"): "
                + "\(connections) connection\(connections == 1 ? "" : "s") left"
            if onTerminal {
                output.write("\r\u{1B}[K" + line + ", \(secondsLeft) s to go")
                lineOpen = true
            } else if line != lastWaiting {
                output.write(line + ", \(secondsLeft) s to go\n")
            }
            lastWaiting = line
        case .removedDestination(let key, let service, let connections):
            var text = ByteText()
            formatter.writeRequest(.deleteDestination(key, service: service), to: &text)
            let request = String(decoding: text.bytes.dropLast(), as: UTF8.self)
            closeLine()
            output.write("\(request)   (drained\(connections == 0 ? "" : ", \(connections) connections cut"))\n")
        case .removedService(let key):
            var text = ByteText()
            formatter.writeRequest(.deleteService(key), to: &text)
            closeLine()
            output.write(String(decoding: text.bytes, as: UTF8.self))
        }
        output.flush()
    }

    func finish() {
        closeLine()
        output.flush()
    }

    private func closeLine() {
        if lineOpen { output.write("\r\u{1B}[K") }
        lineOpen = false
    }
}
