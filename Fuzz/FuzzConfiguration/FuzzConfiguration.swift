// libFuzzer target: what `--apply` and `--diff` read (a JSON document or rules text),
// through ConfigurationFile.read. Whatever it accepts must survive the JSON writer: written
// as `-S --json` writes a table and read back, it is the same configuration.
import FuzzSupport
import IPVS
@testable import IPVSAdmin

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzConfiguration_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let configuration = try? ConfigurationFile.read(bytes) else { return 0 }
    let written = TableDocument.write(
        services: configuration.services.map { service in
            (Service(key: service.key, configuration: service.configuration),
             service.destinations.map { Destination(key: $0.key, configuration: $0.configuration) })
        },
        timeouts: configuration.timeouts, daemons: configuration.daemons, statistics: false)
    let reread: IPVSConfiguration
    do {
        reread = try ConfigurationFile.read(written)
    } catch {
        preconditionFailure("its own JSON refused: \(error)\n\(String(decoding: written, as: UTF8.self))")
    }
    precondition(
        withoutOrigins(reread) == withoutOrigins(configuration),
        "JSON round trip changed the configuration:\n\(String(decoding: written, as: UTF8.self))")
    return 0
}

/// The configuration without where each entry was written, which differs by form.
private func withoutOrigins(_ configuration: IPVSConfiguration) -> IPVSConfiguration {
    var copy = configuration
    for index in copy.services.indices {
        copy.services[index].origin = nil
        for destination in copy.services[index].destinations.indices {
            copy.services[index].destinations[destination].origin = nil
        }
    }
    return copy
}
