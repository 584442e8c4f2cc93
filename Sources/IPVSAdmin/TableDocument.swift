import IPVS

/// The JSON form of the table (`--json`, `--apply`): its schema is documented in
/// docs/json.md. One writer per view, and the reader of what `--apply` takes.
enum TableDocument {
    // MARK: Names

    static func familyName(_ family: AddressFamily) -> String { family == .inet ? "ipv4" : "ipv6" }

    static func protocolName(_ proto: IPProtocol) -> String {
        switch proto {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        default: return String(proto.rawValue)
        }
    }

    static let forwardingNames: [(ForwardingMethod, String)] = [
        (.masquerading, "masq"), (.directRouting, "route"), (.tunneling, "tunnel"), (.localNode, "local"),
        (.bypass, "bypass"),
    ]

    static func forwardingName(_ method: ForwardingMethod) -> String {
        let masked = ForwardingMethod(rawValue: method.rawValue & ForwardingMethod.mask)
        return forwardingNames.first { $0.0 == masked }?.1 ?? String(masked.rawValue)
    }

    static let tunnelTypeNames: [(TunnelType, String)] = [(.ipip, "ipip"), (.gue, "gue"), (.gre, "gre")]
    static let checksumNames: [(TunnelChecksum, String)] = [
        (.none, "none"), (.checksum, "csum"), (.remoteChecksum, "remcsum"),
    ]

    /// The names `-b` takes for each flag, by scheduler (sh and mh name their own).
    static func schedulerFlagNames(_ configuration: ServiceConfiguration) -> [String] {
        configuration.hasSchedulerFlags
            ? configuration.schedulerFlagNames.split(separator: ",").map(String.init) : []
    }

    // MARK: Writing

    /// `-S --json` (no counters) and `-L --json` (with them).
    static func write(
        services: [(Service, [Destination])], timeouts: Timeouts?, daemons: [SyncDaemon]?, statistics: Bool
    ) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.beginArray("services")
        for (service, destinations) in services {
            write(service, destinations, statistics: statistics, to: &json)
        }
        json.endArray()
        if let timeouts { write(timeouts, to: &json) }
        if let daemons { write(daemons, to: &json) }
        json.endObject()
        json.finish()
        return json.text.bytes
    }

    static func write(_ service: Service, _ destinations: [Destination], statistics: Bool, to json: inout JSONWriter) {
        let configuration = service.configuration
        json.beginObject()
        json.member("family", familyName(service.key.family))
        switch service.key {
        case .address(let proto, let address, let port):
            json.member("protocol", protocolName(proto))
            json.member("address", address: address)
            json.member("port", UInt64(port))
        case .firewallMark(let mark, _):
            json.member("fwmark", UInt64(mark))
        }
        json.member("scheduler", configuration.scheduler.rawValue)
        json.beginArray("scheduler_flags")
        for name in schedulerFlagNames(configuration) { json.member(nil, name) }
        json.endArray()
        if configuration.flags.contains(.persistent) { json.member("persistent", UInt64(configuration.timeout)) }
        switch configuration.netmask {
        case .v4(let mask): json.member("netmask", address: IPAddress.v4(mask))
        case .v6(let prefixLength): json.member("netmask", UInt64(prefixLength))
        }
        let engine = configuration.persistenceEngine.flatMap { $0.isEmpty ? nil : $0 }
        json.member("pe", engine)
        json.member("one_packet", configuration.flags.contains(.onePacket))
        if statistics { write(service.statistics, to: &json) }
        json.beginArray("destinations")
        for destination in destinations { write(destination, statistics: statistics, to: &json) }
        json.endArray()
        json.endObject()
    }

    static func write(_ destination: Destination, statistics: Bool, to json: inout JSONWriter) {
        let configuration = destination.configuration
        json.beginObject()
        json.member("address", address: destination.key.address)
        json.member("port", UInt64(destination.key.port))
        json.member("forward", forwardingName(configuration.forwarding))
        json.member("weight", Int64(configuration.weight))
        json.member("upper_threshold", UInt64(configuration.upperThreshold))
        json.member("lower_threshold", UInt64(configuration.lowerThreshold))
        if ForwardingMethod(rawValue: configuration.forwarding.rawValue & ForwardingMethod.mask) == .tunneling {
            let tunnel = configuration.tunnel
            json.beginObject("tunnel")
            json.member("type", tunnelTypeNames.first { $0.0 == tunnel.type }?.1 ?? String(tunnel.type.rawValue))
            json.member("port", UInt64(tunnel.port))
            json.member("checksum", checksumNames.first { $0.0 == tunnel.checksum }?.1 ?? String(tunnel.checksum.rawValue))
            json.endObject()
        }
        if statistics {
            json.member("active_connections", UInt64(destination.connections.active))
            json.member("inactive_connections", UInt64(destination.connections.inactive))
            json.member("persistent_connections", UInt64(destination.connections.persistent))
            write(destination.statistics, to: &json)
        }
        json.endObject()
    }

    static func write(_ statistics: Statistics, to json: inout JSONWriter) {
        json.beginObject("stats")
        json.member("connections", statistics.connections)
        json.member("packets_in", statistics.incomingPackets)
        json.member("packets_out", statistics.outgoingPackets)
        json.member("bytes_in", statistics.incomingBytes)
        json.member("bytes_out", statistics.outgoingBytes)
        json.endObject()
        json.beginObject("rates")
        json.member("connections", statistics.connectionsPerSecond)
        json.member("packets_in", statistics.incomingPacketsPerSecond)
        json.member("packets_out", statistics.outgoingPacketsPerSecond)
        json.member("bytes_in", statistics.incomingBytesPerSecond)
        json.member("bytes_out", statistics.outgoingBytesPerSecond)
        json.endObject()
    }

    static func write(_ timeouts: Timeouts, to json: inout JSONWriter) {
        json.beginObject("timeouts")
        json.member("tcp", UInt64(timeouts.tcp))
        json.member("tcp_fin", UInt64(timeouts.tcpFin))
        json.member("udp", UInt64(timeouts.udp))
        json.endObject()
    }

    static func write(_ daemons: [SyncDaemon], to json: inout JSONWriter) {
        json.beginArray("daemons")
        for daemon in daemons {
            json.beginObject()
            json.member("state", daemon.role == .master ? "master" : "backup")
            json.member("interface", daemon.interface)
            json.member("syncid", UInt64(daemon.syncID))
            if let length = daemon.maximumLength, length != 0 { json.member("sync_maxlen", UInt64(length)) }
            if let group = daemon.group { json.member("mcast_group", address: group) }
            if let port = daemon.port, port != 0 { json.member("mcast_port", UInt64(port)) }
            if let ttl = daemon.ttl, ttl != 0 { json.member("mcast_ttl", UInt64(ttl)) }
            json.endObject()
        }
        json.endArray()
    }

    /// `-L --json -c`.
    static func write(connections: [Connection]) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.beginArray("connections")
        for connection in connections {
            json.beginObject()
            json.member("protocol", protocolName(connection.protocol))
            for (name, endpoint): (StaticString, _) in [
                ("client", connection.client), ("virtual", connection.virtual), ("destination", connection.destination),
            ] {
                json.beginObject(name)
                json.member("address", address: endpoint.address)
                json.member("port", UInt64(endpoint.port))
                json.endObject()
            }
            json.member("state", connection.state)
            json.member("expires", Int64(connection.expiresIn))
            if let engine = connection.persistenceEngine {
                json.member("pe", engine)
                json.member("pe_data", connection.persistenceEngineData)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finish()
        return json.text.bytes
    }

    /// `-L --json --timeout` and `--daemon`: one part of the whole document.
    static func write(timeouts: Timeouts?, daemons: [SyncDaemon]?) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        if let timeouts { write(timeouts, to: &json) }
        if let daemons { write(daemons, to: &json) }
        json.endObject()
        json.finish()
        return json.text.bytes
    }
}
