import IPVS

/// `-L --daemon`: one line per running sync daemon.
enum DaemonFormatter {
    static func lines(_ daemons: [SyncDaemon]) -> String {
        var text = ""
        for daemon in daemons {
            text += "\(daemon.role == .master ? "master" : "backup") sync daemon (mcast=\(daemon.interface), "
                + "syncid=\(Int32(bitPattern: daemon.syncID))"
            if let length = daemon.maximumLength, length != 0 { text += ", maxlen=\(length)" }
            if let group = daemon.group { text += ", group=\(group)" }
            if let port = daemon.port, port != 0 { text += ", port=\(port)" }
            if let ttl = daemon.ttl, ttl != 0 { text += ", ttl=\(ttl)" }
            text += ")\n"
        }
        return text
    }
}

/// `-L -c`: the kernel's connection table in ipvsadm's columns.
struct ConnectionFormatter {
    let options: ListOptions

    func format(_ connections: [Connection]) -> String {
        let withEngine = options.contains(.persistentConnections)
        var text = "IPVS connection entries\n"
        if withEngine {
            text += "pro expire " + "state".leftAligned(11) + " " + "source".leftAligned(18) + " "
                + "virtual".leftAligned(18) + " " + "destination".leftAligned(18) + " " + "pe name".leftAligned(16)
                + " pe_data\n"
        } else {
            text += "pro expire " + "state".leftAligned(11) + " " + "source".leftAligned(18) + " "
                + "virtual".leftAligned(18) + " destination\n"
        }
        let endpoints = EndpointText(numeric: options.contains(.numeric))
        func name(_ endpoint: Connection.Endpoint, _ proto: IPProtocol) -> String {
            endpoints.text(endpoint.address, endpoint.port, protocol: proto)
        }
        for connection in connections {
            let proto = connection.protocol
            let expire = Self.twoDigits(connection.expiresIn / 60) + ":" + Self.twoDigits(connection.expiresIn % 60)
            text += proto.connectionTableName.leftAligned(3) + " " + expire.leftAligned(6) + " "
                + connection.state.leftAligned(11) + " " + name(connection.client, proto).leftAligned(18) + " "
                + name(connection.virtual, proto).leftAligned(18) + " "
            if withEngine, let engine = connection.persistenceEngine {
                text += name(connection.destination, proto).leftAligned(16) + " " + engine.leftAligned(18) + " "
                    + (connection.persistenceEngineData ?? "") + "\n"
            } else {
                text += name(connection.destination, proto) + "\n"
            }
        }
        return text
    }

    private static func twoDigits(_ value: Int32) -> String {
        value < 10 && value >= 0 ? "0\(value)" : String(value)
    }
}
