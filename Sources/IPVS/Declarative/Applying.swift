#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plan the kernel refused part of: the step, its error, and how the undoing went.
public struct IPVSApplyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The first step the kernel refused.
    public var step: IPVSPlan.Step
    /// The kernel's answer to it.
    public var error: IPVSError
    /// Whether the steps done before were undone (false when the failure came after the
    /// point of no return: a drained real server's removal).
    public var rolledBack: Bool
    /// The undo requests the kernel refused too, with its answers; empty when the table
    /// is back as it was.
    public var rollbackFailures: [RollbackFailure]

    /// An undo request that failed.
    public struct RollbackFailure: Sendable, Hashable {
        /// The request that would have put something back.
        public var request: IPVSRequest
        /// The kernel's answer.
        public var error: IPVSError
    }

    public var description: String {
        "\(error)" + (step.origin.map { " (\($0))" } ?? "")
            + (rollbackFailures.isEmpty ? "" : "; \(rollbackFailures.count) undo requests failed")
    }
}

/// What a draining apply is doing, for a program to show.
public enum IPVSDrainEvent: Sendable, Hashable {
    /// Real servers still holding connections, and the seconds left before they are removed anyway.
    case waiting([IPVSDrainStatus], secondsLeft: Int)
    /// A real server was removed: `connections` were left on it (0 when it drained).
    case removedDestination(DestinationKey, service: ServiceKey, connections: UInt64)
    /// A service whose real servers have all drained was removed.
    case removedService(ServiceKey)
}

/// A draining real server's connections.
public struct IPVSDrainStatus: Sendable, Hashable {
    /// The service it belongs to.
    public var service: ServiceKey
    /// The real server.
    public var destination: DestinationKey
    /// Its active connections.
    public var active: UInt32
    /// Its inactive connections.
    public var inactive: UInt32
}

extension IPVSControl {
    /// Sends a plan's requests in order, in batches of `batchSize`. When the kernel
    /// refuses one, every request done so far is undone in reverse and the refusal is
    /// thrown; nothing after the batch that held it is sent.
    public func execute(_ plan: IPVSPlan, batchSize: Int = 256) throws(IPVSApplyError) {
        var done: [IPVSPlan.Step] = []
        try execute(plan.steps, batchSize: batchSize, done: &done)
    }

    /// `execute(_:)` that drains first: real servers the plan removes (with those of the
    /// services it removes) get weight 0 while everything else is done; each is removed
    /// once it has no active and no inactive connections, or after `seconds`; a service
    /// the plan removes goes once its last real server has. `pollInterval` is how often the
    /// connections are read; `progress` hears each wait and each removal. A refusal before
    /// the waiting is undone as in `execute`; a removal refused after it is thrown as is.
    public func execute(
        _ plan: IPVSPlan, drainingFor seconds: Int, pollInterval: Duration = .seconds(1), batchSize: Int = 256,
        progress: (IPVSDrainEvent) -> Void
    ) throws(IPVSApplyError) {
        var immediate: [IPVSPlan.Step] = []
        var draining: [DrainingService] = []
        var drainingIndex: [ServiceKey: Int] = [:]
        func drainingEntry(_ service: ServiceKey) -> Int {
            if let index = drainingIndex[service] { return index }
            draining.append(DrainingService(key: service))
            drainingIndex[service] = draining.count - 1
            return draining.count - 1
        }
        for step in plan.steps {
            switch step.request {
            case .deleteDestination(let key, let service):
                let index = drainingEntry(service)
                draining[index].destinations.append(DrainingDestination(key: key, step: step))
                if case .addDestination(_, let configuration, _)? = step.undo.first {
                    immediate.append(Self.weightZero(key, configuration, service: service, origin: step.origin))
                }
            case .deleteService(let service):
                let index = drainingEntry(service)
                draining[index].removal = step
                // Its real servers drain and go one by one; the service goes after the last.
                for case .addDestination(let key, let configuration, _) in step.undo {
                    draining[index].destinations.append(DrainingDestination(key: key, step: IPVSPlan.Step(
                        request: .deleteDestination(key, service: service),
                        undo: [.addDestination(key, configuration, service: service)], origin: step.origin)))
                    immediate.append(Self.weightZero(key, configuration, service: service, origin: step.origin))
                }
            default:
                immediate.append(step)
            }
        }
        var done: [IPVSPlan.Step] = []
        try execute(immediate, batchSize: batchSize, done: &done)

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(seconds))
        while !draining.isEmpty {
            let timedOut = clock.now >= deadline
            var waiting: [IPVSDrainStatus] = []
            var removals: [IPVSPlan.Step] = []
            var removalEvents: [IPVSDrainEvent] = []
            for index in draining.indices {
                let key = draining[index].key
                let counts: [DestinationKey: ConnectionCounts]
                do throws(IPVSError) {
                    counts = Dictionary(
                        try destinations(of: key).map { ($0.key, $0.connections) }, uniquingKeysWith: { first, _ in first })
                } catch {
                    guard timedOut else { continue }  // unknown for now: asked again next round
                    counts = [:]
                }
                var pending = draining[index].destinations
                pending.removeAll { destination in
                    let current = counts[destination.key] ?? ConnectionCounts()
                    let connections = UInt64(current.active) + UInt64(current.inactive)
                    guard connections == 0 || timedOut else {
                        waiting.append(IPVSDrainStatus(
                            service: key, destination: destination.key, active: current.active,
                            inactive: current.inactive))
                        return false
                    }
                    removals.append(destination.step)
                    removalEvents.append(.removedDestination(destination.key, service: key, connections: connections))
                    return true
                }
                draining[index].destinations = pending
                if draining[index].destinations.isEmpty, let removal = draining[index].removal {
                    removals.append(removal)
                    removalEvents.append(.removedService(key))
                }
            }
            draining.removeAll { $0.destinations.isEmpty }
            if !removals.isEmpty {
                // Past the point of no return: what drained stays removed.
                var removed: [IPVSPlan.Step] = []
                try execute(removals, batchSize: batchSize, done: &removed, rollBack: false)
                removalEvents.forEach(progress)
            }
            guard !draining.isEmpty else { break }
            let left = deadline - clock.now
            progress(.waiting(waiting, secondsLeft: max(0, Int(left.components.seconds))))
            let pause = min(pollInterval, max(left, .milliseconds(1)))
            var interval = timespec(
                tv_sec: Int(pause.components.seconds), tv_nsec: Int(pause.components.attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&interval, &remaining) == -1 && errno == EINTR { interval = remaining }
        }
    }

    private static func weightZero(
        _ key: DestinationKey, _ configuration: DestinationConfiguration, service: ServiceKey, origin: String?
    ) -> IPVSPlan.Step {
        var quiet = configuration
        quiet.weight = 0
        return IPVSPlan.Step(
            request: .editDestination(key, quiet, service: service),
            undo: [.editDestination(key, configuration, service: service)], origin: origin)
    }

    /// Sends `steps` in batches; `done` collects what succeeded. On the first refusal,
    /// undoes `done` in reverse (when `rollBack`) and throws.
    private func execute(
        _ steps: [IPVSPlan.Step], batchSize: Int, done: inout [IPVSPlan.Step], rollBack: Bool = true
    ) throws(IPVSApplyError) {
        var start = 0
        while start < steps.count {
            let batch = steps[start..<min(start + max(1, batchSize), steps.count)]
            let results = perform(batch: batch.map(\.request))
            var firstFailure: (IPVSPlan.Step, IPVSError)?
            for (step, failure) in zip(batch, results) {
                if let failure {
                    if firstFailure == nil { firstFailure = (step, failure) }
                } else {
                    done.append(step)
                }
            }
            if let (step, error) = firstFailure {
                let failures = rollBack ? undo(done, batchSize: batchSize) : []
                throw IPVSApplyError(step: step, error: error, rolledBack: rollBack, rollbackFailures: failures)
            }
            start = batch.endIndex
        }
    }

    /// Undoes `steps` in reverse; returns the undo requests the kernel refused.
    private func undo(_ steps: [IPVSPlan.Step], batchSize: Int) -> [IPVSApplyError.RollbackFailure] {
        let requests = steps.reversed().flatMap(\.undo)
        var failures: [IPVSApplyError.RollbackFailure] = []
        var start = 0
        while start < requests.count {
            let batch = requests[start..<min(start + max(1, batchSize), requests.count)]
            for (request, failure) in zip(batch, perform(batch: Array(batch))) {
                if let failure { failures.append(IPVSApplyError.RollbackFailure(request: request, error: failure)) }
            }
            start = batch.endIndex
        }
        return failures
    }
}

private struct DrainingDestination {
    let key: DestinationKey
    /// Its removal.
    let step: IPVSPlan.Step
}

private struct DrainingService {
    let key: ServiceKey
    var destinations: [DrainingDestination] = []
    /// The service's own removal, once its real servers have drained; nil when it stays.
    var removal: IPVSPlan.Step?
}
