import IPVS
import Testing

@testable import IPVSAdmin

#if canImport(Glibc)
import Glibc
#endif

/// The IPVS library against the real kernel, each test in its own network namespace.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct LibraryKernelTests {
    let web = ServiceKey.address(.tcp, .v4(0x0a00_0001), port: 80)  // 10.0.0.1:80

    @Test func addedServiceReadsBackWithItsConfiguration() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            let configuration = ServiceConfiguration(
                scheduler: .roundRobin, flags: [.persistent], timeout: 600, netmask: .v4(mask: 0xffff_ff00))
            try client.perform(.addService(web, configuration))
            let services = try client.services()
            #expect(services.count == 1)
            let service = try #require(services.first)
            #expect(service.key == web)
            #expect(service.configuration.scheduler == .roundRobin)
            #expect(service.configuration.flags.contains(.persistent))
            #expect(service.configuration.timeout == 600)
            #expect(service.configuration.netmask == .v4(mask: 0xffff_ff00))
            #expect(try client.service(web) == service)
        }
    }

    /// The two-socket read of many services' real servers gives what one-by-one reads give,
    /// in order.
    @Test func destinationsOfEachServiceReadInParallelAreInOrder() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            var keys: [ServiceKey] = []
            var requests: [IPVSRequest] = []
            for n in UInt32(1)...60 {
                let key = ServiceKey.address(.tcp, .v4(0x0a00_0000 + n), port: 80)
                keys.append(key)
                requests.append(.addService(key, ServiceConfiguration()))
                for k in UInt32(0)..<(n % 4) {
                    requests.append(.addDestination(
                        DestinationKey(address: .v4(0xac10_0000 + n * 8 + k), port: 8080),
                        DestinationConfiguration(forwarding: .masquerading, weight: Int32(k + 1)), service: key))
                }
            }
            #expect(client.perform(batch: requests).allSatisfy { $0 == nil })
            var seen: [(ServiceKey, [Destination])] = []
            try client.destinations(ofEach: keys) { seen.append(($0, $1)) }
            #expect(seen.map(\.0) == keys)
            for (key, destinations) in seen {
                #expect(destinations == (try client.destinations(of: key)))
            }
            #expect(try client.snapshot().services.map(\.service.key).count == 60)

            // The kernel answers a dump for a service it does not have with no real servers.
            let missing = ServiceKey.address(.tcp, .v4(0x0b00_0001), port: 80)
            var order: [ServiceKey] = []
            try client.destinations(ofEach: Array(keys[..<31]) + [missing] + Array(keys[31...])) { key, destinations in
                order.append(key)
                if key == missing { #expect(destinations.isEmpty) }
            }
            #expect(order == Array(keys[..<31]) + [missing] + Array(keys[31...]))
        }
    }

    @Test func infoReportsTheKernelVersion() throws {
        try inFreshNetworkNamespace {
            let info = try IPVSClient().info()
            #expect(info.version >= 0x01_02_00)
            #expect(info.connectionTableSize > 0)
        }
    }

    @Test func destinationsRoundTripEveryField() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try client.perform(.addService(web, ServiceConfiguration(scheduler: .weightedRoundRobin)))
            let natServer = DestinationKey(address: .v4(0xc0a8_0102), port: 8080)
            let tunnelServer = DestinationKey(address: .v4(0xc0a8_0103), port: 80)
            try client.perform(.addDestination(
                natServer,
                DestinationConfiguration(forwarding: .masquerading, weight: 3, upperThreshold: 100, lowerThreshold: 10),
                service: web))
            let gue = TunnelSettings(type: .gue, port: 6080, checksum: .checksum)
            try client.perform(.addDestination(
                tunnelServer, DestinationConfiguration(forwarding: .tunneling, weight: 0, tunnel: gue), service: web))
            let destinations = try client.destinations(of: web).sorted { $0.key < $1.key }
            #expect(destinations.map(\.key) == [natServer, tunnelServer])
            #expect(destinations[0].configuration.forwarding == .masquerading)
            #expect(destinations[0].configuration.weight == 3)
            #expect(destinations[0].configuration.upperThreshold == 100)
            #expect(destinations[0].configuration.lowerThreshold == 10)
            #expect(destinations[1].configuration.forwarding == .tunneling)
            #expect(destinations[1].configuration.weight == 0)
            #expect(destinations[1].configuration.tunnel == gue)

            try client.perform(.editDestination(
                natServer, DestinationConfiguration(forwarding: .masquerading, weight: 7), service: web))
            #expect(try client.destinations(of: web).first { $0.key == natServer }?.configuration.weight == 7)
            try client.perform(.deleteDestination(tunnelServer, service: web))
            #expect(try client.destinations(of: web).map(\.key) == [natServer])
        }
    }

    @Test func kernelErrorsCarryTheirErrnoAndIpvsadmsWordsForThem() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try client.perform(.addService(web, ServiceConfiguration()))
            let duplicate = #expect(throws: IPVSError.self) { try client.perform(.addService(web, ServiceConfiguration())) }
            #expect(duplicate == IPVSError(.addService, code: EEXIST))
            #expect(duplicate?.code == EEXIST)
            #expect(duplicate.map(ErrorMessages.message(for:)) == "Service already exists")

            let missing = ServiceKey.address(.udp, .v4(0x0a00_0009), port: 53)
            let noService = #expect(throws: IPVSError.self) { try client.perform(.deleteService(missing)) }
            #expect(noService?.code == ESRCH)
            #expect(noService.map(ErrorMessages.message(for:)) == "No such service")

            let server = DestinationKey(address: .v4(0x0a00_0002), port: 80)
            let notDefined = #expect(throws: IPVSError.self) {
                try client.perform(.addDestination(server, DestinationConfiguration(), service: missing))
            }
            #expect(notDefined?.code == ESRCH)
            #expect(notDefined.map(ErrorMessages.message(for:)) == "Service not defined")

            let noDestination = #expect(throws: IPVSError.self) {
                try client.perform(.editDestination(server, DestinationConfiguration(), service: web))
            }
            #expect(noDestination?.code == ENOENT)
            #expect(noDestination.map(ErrorMessages.message(for:)) == "No such destination")

            let unknownScheduler = #expect(throws: IPVSError.self) {
                try client.perform(.addService(
                    .address(.tcp, .v4(0x0a00_0001), port: 81), ServiceConfiguration(scheduler: "nosuch")))
            }
            #expect(unknownScheduler?.code == ENOENT)
            #expect(unknownScheduler.map(ErrorMessages.message(for:)) == "Scheduler or persistence engine not found")

            let getMissing = #expect(throws: IPVSError.self) { try client.service(missing) }
            #expect(getMissing?.code == ESRCH)
            #expect(getMissing.map(ErrorMessages.message(for:)) == "No such service")
        }
    }

    @Test func batchReportsEachRequestsOutcomeInOrder() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            // More requests than one sendmsg chunk, with failures in the middle and at the end.
            var requests: [IPVSRequest] = []
            for index in 0..<600 {
                let key = ServiceKey.address(.tcp, .v4(0x0a01_0000 + UInt32(index)), port: 80)
                requests.append(.addService(key, ServiceConfiguration(scheduler: .roundRobin)))
            }
            requests.insert(requests[10], at: 300)  // duplicate: EEXIST
            requests.append(.deleteService(.address(.tcp, .v4(0x0b00_0001), port: 80)))  // missing: ESRCH
            let results = client.perform(batch: requests)
            #expect(results.count == requests.count)
            let failures = results.enumerated().filter { $0.element != nil }
            #expect(failures.map(\.offset) == [300, 601])
            #expect(results[300] == IPVSError(.addService, code: EEXIST))
            #expect(results[601] == IPVSError(.deleteService, code: ESRCH))
            let listed = try client.services().count
            #expect(listed == 600)
        }
    }

    /// A test's namespace is left with an empty table, so its teardown, which the kernel
    /// runs later, takes no services out of the shared table under the next test's dumps.
    @Test func aTestsNamespaceIsLeftEmpty() throws {
        let descriptor = try inFreshNetworkNamespace { () throws -> Int32 in
            let client = try IPVSClient()
            for index in 0..<50 {
                try client.perform(.addService(
                    .address(.tcp, .v4(0x0a03_0000 + UInt32(index)), port: 80), ServiceConfiguration()))
            }
            #expect(try client.services().count == 50)
            return open("/proc/thread-self/ns/net", O_RDONLY)  // keeps the namespace alive
        }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try inNetworkNamespace(descriptor) {
            let left = try IPVSClient().services().count
            #expect(left == 0)
        }
    }

    @Test func batchWhereEveryRequestFailsReportsEachError() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            let requests = (0..<3000).map { index -> IPVSRequest in
                .deleteService(.address(.tcp, .v4(0x0a02_0000 + UInt32(index)), port: 80))
            }
            let results = client.perform(batch: requests)
            #expect(results.count == 3000)
            #expect(results.allSatisfy { $0 == IPVSError(.deleteService, code: ESRCH) })
            // The socket is still in step: the next request gets its own answer.
            try client.perform(.addService(web, ServiceConfiguration()))
            #expect(try client.services().map(\.key) == [web])
        }
    }

    @Test func batchWhoseLastRequestSucceedsAfterEarlierFailures() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            let missing = ServiceKey.address(.tcp, .v4(0x0b00_0001), port: 80)
            let results = client.perform(batch: [
                .deleteService(missing), .addService(web, ServiceConfiguration()), .deleteService(missing),
                .addDestination(DestinationKey(address: .v4(0x0a00_0002), port: 80), DestinationConfiguration(), service: web),
            ])
            #expect(results.map { $0?.code } == [ESRCH, nil, ESRCH, nil])
            #expect(try client.destinations(of: web).count == 1)
        }
    }

    @Test func ipv6AndFirewallMarkServices() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            let v6 = ServiceKey.address(.udp, try #require(IPAddress(presentation: "2001:db8::1")), port: 53)
            let mark = ServiceKey.firewallMark(6666, family: .inet6)
            try client.perform(.addService(v6, ServiceConfiguration(netmask: .exactV6)))
            try client.perform(.addService(
                mark, ServiceConfiguration(flags: [.persistent], timeout: 3000, netmask: .v6(prefixLength: 64))))
            let services = try client.services()
            #expect(Set(services.map(\.key)) == [v6, mark])
            #expect(services.first { $0.key == mark }?.configuration.netmask == .v6(prefixLength: 64))
            let server = DestinationKey(address: try #require(IPAddress(presentation: "2001:db8::10")), port: 53)
            try client.perform(.addDestination(server, DestinationConfiguration(forwarding: .masquerading), service: v6))
            #expect(try client.destinations(of: v6).map(\.key) == [server])
        }
    }

    @Test func timeoutsZeroAndFlush() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try client.perform(.setTimeouts(Timeouts(tcp: 901, tcpFin: 121, udp: 301)))
            #expect(try client.timeouts() == Timeouts(tcp: 901, tcpFin: 121, udp: 301))
            try client.perform(.addService(web, ServiceConfiguration()))
            try client.perform(.zero(web))
            try client.perform(.zero(nil))
            try client.perform(.flush)
            #expect(try client.services().isEmpty)
        }
    }

    @Test func syncDaemonStartsListsAndStops() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try client.perform(.startDaemon(SyncDaemon(role: .backup, interface: "lo", syncID: 7)))
            let daemons = try client.daemons()
            #expect(daemons.count == 1)
            #expect(daemons.first?.role == .backup)
            #expect(daemons.first?.interface == "lo")
            #expect(daemons.first?.syncID == 7)
            let again = #expect(throws: IPVSError.self) {
                try client.perform(.startDaemon(SyncDaemon(role: .backup, interface: "lo")))
            }
            #expect(again?.code == EEXIST)
            #expect(again.map(ErrorMessages.message(for:)) == "Daemon has already run")
            try client.perform(.stopDaemon(SyncDaemon(role: .backup)))
            #expect(try client.daemons().isEmpty)
            let none = #expect(throws: IPVSError.self) { try client.perform(.stopDaemon(SyncDaemon(role: .master))) }
            #expect(none?.code == ESRCH)
            #expect(none.map(ErrorMessages.message(for:)) == "No daemon is running")
        }
    }

    @Test func oneClientServesManyRequests() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            for port in UInt16(1)...200 {
                try client.perform(.addService(.address(.tcp, .v4(0x0a00_0001), port: port), ServiceConfiguration()))
                #expect(try client.service(.address(.tcp, .v4(0x0a00_0001), port: port)).key.family == .inet)
            }
            #expect(try client.services().count == 200)
        }
    }
}

/// What the library offers beyond one request at a time, against the real kernel.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct LibraryTableKernelTests {
    static let web = ServiceKey.address(.tcp, .v4(0x0a00_0001), port: 80)
    static let dns = ServiceKey.address(.udp, .v4(0x0a00_0002), port: 53)
    static let marked = ServiceKey.firewallMark(7, family: .inet6)

    /// Three services of three kinds, with real servers of every forwarding method.
    static func load(_ client: IPVSClient) throws {
        try client.perform(.addService(web, ServiceConfiguration(scheduler: .roundRobin)))
        try client.perform(.addService(dns, ServiceConfiguration(
            scheduler: .sourceHashing, flags: [.persistent, .schedulerFlag1], timeout: 300,
            netmask: .v4(mask: 0xffff_ff00))))
        try client.perform(.addService(marked, ServiceConfiguration(netmask: .exactV6)))
        for host: UInt32 in 2...4 {
            try client.perform(.addDestination(
                DestinationKey(address: .v4(0xc0a8_0100 + host), port: 8080),
                DestinationConfiguration(forwarding: .masquerading, weight: Int32(host)), service: web))
        }
        try client.perform(.addDestination(
            DestinationKey(address: .v4(0xc0a8_0109), port: 53),
            DestinationConfiguration(forwarding: .directRouting, weight: 1, upperThreshold: 9, lowerThreshold: 3),
            service: dns))
        try client.perform(.addDestination(
            DestinationKey(address: .v6(high: 0x2001_0db8_0000_0000, low: 9), port: 0),
            DestinationConfiguration(forwarding: .tunneling, weight: 2), service: marked))
    }

    @Test func aSnapshotHoldsTheWholeTable() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try Self.load(client)
            try client.perform(.setTimeouts(Timeouts(tcp: 600, tcpFin: 60, udp: 120)))
            try client.perform(.startDaemon(SyncDaemon(role: .backup, interface: "lo", syncID: 5)))
            defer { try? client.perform(.stopDaemon(SyncDaemon(role: .backup))) }

            let snapshot = try client.snapshot()
            #expect(snapshot.services.map(\.service) == (try client.services()))
            for entry in snapshot.services {
                #expect(entry.destinations == (try client.destinations(of: entry.service.key)))
            }
            #expect(snapshot.services.map { $0.destinations.count }.reduce(0, +) == 5)
            #expect(snapshot.timeouts == Timeouts(tcp: 600, tcpFin: 60, udp: 120))
            #expect(snapshot.daemons.map(\.syncID) == [5])
        }
    }

    /// The fast listing gives, for every service it covers, what the real-server dump
    /// gives, and covers all of them in a namespace where nothing else changes.
    @Test func summariesAgreeWithTheDestinationDumps() throws {
        try inFreshNetworkNamespace {
            let client = try IPVSClient()
            try Self.load(client)
            var summarized: [ServiceKey: [DestinationSummary]] = [:]
            let services = try client.services(summarizingDestinations: { summarized[$0] = $1 })
            #expect(services == (try client.services()))
            // The text listing does not tell an fwmark service's family: it names it IPv4.
            let marked = ServiceKey.firewallMark(7, family: .inet)
            #expect(Set(summarized.keys) == [Self.web, Self.dns, marked])
            for service in services {
                let key = service.key == Self.marked ? marked : service.key
                let expected = try client.destinations(of: service.key).map { destination in
                    DestinationSummary(
                        key: destination.key, forwarding: destination.configuration.forwarding,
                        weight: destination.configuration.weight, activeConnections: destination.connections.active,
                        inactiveConnections: destination.connections.inactive)
                }
                #expect(summarized[key] == expected)
            }
        }
    }

    /// The connection table of a fresh namespace reads, empty.
    @Test func anEmptyConnectionTableReads() throws {
        try inFreshNetworkNamespace {
            _ = try IPVSClient()  // the IPVS module is loaded
            #expect(try ConnectionTable.read().isEmpty)
        }
    }
}
