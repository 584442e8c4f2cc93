import IPVS

/// `-S`: the table as the command lines that `-R` reads back, as ipvsadm 1.31 writes
/// them, with one deliberate difference: non-zero thresholds are kept (` -x U -y L`).
struct RuleFormatter: TableFormatter {
    let options: ListOptions
    private let endpoints: EndpointText

    init(options: ListOptions) {
        self.options = options
        endpoints = EndpointText(numeric: options.contains(.numeric))
    }

    var title: String { "" }
    var needsOnlyDestinationSummaries: Bool { false }

    func writeServiceLine(_ service: Service, to out: inout ByteText) {
        writeServiceLine(service, command: "-A ", to: &out)
    }

    private func writeServiceLine(_ service: Service, command: StaticString, to out: inout ByteText) {
        let configuration = service.configuration
        out.append(command)
        appendServiceOption(service.key, to: &out)
        out.append(" -s ")
        out.append(string: configuration.scheduler.rawValue)
        if configuration.flags.contains(.persistent) {
            out.append(" -p ")
            out.append(decimal: configuration.timeout)
            if !configuration.netmask.isExact {
                out.append(" -M ")
                out.append(mask: configuration.netmask)
            }
        }
        if let engine = configuration.persistenceEngine, !engine.isEmpty {
            out.append(" --pe ")
            out.append(string: engine)
        }
        if configuration.flags.contains(.onePacket) { out.append(" -o") }
        if configuration.hasSchedulerFlags {
            out.append(" -b ")
            out.append(string: configuration.schedulerFlagNames)
        }
        out.append("\n")
    }

    func writeDestinations(_ destinations: [Destination], of service: ServiceKey, to out: inout ByteText) {
        var serviceOption = ByteText()
        appendServiceOption(service, to: &serviceOption)
        let ordered = options.contains(.noSort) ? destinations : ReferenceOrder.sorted(destinations)
        for destination in ordered {
            write(destination, protocol: service.portProtocol, serviceOption: serviceOption, to: &out)
        }
    }

    /// One request as the line `-R` reads for it: what `--diff` prints.
    func writeRequest(_ request: IPVSRequest, to out: inout ByteText) {
        switch request {
        case .addService(let key, let configuration):
            writeServiceLine(Service(key: key, configuration: configuration), command: "-A ", to: &out)
        case .editService(let key, let configuration):
            writeServiceLine(Service(key: key, configuration: configuration), command: "-E ", to: &out)
        case .deleteService(let key):
            out.append("-D ")
            appendServiceOption(key, to: &out)
            out.append("\n")
        case .addDestination(let key, let configuration, let service),
            .editDestination(let key, let configuration, let service):
            var serviceOption = ByteText()
            appendServiceOption(service, to: &serviceOption)
            let command: StaticString = if case .addDestination = request { "-a " } else { "-e " }
            write(Destination(key: key, configuration: configuration), protocol: service.portProtocol,
                  serviceOption: serviceOption, command: command, to: &out)
        case .deleteDestination(let key, let service):
            out.append("-d ")
            appendServiceOption(service, to: &out)
            out.append(" -r ")
            endpoints.append(key.address, key.port, protocol: service.portProtocol, to: &out)
            out.append("\n")
        case .zero(let key):
            out.append("-Z")
            if let key {
                out.append(" ")
                appendServiceOption(key, to: &out)
            }
            out.append("\n")
        case .flush:
            out.append("-C\n")
        case .setTimeouts(let timeouts):
            out.append("--set ")
            out.append(decimal: timeouts.tcp)
            out.append(" ")
            out.append(decimal: timeouts.tcpFin)
            out.append(" ")
            out.append(decimal: timeouts.udp)
            out.append("\n")
        case .startDaemon(let daemon):
            out.append("--start-daemon ")
            out.append(daemon.role == .master ? "master" : "backup")
            out.append(" --mcast-interface ")
            out.append(string: daemon.interface)
            out.append(" --syncid ")
            out.append(decimal: daemon.syncID)
            if let length = daemon.maximumLength, length != 0 {
                out.append(" --sync-maxlen ")
                out.append(decimal: length)
            }
            if let group = daemon.group {
                out.append(" --mcast-group ")
                out.append(address: group)
            }
            if let port = daemon.port, port != 0 {
                out.append(" --mcast-port ")
                out.append(decimal: port)
            }
            if let ttl = daemon.ttl, ttl != 0 {
                out.append(" --mcast-ttl ")
                out.append(decimal: UInt16(ttl))
            }
            out.append("\n")
        case .stopDaemon(let daemon):
            out.append("--stop-daemon ")
            out.append(daemon.role == .master ? "master" : "backup")
            out.append("\n")
        }
    }

    private func write(
        _ destination: Destination, protocol proto: IPProtocol, serviceOption: borrowing ByteText,
        command: StaticString = "-a ", to out: inout ByteText
    ) {
        let configuration = destination.configuration
        out.append(command)
        out.append(serviceOption)
        out.append(" -r ")
        endpoints.append(destination.key.address, destination.key.port, protocol: proto, to: &out)
        out.append(" ")
        out.append(forwardingOption(configuration.forwarding))
        out.append(" -w ")
        out.append(decimal: configuration.weight)
        if configuration.forwarding == .tunneling {
            let tunnel = configuration.tunnel
            switch tunnel.type {
            case .ipip:
                out.append(" --tun-type ipip")
            case .gue:
                out.append(" --tun-type gue --tun-port ")
                out.append(decimal: tunnel.port)
                out.append(" ")
                out.append(checksumOption(tunnel.checksum))
            case .gre:
                out.append(" --tun-type gre ")
                out.append(checksumOption(tunnel.checksum))
            default: break
            }
        }
        if configuration.upperThreshold != 0 || configuration.lowerThreshold != 0 {
            out.append(" -x ")
            out.append(decimal: configuration.upperThreshold)
            out.append(" -y ")
            out.append(decimal: configuration.lowerThreshold)
        }
        out.append("\n")
    }

    /// "-t host:port", "-f MARK -6" and the like.
    func appendServiceOption(_ key: ServiceKey, to out: inout ByteText) {
        switch key {
        case .firewallMark(let mark, let family):
            out.append("-f ")
            out.append(decimal: mark)
            if family == .inet6 { out.append(" -6") }
        case .address(let proto, let address, let port):
            switch proto {
            case .tcp: out.append("-t ")
            case .udp: out.append("-u ")
            case .sctp: out.append("--sctp-service ")
            default: out.append("--xxx-service ")
            }
            endpoints.append(address, port, protocol: proto, to: &out)
        }
    }

    private func forwardingOption(_ method: ForwardingMethod) -> StaticString {
        switch method.rawValue & ForwardingMethod.mask {
        case ForwardingMethod.masquerading.rawValue: return "-m"
        case ForwardingMethod.tunneling.rawValue: return "-i"
        case ForwardingMethod.localNode.rawValue, ForwardingMethod.directRouting.rawValue: return "-g"
        default: return "(null)"
        }
    }

    private func checksumOption(_ checksum: TunnelChecksum) -> StaticString {
        switch checksum {
        case .none: return "--tun-nocsum"
        case .checksum: return "--tun-csum"
        case .remoteChecksum: return "--tun-remcsum"
        default: return "(null)"
        }
    }
}
