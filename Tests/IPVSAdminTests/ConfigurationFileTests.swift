import Foundation
import IPVS
import Testing
import TestSupport

@testable import IPVSAdmin

/// `--apply`'s reader of files and standard input: rules text is taken a block of lines at
/// a time, so what it reads must not depend on where the blocks end.
@Suite struct ConfigurationFileTests {
    /// Rules for `services` services of 3 real servers each, well past one 64 KiB block.
    static func rules(services: Int) -> String {
        var text = "# generated\n\n"
        for n in 0..<services {
            let vip = "10.1.\(n / 256).\(n % 256)"
            text += "-A -t \(vip):80 -s wlc\n"
            for server in 1...3 { text += "-a -t \(vip):80 -r 172.16.\(n % 256).\(server):8080 -m -w \(server)\n" }
        }
        return text
    }

    static func readFile(_ text: String) throws -> Result<IPVSConfiguration, ConfigurationFile.Problem> {
        try withTemporaryFile(holding: text) { path in
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            return Result { () throws(ConfigurationFile.Problem) in
                try ConfigurationFile.read(descriptor: descriptor, limit: 1 << 28)
            }
        }
    }

    @Test(arguments: [1, 2_000, 5_000])
    func aFileReadInBlocksIsWhatItsBytesAre(services: Int) throws {
        let text = Self.rules(services: services)
        let whole = try ConfigurationFile.read(Array(text.utf8))
        #expect(try Self.readFile(text).get() == whole)
        #expect(whole.services.count == services)
        #expect(whole.services.last?.origin == "line \(2 + 4 * services - 3)")
        #expect(whole.services.last?.destinations.last?.origin == "line \(2 + 4 * services)")
    }

    @Test func aBadLineFarIntoTheFileIsNamedByItsNumber() throws {
        let text = Self.rules(services: 3_000) + "-a -t 10.9.9.9:80 -r 172.16.0.1:8080 -m\n"
        let line = 2 + 4 * 3_000 + 1
        #expect(throws: ConfigurationFile.Problem(
            place: "line \(line)", message: "a real server of a virtual service no earlier line adds"
        )) {
            try Self.readFile(text).get()
        }
    }

    @Test func jsonLargerThanABlockIsReadWhole() throws {
        var json = "{\"services\": ["
        json += (0..<1_500).map { n in
            "{\"family\": \"ipv4\", \"protocol\": \"tcp\", \"address\": \"10.2.\(n / 256).\(n % 256)\", \"port\": 80, "
                + "\"scheduler\": \"rr\", \"destinations\": []}"
        }.joined(separator: ",\n")
        json += "]}\n"
        #expect(json.utf8.count > 1 << 16)
        #expect(try Self.readFile(json).get() == ConfigurationFile.read(Array(json.utf8)))
    }

    @Test func aDirectoryIsRefused() {
        let descriptor = open("/", O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        #expect(throws: ConfigurationFile.Problem(place: nil, message: String(cString: strerror(EISDIR)))) {
            try ConfigurationFile.read(descriptor: descriptor, limit: 1 << 28)
        }
    }

    @Test func moreThanTheLimitIsRefused() throws {
        let result = try Self.readFile(Self.rules(services: 10)).map { $0 }
        #expect((try? result.get()) != nil)
        try withTemporaryFile(holding: Self.rules(services: 2_000)) { path in
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            #expect(throws: ConfigurationFile.Problem.self) {
                try ConfigurationFile.read(descriptor: descriptor, limit: 1 << 16)
            }
        }
    }
}

extension ConfigurationFileTests {
    /// `-S` puts each service's real servers right after it; a file may not.
    @Test func realServersMayComeAfterOtherServices() throws {
        let text = "-A -t 10.0.0.1:80\n-A -t 10.0.0.2:80\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m\n"
            + "-A -t 10.0.0.3:80\n-a -t 10.0.0.3:80 -r 10.1.0.3:80 -m\n-a -t 10.0.0.2:80 -r 10.1.0.2:80 -m\n"
        let configuration = try ConfigurationFile.read(Array(text.utf8))
        #expect(configuration.services.map { $0.destinations.map(\.origin) } == [["line 3"], ["line 6"], ["line 5"]])
    }
}
