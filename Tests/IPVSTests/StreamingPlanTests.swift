import Testing

@testable import IPVS

/// A kernel's table seen through `IPVSControl` only, in an order of its own, counting
/// what is read: for the plan made while reading and the undo worked out on the model.
private final class TableControl: IPVSControl {
    let snapshot: IPVSSnapshot
    private(set) var destinationReads = 0

    init(_ snapshot: IPVSSnapshot) { self.snapshot = snapshot }

    func info() throws(IPVSError) -> IPVSInfo { IPVSInfo(version: 0x10_0600, connectionTableSize: 4096) }
    func services() throws(IPVSError) -> [Service] { snapshot.services.map(\.service) }
    func service(_ key: ServiceKey) throws(IPVSError) -> Service {
        guard let entry = snapshot.services.first(where: { $0.service.key == key }) else {
            throw IPVSError(.getService, code: 3)
        }
        return entry.service
    }
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        destinationReads += 1
        return snapshot.services.first { $0.service.key == service }?.destinations ?? []
    }
    func timeouts() throws(IPVSError) -> Timeouts { snapshot.timeouts }
    func daemons() throws(IPVSError) -> [SyncDaemon] { snapshot.daemons }
    func perform(_ request: IPVSRequest) throws(IPVSError) { throw IPVSError(request.operation, code: 1) }
}

@Suite struct StreamingPlanTests {
    typealias Table = [(ServiceKey, ServiceConfiguration, [Destination])]
    static let web = PlanTests.web, dns = PlanTests.dns
    static let mail = ServiceKey.address(.tcp, .v4(0x0a00_0003), port: 25)
    static let mark = ServiceKey.firewallMark(7, family: .inet)
    static func server(_ last: UInt32, weight: Int32 = 1) -> Destination { PlanTests.server(last, weight: weight) }
    static let rr = PlanTests.rr, wrr = ServiceConfiguration(scheduler: .weightedRoundRobin)

    /// (the kernel's table, in its order; the wanted one, in the file's order)
    static let cases: [(Table, Table)] = [
        ([], []),
        ([(web, rr, [server(1), server(2)])], [(web, rr, [server(1), server(2)])]),
        // Kept services listed by the kernel in another order than the file's.
        ([(mail, rr, [server(5)]), (dns, rr, [server(3)]), (web, rr, [server(1)])],
         [(web, wrr, [server(1, weight: 4), server(2)]), (dns, rr, []), (mail, rr, [server(6)])]),
        // New, changed, kept and removed services at once.
        ([(web, rr, [server(1), server(2)]), (mark, rr, [server(8)]), (dns, rr, [])],
         [(mail, wrr, [server(7)]), (web, rr, [server(2, weight: 3), server(4)]), (dns, wrr, [server(9)])]),
        ([(web, rr, [server(1)]), (dns, rr, [server(2)])], []),
        ([], [(web, rr, [server(1)]), (mark, wrr, [server(2), server(3)])]),
    ]

    @Test(arguments: cases)
    func readingGivesThePlanOfTheSnapshotInTheFilesOrder(current: Table, wanted: Table) throws {
        let snapshot = PlanTests.snapshot(current)
        let control = TableControl(snapshot)
        let streamed = try IPVSPlan(reading: control, to: PlanTests.wanted(wanted))
        #expect(streamed == IPVSPlan(from: snapshot, to: PlanTests.wanted(wanted)))
        #expect(control.destinationReads == current.count)  // each service's real servers once
        // Changes to kept services come in the file's order, whatever the kernel's.
        let order = wanted.map(\.0)
        let changed = streamed.steps.compactMap { step -> Int? in
            switch step.request {
            case .editService(let key, _), .editDestination(_, _, let key), .addDestination(_, _, let key):
                return current.contains { $0.0 == key } ? order.firstIndex(of: key) : nil
            default: return nil
            }
        }
        #expect(changed == changed.sorted())
    }

    @Test(arguments: cases)
    func undoingAPlanOnTheWantedTableGivesTheTableBefore(current: Table, wanted: Table) {
        let snapshot = PlanTests.snapshot(current)
        let plan = IPVSPlan(from: snapshot, to: PlanTests.wanted(wanted))
        let before = PlanTests.wanted(wanted).applying(plan.steps.reversed().flatMap(\.undo))
        #expect(IPVSPlan(from: snapshot, to: before).isEmpty)
        // And the plan's own requests on the table before give the wanted table.
        let after = IPVSConfiguration(snapshot).applying(plan.steps.map(\.request))
        #expect(IPVSPlan(from: PlanTests.snapshot(wanted), to: after).isEmpty)
    }

    @Test func applyingKeepsTimeoutsAndDaemonsAsRequested() {
        let daemon = SyncDaemon(role: .master, interface: "eth0", syncID: 4)
        let changed = IPVSConfiguration(timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300)).applying([
            .setTimeouts(Timeouts(tcp: 60, tcpFin: 0, udp: 0)), .startDaemon(daemon),
            .addDestination(Self.server(1).key, Self.server(1).configuration, service: Self.web),  // no such service
        ])
        #expect(changed.timeouts == Timeouts(tcp: 60, tcpFin: 120, udp: 300))
        #expect(changed.daemons == [daemon])
        #expect(changed.services.isEmpty)
        #expect(changed.applying([.stopDaemon(daemon)]).daemons == [])
    }

    @Test(arguments: [
        ([1, 2, 3, 4], [1, 2, 3, 4]),
        ([1, 2, 1, 3, 2, 2], [1, 2, 3]),
        ([5, 5], [5]),
        ([], []),
        // Past the pairwise limit (16), by sets.
        (Array(1...17), Array(1...17)),
        (Array(1...16) + [3, 17, 1], Array(1...17)),
        (Array(1...15) + [15], Array(1...15)),
    ])
    func repeatsAreDroppedKeepingTheFirst(input: [Int], kept: [Int]) {
        var elements = input.enumerated().map { (key: $0.element, position: $0.offset) }
        elements.removeRepeats(by: \.key)
        #expect(elements.map(\.key) == kept)
        // The first of each stays, not a later one.
        #expect(elements.map(\.position) == kept.map { key in input.firstIndex(of: key)! })
    }
}

/// A key whose hash is chosen, so that lookups meet collisions.
struct CollidingKey: Hashable {
    let name: String
    /// Two hash values in all: most keys collide.
    func hash(into hasher: inout Hasher) { hasher.combine(name.utf8.first.map { $0 % 2 }) }
    static func == (a: Self, b: Self) -> Bool { a.name == b.name }
}

@Suite struct KeyIndexTests {
    static let keys = ["a", "b", "c", "b", "d", "a", "e"].map(CollidingKey.init)

    @Test func findsTheFirstPositionOfEachKeyThroughCollisions() {
        let index = KeyIndex(Self.keys)
        for name in ["a", "b", "c", "d", "e"] {
            let key = Self.keys.first { $0.name == name }!
            #expect(index.firstPosition(of: key) { Self.keys[$0] } == Self.keys.firstIndex(of: key))
        }
        #expect(index.firstPosition(of: CollidingKey(name: "z")) { Self.keys[$0] } == nil)
    }

    @Test(arguments: [
        (["a", "b", "c"], nil),
        (["a", "b", "a"], [0, 2]),
        (["a", "b", "b", "a"], [1, 2]),  // the first repeat met in order, not the first key repeated
        (["x", "y", "x", "y", "x"], [0, 2]),
        ([], nil),
    ] as [([String], [Int]?)])
    func theFirstRepeatIsTheOneAWalkInOrderMeets(names: [String], repeat expected: [Int]?) {
        let keys = names.map(CollidingKey.init)
        let found = KeyIndex(keys).firstRepeat { keys[$0] }
        #expect(found.map { [$0.first, $0.again] } == expected)
    }

    @Test func validateNamesBothPlacesOfARepeatedService() {
        let wanted = IPVSConfiguration(services: [
            .init(key: PlanTests.web, configuration: PlanTests.rr, origin: "line 1"),
            .init(key: PlanTests.dns, configuration: PlanTests.rr, origin: "line 2"),
            .init(key: PlanTests.web, configuration: PlanTests.rr, origin: "line 3"),
        ])
        #expect(throws: IPVSConfiguration.Problem.duplicateService(PlanTests.web, first: "line 1", again: "line 3")) {
            try wanted.validate()
        }
    }
}
