/// The fewest requests that make a table equal to an `IPVSConfiguration`, in an order
/// that never leaves a kept service without real servers: new services and real servers
/// first, then changes, then removals. What already matches is not touched, so its
/// counters, connections and persistence templates stay.
public struct IPVSPlan: Sendable, Hashable {
    /// One request of a plan, with what undoes it.
    public struct Step: Sendable, Hashable {
        /// The request.
        public var request: IPVSRequest
        /// The requests that put back what `request` changed, in order.
        public var undo: [IPVSRequest]
        /// Where the wanted entry was written (a file line or JSON path), if anywhere.
        public var origin: String?

        /// A step of a plan.
        public init(request: IPVSRequest, undo: [IPVSRequest], origin: String? = nil) {
            self.request = request
            self.undo = undo
            self.origin = origin
        }
    }

    /// The requests, in the order they must be sent.
    public var steps: [Step]

    /// True when the table already is what was wanted.
    public var isEmpty: Bool { steps.isEmpty }

    /// A plan of the given steps.
    public init(steps: [Step]) {
        self.steps = steps
    }

    /// The plan that turns `current` (the kernel's table) into `wanted`.
    public init(from current: IPVSSnapshot, to wanted: IPVSConfiguration) {
        var steps: [Step] = []

        if let timeouts = wanted.timeouts, !current.timeouts.satisfies(timeouts) {
            steps.append(Step(request: .setTimeouts(timeouts), undo: [.setTimeouts(current.timeouts)]))
        }

        var currentByKey: [ServiceKey: IPVSSnapshot.Entry] = [:]
        currentByKey.reserveCapacity(current.services.count)
        for entry in current.services where currentByKey[entry.service.key] == nil {
            currentByKey[entry.service.key] = entry
        }

        var additions: [Step] = []
        var changes: [Step] = []
        var removals: [Step] = []
        var wantedKeys: Set<ServiceKey> = []
        wantedKeys.reserveCapacity(wanted.services.count)
        for service in wanted.services {
            wantedKeys.insert(service.key)
            guard let existing = currentByKey[service.key] else {
                additions.append(Step(
                    request: .addService(service.key, service.configuration),
                    undo: [.deleteService(service.key)], origin: service.origin))
                for destination in service.destinations {
                    additions.append(Step(
                        request: .addDestination(destination.key, destination.configuration, service: service.key),
                        undo: [.deleteDestination(destination.key, service: service.key)],
                        origin: destination.origin))
                }
                continue
            }
            let before = existing.service.configuration.comparable
            if service.configuration.comparable != before {
                changes.append(Step(
                    request: .editService(service.key, service.configuration),
                    undo: [.editService(service.key, before)], origin: service.origin))
            }
            Self.compareDestinations(
                of: service, with: existing.destinations, additions: &changes, removals: &removals)
        }

        for entry in current.services where !wantedKeys.contains(entry.service.key) {
            let key = entry.service.key
            wantedKeys.insert(key)  // a service the kernel listed twice is removed once
            removals.append(Step(
                request: .deleteService(key),
                undo: [.addService(key, entry.service.configuration.comparable)]
                    + entry.destinations.map {
                        .addDestination($0.key, $0.configuration.comparable, service: key)
                    }))
        }

        steps += additions
        steps += changes
        steps += removals

        if let daemons = wanted.daemons {
            for running in current.daemons where !daemons.contains(where: running.satisfies) {
                steps.append(Step(request: .stopDaemon(running), undo: [.startDaemon(running)]))
            }
            for daemon in daemons where !current.daemons.contains(where: { $0.satisfies(daemon) }) {
                steps.append(Step(request: .startDaemon(daemon), undo: [.stopDaemon(daemon)]))
            }
        }
        self.steps = steps
    }

    /// Adds and edits (into `additions`, in wanted order) and removals of one kept service's real servers.
    private static func compareDestinations(
        of service: IPVSConfiguration.Service, with existing: [Destination], additions: inout [Step],
        removals: inout [Step]
    ) {
        var existingByKey: [DestinationKey: Destination] = [:]
        existingByKey.reserveCapacity(existing.count)
        for destination in existing where existingByKey[destination.key] == nil {
            existingByKey[destination.key] = destination
        }
        var wantedKeys: Set<DestinationKey> = []
        for destination in service.destinations {
            wantedKeys.insert(destination.key)
            if let current = existingByKey[destination.key] {
                let before = current.configuration.comparable
                if destination.configuration.comparable != before {
                    additions.append(Step(
                        request: .editDestination(destination.key, destination.configuration, service: service.key),
                        undo: [.editDestination(destination.key, before, service: service.key)],
                        origin: destination.origin))
                }
            } else {
                additions.append(Step(
                    request: .addDestination(destination.key, destination.configuration, service: service.key),
                    undo: [.deleteDestination(destination.key, service: service.key)], origin: destination.origin))
            }
        }
        for destination in existing where wantedKeys.insert(destination.key).inserted {
            removals.append(Step(
                request: .deleteDestination(destination.key, service: service.key),
                undo: [.addDestination(destination.key, destination.configuration.comparable, service: service.key)]))
        }
    }
}
