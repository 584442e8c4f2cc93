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
        var planner = Planner(wanted: wanted, timeouts: current.timeouts, daemons: current.daemons)
        for entry in current.services where planner.note(entry.service) {
            planner.compareNext(entry.destinations)
        }
        self = planner.plan()
    }

    /// The plan that turns the table `control` reads into `wanted`, compared as the
    /// kernel's dumps arrive: the service dump first (configurations compared as each
    /// service is decoded), then the real servers of the services the file keeps or drops,
    /// one service at a time. The kernel's table is never held, only the plan's steps and
    /// the keys of the services to read. The timeouts and daemons are read only when
    /// `wanted` manages them.
    public init(reading control: some IPVSControl, to wanted: IPVSConfiguration) throws(IPVSError) {
        var planner = Planner(
            wanted: wanted, timeouts: wanted.timeouts == nil ? nil : try control.timeouts(),
            daemons: wanted.daemons == nil ? nil : try control.daemons())
        try control.services { _ = planner.note($0) }
        let keys = planner.servicesToRead
        try control.destinations(ofEach: keys) { _, destinations in planner.compareNext(destinations) }
        self = planner.plan()
    }

    /// Compares the kernel's services one at a time with the wanted table, keeping only
    /// the steps found and the keys of the services whose real servers it still needs:
    /// what `init(reading:to:)` holds, whatever the table's size.
    private struct Planner {
        let wanted: IPVSConfiguration
        let timeouts: Timeouts?
        let daemons: [SyncDaemon]?
        /// The wanted services by key, and whether the kernel has each.
        private let wantedIndex: KeyIndex
        private var found: [Bool]
        /// Services noted whose real servers are to be compared, in order: the wanted
        /// position of a kept one, or -1 for one the file drops (its configuration is
        /// then in `dropped`, in the same order).
        private(set) var servicesToRead: [ServiceKey] = []
        private var readingFor: [Int32] = []
        private var dropped: [ServiceConfiguration] = []
        private var compared = 0
        private var droppedCompared = 0
        private var removedKeys: Set<ServiceKey> = []
        /// Steps of kept services, by the wanted service's position (compared in the
        /// kernel's order, sent in the file's).
        private var changes: [(index: Int, step: Step)] = []
        private var destinationRemovals: [(index: Int, step: Step)] = []
        private var serviceRemovals: [Step] = []

        init(wanted: IPVSConfiguration, timeouts: Timeouts?, daemons: [SyncDaemon]?) {
            self.wanted = wanted
            self.timeouts = timeouts
            self.daemons = daemons
            found = [Bool](repeating: false, count: wanted.services.count)
            wantedIndex = KeyIndex(wanted.services.lazy.map(\.key))
        }

        /// One service of the kernel's table; its configuration is compared here. True
        /// when its real servers are wanted next (`compareNext`); a service the kernel
        /// listed twice counts once, as first seen.
        mutating func note(_ service: Service) -> Bool {
            let key = service.key
            guard let index = wantedIndex.firstPosition(of: key, keyAt: { wanted.services[$0].key }) else {
                guard removedKeys.insert(key).inserted else { return false }
                servicesToRead.append(key)
                readingFor.append(-1)
                dropped.append(service.configuration.comparable)
                return true
            }
            guard !found[index] else { return false }
            found[index] = true
            let before = service.configuration.comparable
            let wantedService = wanted.services[index]
            if wantedService.configuration.comparable != before {
                changes.append((index, Step(
                    request: .editService(key, wantedService.configuration), undo: [.editService(key, before)],
                    origin: wantedService.origin)))
            }
            servicesToRead.append(key)
            readingFor.append(Int32(index))
            return true
        }

        /// The real servers of the next service `note` asked for.
        mutating func compareNext(_ destinations: [Destination]) {
            var destinations = destinations
            destinations.removeRepeats(by: \.key)  // a resumed dump can repeat one
            let key = servicesToRead[compared]
            let index = Int(readingFor[compared])
            compared += 1
            guard index >= 0 else {
                let configuration = dropped[droppedCompared]
                droppedCompared += 1
                serviceRemovals.append(Step(
                    request: .deleteService(key),
                    undo: [.addService(key, configuration)]
                        + destinations.map { .addDestination($0.key, $0.configuration.comparable, service: key) }))
                return
            }
            var additions: [Step] = []
            var removals: [Step] = []
            IPVSPlan.compareDestinations(
                of: wanted.services[index], with: destinations, additions: &additions, removals: &removals)
            changes += additions.map { (index, $0) }
            destinationRemovals += removals.map { (index, $0) }
        }

        func plan() -> IPVSPlan {
            var steps: [Step] = []
            if let wantedTimeouts = wanted.timeouts, let timeouts, !timeouts.satisfies(wantedTimeouts) {
                steps.append(Step(request: .setTimeouts(wantedTimeouts), undo: [.setTimeouts(timeouts)]))
            }
            for (index, service) in wanted.services.enumerated() where !found[index] {
                steps.append(Step(
                    request: .addService(service.key, service.configuration),
                    undo: [.deleteService(service.key)], origin: service.origin))
                for destination in service.destinations {
                    steps.append(Step(
                        request: .addDestination(destination.key, destination.configuration, service: service.key),
                        undo: [.deleteDestination(destination.key, service: service.key)],
                        origin: destination.origin))
                }
            }
            steps += Self.inWantedOrder(changes)
            steps += Self.inWantedOrder(destinationRemovals)
            steps += serviceRemovals
            if let wantedDaemons = wanted.daemons, let daemons {
                for running in daemons where !wantedDaemons.contains(where: running.satisfies) {
                    steps.append(Step(request: .stopDaemon(running), undo: [.startDaemon(running)]))
                }
                for daemon in wantedDaemons where !daemons.contains(where: { $0.satisfies(daemon) }) {
                    steps.append(Step(request: .startDaemon(daemon), undo: [.stopDaemon(daemon)]))
                }
            }
            return IPVSPlan(steps: steps)
        }

        /// The steps ordered by their service's place in the wanted table, each service's
        /// own steps in the order they were found.
        private static func inWantedOrder(_ steps: [(index: Int, step: Step)]) -> [Step] {
            steps.enumerated()
                .sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }
                .map(\.element.step)
        }
    }

    /// Adds and edits (into `additions`, in wanted order) and removals of one kept service's real servers.
    private static func compareDestinations(
        of service: IPVSConfiguration.Service, with existing: [Destination], additions: inout [Step],
        removals: inout [Step]
    ) {
        let (matches, unwanted) = match(service.destinations, existing)
        for (destination, match) in zip(service.destinations, matches) {
            if let match {
                let before = existing[match].configuration.comparable
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
        for position in unwanted {
            let destination = existing[position]
            removals.append(Step(
                request: .deleteDestination(destination.key, service: service.key),
                undo: [.addDestination(destination.key, destination.configuration.comparable, service: service.key)]))
        }
    }

    /// For each wanted real server (keys distinct), the position of the first existing one
    /// with its key; and the existing ones no wanted one names, each key once. A service
    /// has a handful: they are compared pairwise, with no hashing and no allocation beyond
    /// the answer (this runs for every service of the table).
    private static func match(
        _ wanted: [IPVSConfiguration.Destination], _ existing: [Destination]
    ) -> (matches: [Int?], unwanted: [Int]) {
        var unwanted: [Int] = []
        guard wanted.count > [Destination].pairwiseLimit || existing.count > [Destination].pairwiseLimit else {
            let matches = wanted.map { destination in existing.firstIndex { $0.key == destination.key } }
            for (position, destination) in existing.enumerated()
            where !wanted.contains(where: { $0.key == destination.key })
                && !existing[..<position].contains(where: { $0.key == destination.key }) {
                unwanted.append(position)
            }
            return (matches, unwanted)
        }
        var existingByKey: [DestinationKey: Int] = [:]
        existingByKey.reserveCapacity(existing.count)
        for (position, destination) in existing.enumerated() where existingByKey[destination.key] == nil {
            existingByKey[destination.key] = position
        }
        let matches = wanted.map { existingByKey[$0.key] }
        let wantedKeys = Set(wanted.map(\.key))
        for (position, destination) in existing.enumerated()
        where !wantedKeys.contains(destination.key) && existingByKey[destination.key] == position {
            unwanted.append(position)
        }
        return (matches, unwanted)
    }
}
