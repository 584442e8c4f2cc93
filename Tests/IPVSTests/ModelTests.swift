import Glibc
import Testing

@testable import IPVS

@Suite("Model")
struct ModelTests {
    @Test func ipv4MasksTravelInNetworkOrder() {
        let mask = PersistenceNetmask.v4(mask: 0xFFFF_FF00)
        #expect(mask.kernelValue == UInt32(0xFFFF_FF00).bigEndian)
        // The attribute's bytes in memory are the mask's bytes in network order.
        let bytes = withUnsafeBytes(of: mask.kernelValue) { Array($0) }
        #expect(bytes == [255, 255, 255, 0])
        #expect(PersistenceNetmask.exactV4.kernelValue == 0xFFFF_FFFF)
        #expect(PersistenceNetmask.v4(mask: 0xFF00_0000).kernelValue == UInt32(0xFF00_0000).bigEndian)
    }

    @Test func ipv6PrefixLengthsTravelAsTheyAre() {
        #expect(PersistenceNetmask.v6(prefixLength: 64).kernelValue == 64)
        #expect(PersistenceNetmask.exactV6.kernelValue == 128)
    }

    @Test func kernelValuesReadBackPerFamily() {
        let v4 = UInt32(0xFFFF_0000).bigEndian
        #expect(PersistenceNetmask(kernelValue: v4, family: .inet) == .v4(mask: 0xFFFF_0000))
        #expect(PersistenceNetmask(kernelValue: 48, family: .inet6) == .v6(prefixLength: 48))
        for netmask in [PersistenceNetmask.v4(mask: 0xFFFF_FFF0), .exactV4, .v4(mask: 0)] {
            #expect(PersistenceNetmask(kernelValue: netmask.kernelValue, family: .inet) == netmask)
        }
        for netmask in [PersistenceNetmask.v6(prefixLength: 1), .exactV6] {
            #expect(PersistenceNetmask(kernelValue: netmask.kernelValue, family: .inet6) == netmask)
        }
    }

    @Test func exactMaskPerFamily() {
        #expect(PersistenceNetmask.exact(for: .inet) == .v4(mask: 0xFFFF_FFFF))
        #expect(PersistenceNetmask.exact(for: .inet6) == .v6(prefixLength: 128))
    }

    @Test func kernelConstants() {
        #expect(IPProtocol.tcp.rawValue == 6)
        #expect(IPProtocol.udp.rawValue == 17)
        #expect(IPProtocol.sctp.rawValue == 132)
        #expect(ServiceFlags.persistent.rawValue == 0x1)
        #expect(ServiceFlags.hashed.rawValue == 0x2)
        #expect(ServiceFlags.onePacket.rawValue == 0x4)
        #expect(ServiceFlags.schedulerFlags.rawValue == 0x38)
        #expect(ForwardingMethod.masquerading.rawValue == 0)
        #expect(ForwardingMethod.localNode.rawValue == 1)
        #expect(ForwardingMethod.tunneling.rawValue == 2)
        #expect(ForwardingMethod.directRouting.rawValue == 3)
        #expect(ForwardingMethod.bypass.rawValue == 4)
        #expect(TunnelType.ipip.rawValue == 0)
        #expect(TunnelType.gue.rawValue == 1)
        #expect(TunnelType.gre.rawValue == 2)
        #expect(TunnelChecksum.none.rawValue == 0)
        #expect(TunnelChecksum.checksum.rawValue == 1)
        #expect(TunnelChecksum.remoteChecksum.rawValue == 2)
        #expect(SyncDaemonRole.master.rawValue == 1)
        #expect(SyncDaemonRole.backup.rawValue == 2)
    }

    @Test func defaultsAreIpvsadms() {
        let service = ServiceConfiguration()
        #expect(service.scheduler == "wlc")
        #expect(service.flags == [])
        #expect(service.timeout == 0)
        #expect(service.netmask == .exactV4)
        #expect(service.persistenceEngine == nil)
        let destination = DestinationConfiguration()
        #expect(destination.forwarding == .directRouting)
        #expect(destination.weight == 1)
        #expect(destination.upperThreshold == 0 && destination.lowerThreshold == 0)
        #expect(destination.tunnel == TunnelSettings(type: .ipip, port: 0, checksum: .none))
    }

    @Test func serviceKeyFamily() {
        #expect(ServiceKey.address(.tcp, .v4(1), port: 80).family == .inet)
        #expect(ServiceKey.address(.udp, .v6(high: 1, low: 0), port: 80).family == .inet6)
        #expect(ServiceKey.firewallMark(1, family: .inet6).family == .inet6)
        #expect(ServiceKey.firewallMark(1, family: .inet).family == .inet)
    }

    @Test(arguments: [
        (UInt32(0x01_02_01), "1.2.1"), (0x01_01_04, "1.1.4"), (0x00_00_00, "0.0.0"), (0xFF_FF_FF, "255.255.255"),
        (0x01_0A_14, "1.10.20"), (0xAB_01_02_03, "1.2.3"),
    ])
    func versionString(_ version: UInt32, _ text: String) {
        #expect(IPVSInfo(version: version, connectionTableSize: 4096).versionString == text)
    }

    @Test func requestsNameTheirOperation() {
        let key = ServiceKey.firewallMark(1, family: .inet)
        let destination = DestinationKey(address: .v4(1), port: 0)
        let daemon = SyncDaemon(role: .master)
        let pairs: [(IPVSRequest, IPVSOperation)] = [
            (.addService(key, ServiceConfiguration()), .addService),
            (.editService(key, ServiceConfiguration()), .editService),
            (.deleteService(key), .deleteService),
            (.addDestination(destination, DestinationConfiguration(), service: key), .addDestination),
            (.editDestination(destination, DestinationConfiguration(), service: key), .editDestination),
            (.deleteDestination(destination, service: key), .deleteDestination),
            (.zero(nil), .zero), (.zero(key), .zero), (.flush, .flush),
            (.setTimeouts(Timeouts(tcp: 1, tcpFin: 2, udp: 3)), .setTimeouts),
            (.startDaemon(daemon), .startDaemon), (.stopDaemon(daemon), .stopDaemon),
        ]
        for (request, operation) in pairs {
            #expect(request.operation == operation, "\(request)")
        }
    }

    /// The default batch runs every request in order, each whatever the others did.
    @Test func batchesRunEveryRequestInOrder() {
        final class Recorder: IPVSControl {
            var performed: [IPVSRequest] = []
            func info() throws(IPVSError) -> IPVSInfo { IPVSInfo(version: 0, connectionTableSize: 0) }
            func services() throws(IPVSError) -> [Service] { [] }
            func service(_ key: ServiceKey) throws(IPVSError) -> Service { throw IPVSError(.getService, code: ESRCH) }
            func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] { [] }
            func timeouts() throws(IPVSError) -> Timeouts { Timeouts(tcp: 0, tcpFin: 0, udp: 0) }
            func daemons() throws(IPVSError) -> [SyncDaemon] { [] }
            func perform(_ request: IPVSRequest) throws(IPVSError) {
                performed.append(request)
                if case .deleteService = request { throw IPVSError(.deleteService, code: ESRCH) }
            }
        }
        let recorder = Recorder()
        let key = ServiceKey.firewallMark(7, family: .inet)
        let requests: [IPVSRequest] = [.flush, .deleteService(key), .zero(nil), .deleteService(key), .flush]
        let results = recorder.perform(batch: requests)
        #expect(recorder.performed == requests)
        #expect(results == [nil, IPVSError(.deleteService, code: ESRCH), nil, IPVSError(.deleteService, code: ESRCH), nil])
        #expect(recorder.perform(batch: []) == [])
    }
}
