import IPVS
import Testing

@testable import IPVSAdmin

/// Runs one invocation whose arguments and standard input are bytes; what it wrote, as bytes.
private func invoke(_ control: IPVSControl, _ arguments: [[UInt8]], stdin: [UInt8] = [])
    -> (output: [UInt8], errors: [UInt8], status: Int32)
{
    let output = TextOutput()
    let errors = TextOutput()
    let session = AdminSession(
        control: control, info: IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096), program: "ipvsadm",
        output: output, errors: errors, restoreInput: .bytes(stdin), readConnections: { [] })
    let status = session.run(arguments.map { ArgumentText.string($0) })
    return (output.bytes, errors.bytes, status)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func argv(_ line: String) -> [[UInt8]] { words(line).map(bytes) }

/// Arguments are bytes: a refused word is echoed exactly as given, UTF-8 or not.
@Suite("Argument bytes")
struct ArgumentBytesTests {
    static let samples: [[UInt8]] = [
        [], bytes("rr"), [0xFF, 0xFE], bytes("ü"), [0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBC, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], bytes("\u{10FFFD}x"),
        [0x80, 0x41, 0xF0, 0x9F, 0x98, 0x80, 0xC0, 0xAF], Array(0...255),
    ]

    @Test(arguments: samples)
    func anyBytesComeBackFromTheirCarrier(_ word: [UInt8]) {
        let carried = ArgumentText.string(word)
        #expect(ArgumentText.bytes(carried) == word)
        // Its bytes' carrier is itself: carrying is idempotent on what it makes.
        #expect(ArgumentText.string(ArgumentText.bytes(carried)) == carried)
    }

    @Test func plainUTF8IsItsOwnCarrier() {
        for text in ["", "-A", "10.0.0.1:80", "ü", "日本", "\u{1F600}"] {
            #expect(ArgumentText.string(bytes(text)) == text)
            #expect(ArgumentText.string(text) == text)
        }
        // A string holding a reserved scalar keeps it through its carrier.
        let reserved = "a\u{10FF41}b"
        #expect(ArgumentText.string(reserved) != reserved)
        #expect(ArgumentText.bytes(ArgumentText.string(reserved)) == bytes(reserved))
    }

    @Test func anUnexpectedArgumentIsEchoedInItsBytes() {
        let result = invoke(FakeIPVS(), argv("-A -t 10.0.0.1:80") + [[0xFF, 0xFE]])
        #expect(result.status == 2)
        #expect(result.errors == bytes("unexpected argument ") + [0xFF, 0xFE, 0x0A])
        // Through the [String] entry point too: a String is its UTF-8.
        let string = invoke(FakeIPVS(), argv("-A -t 10.0.0.1:80 \u{10FF41}"))
        #expect(string.errors == bytes("unexpected argument \u{10FF41}\n"))
    }

    @Test func schedulerFlagsAreEchoedInTheirBytes() {
        let invalid = invoke(FakeIPVS(), argv("-A -t 10.0.0.1:80 -s sh -b") + [[0xFF, 0xFE]])
        #expect(invalid.status == 2)
        #expect(invalid.errors == bytes("invalid scheduler flag `") + [0xFF, 0xFE] + bytes("'\n"))
        let listed = invoke(FakeIPVS(), argv("-A -t 10.0.0.1:80 -s sh -b") + [bytes("sh-port,") + [0xFF]])
        #expect(listed.errors == bytes("invalid scheduler flag `") + [0xFF] + bytes("'\n"))
    }

    @Test func otherEchoedWordsKeepTheirBytes() {
        let option = invoke(FakeIPVS(), [bytes("-A"), bytes("-t"), bytes("10.0.0.1:80"), bytes("--"), [0xFF]])
        #expect(option.errors == bytes("unexpected argument ") + [0xFF] + bytes("\n"))
        let unknown = invoke(FakeIPVS(), [bytes("-A"), bytes("--x") + [0xFF]])
        #expect(unknown.status == 255)
        #expect(unknown.errors == bytes("--x") + [0xFF] + bytes(": unknown option\n"))
        let timeout = invoke(FakeIPVS(), argv("-A -t 10.0.0.1:80 -p") + [[0xFF]])
        #expect(timeout.errors == bytes("invalid timeout value `") + [0xFF] + bytes("' specified\n"))
    }

    @Test func restoreLinesAreEchoedInTheirBytes() {
        let input = bytes("-A -t 10.0.0.1:80 ") + [0xFF, 0xFE] + bytes("\n")
        let result = invoke(FakeIPVS(), [bytes("-R")], stdin: input)
        #expect(result.status == 2)
        #expect(result.errors == bytes("unexpected argument ") + [0xFF, 0xFE, 0x0A])
        #expect(RestoreInput.lines(input).map { $0.map(ArgumentText.bytes) }.last?.last == [0xFF, 0xFE])
    }

    @Test func kernelNamesAreCutByBytes() {
        let fake = FakeIPVS()
        let name = [UInt8](repeating: 0xFF, count: 20)
        let result = invoke(fake, argv("-A -t 10.0.0.1:80 -s") + [name])
        #expect(result.status == 255)
        #expect(result.errors == bytes("Scheduler or persistence engine not found\n"))
        guard case .addService(_, let configuration)? = fake.requests.last else {
            Issue.record("no request")
            return
        }
        // 15 bytes cut, then as U+FFFD, as many as fit in 15 bytes: the kernel takes text.
        #expect(configuration.scheduler.rawValue == String(repeating: "\u{FFFD}", count: 5))
        #expect(ArgumentText.kernelName(String(repeating: "é", count: 9), maximumBytes: 15)
            == String(repeating: "é", count: 7))
        #expect(ArgumentText.kernelName("rr", maximumBytes: 15) == "rr")
    }
}

/// NUL bytes and long words in restore input, as ipvsadm's reader takes them.
@Suite("Restore words")
struct RestoreWordTests {
    static func lines(_ input: [UInt8]) -> [[[UInt8]]] {
        RestoreInput.lines(input).map { $0.map(ArgumentText.bytes) }
    }

    @Test func aWordEndsAtANulAndTheRestOfItIsDropped() {
        #expect(Self.lines(bytes("-A\0junk -t 10.0.0.4:80\n")) == [argv("-A -t 10.0.0.4:80")])
        #expect(Self.lines(bytes("-A -t 10.0.0.1:80\0:90 -s rr\n")) == [argv("-A -t 10.0.0.1:80 -s rr")])
        #expect(Self.lines(bytes("-s r\0r\0r\n")) == [argv("-s r")])
        // A newline still ends the line.
        #expect(Self.lines(bytes("-C\0ab\ncd\n")) == [argv("-C"), argv("cd")])
        // A word that starts with NUL is empty, and it is still a word.
        #expect(Self.lines(bytes("-A \0junk\n\0\n")) == [[bytes("-A"), []], [[]]])
        // "ipvsadm" cut by a NUL is dropped like "ipvsadm".
        #expect(Self.lines(bytes("ipvsadm\0x -C\n")) == [argv("-C")])
    }

    @Test func aWordIsAtMost4096Bytes() {
        let r = { (count: Int) in [UInt8](repeating: UInt8(ascii: "r"), count: count) }
        #expect(Self.lines(bytes("-s ") + r(4096) + bytes("\n")) == [[bytes("-s"), r(4096)]])
        #expect(Self.lines(bytes("-s ") + r(4097) + bytes("\n")) == [[bytes("-s"), r(4096), r(1)]])
        #expect(Self.lines(bytes("-s ") + r(8193)) == [[bytes("-s"), r(4096), r(4096), r(1)]])
        // The NUL cuts each part on its own.
        #expect(Self.lines(bytes("x\0") + r(5000) + bytes(" y\n")) == [[bytes("x"), r(906), bytes("y")]])
    }

    @Test func restoreRunsWhatTheReaderMadeOfTheWords() {
        let fake = FakeIPVS()
        let added = invoke(fake, [bytes("-R")], stdin: bytes("-A\0junk -t 10.0.0.4:80\n-A -t 10.0.0.1:80\0:90 -s rr\n"))
        #expect(added.status == 0 && added.errors.isEmpty)
        #expect(fake.requests == [
            .addService(tcp("10.0.0.4", 80), config()), .addService(tcp("10.0.0.1", 80), config("rr")),
        ])
        let long = bytes("-A -t 10.0.0.2:80 -s ") + [UInt8](repeating: UInt8(ascii: "r"), count: 4097) + bytes("\n")
        let split = invoke(fake, [bytes("-R")], stdin: long)
        #expect(split.status == 2)
        #expect(split.errors == bytes("unexpected argument r\n"))
    }
}
