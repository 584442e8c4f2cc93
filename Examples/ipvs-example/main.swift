// An example of the IPVS library on its own: lists the table of this network namespace
// and, given a service address, adds a TCP service with one real server, then lists
// again. Run it as root where the kernel has IPVS, ideally in a namespace of its own:
//
//     ip netns add demo && ip netns exec demo ip link set lo up
//     ip netns exec demo .build/debug/ipvs-example 10.0.0.1:80 127.0.0.2:8080
import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func endpoint(_ text: String) -> (IPAddress, UInt16)? {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]),
        let address = IPAddress(presentation: String(text[..<colon]))
    else { return nil }
    return (address, port)
}

func show(_ table: IPVSSnapshot) {
    print("\(table.services.count) service(s); timeouts tcp \(table.timeouts.tcp) s, udp \(table.timeouts.udp) s")
    for entry in table.services {
        let service = entry.service
        switch service.key {
        case .address(let proto, let address, let port):
            print("  \(proto == .tcp ? "tcp" : proto == .udp ? "udp" : "proto \(proto.rawValue)") \(address) port \(port)"
                + " scheduler \(service.configuration.scheduler), \(service.statistics.connections) connection(s)")
        case .firewallMark(let mark, let family):
            print("  fwmark \(mark) (\(family)) scheduler \(service.configuration.scheduler)")
        }
        for destination in entry.destinations {
            print("    -> \(destination.key.address) port \(destination.key.port) weight \(destination.configuration.weight)"
                + ", \(destination.connections.active) active")
        }
    }
}

let arguments = CommandLine.arguments.dropFirst()
do throws(IPVSError) {
    let ipvs = try IPVSClient()
    let info = try ipvs.info()
    print("IPVS \(info.versionString), connection table of \(info.connectionTableSize) entries")
    show(try ipvs.snapshot())
    if arguments.count == 2, let (address, port) = endpoint(arguments.first!),
        let (server, serverPort) = endpoint(arguments.last!)
    {
        let service = ServiceKey.address(.tcp, address, port: port)
        try ipvs.perform(.addService(service, ServiceConfiguration(scheduler: .roundRobin)))
        try ipvs.perform(.addDestination(
            DestinationKey(address: server, port: serverPort),
            DestinationConfiguration(forwarding: .masquerading, weight: 1), service: service))
        print("added \(address):\(port) -> \(server):\(serverPort)")
        show(try ipvs.snapshot())
    } else if !arguments.isEmpty {
        print("usage: ipvs-example [SERVICE-ADDRESS:PORT REAL-SERVER:PORT]")
        exit(2)
    }
} catch {
    // The library reports the operation and the errno; the words are the program's own.
    print("IPVS \(error.operation) failed: \(String(cString: strerror(error.code)))")
    exit(1)
}
