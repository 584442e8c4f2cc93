import IPVS
import Testing

/// `IPVSPlan` on tables, without a kernel: what it sends, in which order, and what undoes it.
@Suite struct PlanTests {
    static let web = ServiceKey.address(.tcp, .v4(0x0a00_0001), port: 80)
    static let dns = ServiceKey.address(.udp, .v4(0x0a00_0002), port: 53)
    static func server(_ last: UInt32, weight: Int32 = 1) -> Destination {
        Destination(key: DestinationKey(address: .v4(0x0a01_0000 | last), port: 80),
                    configuration: DestinationConfiguration(forwarding: .masquerading, weight: weight))
    }

    static func snapshot(_ services: [(ServiceKey, ServiceConfiguration, [Destination])]) -> IPVSSnapshot {
        IPVSSnapshot(
            services: services.map { key, configuration, destinations in
                var kernelFlags = configuration
                kernelFlags.flags.insert(.hashed)  // the kernel reports its own flag too
                return IPVSSnapshot.Entry(service: Service(key: key, configuration: kernelFlags), destinations: destinations)
            },
            timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300), daemons: [])
    }

    static func wanted(_ services: [(ServiceKey, ServiceConfiguration, [Destination])]) -> IPVSConfiguration {
        IPVSConfiguration(services: services.map { key, configuration, destinations in
            IPVSConfiguration.Service(key: key, configuration: configuration, destinations: destinations.map {
                IPVSConfiguration.Destination(key: $0.key, configuration: $0.configuration)
            })
        })
    }

    static let rr = ServiceConfiguration(scheduler: .roundRobin)

    @Test func theSameTableNeedsNothing() {
        let table = [(Self.web, Self.rr, [Self.server(1), Self.server(2)]), (Self.dns, ServiceConfiguration(), [])]
        #expect(IPVSPlan(from: Self.snapshot(table), to: Self.wanted(table)).isEmpty)
        // Persistence settings of a service that is not persistent do not count.
        var loose = ServiceConfiguration(scheduler: .roundRobin)
        loose.timeout = 300
        loose.netmask = .v4(mask: 0xffff_ff00)
        #expect(IPVSPlan(from: Self.snapshot([(Self.web, loose, [])]), to: Self.wanted([(Self.web, Self.rr, [])])).isEmpty)
    }

    @Test func replacingAServerAddsBeforeItRemoves() {
        let plan = IPVSPlan(
            from: Self.snapshot([(Self.web, Self.rr, [Self.server(1), Self.server(2)])]),
            to: Self.wanted([(Self.web, Self.rr, [Self.server(2, weight: 5), Self.server(3)])]))
        #expect(plan.steps.map(\.request) == [
            .editDestination(Self.server(2).key, Self.server(2, weight: 5).configuration, service: Self.web),
            .addDestination(Self.server(3).key, Self.server(3).configuration, service: Self.web),
            .deleteDestination(Self.server(1).key, service: Self.web),
        ])
        #expect(plan.steps.map(\.undo) == [
            [.editDestination(Self.server(2).key, Self.server(2).configuration, service: Self.web)],
            [.deleteDestination(Self.server(3).key, service: Self.web)],
            [.addDestination(Self.server(1).key, Self.server(1).configuration, service: Self.web)],
        ])
    }

    @Test func aRemovedServiceIsUndoneWithItsServers() {
        let plan = IPVSPlan(
            from: Self.snapshot([(Self.web, Self.rr, [Self.server(1)]), (Self.dns, ServiceConfiguration(), [])]),
            to: Self.wanted([(Self.dns, ServiceConfiguration(), [])]))
        #expect(plan.steps.map(\.request) == [.deleteService(Self.web)])
        #expect(plan.steps[0].undo == [
            .addService(Self.web, Self.rr),
            .addDestination(Self.server(1).key, Self.server(1).configuration, service: Self.web),
        ])
    }

    @Test func newServicesComeFirstAndRemovalsLast() {
        let plan = IPVSPlan(
            from: Self.snapshot([(Self.web, Self.rr, [Self.server(1)])]),
            to: Self.wanted([(Self.web, ServiceConfiguration(scheduler: .weightedRoundRobin), []),
                             (Self.dns, Self.rr, [Self.server(9)])]))
        #expect(plan.steps.map(\.request) == [
            .addService(Self.dns, Self.rr),
            .addDestination(Self.server(9).key, Self.server(9).configuration, service: Self.dns),
            .editService(Self.web, ServiceConfiguration(scheduler: .weightedRoundRobin)),
            .deleteDestination(Self.server(1).key, service: Self.web),
        ])
    }

    @Test func timeoutsAndDaemonsOnlyWhenWanted() {
        var current = Self.snapshot([])
        current.daemons = [SyncDaemon(role: .master, interface: "eth0", syncID: 1, maximumLength: 1472,
                                      group: .v4(0xe000_0051), port: 8848, ttl: 1)]
        #expect(IPVSPlan(from: current, to: IPVSConfiguration()).isEmpty)
        var wanted = IPVSConfiguration(timeouts: Timeouts(tcp: 0, tcpFin: 120, udp: 0),
                                       daemons: [SyncDaemon(role: .master, interface: "eth0", syncID: 1)])
        #expect(IPVSPlan(from: current, to: wanted).isEmpty)
        wanted.timeouts = Timeouts(tcp: 60, tcpFin: 0, udp: 0)
        wanted.daemons = [SyncDaemon(role: .backup, interface: "eth1", syncID: 2)]
        #expect(IPVSPlan(from: current, to: wanted).steps.map(\.request) == [
            .setTimeouts(Timeouts(tcp: 60, tcpFin: 0, udp: 0)),
            .stopDaemon(current.daemons[0]),
            .startDaemon(SyncDaemon(role: .backup, interface: "eth1", syncID: 2)),
        ])
    }

    /// A service's real servers are matched pairwise when it has a handful and by hash
    /// when it has many: the plan must not depend on which. The kernel's list may repeat
    /// a real server (a resumed dump): it is removed once.
    @Test(arguments: [3, 16, 17, 40])
    func realServersMatchAtEverySize(count: Int) {
        let existing = (1...UInt32(count)).map { Self.server($0) } + [Self.server(2)]
        var wanted = (2...UInt32(count)).map { Self.server($0) }  // the first goes
        wanted[0] = Self.server(2, weight: 9)  // one edited
        wanted.append(Self.server(1000))  // one added
        let plan = IPVSPlan(
            from: Self.snapshot([(Self.web, Self.rr, existing)]), to: Self.wanted([(Self.web, Self.rr, wanted)]))
        #expect(plan.steps.map(\.request) == [
            .editDestination(Self.server(2).key, Self.server(2, weight: 9).configuration, service: Self.web),
            .addDestination(Self.server(1000).key, Self.server(1000).configuration, service: Self.web),
            .deleteDestination(Self.server(1).key, service: Self.web),
        ])
        #expect(IPVSPlan(
            from: Self.snapshot([(Self.web, Self.rr, existing)]),
            to: Self.wanted([(Self.web, Self.rr, Array(existing.dropLast()))])).isEmpty)
    }

    @Test(arguments: [2, 16, 17, 40])
    func aRepeatedServerIsFoundAtEverySize(count: Int) {
        var servers = (1...UInt32(count)).map { Self.server($0) }
        servers.append(Self.server(UInt32(count) - 1, weight: 3))
        servers.append(Self.server(1))
        let repeated = Self.wanted([(Self.web, Self.rr, servers)])
        let again = repeated.services[0].destinations[count]
        #expect(throws: IPVSConfiguration.Problem.duplicateDestination(
            again.key, service: Self.web, first: nil, again: nil)) { try repeated.validate() }
        #expect(throws: Never.self) { try Self.wanted([(Self.web, Self.rr, Array(servers.prefix(count)))]).validate() }
    }

    @Test func duplicatesAreRefused() {
        let twice = Self.wanted([(Self.web, Self.rr, []), (Self.web, Self.rr, [])])
        #expect(throws: IPVSConfiguration.Problem.duplicateService(Self.web, first: nil, again: nil)) {
            try twice.validate()
        }
        let serverTwice = Self.wanted([(Self.web, Self.rr, [Self.server(1), Self.server(1, weight: 2)])])
        #expect(throws: IPVSConfiguration.Problem.self) { try serverTwice.validate() }
    }
}
